/*
 * preempt_signal_before_return -- the callback signals "done" (clears `inside`) and then still
 * counts a completion before it returns; the remove handler waits for the signal and frees the
 * worker, believing the callback over.  It is not: the free comes while the callback runs
 * (WI-M6).  Between the signal and the return there is no StorPort call and no STORK_* point,
 * so without --preempt-at-accesses that stretch runs atomically and the audit finds nothing
 * (conformance/tests/test_audit.py checks both); with it, the scheduler may switch before the
 * `completions` access, after the signal.  No data race: `inside` is the event, `completions`
 * is the callback's alone.
 *
 * expect: WI-M6
 * audit: --preempt-at-accesses
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int inside, completions;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    x->inside = 0;        /* "done": the remove handler may free the worker now */
    x->completions++;     /* ... but the callback still runs */
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    x->inside = 1;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        x->inside = 0;
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->inside == 0);
    StorPortFreeWorker(x, x->Worker);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "preempt_signal_before_return",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
    .threads = 1,
};
