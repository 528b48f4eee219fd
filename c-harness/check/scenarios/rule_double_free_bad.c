/*
 * rule_double_free_bad -- a DPC queues the adapter's worker, whose callback frees it; the
 * remove handler frees it again without knowing (WI-M2), on every schedule.
 *
 * expect: WI-M2
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int done;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    struct ext *x = e;
    StorPortFreeWorker(x, worker);
    x->done = 1;
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(x, x->Worker);
        x->done = 1;
    }
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->done);
    StorPortFreeWorker(x, x->Worker);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_double_free_bad",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
