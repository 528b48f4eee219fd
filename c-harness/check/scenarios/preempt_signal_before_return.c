/*
 * preempt_signal_before_return -- the C twin of model/designs/preempt_signal_before_return.pml:
 * the callback signals "done" (clears `inside`) and then still counts a completion before it
 * returns; the remove handler waits for the signal and frees the worker.  The free may come
 * after the signal and before the return: while the callback runs, but after its last use of
 * the worker, which WI-M6's position (spec/contract.md) makes the same as the callback's own
 * free: no finding.  The callback's `completions++` after the free is fine too: the extension
 * is the adapter's until its release, which waits for running callbacks, and the remove handler
 * releases nothing of the miniport's own (a STORK_RELEASE_RESOURCES before the free would make
 * it WI-M8).  No data race: `inside` is the event, `completions` is the callback's alone.
 * Between the signal and the return there is no StorPort call and no STORK_* point: only the
 * scheduling points at shared accesses (the default; not with --preempt-at-calls) reach the
 * schedules where the free comes between the two.
 *
 * DEFECT_FREE_AFTER_SIGNAL (its variant preempt_free_after_signal, variants.txt): after the
 * signal the callback frees its worker too.  Where the remove handler's free comes between the
 * two, the callback passes its worker to StorPortFreeWorker after another context freed it
 * (WI-M6, at the callback's free, naming the remove handler's) and frees it twice (WI-M2);
 * where the callback's comes first, the remove handler's is the second (WI-M2).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int inside, completions;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    x->inside = 0;        /* "done": the remove handler may free the worker now */
#if DEFECT_FREE_AFTER_SIGNAL
    StorPortFreeWorker(x, worker); /* ... but the callback still uses it */
#else
    (void)worker;
#endif
    x->completions++;     /* ... and still runs */
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (!x->Worker) /* the initialisation failed */
        return;
    x->inside = 1;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        x->inside = 0;
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->inside == 0);
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("preempt_signal_before_return", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown, .threads = 1,
               .alloc_fail = 1);
