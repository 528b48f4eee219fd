/*
 * exits_mid_run -- the DPC calls exit(0) in the middle of a run.  The audit program's report is
 * never written; that must not read as "clean" (exit 0 with no output): the run that did not
 * come back is a finding, with its schedule and its events.
 *
 * expect: STORK-CRASH
 */
#include <stdlib.h>

#include <stork/scenario_parts.h>

static void dpc(void *e)
{
    PVOID worker = NULL;
    if (StorPortInitializeWorker(e, &worker) == STOR_STATUS_SUCCESS)
        exit(0);
}

STORK_SCENARIO("exits_mid_run", char, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
