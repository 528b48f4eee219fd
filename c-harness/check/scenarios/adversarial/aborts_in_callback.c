/*
 * aborts_in_callback -- the callback calls abort() (an assert() of the miniport's own, say) in
 * the schedules where removal began before it ran.  The program dies of SIGABRT in the middle
 * of the search: a finding with the schedule that got there, not a verdict on the schedules
 * explored before it.
 *
 * expect: STORK-CRASH
 */
#include <stdlib.h>

#include <stork/scenario_parts.h>

struct ext {
    int removing;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
    if (((struct ext *)e)->removing)
        abort();
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback);
}

static void teardown(void *e)
{
    ((struct ext *)e)->removing = 1;
}

STORK_SCENARIO("aborts_in_callback", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
