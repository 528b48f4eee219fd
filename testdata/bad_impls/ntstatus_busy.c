/* Wrong: queueing a worker that is already queued returns the NTSTATUS STATUS_DEVICE_BUSY
 * (0x80000011) instead of STOR_STATUS_BUSY; a recording writes it in hex (trace format 2). */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *w, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, w, c);
    return st == STOR_STATUS_BUSY ? 0x80000011u : st;
}
BAD_IMPL("ntstatus-busy", queue_work_item, queue)
