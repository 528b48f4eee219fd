/*
 * rule_data_race_ok -- rule_data_race_bad with its shared state ordered (WI-M11 kept): the
 * completion count is taken under the extension's spinlock in the callback and in StartIo; the
 * callback writes `status` before it sets `done`, so the remove handler's wait orders the write
 * before its read; `stats`, a statistics counter, stays unlocked on purpose and is marked with
 * STORK_BENIGN_RACE (a lost increment only makes a displayed figure low).
 *
 * expect: clean
 */
#include <storport.h>

struct ext {
    int count, done, status, stats, result;
    struct stork_lock lock;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->count++;
    STORK_UNLOCK(&x->lock);
    x->stats++;
    StorPortFreeWorker(x, worker);
    x->status = 1;                 /* before the event: the wait orders it */
    x->done = 1;
}

static void dpc(void *e)
{
    struct ext *x = e;
    PVOID worker = NULL;
    if (StorPortInitializeWorker(x, &worker) != STOR_STATUS_SUCCESS)
        return;
    if (StorPortQueueWorkItem(x, callback, worker, NULL) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(x, worker);
        x->status = 1;
        x->done = 1;
    }
}

static void startio(void *e)
{
    struct ext *x = e;
    STORK_LOCK(&x->lock);
    x->count++;
    STORK_UNLOCK(&x->lock);
    x->stats++;
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    STORK_BENIGN_RACE(&x->stats, "a statistics counter: a lost increment only shows a low figure");
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
    x->result = x->status;         /* ordered: written before the set */
    STORK_ASSERT(x->result == 1);
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, dpc},
    {"startio", STORK_DISPATCH_LEVEL, startio},
};

const struct stork_scenario stork_scenario = {
    .name = "rule_data_race_ok",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 2,
    .remove = teardown,
    .threads = 1,
};
