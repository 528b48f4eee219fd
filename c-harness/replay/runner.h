/* Running traces in child processes: batches, time limits, crash isolation. */
#ifndef STORK_REPLAY_RUNNER_H
#define STORK_REPLAY_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "pack.h"

struct job {
    const char *path;         /* the trace file, or where a packed trace came from */
    const struct pack *pack;  /* NULL: a text trace at path; else trace `index` of this pack */
    size_t index;
    char *record;             /* --record: the file to write the observed run to (malloc'd), or NULL */
    /* result */
    bool ok;
    bool bad_input; /* the trace is malformed (or unreadable): message is the line to print */
    bool error;     /* not a verdict on the calls: the implementation crashed, exited or hung */
    char *message;  /* malloc'd failure report, NULL if ok */
    double seconds;
};

/* Default batches (runner.c, batch_end): text traces per child; events of packed traces. */
#define RUNNER_TEXT_BATCH 256
#define RUNNER_PACK_EVENTS (1u << 19)

struct run_options {
    const char *lib;
    double timeout; /* seconds per trace (and for loading the library) */
    size_t batch;   /* traces per child process; 0: the defaults above */
    /* If not NULL: called in the parent once the library is found good, before any trace is
     * replayed; false stops the run (it printed why). */
    bool (*loaded)(void *arg);
    void *arg;
};

/* Load a job's trace into *t: a text file read, parsed and checked (*owned set: release with
 * trace_free), or a packed trace checked in place.  False with the line to print in err. */
bool job_load(const struct job *j, struct trace *t, bool *owned, char *err, size_t size);

/* The implementation's own stdout and stderr.  A child writes them into a temporary file
 * (capture_open), never onto stork-replay's stdout; the parent prints what the file holds on
 * stderr, every line behind the label "impl| " (capture_print), so nothing the implementation
 * prints can pass for a line of the report or for its summary. */
int capture_open(void);
void capture_print(int fd, const char *lib, const char *what);
/* Run every job: the child reads, parses and checks each trace and replays it; each job gets
 * ok/message.  First the library is checked, in the first child (it loads, has a valid table;
 * a crash or a time-out while loading refuses it): RUN_REFUSED with the one-line reason in err,
 * and no trace replayed.  Stops after the first batch with a malformed trace (its job has
 * bad_input; later jobs get no result).  RUN_STOPPED: o->loaded said no; RUN_FAILED: the runner
 * itself failed (fork/pipe), with a reason in err. */
enum run_result { RUN_DONE, RUN_REFUSED, RUN_STOPPED, RUN_FAILED };
enum run_result runner_run(const struct run_options *o, struct job *jobs, size_t n, char *err,
                           size_t size);

#endif
