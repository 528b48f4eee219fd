/*
 * rule_data_race_ok -- rule_data_race_bad with its shared state ordered (WI-M11 kept): the
 * completion count is taken under the extension's spinlock in the callback and in StartIo; the
 * callback writes `status` before it sets `done`, so the remove handler's wait orders the write
 * before its read; `stats`, a statistics counter, stays unlocked on purpose and is marked with
 * STORK_BENIGN_RACE (a lost increment only makes a displayed figure low).
 *
 * DEFECT_DATA_RACE (its variant rule_data_race_bad, variants.txt): shared miniport state
 * without ordering (WI-M11).  The callback and the StartIo routine both count completions with
 * no lock (count++ on two threads: a lost update); the callback sets `done`, which the remove
 * handler waits for, and only then writes `status`, which the remove handler reads after its
 * wait: the wait orders what came before the set, not what the callback did after it.  Both
 * counters of `stats` are bumped unlocked too.  Every access happens in every schedule; the
 * audit reports the races whatever order it ran them in.
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    int count, done, status, stats, result;
    struct stork_lock lock;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
#if DEFECT_DATA_RACE
    x->count++;                    /* races with startio's count++ */
    x->stats++;                    /* races with startio's stats++ */
#else
    STORK_LOCK(&x->lock);
    x->count++;
    STORK_UNLOCK(&x->lock);
    x->stats++;
#endif
    StorPortFreeWorker(x, worker);
#if DEFECT_DATA_RACE
    x->done = 1;                   /* the event the remove handler waits for */
    x->status = 1;                 /* after the event: races with the remove handler's read */
#else
    x->status = 1;                 /* before the event: the wait orders it */
    x->done = 1;
#endif
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (!STORK_QUEUE_ONE_SHOT(x, callback)) {
        x->status = 1;
        x->done = 1;
    }
}

static void startio(void *e)
{
    struct ext *x = e;
#if !DEFECT_DATA_RACE
    STORK_LOCK(&x->lock);
#endif
    x->count++;
#if !DEFECT_DATA_RACE
    STORK_UNLOCK(&x->lock);
#endif
    x->stats++;
}

#if DEFECT_DATA_RACE
#define FIND_ADAPTER NULL /* nothing marked benign */
#else
static void find_adapter(void *e)
{
    struct ext *x = e;
    STORK_BENIGN_RACE(&x->stats, "a statistics counter: a lost increment only shows a low figure");
}
#define FIND_ADAPTER find_adapter
#endif

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
#if DEFECT_DATA_RACE
    x->result = x->status;         /* races with the callback's write after the set */
#else
    x->result = x->status;         /* ordered: written before the set */
    STORK_ASSERT(x->result == 1);
#endif
}

STORK_SCENARIO("rule_data_race_ok", struct ext, .find_adapter = FIND_ADAPTER,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc},
                              {"startio", STORK_DISPATCH_LEVEL, startio}),
               .remove = teardown, .threads = 1);
