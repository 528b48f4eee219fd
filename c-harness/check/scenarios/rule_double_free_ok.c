/*
 * rule_double_free_ok -- as rule_double_free_bad, but whoever frees the worker clears the
 * field, and the remove handler frees only a worker still held: no finding.
 *
 * DEFECT_DOUBLE_FREE (its variant rule_double_free_bad, variants.txt): a DPC queues the
 * adapter's worker, whose callback frees it; the remove handler frees it again without knowing
 * (WI-M2), on every schedule.
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int done;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    StorPortFreeWorker(x, worker);
#if !DEFECT_DOUBLE_FREE
    x->Worker = NULL;
#endif
    x->done = 1;
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(x, x->Worker);
#if !DEFECT_DOUBLE_FREE
        x->Worker = NULL;
#endif
        x->done = 1;
    }
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
#if DEFECT_DOUBLE_FREE
    StorPortFreeWorker(x, x->Worker);
#else
    if (x->Worker != NULL)
        StorPortFreeWorker(x, x->Worker);
#endif
}

STORK_SCENARIO("rule_double_free_ok", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
