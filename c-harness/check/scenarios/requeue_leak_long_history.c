/*
 * requeue_leak_long_history -- the callback re-queues its own worker 200 times, then returns
 * without freeing it: a leak (WI-M7) whose worker's history is 600 events, almost all of them
 * one start, queue, return repeated; the report writes that stretch once, with "× 199".
 *
 * expect: WI-M7
 */
#include <stork/scenario_parts.h>

#define RUNS 200

/* The extension is the count of the callback's runs. */
static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    int *runs = e;
    if (++*runs < RUNS)
        StorPortQueueWorkItem(e, callback, worker, context);
}

static void dpc(void *e)
{
    PVOID worker = NULL;
    if (StorPortInitializeWorker(e, &worker) == STOR_STATUS_SUCCESS)
        StorPortQueueWorkItem(e, callback, worker, NULL); /* a failed queue leaks it too */
}

STORK_SCENARIO("requeue_leak_long_history", int,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
