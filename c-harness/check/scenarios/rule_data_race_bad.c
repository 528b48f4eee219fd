/*
 * rule_data_race_bad -- shared miniport state without ordering (WI-M11).  The callback and the
 * StartIo routine both count completions with no lock (count++ on two threads: a lost update);
 * the callback sets `done`, which the remove handler waits for, and only then writes `status`,
 * which the remove handler reads after its wait: the wait orders what came before the set, not
 * what the callback did after it.  Both counters of `stats` are bumped unlocked too.  Every
 * access happens in every schedule; the audit reports the races whatever order it ran them in.
 *
 * expect: WI-M11
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
    x->count++;                    /* races with startio's count++ */
    x->stats++;                    /* races with startio's stats++ */
    StorPortFreeWorker(x, worker);
    x->done = 1;                   /* the event the remove handler waits for */
    x->status = 1;                 /* after the event: races with the remove handler's read */
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
    x->count++;
    x->stats++;
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
    x->result = x->status;         /* races with the callback's write after the set */
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, dpc},
    {"startio", STORK_DISPATCH_LEVEL, startio},
};

const struct stork_scenario stork_scenario = {
    .name = "rule_data_race_bad",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = 2,
    .remove = teardown,
    .threads = 1,
};
