/*
 * bench_replay: replay throughput against direct calls, in the same run.
 *
 *   bench_replay [--traces N] [--rounds R] [--replay PATH-TO-stork-replay --lib LIB --dir DIR]
 *
 * Generates N traces of one scenario (a findadapter initialising 4 workers; R rounds of: a DPC
 * queueing each worker (SUCCESS) and again (BUSY), each callback started on one of two system
 * threads, re-queueing itself from inside and running again; then removal, a refused queue
 * and the frees).  Then it times, on the reference implementation (linked in, so no figure
 * includes a library call through the PLT that another does not):
 *
 *   direct   the scenario written by hand as direct calls (direct.c: every status and
 *            callback checked, callbacks run from the test's own stack, no trace);
 *   reader   the trace reader (trace_parse + trace_check) on the trace texts in memory;
 *   engine   the replay engine (replay_trace) on each trace just parsed, in this process
 *            (reader and engine interleaved trace by trace, as a stork-replay child runs them);
 *   program  (with --replay) the whole stork-replay program on the trace files written to
 *            DIR: reading the files, parsing, checking the library, the child processes that
 *            isolate the implementation, replay, the report;
 *   --pack   (with --replay) stork-replay packing DIR into DIR.pack (once per corpus);
 *   pack     in this process: the pack's checks (pack_trace), alone and followed by the engine;
 *   packed   (with --replay) the whole stork-replay program on DIR.pack.
 *
 * Which figure the target (>= 50% of direct) applies to: the program's, on the text files and
 * on the pack.  A user runs `stork replay --impl LIB PATH`, not replay_trace on traces already
 * in memory; reading the traces and the process isolation are part of what the harness costs
 * over writing the test by hand (the requirement itself asks for the isolation cost to be
 * amortised, which only matters if it is counted).  Packing is a one-off per corpus, like
 * compiling the direct program, and is counted in neither.  The engine, reader and check
 * figures are printed as the breakdown, each also as nanoseconds per event, so the gap can be
 * read off: program = reader + engine + (files, processes, pipes: the rest).
 *
 * The baseline runs each callback from the test's own stack, as the replay does for callbacks
 * that nothing interleaves with (direct.c says why); the same program with a system-worker
 * context (a fiber) per system thread is printed beside it, for information, since that
 * choice weighs about as much as everything else the baseline does.
 *
 * Before timing, the baseline's checks are shown to be live: the direct program must count
 * failures against three deliberately wrong variants of the reference (never BUSY, a
 * run_posted that does not call the routine, a destroy that leaks); otherwise the baseline
 * would be cheaper than an honest test and the bench exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "direct.h"
#include "timing.h"
#include "driver.h"
#include "stork/impl_abi.h"
#include "pack.h"
#include "trace.h"
#include "stork/exit_status.h"

const struct stork_impl *stork_impl_get(void); /* the reference, linked in */

#define PASSES 3 /* each figure is the best of this many passes, interleaved */
#define GROUP 8  /* traces parsed, then replayed, between two readings of the clocks */

/* ---- the scenario as a trace ---- */

struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p) {
            fprintf(stderr, "bench_replay: out of memory\n");
            exit(STORK_EXIT_BAD_INPUT);
        }
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* The trace of direct_scenario (direct.c); returns its number of events. */
static size_t scenario_trace(struct text *t, int rounds)
{
    char line[256];
    size_t events = 0;
    t->len = 0;
    put(t, "stork-trace 1\nmeta generator bench_replay\n");
    for (int w = 1; w <= DIRECT_NW; w++, events++) {
        snprintf(line, sizeof line, "call findadapter PASSIVE init -> SUCCESS w%d\n", w);
        put(t, line);
    }
    for (int r = 0; r < rounds; r++) {
        for (int w = 1; w <= DIRECT_NW; w++, events += 2) {
            snprintf(line, sizeof line, "call dpc DISPATCH queue w%d cb%d ctx%d -> SUCCESS\n"
                     "call dpc DISPATCH queue w%d cb%d ctx%d -> BUSY\n", w, w, w, w, w, w);
            put(t, line);
        }
        for (int w = 1; w <= DIRECT_NW; w++, events += 5) {
            int s = w % DIRECT_NSYS;
            snprintf(line, sizeof line, "start sys%d w%d cb%d ctx%d\n"
                     "call sys%d PASSIVE queue w%d cb%d ctx%d -> SUCCESS\nreturn sys%d w%d\n"
                     "start sys%d w%d cb%d ctx%d\nreturn sys%d w%d\n",
                     s, w, w, w, s, w, w, w, s, w, s, w, w, w, s, w);
            put(t, line);
        }
    }
    put(t, "remove begin\n");
    events++;
    for (int w = 1; w <= DIRECT_NW; w++, events += 2) {
        snprintf(line, sizeof line, "call dpc DISPATCH queue w%d cb%d ctx%d -> INVALID_DEVICE_STATE\n"
                 "call teardown PASSIVE free w%d -> SUCCESS\n", w, w, w, w);
        put(t, line);
    }
    put(t, "remove end\nend\n");
    return events + 1;
}

