/*
 * persistent_stop_flag_drain -- the C twin of model/designs/persistent_stop_flag_drain.pml: one
 * adapter worker for the adapter's whole life, initialised in HwFindAdapter, queued from a DPC,
 * re-queued from its own callback until a stop flag is set.  Under the spinlock the miniport
 * tracks whether a run is pending (queued by it, not started) and whether the callback is
 * inside; the remove handler sets the stop flag, waits until neither holds, then frees the
 * worker.  Two DPCs kick it.  The callback re-queues itself at most MAX_REQUEUES times: without
 * a bound, the schedules where removal never begins would never end (the model's state space
 * is finite on its own; a stateless search needs the bound).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

#define MAX_REQUEUES 2

struct ext {
    PVOID Worker; /* NULL if initialisation failed */
    int stop, pending, inside, requeues;
    struct stork_lock lock;
};

static VOID AdapterWork(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->pending = 0;
    x->inside = 1;
    STORK_UNLOCK(&x->lock);
    STORK_LOCK(&x->lock);
    if (!x->stop && x->requeues < MAX_REQUEUES) {
        x->requeues++;
        if (StorPortQueueWorkItem(x, AdapterWork, worker, NULL) == STOR_STATUS_SUCCESS)
            x->pending = 1; /* BUSY: a DPC's run is pending already, and its flag stays set */
    }
    STORK_UNLOCK(&x->lock);
    x->inside = 0;
}

static void kick(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    if (x->Worker && !x->stop && !x->pending)
        x->pending = StorPortQueueWorkItem(x, AdapterWork, x->Worker, NULL) == STOR_STATUS_SUCCESS;
    STORK_UNLOCK(&x->lock);
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->stop = 1;
    STORK_UNLOCK(&x->lock);
    STORK_WAIT_UNTIL(!x->pending && !x->inside);
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("persistent_stop_flag_drain", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, kick},
                              {"dpc2", STORK_DISPATCH_LEVEL, kick}),
               .remove = teardown, .alloc_fail = 1);
