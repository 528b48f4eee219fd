/*
 * rule_dirql_bad -- the interrupt routine (DIRQL) queues the adapter's worker itself instead of
 * leaving it to a DPC: INVALID_IRQL, the work is not done (WI-M1).
 *
 * expect: WI-M1
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int finished;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    ((struct ext *)e)->finished = 1;
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void isr(void *e)
{
    struct ext *x = e;
    StorPortQueueWorkItem(x, callback, x->Worker, NULL);
}

static void teardown(void *e)
{
    struct ext *x = e;
    while (StorPortFreeWorker(x, x->Worker) == STOR_STATUS_BUSY)
        STORK_WAIT_UNTIL(x->finished);
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
