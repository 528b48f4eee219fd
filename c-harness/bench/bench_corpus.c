/*
 * bench_corpus: the replay rate of the shipped corpus against its direct-call program, in the
 * same run.
 *
 *   bench_corpus --replay PATH-TO-stork-replay --lib LIB --corpus DIR --pack FILE
 *   (DIR's text traces, DIR/goals and DIR/random, which the direct program is written from)
 *                [--mutants DIR] [--reps N] [--rounds R]
 *   bench_corpus --direct-once      (the direct program, run once: what "direct program" times)
 *
 * The direct-call program is the corpus itself, each trace written as C by
 * bench/corpus_direct.py at build time (corpus_direct.c says what it checks): the calls made
 * straight to the reference (linked in), no trace read. Timed, in CPU seconds, each the best
 * of PASSES passes, in R rounds (5 by default) whose ratios are printed and their median:
 *
 *   direct program  this program again as a process of its own (`--direct-once`: exec, the
 *            corpus once, exit), as a user runs a test, timed as stork-replay is: the target's
 *            baseline (docs/benchmarks.md says why this is the fair one);
 *   in process  every trace of the corpus, N times over (one pass of the corpus is well under
 *            a millisecond), in this process, warm: no program start, no first pass; for
 *            information (the baseline before issue 13's end), printed with its ratio;
 *   pack     the whole stork-replay program on the corpus packed into FILE (`--pack`, made once
 *            per corpus and not counted, like compiling the direct program);
 *   text     the whole stork-replay program on the corpus's text files, for information.
 *
 * Before timing, the direct program's checks are shown to be live: it must pass on the
 * reference and fail (an unexpected outcome or a crash, each in a child process) on every
 * mutant in DIR (c-harness/impl/mutants: what the corpus's replay kills), else exit 1, so the
 * baseline cannot be cheaper than an honest test of the same traces.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus_direct.h"
#include "stork/exit_status.h"
#include "timing.h"

const struct stork_impl *stork_impl_get(void); /* the reference, linked in */

#define PASSES 10
#define ROUNDS 5
#define MAX_ROUNDS 99

static const char *sarg(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int run_corpus(const struct stork_impl *impl, struct cd_stacks *st)
{
    int bad = 0;
    for (size_t i = 0; i < cd_ntraces; i++)
        bad += cd_run_trace(impl, &cd_traces[i], st);
    return bad;
}

/* The direct program on mutant `lib` in a child: true if it saw an unexpected outcome or the
 * child died. */
static bool kills(const char *lib, struct cd_stacks *st)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        const struct stork_impl *(*get)(void) = h ? (const struct stork_impl *(*)(void))dlsym(h, "stork_impl_get") : NULL;
        if (!get) {
            fprintf(stderr, "bench_corpus: cannot load %s: %s\n", lib, dlerror());
            _exit(STORK_EXIT_BAD_INPUT);
        }
        _exit(run_corpus(get(), st) ? STORK_EXIT_VIOLATED : STORK_EXIT_OK);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return false;
    if (WIFEXITED(status) && WEXITSTATUS(status) == STORK_EXIT_BAD_INPUT)
        return false;                   /* the child said why */
    return !WIFEXITED(status) || WEXITSTATUS(status) != STORK_EXIT_OK;
}

/* stork-replay of the direct program's traces (paths: NULL-ended) on `lib`, quiet: true if a
 * trace failed (exit 1). */
static bool replay_fails(const char *replay, const char *lib, char *const paths[])
{
    extern char **environ;
    char *argv[8] = {(char *)replay, "--impl", (char *)lib, "--"};
    for (int i = 0; paths[i] && i < 3; i++)
        argv[4 + i] = paths[i];
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return false;
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    fflush(stdout);
    pid_t pid;
    int status = 0;
    int rc = posix_spawn(&pid, replay, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == STORK_EXIT_VIOLATED;
}

/* Every mutant of DIR/mutants.txt that stork-replay of the same traces kills is killed by the
 * direct program too (mutants 58-61 die only in the k = 3 pack, which has no direct program:
 * neither kills them here); the count the replay kills in *n. */
static bool checks_are_live(const char *dir, struct cd_stacks *st, const char *replay,
                            char *const paths[], int *n)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/mutants.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_corpus: cannot read %s\n", path);
        return false;
    }
    bool ok = true;
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        int num;
        if (sscanf(line, "%d ", &num) != 1)
            continue;
        snprintf(path, sizeof path, "%s/stork-mutant-%d.so", dir, num);
        if (!replay_fails(replay, path, paths))
            continue;
        (*n)++;
        if (!kills(path, st)) {
            fprintf(stderr, "bench_corpus: the direct program does not notice mutant %d: %s", num, line);
            ok = false;
        }
    }
    fclose(f);
    return ok && *n > 0;
}

/* A round's figures, CPU seconds per pass of the corpus, each the best of PASSES. */
struct round {
    struct clocks direct, program, pack, text;
};

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (n >= 1; sorted in place). */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One round: every figure the best of PASSES passes, the passes interleaved. */
static bool time_round(const struct stork_impl *impl, struct cd_stacks *st, long reps,
                       char *const direct_once[], char *const packed[], char *const text[],
                       struct round *r)
{
    struct clocks worst = {1e9, 1e9};
    *r = (struct round){worst, worst, worst, worst};
    for (int pass = 0; pass < PASSES; pass++) {
        struct clocks t0 = now();
        int bad = 0;
        for (long k = 0; k < reps; k++)
            bad += run_corpus(impl, st);
        keep_best(&r->direct, t0);
        if (bad) {
            fprintf(stderr, "bench_corpus: the direct program saw %d unexpected outcomes\n", bad);
            return false;
        }
        if (!time_program(direct_once, &r->program) || !time_program(packed, &r->pack) ||
            !time_program(text, &r->text))
            return false;
    }
    r->direct.cpu /= (double)reps;
    r->direct.wall /= (double)reps;
    return true;
}

