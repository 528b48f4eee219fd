/*
 * rule_never_issued_bad -- the `&field` mistake: the remove handler passes the address of the
 * field that holds the worker instead of the worker.  The runtime never issued that value
 * (WI-M3), so nothing is freed and the worker leaks (WI-M7).
 *
 * expect: WI-M3 WI-M7
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
    StorPortFreeWorker(x, &x->Worker);
}

const struct stork_scenario stork_scenario = {
    .name = "rule_never_issued_bad",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .remove = teardown,
};
