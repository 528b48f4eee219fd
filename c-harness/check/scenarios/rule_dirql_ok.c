/*
 * rule_dirql_ok -- the same routine run as a DPC (DISPATCH_LEVEL), as it should be: no
 * finding.
 * The callback frees its worker; the remove handler frees it only if it was never queued.
 *
 * expect: clean
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

static void dpc(void *e)
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

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_dirql_ok",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
