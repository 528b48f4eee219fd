/* Wrong: a worker re-queued while its callback runs is posted at once (its callback could
 * overlap itself on another system thread). */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *h, void *c)
{
    STORK_ULONG st = ref_queue(a, ext, r, h, c);
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, h);
    if (st == STOR_STATUS_SUCCESS && s && s->w && s->w->running && !s->w->posted) {
        s->w->posted = true;
        a->env->post(a->env, h, s->w);
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}
BAD_IMPL("posts-while-running", queue_work_item, queue)
