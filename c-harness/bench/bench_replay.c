/*
 * bench_replay: replay throughput against direct calls, in the same run.
 *
 *   bench_replay [--traces N] [--rounds R] [--replay PATH-TO-stork-replay --lib LIB --dir DIR]
 *
 * Generates N traces of one scenario (a findadapter initialising 4 workers; R rounds of: a DPC
 * queueing each worker (SUCCESS) and again (BUSY), each callback started on one of two system
 * threads, re-queueing itself from inside and running again; then removal, a refused queue
 * and the frees).  Then it times, on the reference implementation:
 *   direct   a hand-written C program making exactly the same calls, with a minimal FIFO
 *            environment and the same status checks, no trace;
 *   replay   the replay engine (replay_trace) on the parsed traces, in this process;
 *   parse    the trace reader on the trace texts;
 *   program  (with --replay) the whole stork-replay program on the trace files written to DIR:
 *            processes, reading, parsing, replay.
 * and prints events/s for each and the ratio replay/direct (target >= 50%).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "driver.h"
#include "stork/impl_abi.h"
#include "trace.h"

const struct stork_impl *stork_impl_get(void); /* the reference, linked in */

#define NW 4

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
            exit(2);
        }
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

static size_t scenario_trace(struct text *t, int rounds)
{
    char line[128];
    size_t events = 0;
    t->len = 0;
    put(t, "stork-trace 1\nmeta generator bench_replay\n");
    for (int w = 1; w <= NW; w++, events++) {
        snprintf(line, sizeof line, "call findadapter PASSIVE init -> SUCCESS w%d\n", w);
        put(t, line);
    }
    for (int r = 0; r < rounds; r++) {
        for (int w = 1; w <= NW; w++, events += 2) {
            snprintf(line, sizeof line, "call dpc DISPATCH queue w%d cb%d ctx%d -> SUCCESS\n"
                     "call dpc DISPATCH queue w%d cb%d ctx%d -> BUSY\n", w, w, w, w, w, w);
            put(t, line);
        }
        for (int w = 1; w <= NW; w++, events += 5) {
            int s = w % 2;
            snprintf(line, sizeof line, "start sys%d w%d cb%d ctx%d\n"
                     "call sys%d PASSIVE queue w%d cb%d ctx%d -> SUCCESS\nreturn sys%d w%d\n"
                     "start sys%d w%d cb%d ctx%d\nreturn sys%d w%d\n",
                     s, w, w, w, s, w, w, w, s, w, s, w, w, w, s, w);
            put(t, line);
        }
    }
    put(t, "remove begin\n");
    events++;
    for (int w = 1; w <= NW; w++, events += 2) {
        snprintf(line, sizeof line, "call dpc DISPATCH queue w%d cb%d ctx%d -> INVALID_DEVICE_STATE\n"
                 "call teardown PASSIVE free w%d -> SUCCESS\n", w, w, w, w);
        put(t, line);
    }
    put(t, "remove end\nend\n");
    return events + 1;
}

/* ---- the same scenario as direct calls ---- */

struct direct {
    struct stork_env env;
    const struct stork_impl *impl;
    struct stork_adapter *ad;
    unsigned irql;
    void *items[16];
    size_t head, tail;
    int bad;
    int ctx[NW + 1];
};

static void d_post(struct stork_env *env, void *worker, void *item)
{
    struct direct *d = (struct direct *)(void *)env;
    (void)worker;
    d->items[d->tail++ % 16] = item;
}

static unsigned d_irql(struct stork_env *env)
{
    return ((struct direct *)(void *)env)->irql;
}

static void *d_alloc(struct stork_env *env, size_t n)
{
    (void)env;
    return malloc(n);
}

static void d_free(struct stork_env *env, void *p)
{
    (void)env;
    free(p);
}

/* One callback for all workers: re-queue on the first run of each round, not on the second. */
struct direct_ctx {
    struct direct *d;
    void *worker;
    int requeue;
};

static void d_callback(void *ext, void *context, void *worker)
{
    struct direct_ctx *c = context;
    (void)ext;
    if (worker != c->worker)
        c->d->bad++;
    if (c->requeue) {
        c->requeue = 0;
        c->d->irql = STORK_PASSIVE_LEVEL;
        if (c->d->impl->queue_work_item(c->d->ad, ext, d_callback, worker, c) != STOR_STATUS_SUCCESS)
            c->d->bad++;
    }
}

static void expect(struct direct *d, STORK_ULONG got, STORK_ULONG want)
{
    if (got != want)
        d->bad++;
}

