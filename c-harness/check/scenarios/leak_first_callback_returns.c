/*
 * leak_first_callback_returns -- two routines make their workers with one helper (one
 * StorPortInitializeWorker line) and queue them with two callbacks; whichever callback runs
 * first returns without freeing its worker, the other frees its own.  Every schedule leaks one
 * worker, made at the same line and lost the same way (its callback returned), but which one
 * depends on the order: two defects (two callbacks to fix), each shown only by some schedules.
 * An audit that keeps one finding per rule, line and kind of leak reports one and hides the
 * other; the audit keys a leak by where its last handle was lost (c-harness/check/defects.c),
 * so it reports two WI-M7 findings at the helper's line, each with how many runs showed it.
 *
 * expect: WI-M7
 */
#include <stork/scenario_parts.h>

struct ext {
    int ran; /* callbacks started, counted atomically */
};

static PVOID make_worker(void *e)
{
    PVOID w = NULL;
    if (StorPortInitializeWorker(e, &w) != STOR_STATUS_SUCCESS)
        return NULL;
    return w;
}

/* The first callback to run returns early: its worker leaks. */
static BOOLEAN first(struct ext *x)
{
    return __atomic_fetch_add(&x->ran, 1, __ATOMIC_SEQ_CST) == 0;
}

static VOID callback_a(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    if (first(e))
        return;
    StorPortFreeWorker(e, worker);
}

static VOID callback_b(PVOID e, PVOID context, PVOID worker)
{
    (void)context;
    if (first(e))
        return;
    StorPortFreeWorker(e, worker);
}

static void dpc_a(void *e)
{
    PVOID w = make_worker(e);
    if (w && StorPortQueueWorkItem(e, callback_a, w, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(e, w);
}

static void dpc_b(void *e)
{
    PVOID w = make_worker(e);
    if (w && StorPortQueueWorkItem(e, callback_b, w, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(e, w);
}

STORK_SCENARIO("leak_first_callback_returns", struct ext,
               STORK_ROUTINES({"dpc_a", STORK_DISPATCH_LEVEL, dpc_a},
                              {"dpc_b", STORK_DISPATCH_LEVEL, dpc_b}));