/* ---- wrong variants of the reference, to show the baseline's checks fail ---- */

static STORK_ULONG never_busy_queue(struct stork_adapter *a, void *ext, HW_WORKITEM *routine,
                                    void *worker, void *context)
{
    STORK_ULONG st = stork_impl_get()->queue_work_item(a, ext, routine, worker, context);
    return st == STOR_STATUS_BUSY ? STOR_STATUS_SUCCESS : st;
}

static void no_call_run_posted(struct stork_adapter *a, void *item)
{
    (void)a;
    (void)item;
}

static void leaking_destroy(struct stork_adapter *a)
{
    (void)a;
}

static bool baseline_checks_are_live(int rounds, struct direct_stacks *stacks)
{
    struct stork_impl never_busy = *stork_impl_get(), no_call = never_busy, leaks = never_busy;
    never_busy.queue_work_item = never_busy_queue;
    no_call.run_posted = no_call_run_posted;
    leaks.destroy_adapter = leaking_destroy;
    const struct stork_impl *bad[] = {&never_busy, &no_call, &leaks};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (direct_scenario(bad[i], rounds, stacks, false) == 0 ||
            direct_scenario(bad[i], rounds, stacks, true) == 0) {
            fprintf(stderr, "bench_replay: the direct program did not notice wrong variant %zu\n", i);
            return false;
        }
    return direct_scenario(stork_impl_get(), rounds, stacks, false) == 0 &&
           direct_scenario(stork_impl_get(), rounds, stacks, true) == 0;
}

/* ---- the timed parts ---- */

static long arg(int argc, char **argv, const char *name, long dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtol(argv[i + 1], NULL, 10);
    return dflt;
}

