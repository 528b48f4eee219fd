/*
 * leak_overwritten_handle -- the C twin of model/designs/leak_overwritten_handle.pml: a worker
 * kept in the device extension is created in HwFindAdapter; a later event "refreshes" it by
 * initialising a new worker into the same field without freeing the old one.  The remove
 * handler frees whatever the field holds once drained; the first worker is never freed (WI-M7).
 *
 * expect: WI-M7
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
    int pending, inside;
    struct stork_lock lock;
};

static void refresh(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    if (!x->pending)
        StorPortInitializeWorker(x, &x->Worker); /* overwrites the field */
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

STORK_SCENARIO("leak_overwritten_handle", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"timer", STORK_DISPATCH_LEVEL, refresh}), .remove = teardown,
               .alloc_fail = 1);
