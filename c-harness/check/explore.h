/*
 * explore.h -- running a scenario under many schedules: exhaustive depth-first search over
 * every decision (stateless: each schedule is a fresh run from the start, steered by its
 * choices), reduced to one schedule per class of equivalent ones (reduce.h), PCT random schedules (Burckhardt et al., ASPLOS 2010), greedy minimisation of a
 * failing schedule, and the replay of one schedule.
 */
#ifndef STORK_CHECK_EXPLORE_H
#define STORK_CHECK_EXPLORE_H

#include <stdint.h>

#include "globals.h"
#include "run.h"

struct explore_opts {
    long max_schedules; /* exhaustive budget */
    long pct_runs;
    int depth;          /* PCT bug depth d */
    uint64_t seed;
    bool pct_only, exhaustive_only;
    bool no_reduction;      /* every schedule, not one per class of equivalent ones (por.h) */
    bool final_states;      /* collect the distinct final states (explore_result.states) */
    struct run_limits limits;
    double time_limit;      /* seconds for the whole search (0: none); past it, incomplete */
    const char *record_dir; /* every run's trace goes here */
    bool record_distinct;   /* only a trace no earlier run gave goes there */
    const char *source;     /* the scenario's file, for the traces' meta */
};

/* One distinct finding: a defect (defects.h: rule, call site and, for a leak, which worker and
 * where it was lost) and how it came about (why), with the first schedule that showed it and
 * how many runs of the search showed it. */
#define DEFECT_KEY 800
struct found {
    const char *rule;
    const char *why;
    char file[256];
    int line;
    char msg[400];
    char key[DEFECT_KEY]; /* defect_key */
    struct choices sched;
    bool pct;
    uint64_t seed; /* the PCT run's seed */
    long run;      /* its number in its search */
    long shown;    /* runs run to their end (schedules not pruned, PCT runs) that showed it */
    long stamp;    /* the last of them, counted once */
};

struct explore_result {
    long schedules;
    bool complete;
    bool reduced; /* sleep sets: equivalent schedules skipped */
    long pruned;  /* runs stopped where every step on offer was asleep */
    uint64_t *states; /* with final_states: the distinct final states of the runs not cut */
    int nstates, capstates;
    double exhaustive_secs;
    long pct_runs;
    long failing_schedules, failing_pct_runs; /* runs with at least one finding */
    long cut_runs; /* runs stopped at --max-steps: the search is incomplete */
    /* the most system threads any run had running callbacks at once: if fewer than it has, a
     * callback never waited for a thread, and one more thread changes no run */
    int threads_busy;
    bool timed_out;           /* the search stopped at --time-limit */
    bool exhaustive_timed_out; /* the exhaustive part stopped at its share of it (PCT follows) */
    int pct_n, pct_k; /* contexts (actors) and steps the guarantee is stated for */
    double pct_secs;
    struct found *f;
    int nf, capf;
    long recorded; /* runs recorded so far (found.stamp) */
    /* with record_distinct: the digests of the traces written (open addressing, 0 free) */
    uint64_t *traces;
    size_t ntraces, captraces;
    char error[300];
};

/* Everything one process needs across runs (the run, fiber stacks). */
struct explorer {
    const struct stork_scenario *scn;
    struct run *run;
    void **stacks;
    int nstacks;
    struct choices made;
    struct globals globals; /* the scenario's, as DriverEntry left them (globals.c) */
};

bool explorer_init(struct explorer *x, const struct stork_scenario *scn, char *err, size_t size);
void explorer_free(struct explorer *x);

/* Exhaustive search, then PCT if the budget cut it short (or only one of them). */
void explore(struct explorer *x, const struct explore_opts *o, struct explore_result *res);
void explore_result_free(struct explore_result *res);
/* Shrink f->sched while the run still shows the same finding; returns the runs it took. */
long minimise(struct explorer *x, const struct explore_opts *o, struct found *f);
/* Run one schedule (choices beyond its end are 0); the run stays in x->run until the next. */
bool run_schedule(struct explorer *x, const struct explore_opts *o, const int *sched, int len);
/* The finding of x->run that is f's defect, come about as f did (its why), or NULL. */
const struct finding *run_has(const struct run *r, const struct found *f);

#endif
