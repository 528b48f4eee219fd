/*
 * retry_livelock -- the callback frees its own worker, and the remove handler, to be sure,
 * frees it again until StorPortFreeWorker says SUCCESS.  Once the callback has freed it, every
 * free answers UNSUCCESSFUL, and the remove handler repeats the same call with the same answer
 * while nothing else can go on: a livelock (WI-M9), beside the double free (WI-M2) and, when the
 * remove handler's free comes while the callback runs, a free of a running worker (WI-M6).  The
 * report shows the loop once, with its repeat count.
 *
 * expect: WI-M2 WI-M6 WI-M9
 * audit: --max-steps 2000 --max-schedules 3000 --runs 50
 */
#include <stork/scenario_parts.h>

struct ext {
    PVOID Worker;
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    StorPortFreeWorker(e, worker);
}

static void find_adapter(void *e)
{
    struct ext *x = e;
    if (StorPortInitializeWorker(x, &x->Worker) != STOR_STATUS_SUCCESS)
        x->Worker = NULL;
}

static void dpc(void *e)
{
    struct ext *x = e;
    if (StorPortQueueWorkItem(x, callback, x->Worker, NULL) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(x, x->Worker);
        x->Worker = NULL;
    }
}

static void teardown(void *e)
{
    struct ext *x = e;
    if (!x->Worker)
        return;
    while (StorPortFreeWorker(x, x->Worker) != STOR_STATUS_SUCCESS)
        ; /* BUSY: still queued, try again; UNSUCCESSFUL: ... forever */
    x->Worker = NULL;
}

STORK_SCENARIO("retry_livelock", struct ext, .find_adapter = find_adapter,
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
