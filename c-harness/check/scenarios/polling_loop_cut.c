/*
 * polling_loop_cut -- the remove handler polls with STORK_YIELD() for a flag the callback
 * or the DPC sets.  The code is right, but a yield is a plain scheduling point: in the
 * schedules where the poller always goes on instead of the callback, the run never ends.  Those
 * runs are cut at --max-steps, and a search with a cut run is incomplete (exit 3), never clean;
 * written with STORK_WAIT_UNTIL(x->done), the same code explores clean (rule_hang_ok.c).
 *
 * expect: incomplete
 * audit: --max-steps 200 --runs 50
 */
#include <stork/scenario_parts.h>

struct ext {
    int done;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
    __atomic_store_n(&((struct ext *)e)->done, 1, __ATOMIC_RELEASE); /* InterlockedExchange */
}

static void dpc(void *e)
{
    if (!STORK_QUEUE_ONE_SHOT(e, callback))
        ((struct ext *)e)->done = 1;
}

static void teardown(void *e)
{
    struct ext *x = e;
    while (!__atomic_load_n(&x->done, __ATOMIC_ACQUIRE)) /* ReadAcquire: no data race (WI-M11) */
        STORK_YIELD();
}

STORK_SCENARIO("polling_loop_cut", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
