/*
 * init_at_dirql -- the C twin of model/designs/init_at_dirql.pml: the interrupt routine (DIRQL)
 * creates a worker for deferred work (WI-M1).  Storport answers INVALID_IRQL and issues nothing;
 * the code handles the failure, so only the IRQL rule is broken.
 *
 * expect: WI-M1
 */
#include <stork/scenario_parts.h>

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void isr(void *e)
{
    STORK_QUEUE_ONE_SHOT(e, Work); /* at DIRQL: its initialisation answers INVALID_IRQL */
}

STORK_SCENARIO("init_at_dirql", char, STORK_ROUTINES({"isr", STORK_DIRQL, isr}), .alloc_fail = 1);
