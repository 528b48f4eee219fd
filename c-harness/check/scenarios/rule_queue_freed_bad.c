/*
 * rule_queue_freed_bad -- the DPC frees its worker when a first queue fails... and also when it
 * succeeds, then queues it once more: a queue of a freed worker (WI-M3, use after free).
 *
 * expect: WI-M3
 */
#include <storport.h>

struct ext {
    PVOID Worker;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)e;
    (void)context;
    (void)worker;
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortInitializeWorker(x, &x->Worker) != STOR_STATUS_SUCCESS)
        return;
    StorPortFreeWorker(x, x->Worker);
    StorPortQueueWorkItem(x, callback, x->Worker, NULL);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_queue_freed_bad",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = 1,
};
