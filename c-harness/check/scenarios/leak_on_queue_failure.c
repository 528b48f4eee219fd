/*
 * leak_on_queue_failure -- the C twin of model/designs/leak_on_queue_failure.pml: the storahci
 * one-shot pattern without its failure path: the completion routine initialises a worker and
 * queues it, but when the queue fails (removal began: INVALID_DEVICE_STATE) it forgets the
 * worker instead of freeing it (WI-M7).
 *
 * expect: WI-M7
 */
#include <stork/scenario_parts.h>

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void completion(void *e)
{
    PVOID w = NULL;
    if (StorPortInitializeWorker(e, &w) == STOR_STATUS_SUCCESS)
        StorPortQueueWorkItem(e, Work, w, NULL); /* a failed queue leaves w behind */
}

STORK_SCENARIO("leak_on_queue_failure", char,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, completion}), .alloc_fail = 1);
