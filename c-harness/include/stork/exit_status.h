/*
 * stork/exit_status.h -- the exit statuses of every stork program (replay, pack, the audit
 * programs, the benches, the fuzz-corpus runner, the stress test), the same as the `stork`
 * command's (conformance/stork/exitcodes.py; a test compares the two).  Each means one thing.
 */
#ifndef STORK_EXIT_STATUS_H
#define STORK_EXIT_STATUS_H

#define STORK_EXIT_OK 0             /* everything holds / passes / clean */
#define STORK_EXIT_VIOLATED 1       /* a property violated, a trace failed, a finding */
#define STORK_EXIT_BAD_INPUT 2      /* bad input or environment (file:line where there is one) */
#define STORK_EXIT_INCOMPLETE 3     /* a search cut short: budget, time limit, cut runs */
#define STORK_EXIT_INTERNAL_ERROR 4 /* a bug in stork */
#define STORK_EXIT_VACUOUS 5        /* verify: holds, but no API call or no adapter release */
#define STORK_EXIT_INTERRUPTED 130  /* 128 + SIGINT */
#define STORK_EXIT_PIPE_CLOSED 141  /* 128 + SIGPIPE: the reader of stdout went away */
#define STORK_EXIT_TERMINATED 143   /* 128 + SIGTERM */

#endif
