/*
 * closes_stdout -- the scenario closes the program's standard output, where the audit writes
 * its report.  The search runs to its end, but its report goes nowhere: that is no result
 * (refused, exit 2), never a silent exit 0.
 *
 * expect: refused
 */
#include <stdio.h>

#include <stork/scenario_parts.h>

static void dpc(void *e)
{
    static int closed;
    (void)e;
    if (!closed++)
        fclose(stdout);
}

STORK_SCENARIO("closes_stdout", char, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}));
