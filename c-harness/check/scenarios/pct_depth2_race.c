/*
 * pct_depth2_race -- a seeded race of known depth, for the randomized search: three routines of
 * thirteen steps each, where the adapter's worker is freed twice (WI-M2) only if the middle step
 * of "scan" comes before that of "probe" and that of "probe" before that of "reset": two
 * ordering constraints, a bug of depth d = 2.  The exhaustive search runs the routines in order
 * first and would need about 8e15 schedules, so its budget cuts it short; PCT with --depth 2
 * finds the bug in a run with probability >= 1/(n*k) (n contexts, k steps).  The flags are
 * atomic (Interlocked*): the bug is the order, not a data race (WI-M11 would show in every run).
 *
 * expect: WI-M2
 * audit: --depth 2 --max-schedules 20000 --runs 2000
 */
#include <stork/scenario_parts.h>

#define HALF 6 /* steps before and after each routine's middle step */

struct ext {
    PVOID Worker;
    int scanned, probed;
};

static void work(int n)
{
    for (int i = 0; i < n; i++)
        STORK_YIELD();
}

static void reset(void *e)
{
    struct ext *x = e;
    work(HALF);
    if (__atomic_load_n(&x->probed, __ATOMIC_SEQ_CST))
        StorPortFreeWorker(x, x->Worker); /* believes the teardown will not */
    work(HALF);
}

static void probe(void *e)
{
    struct ext *x = e;
    work(HALF);
    if (__atomic_load_n(&x->scanned, __ATOMIC_SEQ_CST))
        __atomic_store_n(&x->probed, 1, __ATOMIC_SEQ_CST);
    work(HALF);
}

static void scan(void *e)
{
    struct ext *x = e;
    work(HALF);
    __atomic_store_n(&x->scanned, 1, __ATOMIC_SEQ_CST);
    work(HALF);
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
    StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("pct_depth2_race", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"reset", STORK_DISPATCH_LEVEL, reset},
                              {"probe", STORK_DISPATCH_LEVEL, probe},
                              {"scan", STORK_DISPATCH_LEVEL, scan}),
               .remove = teardown);
