/* Replay one parsed, checked trace against an implementation, in this process. */
#ifndef STORK_REPLAY_DRIVER_H
#define STORK_REPLAY_DRIVER_H

#include <stdbool.h>

#include "stork/impl_abi.h"
#include "trace.h"

/* What one replay leaves to the next in the same process: fiber stacks (allocating a fresh
 * 256 KiB stack per trace cost more than the replay itself), the replay's state and its
 * tables (their allocation was a fifth of a short trace's replay).  Zero-initialise; release
 * with replay_cache_free. */
#define REPLAY_SPARE_STACKS 16
struct replay_cache {
    void *spare[REPLAY_SPARE_STACKS];
    size_t n;
    void *replay;       /* a struct replay, or NULL */
    void *tables;       /* a block of tables_size bytes, or NULL */
    size_t tables_size;
};
void replay_cache_free(struct replay_cache *c);

enum replay_verdict {
    REPLAY_PASS,         /* the implementation conformed */
    REPLAY_FAIL,         /* it did not: *message is the report */
    REPLAY_INCONSISTENT, /* the events cannot be replayed as written (only a damaged pack has
                          * such events): *message is one line "PATH:LINE: what", bad input */
};

/* On REPLAY_FAIL *message is a malloc'd report: "FILE:LINE: EVENT", the expected and actual
 * outcome, and the events before it (NULL if even that allocation failed).  Never returns on a
 * crash or hang of the implementation: the runner isolates each trace in a child process for
 * that; *progress (if not NULL) always holds the index of the event being replayed, so the
 * runner can name it after a crash.  `cache` may be NULL.
 * The trace's events must be in range for its counts (trace_check or pack_verify); their order
 * is checked here, as they are replayed. */
enum replay_verdict replay_trace(const struct stork_impl *impl, const char *path,
                                 const struct trace *t, char **message,
                                 volatile uint32_t *progress, struct replay_cache *cache);
/* The same, and (if `recording` is not NULL) *recording is a malloc'd trace of the run as the
 * implementation made it: each call with the status it returned (and the worker an init
 * issued), the items it posted as comments, the starts and returns that ran; for a failed run
 * the events up to the failure and a comment with the report, without `end`.  NULL if out of
 * memory or for an inconsistent trace. */
enum replay_verdict replay_trace_recorded(const struct stork_impl *impl, const char *path,
                                          const struct trace *t, char **message,
                                          volatile uint32_t *progress, struct replay_cache *cache,
                                          char **recording);

#endif
