/*
 * leak_workers_one_line -- one routine initialises three workers at the same line (a loop):
 * the first two are never queued, the third's callback returns without freeing it (and, when
 * the removal has begun, its queue fails and nobody frees it).  Three workers leak, so the
 * audit reports three WI-M7 findings at that line, not one, nor two (the first two leak the
 * same way in the same run); the third worker's two causes are one finding.  The report's
 * de-duplication (c-harness/check/defects.c) tells workers apart by who initialised them and
 * in which turn, not by the call site or the kind of leak.
 *
 * expect: WI-M7
 */
#include <stork/scenario_parts.h>

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)e;
    (void)context;
    (void)worker;
}

static void dpc(void *e)
{
    PVOID w[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        if (StorPortInitializeWorker(e, &w[i]) != STOR_STATUS_SUCCESS)
            return;
    StorPortQueueWorkItem(e, callback, w[2], NULL);
}

STORK_SCENARIO("leak_workers_one_line", char[8],
               STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
