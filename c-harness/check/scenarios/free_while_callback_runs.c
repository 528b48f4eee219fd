/*
 * free_while_callback_runs -- the C twin of model/designs/free_while_callback_runs.pml: the
 * remove handler frees the persistent worker as soon as it is not queued (retrying while the
 * free returns BUSY), without waiting for a callback that is running; that callback then
 * re-queues its worker, now freed.  The free while the callback runs (WI-M6) is the defect, the
 * queue of the freed worker (WI-M3) its consequence.  The retry waits for the next callback to
 * start, rather than spinning, so that every schedule ends.
 *
 * expect: WI-M11 WI-M3 WI-M6
 * WI-M11: the callback's `starts++` and the remove handler's plain read of it before its wait are unordered
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int again, starts;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    x->starts++;
    STORK_YIELD(); /* the callback's work */
    if (!x->again) {
        x->again = 1;
        StorPortQueueWorkItem(x, Work, worker, NULL); /* once more */
    }
}

STORK_ROUTINE_QUEUES_WORKER(dpc, struct ext, Work)

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    if (!x->Worker)
        return;
    int seen = x->starts;
    while (StorPortFreeWorker(x, x->Worker) == STOR_STATUS_BUSY) { /* running is not checked */
        STORK_WAIT_UNTIL(x->starts != seen);
        seen = x->starts;
    }
}

STORK_SCENARIO("free_while_callback_runs", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown,
               .alloc_fail = 1);
