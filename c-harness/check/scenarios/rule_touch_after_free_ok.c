/*
 * rule_touch_after_free_ok -- the callback re-queues its worker once (the documented reuse) and
 * frees it on its second run, touching it no more after the free.  No finding.
 *
 * DEFECT_TOUCH_AFTER_FREE (its variant rule_touch_after_free_bad, variants.txt): the callback
 * frees its own worker, then, to "retry later", queues it again: it passes its worker to a call
 * after freeing it (WI-M4).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    int again;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
#if DEFECT_TOUCH_AFTER_FREE
    StorPortFreeWorker(x, worker);
#endif
    if (!x->again) {
        x->again = 1;
#if DEFECT_TOUCH_AFTER_FREE
        StorPortQueueWorkItem(x, callback, worker, NULL);
#else
        if (StorPortQueueWorkItem(x, callback, worker, NULL) == STOR_STATUS_SUCCESS)
            return;
#endif
    }
#if !DEFECT_TOUCH_AFTER_FREE
    StorPortFreeWorker(x, worker);
#endif
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback);
}

STORK_SCENARIO("rule_touch_after_free_ok", struct ext,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
