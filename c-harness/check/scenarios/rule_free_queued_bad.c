/*
 * rule_free_queued_bad -- a persistent worker kicked by a DPC; its callback does not free it.
 * The remove handler frees it once and ignores the status: when the worker is still queued
 * the free returns BUSY and frees nothing, and nothing frees it after (WI-M5); when the
 * callback has just been dequeued, the free succeeds while the callback runs (WI-M6).
 *
 * expect: WI-M5 WI-M6
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int runs;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    x->runs++;
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    StorPortQueueWorkItem(x, callback, x->Worker, NULL);
}

static void teardown(void *e)
{
    struct ext *x = e;
    StorPortFreeWorker(x, x->Worker);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_free_queued_bad",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
