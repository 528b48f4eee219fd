/* Wrong: the queue call runs the callback itself instead of posting it. */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *h, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, h, c);
    if (st == STOR_STATUS_SUCCESS)
        r(ext, c, h);
    return st;
}
BAD_IMPL("runs-inline", queue_work_item, queue)
