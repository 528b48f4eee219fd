/*
 * rule_touch_after_free_ok -- the callback re-queues its worker once (the documented reuse) and
 * frees it on its second run, touching it no more after the free.  No finding.
 *
 * expect: clean
 */
#include <storport.h>

struct ext {
    int again;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    if (!x->again) {
        x->again = 1;
        if (StorPortQueueWorkItem(x, callback, worker, NULL) == STOR_STATUS_SUCCESS)
            return;
    }
    StorPortFreeWorker(x, worker);
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
    .name = "rule_touch_after_free_ok",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = 1,
};
