/*
 * poll_never_set -- the remove handler polls, with STORK_YIELD, a flag that only the callback
 * sets, but when the DPC's queue failed (removal began first) no callback will run: the poll
 * repeats forever while nothing else can go on.  That is a livelock (WI-M9), not merely a run
 * cut short by an unfair schedule (polling_loop_cut.c, where the callback could always run).
 *
 * expect: WI-M9
 * audit: --max-steps 2000 --max-schedules 3000 --runs 50
 */
#include <stork/scenario_parts.h>

struct ext {
    int done;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
    __atomic_store_n(&((struct ext *)e)->done, 1, __ATOMIC_RELEASE); /* no data race (WI-M11) */
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback); /* when the queue fails, nothing sets done */
}

static void teardown(void *e)
{
    struct ext *x = e;
    while (!__atomic_load_n(&x->done, __ATOMIC_ACQUIRE))
        STORK_YIELD();
}

STORK_SCENARIO("poll_never_set", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
