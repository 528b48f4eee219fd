/*
 * null_deref -- the callback dereferences a pointer the DPC never set.  The fault is the
 * miniport's, not bad input: a finding with the schedule of the run and its events up to the
 * fault.
 *
 * expect: STORK-CRASH
 */
#include <stork/scenario_parts.h>

struct ext {
    int *status; /* never set: NULL */
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
    *((struct ext *)e)->status = 1;
}

static void dpc(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, callback);
}

STORK_SCENARIO("null_deref", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
