/*
 * reduce.h -- the exhaustive search's partial-order reduction: dynamic partial-order reduction
 * with source sets and sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, Algorithm 1),
 * stateless: each schedule is a fresh run that follows a prefix of decisions and then decides
 * itself.  Steps and their dependence are por.h's.
 *
 * After each run, every race of a new step (two dependent steps of different actors with
 * nothing between them in happens-before) asks that, at the decision before the earlier step,
 * some actor that can start the reversed order (an initial of the steps after it that do not
 * depend on it, then the later step) be explored; if none of those is among the options there
 * (not enabled then: each is enabled by a step it depends on, por.h), nothing is asked, but for
 * removal's beginning, offered only where it matters (a step may withdraw it and a later one
 * offer it again): it is asked of the latest earlier decision that offered it, and every option
 * of this one is explored.  Each decision explores the options asked of it
 * that are not asleep; an explored option sleeps in its later siblings' subtrees until a step
 * dependent on it runs; a run whose options are all asleep is pruned.  A run that explores an
 * option asked by a race follows that race's reversal (its actors in order) while each is on
 * offer and awake, then decides itself (the first option awake): which option a new decision
 * takes first is free, and this one leads to the reversed race rather than to a continuation
 * whose every option sleeps (miniport_isr_dpc_dpc_after_release: 213,574 runs to 193,888).
 * The runs that reach their end stand for every class of equivalent schedules, one or more
 * each: the count depends on those choices (so it is printed as complete runs, an upper
 * bound, not as the classes).  A run longer than
 * REDUCE_MAX_STEPS steps, or stopped before its end with other contexts' steps not run (cut by a
 * bound, cut by the livelock detector, halted mid-step by a failed STORK_ASSERT or an access
 * through NULL: run_halt, whose step is dependent on every step), has every option of every
 * decision explored (sleep sets alone).
 */
#ifndef STORK_CHECK_REDUCE_H
#define STORK_CHECK_REDUCE_H

#include <stdbool.h>

#include "run.h"

#define REDUCE_MAX_STEPS 4096

struct reducer;

struct reducer *reducer_new(void);
void reducer_free(struct reducer *rd);
/* The chooser for the next run, which follows `prefix` (empty: the first run). */
struct chooser *reducer_start(struct reducer *rd, const struct choices *prefix);
/* After the run (its decisions in `made`): the next prefix, or false if the search is done.
 * `cut`: the run was stopped before its end (a bound, a livelock, a halt): contexts that never
 * ran in it raced with nothing it saw, so every option of each of its decisions is explored
 * (sleep sets alone). */
bool reducer_next(struct reducer *rd, const struct choices *made, bool cut, struct choices *prefix);
bool reducer_oom(const struct reducer *rd);

#endif
