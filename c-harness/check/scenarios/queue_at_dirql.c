/*
 * queue_at_dirql -- the C twin of model/designs/queue_at_dirql.pml: the interrupt routine (DIRQL)
 * queues the adapter's worker directly instead of deferring to a DPC (WI-M1).  Storport answers
 * INVALID_IRQL and the work is not done; the lifecycle is otherwise clean (the remove handler
 * frees the idle worker).
 *
 * expect: WI-M1
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)e;
    (void)context;
    (void)worker;
}

STORK_ROUTINE_QUEUES_WORKER(isr, struct ext, Work)

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("queue_at_dirql", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"isr", STORK_DIRQL, isr}), .remove = teardown, .alloc_fail = 1);
