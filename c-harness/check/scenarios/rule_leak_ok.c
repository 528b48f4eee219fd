/*
 * rule_leak_ok -- the callback skips its work once the device is stopped, but frees its
 * worker on every path.  No finding.
 *
 * DEFECT_LEAK (its variant rule_leak_bad, variants.txt): the callback frees its worker only
 * when the device still runs; once the remove handler has marked it stopped, a callback that
 * starts late returns early and its worker leaks (WI-M7).
 *
 * WI-M11: `stopped` is set by the remove handler and read by the callback with no lock
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    int stopped;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
#if DEFECT_LEAK
    if (x->stopped)
        return;
#else
    if (!x->stopped)
        x->stopped = 0; /* the work */
#endif
    StorPortFreeWorker(x, worker);
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback);
}

static void teardown(void *e)
{
    ((struct ext *)e)->stopped = 1;
}

STORK_SCENARIO("rule_leak_ok", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
