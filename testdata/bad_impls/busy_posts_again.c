/* Wrong: a queue of a queued worker answers SUCCESS and posts the worker a second time (the
 * report must show the wrong status, BUSY expected, not only the second post). */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *w, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, w, c);
    if (st != STOR_STATUS_BUSY)
        return st;
    a->env->post(a->env, w, slot_of(a, w)->w);
    return STOR_STATUS_SUCCESS;
}
BAD_IMPL("busy-posts-again", queue_work_item, queue)
