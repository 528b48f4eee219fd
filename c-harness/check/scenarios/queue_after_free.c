/*
 * queue_after_free -- the C twin of model/designs/queue_after_free.pml: an error path frees the
 * worker and the normal path then queues it anyway: a DPC that finds the device busy drops its
 * worker, but falls through to the queue (WI-M3, use after free).
 *
 * expect: WI-M11 WI-M3
 * WI-M11: `device_busy` is set by one routine and read by another with no lock
 */
#include <stork/scenario_parts.h>

struct ext {
    int device_busy;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    PVOID w = NULL;
    if (StorPortInitializeWorker(x, &w) != STOR_STATUS_SUCCESS)
        return;
    if (x->device_busy)
        StorPortFreeWorker(x, w); /* no return */
    ULONG st = StorPortQueueWorkItem(x, Work, w, NULL);
    if (st != STOR_STATUS_SUCCESS && st != STOR_STATUS_INVALID_PARAMETER)
        StorPortFreeWorker(x, w);
}

static void busy(void *e)
{
    ((struct ext *)e)->device_busy = 1;
}

STORK_SCENARIO("queue_after_free", struct ext,
               STORK_ROUTINES({"busy", STORK_DISPATCH_LEVEL, busy},
                              {"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .alloc_fail = 1);
