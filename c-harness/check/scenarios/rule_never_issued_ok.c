/*
 * rule_never_issued_ok -- the remove handler frees the worker it holds: no finding (the
 * counterpart of rule_never_issued_bad).
 *
 * DEFECT_NEVER_ISSUED (its variant rule_never_issued_bad, variants.txt): the `&field` mistake:
 * the remove handler passes the address of the field that holds the worker instead of the
 * worker.  The runtime never issued that value (WI-M3), so nothing is freed and the worker
 * leaks (WI-M7).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
};

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void teardown(void *e)
{
    struct ext *x = e;
#if DEFECT_NEVER_ISSUED
    StorPortFreeWorker(x, &x->Worker);
#else
    StorPortFreeWorker(x, x->Worker);
#endif
}

STORK_SCENARIO("rule_never_issued_ok", struct ext, .find_adapter = find_adapter,
               .remove = teardown);
