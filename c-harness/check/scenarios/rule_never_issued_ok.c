/*
 * rule_never_issued_ok -- the remove handler frees the worker it holds: no finding (the
 * counterpart of rule_never_issued_bad).
 *
 * expect: clean
 */
#include <storport.h>

struct ext {
    PVOID Worker;
};

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void teardown(void *e)
{
    struct ext *x = e;
    StorPortFreeWorker(x, x->Worker);
}

const struct stork_scenario stork_scenario = {
    .name = "rule_never_issued_ok",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .remove = teardown,
};
