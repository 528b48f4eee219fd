/*
 * rule_dirql_ok -- the same routine run as a DPC (DISPATCH_LEVEL), as it should be: no
 * finding.
 *
 * expect: clean
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

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, isr}};

const struct stork_scenario stork_scenario = {
    .name = "rule_dirql_ok",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
