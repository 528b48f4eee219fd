/*
 * busy_loop -- the remove handler spins on a flag with no scheduling point in the loop (no
 * StorPort call, no STORK_YIELD or STORK_WAIT_UNTIL), so nothing else can ever run and the run
 * never comes back.  The audit cannot say more than that: at the time limit the program is
 * killed and the audit is incomplete, naming the context that got stuck.
 *
 * expect: incomplete
 * audit: --time-limit 1
 */
#include <stork/scenario_parts.h>

struct ext {
    volatile int done; /* nobody sets it */
};

static void dpc(void *e)
{
    (void)e;
}

static void teardown(void *e)
{
    struct ext *x = e;
    while (!x->done)
        ;
}

STORK_SCENARIO("busy_loop", struct ext, STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}),
               .remove = teardown);
