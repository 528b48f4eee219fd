/*
 * rule_dirql_ok -- the same routine run as a DPC (DISPATCH_LEVEL), as it should be: no
 * finding.
 * The callback frees its worker; the remove handler frees it only if it was never queued.
 *
 * DEFECT_DIRQL (its variant rule_dirql_bad, variants.txt): the interrupt routine (DIRQL) queues
 * the adapter's worker itself instead of leaving it to a DPC: INVALID_IRQL, the work is not
 * done (WI-M1). The callback frees its worker; the remove handler frees it only if it was never
 * queued.
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int queued;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

#if DEFECT_DIRQL
static void isr(void *e)
#else
static void dpc(void *e)
#endif
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

#if DEFECT_DIRQL
static const struct stork_routine routines[] = {{"isr", STORK_DIRQL, isr}};
#else
static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};
#endif

STORK_SCENARIO("rule_dirql_ok", struct ext, .find_adapter = find_adapter, .routines = routines,
               .nroutines = 1, .remove = teardown);
