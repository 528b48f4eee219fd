/*
 * rule_use_released_ok -- the remove handler drains the worker (nothing pending, no callback
 * inside) before it releases the queues.  No finding.
 *
 * DEFECT_USE_RELEASED (its variant rule_use_released_bad, variants.txt): the remove handler
 * releases the miniport's queues without draining the worker whose callback uses them: a
 * callback that runs after the release touches them (WI-M8).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    int pending, inside;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    x->inside = 1; /* before clearing pending: with pending clear first, the remove handler's */
    x->pending = 0; /* wait could end between the two (a scheduling point before each write) */
    STORK_USE_RESOURCES(); /* re-initialise the controller's queues */
    StorPortFreeWorker(x, worker);
    x->inside = 0;
}

static void dpc(void *e)
{
    struct ext *x = e;
    PVOID worker = NULL;
    if (StorPortInitializeWorker(x, &worker) != STOR_STATUS_SUCCESS)
        return;
    x->pending = 1;
    if (StorPortQueueWorkItem(x, callback, worker, NULL) != STOR_STATUS_SUCCESS) {
        x->pending = 0;
        StorPortFreeWorker(x, worker);
    }
}

static void teardown(void *e)
{
#if DEFECT_USE_RELEASED
    (void)e;
#else
    struct ext *x = e;
    STORK_WAIT_UNTIL(!x->pending && !x->inside);
#endif
    STORK_RELEASE_RESOURCES();
}

STORK_SCENARIO("rule_use_released_ok", struct ext,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
