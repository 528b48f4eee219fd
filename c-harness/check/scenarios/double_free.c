/*
 * double_free -- the C twin of model/designs/double_free.pml: the callback frees its own worker
 * (the documented one-shot pattern), but the remove handler, written for a persistent worker,
 * also frees the handle it kept: after the callback ran, that is a second free of the same
 * worker (WI-M2).  The handler drains first, so the double free is the only defect.
 *
 * expect: WI-M2
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int pending, inside;
    struct stork_lock lock;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->inside = 1; /* before clearing pending: the remove handler reads both without the lock */
    x->pending = 0;
    STORK_UNLOCK(&x->lock);
    StorPortFreeWorker(x, worker); /* x->Worker still holds the handle */
    x->inside = 0;
}

static void dpc(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    if (x->Worker && !x->pending)
        x->pending = StorPortQueueWorkItem(x, Work, x->Worker, NULL) == STOR_STATUS_SUCCESS;
    STORK_UNLOCK(&x->lock);
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(!x->pending && !x->inside);
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("double_free", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown,
               .alloc_fail = 1);
