/* Replay one parsed, checked trace against an implementation, in this process. */
#ifndef STORK_REPLAY_DRIVER_H
#define STORK_REPLAY_DRIVER_H

#include <stdbool.h>

#include "stork/impl_abi.h"
#include "trace.h"

/* Returns true if the implementation conformed.  Otherwise *message is a malloc'd report:
 * "FILE:LINE: EVENT", the expected and actual outcome, and the events before it (NULL if even
 * that allocation failed).  Never returns on a crash or hang of the implementation: the
 * runner isolates each trace in a child process for that. */
bool replay_trace(const struct stork_impl *impl, const char *path, const struct trace *t,
                  char **message);

#endif
