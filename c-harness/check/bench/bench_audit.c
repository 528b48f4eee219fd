/*
 * bench_audit -- schedules explored per second by the checking runtime on a realistic scenario
 * (linked in: the fixed SpcNvme restart scenario, c-harness/check/scenarios/spcnvme_fixed.c),
 * against a baseline measured in the same process: the same scenario's default schedule run
 * again and again, with the scheduler and the checks but no exploration (no choice bookkeeping,
 * no backtracking).  The ratio is what exploring costs over just running the scenario.
 *
 * Then the cost of the data-race check (WI-M11, race.c): the same exhaustive search on a copy
 * of the scenario compiled with -fsanitize=thread (instrumented_scenario.c), its accesses
 * checked against vector clocks, against the plain copy with no race check; three interleaved
 * passes each, the best of each kept (the machine is shared), CPU time.
 *
 * Usage: stork-bench-audit [SECONDS]   (default 1 s per measurement)
 */
#include <stdlib.h>
#include <time.h>

#include "explore.h"
#include "stork/exit_status.h"

extern const struct stork_scenario stork_scenario_instrumented;

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Schedules per CPU second of exhaustive searches of scn for about `budget` s; -1 if not clean. */
static double search_rate(const struct stork_scenario *scn, bool races, double budget, long *per)
{
    struct explorer x;
    char err[300];
    if (!explorer_init(&x, scn, err, sizeof err))
        return -1;
    /* unreduced: the per-schedule cost of the same schedules (bench_por.py times the reduction;
     * the plain copy has no footprints to reduce with) */
    struct explore_opts o = {.max_schedules = 100000000, .exhaustive_only = true,
                             .no_reduction = true,
                             .limits = {.max_steps = 10000, .no_races = !races}, .seed = 1};
    long schedules = 0;
    double t0 = cpu(), t = 0;
    do {
        struct explore_result res;
        explore(&x, &o, &res);
        bool bad = res.error[0] || !res.complete || res.nf;
        *per = res.schedules;
        schedules += res.schedules;
        explore_result_free(&res);
        if (bad) {
            explorer_free(&x);
            return -1;
        }
        t = cpu() - t0;
    } while (t < budget);
    explorer_free(&x);
    return (double)schedules / t;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 1.0;
    if (budget <= 0)
        budget = 1.0;
    struct explorer x;
    char err[300];
    if (!explorer_init(&x, &stork_scenario, err, sizeof err)) {
        fprintf(stderr, "bench_audit: %s\n", err);
        return STORK_EXIT_BAD_INPUT;
    }
    struct explore_opts o = {.max_schedules = 100000000, .exhaustive_only = true,
                             .no_reduction = true, .limits = {.max_steps = 10000}, .seed = 1};

    long searches = 0, schedules = 0, per_search = 0;
    double t0 = now(), t = 0;
    do {
        struct explore_result res;
        explore(&x, &o, &res);
        if (res.error[0] || !res.complete || res.nf) {
            fprintf(stderr, "bench_audit: the scenario did not explore clean: %s\n", res.error);
            explore_result_free(&res);
            explorer_free(&x);
            return STORK_EXIT_BAD_INPUT;
        }
        per_search = res.schedules;
        schedules += res.schedules;
        searches++;
        explore_result_free(&res);
        t = now() - t0;
    } while (t < budget);
    double explored = (double)schedules / t;

    long runs = 0;
    int steps = 0;
    t0 = now();
    do {
        for (int i = 0; i < 1000; i++) {
            if (!run_schedule(&x, &o, NULL, 0)) {
                fprintf(stderr, "bench_audit: %s\n", x.run->error);
                explorer_free(&x);
                return STORK_EXIT_BAD_INPUT;
            }
            steps = x.run->steps;
        }
        runs += 1000;
        t = now() - t0;
    } while (t < budget);
    double single = (double)runs / t;

    printf("scenario %s: %ld schedules per exhaustive search (all explored)\n", stork_scenario.name,
           per_search);
    printf("exploration: %ld searches, %ld schedules in %.2f s: %.0f schedules/s\n", searches,
           schedules, budget > t ? budget : t, explored);
    printf("baseline:    the default schedule (%d steps) run %ld times: %.0f runs/s\n", steps, runs,
           single);
    printf("ratio:       exploration runs at %.2f of the baseline's rate (%.2f us per schedule, "
           "%.2f us per plain run)\n", explored / single, 1e6 / explored, 1e6 / single);
    explorer_free(&x);

    /* The race check's cost.  The plain copy runs with no_races (no vector clocks: what the
     * audit did before WI-M11), the instrumented one with every access checked. */
    if (!race_instrumented()) {
        fprintf(stderr, "bench_audit: the instrumented copy did not call __tsan_init\n");
        return STORK_EXIT_BAD_INPUT;
    }
    double plain = 0, instr = 0;
    long per_plain = 0, per_instr = 0;
    for (int pass = 0; pass < 3; pass++) {
        double p = search_rate(&stork_scenario, false, budget / 2, &per_plain);
        double q = search_rate(&stork_scenario_instrumented, true, budget / 2, &per_instr);
        if (p < 0 || q < 0) {
            fprintf(stderr, "bench_audit: a copy of the scenario did not explore clean\n");
            return STORK_EXIT_BAD_INPUT;
        }
        plain = p > plain ? p : plain;
        instr = q > instr ? q : instr;
    }
    if (per_plain != per_instr) {
        fprintf(stderr, "bench_audit: the copies explored %ld and %ld schedules\n", per_plain,
                per_instr);
        return STORK_EXIT_BAD_INPUT;
    }
    printf("races:       uninstrumented, no race check: %.0f schedules/s (CPU), %.2f us each\n",
           plain, 1e6 / plain);
    printf("             -fsanitize=thread + WI-M11 check: %.0f schedules/s (CPU), %.2f us each\n",
           instr, 1e6 / instr);
    printf("ratio:       a schedule with the race check costs %.2fx one without (best of 3 each, "
           "%ld schedules per search)\n", plain / instr, per_plain);
    return STORK_EXIT_OK;
}
