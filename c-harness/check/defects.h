/* defects.h -- one finding per defect: what makes two findings of an audit the same defect, and
 * a worker's history with its repeated stretches compressed. */
#ifndef STORK_CHECK_DEFECTS_H
#define STORK_CHECK_DEFECTS_H

#include <stddef.h>

#include "run.h"

/* A break of `rule` is one defect per leaking worker and the way it was lost: a leak (WI-M7,
 * WI-M5); a break of any other rule is one per call site. */
bool defect_per_worker(const char *rule);

/* What `fi`, a finding of run `r`, is a break of, the same in every schedule that shows it: its
 * rule and call site, and, for a leak (WI-M7, WI-M5), which worker leaks and where its last
 * handle was lost.  The worker is named by its turn among the workers its initialising context
 * made at that line (the context's name is left out: two routines running the same code are
 * mirrored by the schedules, dpc's worker overwritten in one order is dpc2's in the other); the
 * loss by its site: the init that overwrote the variable holding it, the queue that failed,
 * the callback that returned without freeing it (named by the worker's first successful
 * queue), the free that returned BUSY, or none (never queued).  Two leaks lost at two sites are
 * two defects (two places to fix), one lost at one site in many schedules is one. */
void defect_key(const struct run *r, const struct finding *fi, char *key, size_t size);

/* `hist` (lines "#N event...") with every stretch of up to HISTORY_PERIOD lines that repeats
 * HISTORY_MIN_REPEATS times or more in a row written once, followed by a line saying how many
 * times it ran ("x 5,000") and up to which event.  malloc'd; NULL if out of memory. */
#define HISTORY_PERIOD 8
#define HISTORY_MIN_REPEATS 3
char *compress_history(const char *hist);

#endif
