/*
 * count_interleavings -- a scenario whose schedules can be counted by hand, to check that the
 * exhaustive search enumerates each exactly once: two routines of two steps each (a start and a
 * STORK_YIELD) interleave in C(4,2) = 6 ways.  Removal is placed only where it can matter (no
 * step queues, so: once the routines are done), and the remove handler then runs last: 6
 * schedules.
 *
 * expect: clean
 */
#include <stork/scenario_parts.h>

static void step_twice(void *e)
{
    (void)e;
    STORK_YIELD();
}

STORK_SCENARIO("count_interleavings", char,
               STORK_ROUTINES({"a", STORK_DISPATCH_LEVEL, step_twice},
                              {"b", STORK_DISPATCH_LEVEL, step_twice}));
