/* Running traces in child processes: batches, time limits, crash isolation. */
#ifndef STORK_REPLAY_RUNNER_H
#define STORK_REPLAY_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

struct job {
    const char *path;
    struct trace trace;
    /* result */
    bool ok;
    char *message; /* malloc'd failure report, NULL if ok */
    double seconds;
};

struct run_options {
    const char *lib;
    double timeout; /* seconds per trace */
    size_t batch;   /* traces per child process */
};

/* Check in a child that the library loads and has a valid table; false with a one-line
 * reason (including a crash while loading). */
bool runner_check_library(const char *lib, char *err, size_t size);
/* Run every job; each gets ok/message.  Returns false only if the runner itself failed
 * (fork/pipe), with a reason in err. */
bool runner_run(const struct run_options *o, struct job *jobs, size_t n, char *err, size_t size);

#endif
