/*
 * rule_free_running_ok -- the callback frees its own worker; the remove handler only waits
 * until the callback has finished and frees nothing.  No finding.
 *
 * DEFECT_FREE_RUNNING (its variant rule_free_running_bad, variants.txt): the remove handler
 * waits until the callback has started (not until it has returned) and frees the worker while
 * the callback still runs on its system thread (WI-M6); the callback then frees its own worker,
 * freed already (WI-M2 with the callback's view: WI-M4 is for a callback that freed it itself).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int started, finished, queued;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    x->started = 1;
    STORK_YIELD(); /* the registry writes: the callback runs a while */
    StorPortFreeWorker(x, worker);
    x->finished = 1;
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortInitializeWorker(x, &x->Worker) != STOR_STATUS_SUCCESS)
        return;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) == STOR_STATUS_SUCCESS)
        x->queued = 1;
    else
        StorPortFreeWorker(x, x->Worker);
}

static void teardown(void *e)
{
    struct ext *x = e;
    if (!x->queued)
        return;
#if DEFECT_FREE_RUNNING
    STORK_WAIT_UNTIL(x->started);
    StorPortFreeWorker(x, x->Worker);
#else
    STORK_WAIT_UNTIL(x->finished);
#endif
}

STORK_SCENARIO("rule_free_running_ok", struct ext,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
