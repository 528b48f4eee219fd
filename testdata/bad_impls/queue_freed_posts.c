/* Wrong: a queue of a freed worker answers SUCCESS and posts it (the report's advice must be
 * about the refused queue, not about re-queueing a running worker). */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *w, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, w, c);
    struct slot *s = slot_of(a, w);
    if (st != STOR_STATUS_INVALID_PARAMETER || !s || s->w)
        return st;
    a->env->post(a->env, w, s);
    return STOR_STATUS_SUCCESS;
}
BAD_IMPL("queue-freed-posts", queue_work_item, queue)
