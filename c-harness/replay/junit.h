/* JUnit XML report of a replay run. */
#ifndef STORK_REPLAY_JUNIT_H
#define STORK_REPLAY_JUNIT_H

#include <stdbool.h>
#include <stddef.h>

#include "runner.h"

/* Write the report to `path`; false with errno set on I/O failure. */
bool junit_write(const char *path, const char *lib, const struct job *jobs, size_t n);
/* The report of a run that never started because the library was refused: one test case,
 * an <error> with the reason. */
bool junit_write_refused(const char *path, const char *lib, const char *why);

#endif