static const char *sarg(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static bool write_traces(const struct text *t, long ntraces, const char *dir)
{
    char path[4096];
    mkdir(dir, 0777);
    for (long i = 0; i < ntraces; i++) {
        snprintf(path, sizeof path, "%s/g%05ld.trace", dir, i);
        FILE *f = fopen(path, "w");
        if (!f || fwrite(t->p, 1, t->len, f) != t->len || fclose(f) != 0) {
            fprintf(stderr, "bench_replay: cannot write %s\n", path);
            return false;
        }
    }
    return true;
}

static bool parse(const struct text *t, struct trace *out)
{
    struct trace_error err;
    if (trace_parse(t->p, t->len, out, &err) && trace_check(out, &err))
        return true;
    fprintf(stderr, "bench_replay: generated trace rejected at %d: %s\n", err.line, err.message);
    return false;
}

/* The pack in this process, as a stork-replay child uses it: mapped, then trace by trace:
 * checked (pack_trace), replayed.  *both is that loop; *check is a second pass doing only the checks
 * (its events already in the page tables, not necessarily in the cache). */
static bool time_pack_in_process(const struct stork_impl *impl, const char *file,
                                 struct replay_cache *cache, struct clocks *both,
                                 struct clocks *check)
{
    struct pack p;
    char err[512];
    struct trace tr;
    struct trace_error te;
    struct clocks t0 = now();
    if (!pack_open(file, &p, err, sizeof err)) {
        fprintf(stderr, "bench_replay: %s\n", err);
        return false;
    }
    for (size_t i = 0; i < p.ntraces; i++) {
        char *msg = NULL;
        if (!pack_trace(&p, i, &tr, &te)) {
            fprintf(stderr, "bench_replay: %s: line %d: %s\n", file, te.line, te.message);
            return false;
        }
        if (replay_trace(impl, "generated.trace", &tr, &msg, NULL, cache) != REPLAY_PASS) {
            fprintf(stderr, "bench_replay: replay failed:\n%s", msg ? msg : "?\n");
            return false;
        }
    }
    keep_best(both, t0);
    t0 = now();
    for (size_t i = 0; i < p.ntraces; i++)
        if (!pack_trace(&p, i, &tr, &te))
            return false;
    keep_best(check, t0);
    pack_close(&p);
    return true;
}

static void row(const char *what, double events, struct clocks t, struct clocks direct)
{
    printf("| %-36s | %12.0f | %8.1f | %8.3f | %8.3f | %5.1f%% |\n", what, events / t.cpu,
           t.cpu / events * 1e9, t.cpu, t.wall, direct.cpu / t.cpu * 100);
}

int main(int argc, char **argv)
{
    long ntraces = arg(argc, argv, "--traces", 2000);
    int rounds = (int)arg(argc, argv, "--rounds", 25);
    const char *replay = sarg(argc, argv, "--replay"), *lib = sarg(argc, argv, "--lib");
    const char *dir = sarg(argc, argv, "--dir");
    if (ntraces < 1 || rounds < 1) {
        fprintf(stderr, "bench_replay: bad arguments\n");
        return STORK_EXIT_BAD_INPUT;
    }
    const struct stork_impl *impl = stork_impl_get();
    struct direct_stacks dstacks = {0};
    if (!direct_stacks_init(&dstacks)) {
        fprintf(stderr, "bench_replay: out of memory\n");
        return STORK_EXIT_BAD_INPUT;
    }
    if (!baseline_checks_are_live(rounds, &dstacks))
        return STORK_EXIT_VIOLATED;
    struct text t = {0};
    size_t events = scenario_trace(&t, rounds);
    double total = (double)events * (double)ntraces;
    if (replay && lib && dir && !write_traces(&t, ntraces, dir))
        return STORK_EXIT_BAD_INPUT;

    struct clocks direct = {1e9, 1e9}, on_contexts = direct, engine = direct, reader = direct,
                  program = direct, packing = direct, packed = direct, pack_both = direct,
                  pack_check = direct;
    struct replay_cache cache = {0};
    char pack_file[4096];
    snprintf(pack_file, sizeof pack_file, "%s.pack", dir ? dir : "");
    for (int pass = 0; pass < PASSES; pass++) {
        struct clocks t0 = now();
        int bad = 0;
        for (long i = 0; i < ntraces; i++)
            bad += direct_scenario(impl, rounds, &dstacks, false);
        keep_best(&direct, t0);
        t0 = now();
        for (long i = 0; i < ntraces; i++)
            bad += direct_scenario(impl, rounds, &dstacks, true);
        keep_best(&on_contexts, t0);
        if (bad) {
            fprintf(stderr, "bench_replay: the direct program saw %d unexpected outcomes\n", bad);
            return STORK_EXIT_VIOLATED;
        }

        /* Reader and engine as a stork-replay child runs them: traces read, checked and
         * replayed shortly after, then released (so the next reuse the memory and a replay
         * starts on a trace just parsed), GROUP at a time so that reading the clocks (a system
         * call for CPU time) stays out of the figures of short traces. */
        struct clocks rd = {0, 0}, en = {0, 0};
        for (long i = 0; i < ntraces; i += GROUP) {
            struct trace tr[GROUP];
            long k, n = ntraces - i < GROUP ? ntraces - i : GROUP;
            struct clocks c0 = now();
            for (k = 0; k < n; k++)
                if (!parse(&t, &tr[k]))
                    return STORK_EXIT_BAD_INPUT;
            struct clocks c1 = now();
            for (k = 0; k < n; k++) {
                char *msg = NULL;
                if (replay_trace(impl, "generated.trace", &tr[k], &msg, NULL, &cache) != REPLAY_PASS) {
                    fprintf(stderr, "bench_replay: replay failed:\n%s", msg ? msg : "?\n");
                    return STORK_EXIT_VIOLATED;
                }
            }
            struct clocks c2 = now();
            for (k = 0; k < n; k++)
                trace_free(&tr[k]);
            rd = (struct clocks){rd.wall + c1.wall - c0.wall, rd.cpu + c1.cpu - c0.cpu};
            en = (struct clocks){en.wall + c2.wall - c1.wall, en.cpu + c2.cpu - c1.cpu};
        }
        reader = (struct clocks){rd.wall < reader.wall ? rd.wall : reader.wall,
                                 rd.cpu < reader.cpu ? rd.cpu : reader.cpu};
        engine = (struct clocks){en.wall < engine.wall ? en.wall : engine.wall,
                                 en.cpu < engine.cpu ? en.cpu : engine.cpu};

        if (replay && lib && dir) {
            char *text[] = {(char *)replay, "--impl", (char *)lib, (char *)dir, NULL};
            char *pack[] = {(char *)replay, "--pack", pack_file, (char *)dir, NULL};
            char *packed_run[] = {(char *)replay, "--impl", (char *)lib, pack_file, NULL};
            if (!time_program(text, &program) || !time_program(pack, &packing) ||
                !time_program(packed_run, &packed))
                return STORK_EXIT_VIOLATED;
            if (!time_pack_in_process(impl, pack_file, &cache, &pack_both, &pack_check))
                return STORK_EXIT_VIOLATED;
        }
    }

    printf("bench_replay: %ld traces x %zu events (%.0f events), reference implementation, "
           "best of %d passes\n\n", ntraces, events, total, PASSES);
    printf("| %-36s | %12s | %8s | %8s | %8s | %6s |\n", "", "events/s", "ns/event", "CPU s",
           "wall s", "ratio");
    printf("|%s|%s|%s|%s|%s|%s|\n", "--------------------------------------", "-------------:",
           "---------:", "---------:", "---------:", "-------:");
    row("direct calls (baseline, no trace)", total, direct, direct);
    row("direct, system-worker fibers (info)", total, on_contexts, direct);
    row("replay engine (trace just parsed)", total, engine, direct);
    row("trace reader (parse + check)", total, reader, direct);
    struct clocks both = {reader.wall + engine.wall, reader.cpu + engine.cpu};
    row("reader + engine", total, both, direct);
    if (replay && lib && dir) {
        row("stork-replay program", total, program, direct);
        row("stork-replay --pack (once per corpus)", total, packing, direct);
        row("pack: check only (in process)", total, pack_check, direct);
        row("pack: check + engine (in process)", total, pack_both, direct);
        row("stork-replay program on the pack", total, packed, direct);
        printf("\n  program - reader - engine (files, processes, pipes): %.1f ns/event of CPU\n",
               (program.cpu - both.cpu) / total * 1e9);
        printf("ratio stork-replay program / direct: %.1f%% by CPU time, %.1f%% by wall time "
               "(target >= 50%%)\n", direct.cpu / program.cpu * 100, direct.wall / program.wall * 100);
        printf("ratio stork-replay program on the pack / direct: %.1f%% by CPU time, %.1f%% by wall "
               "time (target >= 50%%)\n", direct.cpu / packed.cpu * 100, direct.wall / packed.wall * 100);
    }
    printf("ratio replay engine / direct: %.1f%% by CPU time, %.1f%% by wall time\n",
           direct.cpu / engine.cpu * 100, direct.wall / engine.wall * 100);
    printf("against direct calls with a system-worker fiber per callback (info): engine %.1f%%",
           on_contexts.cpu / engine.cpu * 100);
    if (replay && lib && dir)
        printf(", program %.1f%%, program on the pack %.1f%%", on_contexts.cpu / program.cpu * 100,
               on_contexts.cpu / packed.cpu * 100);
    printf("\n");
    free(t.p);
    replay_cache_free(&cache);
    direct_stacks_free(&dstacks);
    return STORK_EXIT_OK;
}
