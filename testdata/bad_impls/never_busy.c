/* Wrong: queueing a worker that is already queued returns SUCCESS instead of BUSY. */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *w, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, w, c);
    return st == STOR_STATUS_BUSY ? STOR_STATUS_SUCCESS : st;
}
BAD_IMPL("never-busy", queue_work_item, queue)
