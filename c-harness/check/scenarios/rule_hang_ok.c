/*
 * rule_hang_ok -- the DPC signals completion itself when its queue fails, so the remove
 * handler's wait always ends.  No finding.
 *
 * DEFECT_HANG (its variant rule_hang_bad, variants.txt): the remove handler waits for the
 * callback to signal completion, but the DPC may have failed to queue the worker (removal had
 * begun): nothing will ever signal, and the remove handler waits forever (WI-M9).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    int done;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    StorPortFreeWorker(x, worker);
    x->done = 1;
}

static void dpc(void *e)
{
#if DEFECT_HANG
    STORK_QUEUE_ONE_SHOT(e, callback);
#else
    if (!STORK_QUEUE_ONE_SHOT(e, callback)) /* not queued: no callback will signal */
        ((struct ext *)e)->done = 1;
#endif
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
}

STORK_SCENARIO("rule_hang_ok", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
