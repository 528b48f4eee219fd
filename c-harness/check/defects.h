/* defects.h -- one finding per defect: what makes two findings of an audit the same defect, and
 * a worker's history with its repeated stretches compressed. */
#ifndef STORK_CHECK_DEFECTS_H
#define STORK_CHECK_DEFECTS_H

#include <stddef.h>

#include "run.h"

/* A break of `rule` is one defect per worker: a leak (WI-M7, WI-M5), which is of one worker
 * wherever its cause lies; a break of any other rule is one per call site. */
bool defect_per_worker(const char *rule);

/* What `fi`, a finding of run `r`, is a break of: its rule and call site, and, for a leak
 * (WI-M7, WI-M5), which worker leaks -- named by the context that initialised it and how many
 * workers that context had initialised at that line before it, which does not depend on the
 * interleaving the way wN does.  How it came about (fi->why) is not part of it: two causes of
 * one leak are one defect, two leaking workers are two. */
void defect_key(const struct run *r, const struct finding *fi, char *key, size_t size);

/* `hist` (lines "#N event...") with every stretch of up to HISTORY_PERIOD lines that repeats
 * HISTORY_MIN_REPEATS times or more in a row written once, followed by a line saying how many
 * times it ran ("x 5,000") and up to which event.  malloc'd; NULL if out of memory. */
#define HISTORY_PERIOD 8
#define HISTORY_MIN_REPEATS 3
char *compress_history(const char *hist);

#endif
