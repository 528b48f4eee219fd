/*
 * assert_fails -- the scenario asserts that the callback has run by the time the remove handler
 * starts, which holds in some schedules but not in those where removal began first and the
 * queue failed.  A failing STORK_ASSERT is a finding with its schedule, file:line and trace.
 *
 * expect: STORK-ASSERT
 */
#include <stork/scenario_parts.h>

struct ext {
    int ran;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    ((struct ext *)e)->ran = 1;
    StorPortFreeWorker(e, worker);
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback);
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_ASSERT(x->ran);
}

STORK_SCENARIO("assert_fails", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
