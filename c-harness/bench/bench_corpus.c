/*
 * bench_corpus: the replay rate of the shipped corpus against its direct-call program, in the
 * same run.
 *
 *   bench_corpus --replay PATH-TO-stork-replay --lib LIB --corpus DIR --pack FILE
 *                [--mutants DIR] [--reps N]
 *
 * The direct-call program is the corpus itself, each trace written as C by
 * bench/corpus_direct.py at build time (corpus_direct.c says what it checks): the calls made
 * straight to the reference (linked in), no trace read. Timed, in CPU seconds, best of PASSES:
 *
 *   direct   every trace of the corpus, N times over (one pass of the corpus is well under a
 *            millisecond);
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

/* Every mutant of DIR/mutants.txt killed by the direct program; the count in *n. */
static bool checks_are_live(const char *dir, struct cd_stacks *st, int *n)
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
        (*n)++;
        if (!kills(path, st)) {
            fprintf(stderr, "bench_corpus: the direct program does not notice mutant %d: %s", num, line);
            ok = false;
        }
    }
    fclose(f);
    return ok && *n > 0;
}

static void row(const char *what, double events, struct clocks t, struct clocks direct)
{
    printf("| %-40s | %12.0f | %8.1f | %8.3f | %8.3f | %6.1f%% |\n", what, events / t.cpu,
           t.cpu / events * 1e9, t.cpu, t.wall, direct.cpu / t.cpu * 100);
}

int main(int argc, char **argv)
{
    const char *replay = sarg(argc, argv, "--replay"), *lib = sarg(argc, argv, "--lib");
    const char *corpus = sarg(argc, argv, "--corpus"), *pack = sarg(argc, argv, "--pack");
    const char *mutants = sarg(argc, argv, "--mutants"), *reps_s = sarg(argc, argv, "--reps");
    long reps = reps_s ? strtol(reps_s, NULL, 10) : 50;
    if (!replay || !lib || !corpus || !pack || reps < 1) {
        fprintf(stderr, "usage: bench_corpus --replay PROG --lib LIB --corpus DIR --pack FILE "
                        "[--mutants DIR] [--reps N]\n");
        return STORK_EXIT_BAD_INPUT;
    }
    const struct stork_impl *impl = stork_impl_get();
    struct cd_stacks st = {0};
    if (!cd_stacks_init(&st)) {
        fprintf(stderr, "bench_corpus: out of memory\n");
        return STORK_EXIT_BAD_INPUT;
    }
    if (run_corpus(impl, &st) != 0) {
        fprintf(stderr, "bench_corpus: the direct program fails on the reference\n");
        return STORK_EXIT_VIOLATED;
    }
    int nmut = 0;
    if (mutants && !checks_are_live(mutants, &st, &nmut))
        return STORK_EXIT_VIOLATED;
    double events = 0;
    for (size_t i = 0; i < cd_ntraces; i++)
        events += cd_traces[i].events;

    char *packing[] = {(char *)replay, "--pack", (char *)pack, "--", (char *)corpus, NULL};
    char *packed[] = {(char *)replay, "--impl", (char *)lib, "--", (char *)pack, NULL};
    char *text[] = {(char *)replay, "--impl", (char *)lib, "--", (char *)corpus, NULL};
    struct clocks once = {1e9, 1e9};
    if (!time_program(packing, &once))
        return STORK_EXIT_VIOLATED;
    struct clocks direct = {1e9, 1e9}, on_pack = direct, on_text = direct;
    for (int pass = 0; pass < PASSES; pass++) {
        struct clocks t0 = now();
        int bad = 0;
        for (long r = 0; r < reps; r++)
            bad += run_corpus(impl, &st);
        keep_best(&direct, t0);
        if (bad) {
            fprintf(stderr, "bench_corpus: the direct program saw %d unexpected outcomes\n", bad);
            return STORK_EXIT_VIOLATED;
        }
        if (!time_program(packed, &on_pack) || !time_program(text, &on_text))
            return STORK_EXIT_VIOLATED;
    }
    direct.cpu /= (double)reps;
    direct.wall /= (double)reps;

    printf("bench_corpus: %s, %zu traces, %.0f events, reference implementation, best of %d "
           "passes (direct: the corpus %ld times over a pass)", corpus, cd_ntraces, events,
           PASSES, reps);
    if (mutants)
        printf("; the direct program kills all %d mutants", nmut);
    printf("\n\n| %-40s | %12s | %8s | %8s | %8s | %7s |\n", "", "events/s", "ns/event", "CPU s",
           "wall s", "ratio");
    printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "-------------:",
           "---------:", "---------:", "---------:", "--------:");
    row("direct calls (generated from the corpus)", events, direct, direct);
    row("stork-replay program on the pack", events, on_pack, direct);
    row("stork-replay program, text files", events, on_text, direct);
    printf("\nratio stork-replay program on the pack / direct: %.1f%% by CPU time, %.1f%% by "
           "wall time (target >= 50%%)\n", direct.cpu / on_pack.cpu * 100,
           direct.wall / on_pack.wall * 100);
    cd_stacks_free(&st);
    return STORK_EXIT_OK;
}
