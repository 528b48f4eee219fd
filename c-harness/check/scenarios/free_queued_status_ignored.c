/*
 * free_queued_status_ignored -- the C twin of model/designs/free_queued_status_ignored.pml: the
 * remove handler waits until the callback is not running, then frees the persistent worker and
 * forgets it without looking at the status.  When the worker is still queued the free returns
 * BUSY and frees nothing: the callback runs later and nobody frees the worker (WI-M5).  The
 * "not running" test is too weak besides: the flag is set by the callback's first instruction,
 * so the worker may already be dequeued and its callback under way when the handler frees it;
 * but this callback never uses its worker, so that free is after its last use and not WI-M6
 * (its position, spec/contract.md; the audit reported WI-M6 at the free before it).
 *
 * expect: WI-M5
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int inside;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    x->inside = 1;
    STORK_YIELD(); /* the callback's work */
    x->inside = 0;
}

STORK_ROUTINE_QUEUES_WORKER(dpc, struct ext, Work)

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(!x->inside);
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker); /* status ignored */
    x->Worker = NULL;
}

STORK_SCENARIO("free_queued_status_ignored", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown,
               .alloc_fail = 1);
