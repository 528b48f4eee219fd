/*
 * rule_free_queued_ok -- the counterpart of rule_free_queued_bad: the DPC counts its successful
 * queue, the callback uncounts it as its last instruction, and the remove handler waits until
 * no run is queued or running before it frees, so the free cannot return BUSY.  (A free after
 * the uncount comes while the callback still runs, after its last use of the worker: not
 * WI-M6, by its position in spec/contract.md.)  No finding.
 *
 * DEFECT_FREE_QUEUED (its variant rule_free_queued_bad, variants.txt): a persistent worker
 * kicked by a DPC; its callback does not free it. The remove handler frees it once and ignores
 * the status: when the worker is still queued the free returns BUSY and frees nothing, and
 * nothing frees it after (WI-M5).  When the callback has just been dequeued the free succeeds
 * while it runs, which is no WI-M6: this callback never uses its worker (the audit reported
 * WI-M6 there before WI-M6's position).
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
#if DEFECT_FREE_QUEUED
    int runs;
#else
    int runs, in_flight;
#endif
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    (void)worker;
    struct ext *x = e;
    x->runs++;
#if !DEFECT_FREE_QUEUED
    x->in_flight--; /* its last instruction: the callback has returned when this is 0 */
#endif
}

STORK_FIND_ADAPTER_INIT_WORKER(struct ext)

static void dpc(void *e)
{
    struct ext *x = e;
#if DEFECT_FREE_QUEUED
    StorPortQueueWorkItem(x, callback, x->Worker, NULL);
#else
    /* counted before the queue: once queued, the callback may run (and count down) at once */
    x->in_flight++;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS)
        x->in_flight--;
#endif
}

static void teardown(void *e)
{
    struct ext *x = e;
#if !DEFECT_FREE_QUEUED
    STORK_WAIT_UNTIL(x->in_flight == 0);
#endif
    StorPortFreeWorker(x, x->Worker);
}

STORK_SCENARIO("rule_free_queued_ok", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
