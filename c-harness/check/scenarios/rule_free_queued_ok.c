/*
 * rule_free_queued_ok -- a persistent worker kicked by a DPC; its callback does not free it.
 * The remove handler checks the free's status: on BUSY (still queued) it waits for the
 * queued run to finish and frees again.  No finding.
 *
 * expect: clean
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
    x->runs++; /* its last instruction: the callback has returned when runs moves */
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
    int seen = x->runs;
    while (StorPortFreeWorker(x, x->Worker) == STOR_STATUS_BUSY) {
        STORK_WAIT_UNTIL(x->runs != seen);
        seen = x->runs;
    }
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "rule_free_queued_ok",
    .extension_size = sizeof(struct ext),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 1,
    .remove = teardown,
};
