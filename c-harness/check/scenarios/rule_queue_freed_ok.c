/*
 * rule_queue_freed_ok -- the counterpart of rule_queue_freed_bad: the DPC queues its worker and
 * frees it only if the queue failed; the callback frees it.  No finding.
 *
 * DEFECT_QUEUE_FREED (its variant rule_queue_freed_bad, variants.txt): the DPC frees its worker
 * when a first queue fails... and also when it succeeds, then queues it once more: a queue of a
 * freed worker (WI-M3, use after free).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
#if DEFECT_QUEUE_FREED
    (void)e;
#endif
    (void)context;
#if DEFECT_QUEUE_FREED
    (void)worker;
#else
    StorPortFreeWorker(e, worker);
#endif
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortInitializeWorker(x, &x->Worker) != STOR_STATUS_SUCCESS)
        return;
#if DEFECT_QUEUE_FREED
    StorPortFreeWorker(x, x->Worker);
    StorPortQueueWorkItem(x, callback, x->Worker, NULL);
#else
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(x, x->Worker);
#endif
}

STORK_SCENARIO("rule_queue_freed_ok", struct ext,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
