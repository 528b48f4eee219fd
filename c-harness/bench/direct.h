/* The benchmark scenario written by hand as direct calls: the baseline replay is measured
 * against (direct.c says what it does and why that is the fair amount of work). */
#ifndef STORK_BENCH_DIRECT_H
#define STORK_BENCH_DIRECT_H

#include "fiber.h"
#include "stork/impl_abi.h"

#define DIRECT_NW 4      /* workers */
#define DIRECT_NSYS 2    /* system worker threads sys0, sys1 */

/* Stacks for the system worker contexts of the on_contexts variant, allocated once and reused
 * by every run (the replay reuses its stacks the same way). */
struct direct_stacks {
    void *stack[DIRECT_NSYS];
};
bool direct_stacks_init(struct direct_stacks *s);
void direct_stacks_free(struct direct_stacks *s);

/* One run of the scenario with `rounds` rounds; returns the number of unexpected outcomes
 * (0 when the implementation behaved as the trace says).  on_contexts: run each callback on a
 * fiber per system thread instead of the test's own stack (not the baseline: printed beside
 * it, so the weight of that choice is visible). */
int direct_scenario(const struct stork_impl *impl, int rounds, struct direct_stacks *stacks,
                    bool on_contexts);

#endif
