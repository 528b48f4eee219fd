/* The benchmarks' clocks, shared by bench_replay and bench_corpus. */
#ifndef STORK_BENCH_TIMING_H
#define STORK_BENCH_TIMING_H

#include <stdbool.h>
#include <time.h>

/* Two clocks: wall time is what a user waits; CPU time is what the work costs, and is what
 * the figures use, because this machine is shared (another job on the other core stretches
 * wall time, not CPU time).  For a program, CPU time is that of the whole process tree
 * (getrusage of the waited-for children: the program and its child processes).  On an idle
 * machine the two agree. */
struct clocks {
    double wall, cpu;
};

double seconds(clockid_t id);
struct clocks now(void);
/* The best (smallest) of *best and the time since t0, clock by clock. */
void keep_best(struct clocks *best, struct clocks t0);
/* One run of the program argv[0] with arguments argv[1..], its output to /dev/null, into
 * *best; false if it failed.  Started with posix_spawn rather than system(), so no shell's
 * start is counted as the program's, and rather than fork, whose copy of this (larger)
 * process's page tables the child would be charged for before its exec. */
bool time_program(char *const argv[], struct clocks *best);

#endif
