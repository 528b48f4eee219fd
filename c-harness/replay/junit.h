/* JUnit XML report of a replay run. */
#ifndef STORK_REPLAY_JUNIT_H
#define STORK_REPLAY_JUNIT_H

#include <stdbool.h>
#include <stddef.h>

#include "runner.h"

/* Write the report to `path`; false with errno set on I/O failure. */
bool junit_write(const char *path, const char *lib, const struct job *jobs, size_t n);

#endif