int main(int argc, char **argv)
{
    const struct stork_impl *impl = stork_impl_get();
    struct cd_stacks st = {0};
    if (!cd_stacks_init(&st)) {
        fprintf(stderr, "bench_corpus: out of memory\n");
        return STORK_EXIT_BAD_INPUT;
    }
    if (argc == 2 && strcmp(argv[1], "--direct-once") == 0) /* the direct program, as a program */
        return run_corpus(impl, &st) ? STORK_EXIT_VIOLATED : STORK_EXIT_OK;
    const char *replay = sarg(argc, argv, "--replay"), *lib = sarg(argc, argv, "--lib");
    const char *corpus = sarg(argc, argv, "--corpus"), *pack = sarg(argc, argv, "--pack");
    const char *mutants = sarg(argc, argv, "--mutants"), *reps_s = sarg(argc, argv, "--reps");
    const char *rounds_s = sarg(argc, argv, "--rounds");
    long reps = reps_s ? strtol(reps_s, NULL, 10) : 50;
    long rounds = rounds_s ? strtol(rounds_s, NULL, 10) : ROUNDS;
    if (!replay || !lib || !corpus || !pack || reps < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_corpus --replay PROG --lib LIB --corpus DIR --pack FILE "
                        "[--mutants DIR] [--reps N] [--rounds 1..%d]\n", MAX_ROUNDS);
        return STORK_EXIT_BAD_INPUT;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "bench_corpus: cannot find its own program (/proc/self/exe)\n");
        return STORK_EXIT_BAD_INPUT;
    }
    self[n] = '\0';
    if (run_corpus(impl, &st) != 0) {
        fprintf(stderr, "bench_corpus: the direct program fails on the reference\n");
        return STORK_EXIT_VIOLATED;
    }
    /* the traces the direct program was written from (CMakeLists.txt): the corpus's text
     * traces, not the folder, whose k3.pack stork-replay would take too */
    char goals[4096], walks[4096];
    snprintf(goals, sizeof goals, "%s/goals", corpus);
    snprintf(walks, sizeof walks, "%s/random", corpus);
    char *traces[] = {goals, walks, NULL};
    int nmut = 0;
    if (mutants && !checks_are_live(mutants, &st, replay, traces, &nmut))
        return STORK_EXIT_VIOLATED;
    double events = 0;
    for (size_t i = 0; i < cd_ntraces; i++)
        events += cd_traces[i].events;

    char *direct_once[] = {self, "--direct-once", NULL};
    char *packing[] = {(char *)replay, "--pack", (char *)pack, "--", goals, walks, NULL};
    char *packed[] = {(char *)replay, "--impl", (char *)lib, "--", (char *)pack, NULL};
    char *text[] = {(char *)replay, "--impl", (char *)lib, "--", goals, walks, NULL};
    struct clocks once = {1e9, 1e9};
    if (!time_program(packing, &once))
        return STORK_EXIT_VIOLATED;
    struct round r[MAX_ROUNDS];
    double fig[4][MAX_ROUNDS], vs_program[MAX_ROUNDS], vs_direct[MAX_ROUNDS], wall[MAX_ROUNDS];
    printf("bench_corpus: %s/goals and random, %zu traces, %.0f events, reference implementation; %ld rounds, each "
           "figure the best of %d passes in CPU time (in process: the corpus %ld times over a "
           "pass)", corpus, cd_ntraces, events, rounds, PASSES, reps);
    if (mutants)
        printf("; the direct program kills all %d mutants the replay of these traces kills",
               nmut);
    printf("\n\nns/event:\n\n| round | direct program | in process | stork-replay, pack | "
           "stork-replay, text | pack / direct program | pack / in process |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n");
    for (long k = 0; k < rounds; k++) {
        if (!time_round(impl, &st, reps, direct_once, packed, text, &r[k]))
            return STORK_EXIT_VIOLATED;
        fig[0][k] = r[k].program.cpu / events * 1e9;
        fig[1][k] = r[k].direct.cpu / events * 1e9;
        fig[2][k] = r[k].pack.cpu / events * 1e9;
        fig[3][k] = r[k].text.cpu / events * 1e9;
        vs_program[k] = r[k].program.cpu / r[k].pack.cpu * 100;
        vs_direct[k] = r[k].direct.cpu / r[k].pack.cpu * 100;
        wall[k] = r[k].program.wall / r[k].pack.wall * 100;
        printf("| %ld | %.1f | %.1f | %.1f | %.1f | %.1f%% | %.1f%% |\n", k + 1, fig[0][k],
               fig[1][k], fig[2][k], fig[3][k], vs_program[k], vs_direct[k]);
        fflush(stdout);
    }
    int nr = (int)rounds;
    printf("| median | %.1f | %.1f | %.1f | %.1f | %.1f%% | %.1f%% |\n", median(fig[0], nr),
           median(fig[1], nr), median(fig[2], nr), median(fig[3], nr), median(vs_program, nr),
           median(vs_direct, nr));
    double target = median(vs_program, nr);
    printf("\nratio stork-replay program on the pack / the direct program, each a process of its "
           "own: %.1f%% by CPU time (median of %d rounds; %.1f%% by wall time), target >= 50%%: %s\n"
           "for information, against the direct calls in this process (warm, no program start, "
           "the old baseline): %.1f%%\n", target, nr, median(wall, nr),
           target >= 50 ? "met" : "NOT met", median(vs_direct, nr));
    cd_stacks_free(&st);
    return STORK_EXIT_OK;
}