static int direct_scenario(const struct stork_impl *impl, int rounds)
{
    struct direct d = {.env = {d_post, d_irql, d_alloc, d_free}, .impl = impl};
    struct direct_ctx c[NW];
    void *w[NW];
    char ext[64];
    d.ad = impl->create_adapter(&d.env);
    d.irql = STORK_PASSIVE_LEVEL;
    for (int i = 0; i < NW; i++) {
        expect(&d, impl->initialize_worker(d.ad, ext, &w[i]), STOR_STATUS_SUCCESS);
        c[i] = (struct direct_ctx){.d = &d, .worker = w[i]};
    }
    for (int r = 0; r < rounds; r++) {
        d.irql = STORK_DISPATCH_LEVEL;
        for (int i = 0; i < NW; i++) {
            c[i].requeue = 1;
            expect(&d, impl->queue_work_item(d.ad, ext, d_callback, w[i], &c[i]), STOR_STATUS_SUCCESS);
            expect(&d, impl->queue_work_item(d.ad, ext, d_callback, w[i], &c[i]), STOR_STATUS_BUSY);
        }
        while (d.head != d.tail) {
            d.irql = STORK_PASSIVE_LEVEL;
            impl->run_posted(d.ad, d.items[d.head++ % 16]);
        }
    }
    impl->begin_removal(d.ad);
    for (int i = 0; i < NW; i++) {
        d.irql = STORK_DISPATCH_LEVEL;
        expect(&d, impl->queue_work_item(d.ad, ext, d_callback, w[i], &c[i]),
               STOR_STATUS_INVALID_DEVICE_STATE);
        d.irql = STORK_PASSIVE_LEVEL;
        expect(&d, impl->free_worker(d.ad, ext, w[i]), STOR_STATUS_SUCCESS);
    }
    impl->destroy_adapter(d.ad);
    return d.bad;
}

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

int main(int argc, char **argv)
{
    long ntraces = arg(argc, argv, "--traces", 2000);
    int rounds = (int)arg(argc, argv, "--rounds", 25);
    const char *replay = sarg(argc, argv, "--replay"), *lib = sarg(argc, argv, "--lib");
    const char *dir = sarg(argc, argv, "--dir");
    if (ntraces < 1 || rounds < 1) {
        fprintf(stderr, "bench_replay: bad arguments\n");
        return 2;
    }
    const struct stork_impl *impl = stork_impl_get();
    struct text t = {0};
    size_t events = scenario_trace(&t, rounds);
    double total_events = (double)events * (double)ntraces;

    /* parse */
    struct trace *traces = calloc((size_t)ntraces, sizeof *traces);
    if (!traces)
        return 2;
    double t0 = now();
    for (long i = 0; i < ntraces; i++) {
        struct trace_error err;
        if (!trace_parse(t.p, t.len, &traces[i], &err) || !trace_check(&traces[i], &err)) {
            fprintf(stderr, "bench_replay: generated trace rejected at %d: %s\n", err.line, err.message);
            return 2;
        }
    }
    double parse_s = now() - t0;

    /* direct, then replay, alternated twice to even out warm-up; the best of each is kept */
    double direct_s = 1e9, replay_s = 1e9;
    struct replay_stacks stacks = {0};
    int bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        t0 = now();
        for (long i = 0; i < ntraces; i++)
            bad += direct_scenario(impl, rounds);
        double d = now() - t0;
        direct_s = d < direct_s ? d : direct_s;
        t0 = now();
        for (long i = 0; i < ntraces; i++) {
            char *msg = NULL;
            if (!replay_trace(impl, "generated.trace", &traces[i], &msg, NULL, &stacks)) {
                fprintf(stderr, "bench_replay: replay failed:\n%s", msg ? msg : "?\n");
                return 1;
            }
        }
        d = now() - t0;
        replay_s = d < replay_s ? d : replay_s;
    }
    if (bad) {
        fprintf(stderr, "bench_replay: the direct program saw %d unexpected outcomes\n", bad);
        return 1;
    }
    printf("bench_replay: %ld traces x %zu events (%.0f events), reference implementation\n",
           ntraces, events, total_events);
    printf("  direct calls (no trace)   %12.0f events/s  %8.3f s\n", total_events / direct_s, direct_s);
    printf("  replay engine             %12.0f events/s  %8.3f s\n", total_events / replay_s, replay_s);
    printf("  trace reader (parse)      %12.0f events/s  %8.3f s\n", total_events / parse_s, parse_s);
    printf("  replay + parse            %12.0f events/s\n", total_events / (replay_s + parse_s));
    if (replay && lib && dir) {
        char path[4096], cmd[8192];
        mkdir(dir, 0777);
        for (long i = 0; i < ntraces; i++) {
            snprintf(path, sizeof path, "%s/g%05ld.trace", dir, i);
            FILE *f = fopen(path, "w");
            if (!f || fwrite(t.p, 1, t.len, f) != t.len || fclose(f) != 0) {
                fprintf(stderr, "bench_replay: cannot write %s\n", path);
                return 2;
            }
        }
        snprintf(cmd, sizeof cmd, "'%s' --impl '%s' '%s' > /dev/null", replay, lib, dir);
        t0 = now();
        int rc = system(cmd);
        double prog_s = now() - t0;
        if (rc != 0) {
            fprintf(stderr, "bench_replay: %s failed (%d)\n", cmd, rc);
            return 1;
        }
        printf("  stork-replay program      %12.0f events/s  %8.3f s (files, processes, parse, replay)\n",
               total_events / prog_s, prog_s);
    }
    double ratio = direct_s / replay_s;
    printf("ratio replay engine / direct: %.0f%% (target >= 50%%)\n", ratio * 100);
    for (long i = 0; i < ntraces; i++)
        trace_free(&traces[i]);
    free(traces);
    free(t.p);
    replay_stacks_free(&stacks);
    return 0;
}
