/*
 * persistent_busy_handled -- the C twin of model/designs/persistent_busy_handled.pml: a
 * persistent adapter worker kicked by two DPCs that may fire at once.  A DPC that gets BUSY does
 * nothing more: the pending run does its work too (WI-Q2).  The remove handler drains (a pending
 * count and an inside flag kept under the spinlock, the callback clearing "inside" as its last
 * instruction) and frees.
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int pending; /* successful queues whose callback has not started (a count, not a flag) */
    int inside;
    struct stork_lock lock;
};

static VOID Work(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->pending--;
    x->inside = 1;
    STORK_UNLOCK(&x->lock);
    x->inside = 0;
}

static void kick(void *e)
{
    struct ext *x = e;
    if (!x->Worker)
        return;
    STORK_LOCK(&x->lock);
    if (StorPortQueueWorkItem(x, Work, x->Worker, NULL) == STOR_STATUS_SUCCESS)
        x->pending++;
    /* BUSY: already queued, that run does it; INVALID_DEVICE_STATE: removal began */
    STORK_UNLOCK(&x->lock);
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->pending == 0 && !x->inside);
    if (x->Worker)
        StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("persistent_busy_handled", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, kick},
                              {"dpc2", STORK_DISPATCH_LEVEL, kick}),
               .remove = teardown, .alloc_fail = 1);
