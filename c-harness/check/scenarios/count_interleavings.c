/*
 * count_interleavings -- a scenario whose schedules can be counted by hand, to check that the
 * exhaustive search enumerates each exactly once: two routines of two steps each (a start and a
 * STORK_YIELD) interleave in C(4,2) = 6 ways.  Removal is placed only where it can matter (no
 * step queues, so: once the routines are done), and the remove handler then runs last: 6
 * schedules.
 *
 * expect: clean
 */
#include <storport.h>

static void step_twice(void *e)
{
    (void)e;
    STORK_YIELD();
}

static const struct stork_routine routines[] = {
    {"a", STORK_DISPATCH_LEVEL, step_twice},
    {"b", STORK_DISPATCH_LEVEL, step_twice},
};

const struct stork_scenario stork_scenario = {
    .name = "count_interleavings",
    .extension_size = 1,
    .routines = routines,
    .nroutines = 2,
};
