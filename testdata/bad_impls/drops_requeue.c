/* Wrong: a re-queue from inside the running callback returns SUCCESS but is dropped. */
#include "wrap.h"

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *r, void *h, void *c)
{
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, h);
    bool running = s && s->w && s->w->running && s->w->state == W_IDLE;
    pthread_mutex_unlock(&a->lock);
    if (running && !irql_too_high(a) && r)
        return STOR_STATUS_SUCCESS;
    return ref_queue(a, ext, r, h, c);
}
BAD_IMPL("drops-requeue", queue_work_item, queue)
