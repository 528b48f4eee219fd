/*
 * rule_free_queued_ok -- the counterpart of rule_free_queued_bad: the DPC counts its successful
 * queue, the callback uncounts it as its last instruction, and the remove handler waits until
 * no run is queued or running before it frees, so the free can neither return BUSY nor race
 * the callback.  (Retrying a free on BUSY is not enough: between its dequeue and its return the
 * callback runs, and a free then succeeds under it.)  No finding.
 *
 * expect: clean
 */
#include <storport.h>

struct ext {
    PVOID Worker;
    int runs, in_flight;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    x->runs++;
    x->in_flight--; /* its last instruction: the callback has returned when this is 0 */
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    StorPortInitializeWorker(x, &x->Worker);
}

static void dpc(void *e)
{
    struct ext *x = e;
    /* counted before the queue: once queued, the callback may run (and count down) at once */
    x->in_flight++;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        x->in_flight--;
}

static void teardown(void *e)
{
    struct ext *x = e;
    STORK_WAIT_UNTIL(x->in_flight == 0);
    StorPortFreeWorker(x, x->Worker);
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
