/*
 * leak_two_workers_one_line -- one routine initialises two workers at the same line (a loop):
 * the first is never queued, the second's callback returns without freeing it (and, when the
 * removal has begun, its queue fails and nobody frees it).  Two workers leak, so the audit
 * reports two WI-M7 findings at that line, not one; the second worker's two causes are one
 * finding (the report's de-duplication, c-harness/check/defects.c, told apart by who
 * initialised the worker and in which turn, not by the call site alone).
 *
 * expect: WI-M7
 */
#include <storport.h>

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    (void)e;
    (void)context;
    (void)worker;
}

static void dpc(void *e)
{
    PVOID w[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++)
        if (StorPortInitializeWorker(e, &w[i]) != STOR_STATUS_SUCCESS)
            return;
    StorPortQueueWorkItem(e, callback, w[1], NULL);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "leak_two_workers_one_line",
    .extension_size = 8,
    .routines = routines,
    .nroutines = 1,
};
