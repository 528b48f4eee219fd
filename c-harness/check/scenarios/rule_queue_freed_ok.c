/*
 * rule_queue_freed_ok -- the counterpart of rule_queue_freed_bad: the DPC queues its worker and
 * frees it only if the queue failed; the callback frees it.  No finding.
 *
 * expect: clean
 */
#include <storport.h>

struct ext {
    PVOID Worker;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortInitializeWorker(x, &x->Worker) != STOR_STATUS_SUCCESS)
        return;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(x, x->Worker);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_queue_freed_ok",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = 1,
};
