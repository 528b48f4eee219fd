/*
 * teardown_waits_forever -- the C twin of model/designs/teardown_waits_forever.pml: the remove
 * handler waits for the callback's "done" event before freeing the worker, but the event is set
 * only by a callback that ran: when the DPC's queue failed (removal began first), nobody sets it
 * and removal hangs (WI-M9).
 *
 * expect: WI-M9
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int done;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    ((struct ext *)e)->done = 1;
}

STORK_ROUTINE_QUEUES_WORKER(dpc, struct ext, Work)

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    if (!x->Worker)
        return;
    STORK_WAIT_UNTIL(x->done);
    StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("teardown_waits_forever", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown,
               .alloc_fail = 1);
