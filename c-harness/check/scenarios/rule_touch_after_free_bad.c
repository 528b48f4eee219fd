/*
 * rule_touch_after_free_bad -- the callback frees its own worker, then, to "retry later", queues
 * it again: it passes its worker to a call after freeing it (WI-M4).
 *
 * expect: WI-M4
 */
#include <storport.h>

struct ext {
    int again;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    StorPortFreeWorker(x, worker);
    if (!x->again) {
        x->again = 1;
        StorPortQueueWorkItem(x, callback, worker, NULL);
    }
}

static void dpc(void *e)
{
    PVOID worker = NULL;
    if (StorPortInitializeWorker(e, &worker) != STOR_STATUS_SUCCESS)
        return;
    if (StorPortQueueWorkItem(e, callback, worker, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(e, worker);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_touch_after_free_bad",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = 1,
};
