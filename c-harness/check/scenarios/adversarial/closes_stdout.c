/*
 * closes_stdout -- the scenario closes the program's standard output, where the audit writes
 * its report.  The search runs to its end, but its report goes nowhere: that is no result
 * (refused, exit 2), never a silent exit 0.
 *
 * expect: refused
 */
#include <stdio.h>

#include <storport.h>

static void dpc(void *e)
{
    static int closed;
    (void)e;
    if (!closed++)
        fclose(stdout);
}

static const struct stork_routine routines[] = {{"dpc", STORK_DISPATCH_LEVEL, dpc}};

const struct stork_scenario stork_scenario = {
    .name = "closes_stdout",
    .extension_size = 1,
    .routines = routines,
    .nroutines = 1,
};
