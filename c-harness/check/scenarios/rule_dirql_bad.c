/*
 * rule_dirql_bad -- the interrupt routine (DIRQL) queues the adapter's worker itself instead of
 * leaving it to a DPC: INVALID_IRQL, the work is not done (WI-M1).
 * The callback frees its worker; the remove handler frees it only if it was never queued.
 *
 * expect: WI-M1
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int queued;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void isr(void *e)
{
    struct ext *x = e;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) == STOR_STATUS_SUCCESS)
        x->queued = 1;
}

static void teardown(void *e)
{
    struct ext *x = e;
    if (!x->queued)
        StorPortFreeWorker(x, x->Worker);
}

static const struct stork_routine routines[] = {{"isr", STORK_DIRQL, isr}};

const struct stork_scenario stork_scenario = {
    .name = "rule_dirql_bad",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
