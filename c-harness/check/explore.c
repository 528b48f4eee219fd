/* explore.c -- see explore.h. */
#include "explore.h"
#include "defects.h"
#include "reduce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stork/exit_status.h"

#define MAX_STACKS (MAX_CTX + 4)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool name_ok(const char *s)
{
    static const char *const keywords[] = {"meta", "call", "start", "return", "remove", "loop",
                                           "end"};
    if (!s || !(*s >= 'a' && *s <= 'z'))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    if (strncmp(s, "sys", 3) == 0 && s[3] >= '0' && s[3] <= '9')
        return false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(s, keywords[i]) == 0)
            return false;
    return strcmp(s, "findadapter") != 0 && strcmp(s, "teardown") != 0;
}

bool explorer_init(struct explorer *x, const struct stork_scenario *scn, char *err, size_t size)
{
    memset(x, 0, sizeof *x);
    x->scn = scn;
    if (scn->nroutines > MAX_ROUTINES || scn->threads > MAX_THREADS || !scn->extension_size) {
        snprintf(err, size, "scenario %s: at most %d routines and %d threads, and an extension "
                 "of at least 1 byte", scn->name, MAX_ROUTINES, MAX_THREADS);
        return false;
    }
    for (size_t i = 0; i < scn->nroutines; i++) {
        const struct stork_routine *rt = &scn->routines[i];
        if (!name_ok(rt->name) || !rt->fn) {
            snprintf(err, size, "scenario %s: routine %zu: name \"%s\" must match [a-z][a-z0-9_]*, "
                     "not sysN, findadapter, teardown or a trace keyword, and fn must be set",
                     scn->name, i, rt->name ? rt->name : "(null)");
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(scn->routines[j].name, rt->name) == 0) {
                snprintf(err, size, "scenario %s: two routines are named %s", scn->name, rt->name);
                return false;
            }
    }
    x->run = calloc(1, sizeof *x->run);
    x->stacks = calloc(MAX_STACKS, sizeof *x->stacks);
    if (!x->run || !x->stacks || !globals_save(&x->globals)) {
        snprintf(err, size, "out of memory");
        return false;
    }
    return true;
}

void explorer_free(struct explorer *x)
{
    if (x->run) {
        run_release(x->run);
        steps_release(x->run);
        race_release(x->run);
        por_release(x->run);
    }
    for (int i = 0; i < x->nstacks; i++)
        free(x->stacks[i]);
    free(x->stacks);
    free(x->run);
    globals_free(&x->globals);
    free(x->made.pick);
    free(x->made.n);
}

/* Follows a fixed prefix of choices, then takes option 0. */
struct prefix_chooser {
    struct chooser base;
    const int *v;
    int len, pos;
};

static int prefix_pick(struct chooser *self, int n, const int *actors, int step)
{
    (void)actors;
    (void)step;
    struct prefix_chooser *p = (struct prefix_chooser *)self;
    int i = p->pos++;
    if (i >= p->len)
        return 0;
    return p->v[i] < n ? p->v[i] : n - 1;
}

static bool do_run(struct explorer *x, const struct explore_opts *o, struct chooser *ch)
{
    run_release(x->run);
    globals_restore(&x->globals); /* each run begins the adapter life DriverEntry left */
    return run_once(x->run, x->scn, ch, &x->made, o->limits, x->stacks, &x->nstacks);
}

bool run_schedule(struct explorer *x, const struct explore_opts *o, const int *sched, int len)
{
    struct prefix_chooser pc = {.base.pick = prefix_pick, .v = sched, .len = len};
    return do_run(x, o, &pc.base);
}

const struct finding *run_has(const struct run *r, const struct found *f)
{
    char key[DEFECT_KEY];
    for (int i = 0; i < r->nf; i++) {
        if (strcmp(r->f[i].rule, f->rule) != 0 || strcmp(r->f[i].why, f->why) != 0)
            continue;
        defect_key(r, &r->f[i], key, sizeof key);
        if (strcmp(key, f->key) == 0)
            return &r->f[i];
    }
    return NULL;
}

static void copy_choices(struct choices *dst, const struct choices *src)
{
    dst->len = 0;
    for (int i = 0; i < src->len; i++)
        choices_push(dst, src->pick[i], src->n[i]);
}

/* --distinct: whether no earlier run's trace had the events and comments of this one (the
 * meta lines, which name the schedule and the seed, aside), by a 64-bit digest of them; a new
 * one is remembered.  Out of memory, every trace is new (written: none is lost). */
static bool trace_is_new(struct explore_result *res, const struct run *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return true;
    write_trace(m, r, NULL, 0);
    fclose(m);
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 0x100000001B3ull;
    free(text);
    h |= 1; /* 0 marks a free slot */
    if (2 * (res->ntraces + 1) > res->captraces) { /* at most half full: rehash into twice */
        size_t cap = res->captraces ? 2 * res->captraces : 1024;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return true;
        for (size_t i = 0; i < res->captraces; i++)
            for (size_t j = res->traces[i] & (cap - 1); res->traces[i]; j = (j + 1) & (cap - 1))
                if (!t[j]) {
                    t[j] = res->traces[i];
                    break;
                }
        free(res->traces);
        res->traces = t;
        res->captraces = cap;
    }
    for (size_t j = h & (res->captraces - 1);; j = (j + 1) & (res->captraces - 1)) {
        if (res->traces[j] == h)
            return false;
        if (!res->traces[j]) {
            res->traces[j] = h;
            res->ntraces++;
            return true;
        }
    }
}

static void record(struct explorer *x, const struct explore_opts *o, long number, bool pct,
                   uint64_t seed, struct explore_result *res)
{
    const struct run *r = x->run;
    long stamp = ++res->recorded;
    for (int i = 0; i < r->nf; i++) {
        const struct finding *fi = &r->f[i];
        char key[DEFECT_KEY];
        defect_key(r, fi, key, sizeof key);
        struct found *known = NULL;
        for (int j = 0; j < res->nf && !known; j++)
            if (strcmp(res->f[j].key, key) == 0 && strcmp(res->f[j].why, fi->why) == 0)
                known = &res->f[j];
        if (known) {
            /* once per run (two mirrored workers of one run are one); a pruned run is one
             * explored already, in another order */
            known->shown += known->stamp != stamp && !r->pruned;
            known->stamp = stamp;
            continue;
        }
        if (res->nf == res->capf) {
            int cap = res->capf ? res->capf * 2 : 8;
            struct found *nf = realloc(res->f, (size_t)cap * sizeof *nf);
            if (!nf) {
                fputs("stork-audit: out of memory\n", stderr);
                exit(STORK_EXIT_BAD_INPUT);
            }
            res->f = nf;
            res->capf = cap;
        }
        struct found *f = &res->f[res->nf++];
        memset(f, 0, sizeof *f);
        f->rule = fi->rule;
        f->why = fi->why;
        snprintf(f->file, sizeof f->file, "%s", fi->file);
        f->line = fi->line;
        snprintf(f->msg, sizeof f->msg, "%s", fi->msg);
        snprintf(f->key, sizeof f->key, "%s", key);
        copy_choices(&f->sched, &x->made);
        f->pct = pct;
        f->seed = seed;
        f->run = number;
        f->shown = !r->pruned;
        f->stamp = stamp;
    }
    if (o->record_dir && !r->pruned) { /* a pruned run is no whole run: no trace */
        if (o->record_distinct && !trace_is_new(res, r))
            return;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s-%06ld.trace", o->record_dir, pct ? "pct" : "run", number);
        FILE *out = fopen(path, "w");
        if (!out) {
            snprintf(res->error, sizeof res->error, "cannot write %.250s", path);
            return;
        }
        char sched[8192] = "schedule";
        size_t used = strlen(sched);
        for (int i = 0; i < x->made.len && used + 12 < sizeof sched; i++)
            used += (size_t)snprintf(sched + used, sizeof sched - used, " %d", x->made.pick[i]);
        char gen[] = "generator stork-audit 0.1.0", scn[300], sd[64], cfg[64];
        snprintf(scn, sizeof scn, "scenario %s", o->source ? o->source : x->scn->name);
        snprintf(cfg, sizeof cfg, "config NTHREADS=%d", r->nctx - r->first_sys);
        snprintf(sd, sizeof sd, "seed %llu", (unsigned long long)seed);
        const char *meta[] = {gen, scn, cfg, sched, sd};
        write_trace(out, r, meta, pct ? 5 : 4);
        fclose(out);
    }
}

static void add_state(struct explore_result *res, uint64_t h)
{
    for (int i = 0; i < res->nstates; i++)
        if (res->states[i] == h)
            return;
    if (res->nstates == res->capstates) {
        int cap = res->capstates ? res->capstates * 2 : 64;
        uint64_t *n = realloc(res->states, (size_t)cap * sizeof *n);
        if (!n) {
            snprintf(res->error, sizeof res->error, "out of memory");
            return;
        }
        res->states = n;
        res->capstates = cap;
    }
    res->states[res->nstates++] = h;
}

static bool out_of_time(const struct explore_opts *o, double start, struct explore_result *res)
{
    if (o->time_limit > 0 && now() - start > o->time_limit)
        res->timed_out = true;
    return res->timed_out;
}

/* The exhaustive search's part of --time-limit when PCT may follow: the rest is PCT's, so that a
 * search too large to finish still gets its random runs (without it, the exhaustive part took
 * the whole limit and PCT never ran). */
#define EXHAUSTIVE_SHARE 0.75

static bool out_of_share(const struct explore_opts *o, double start, struct explore_result *res)
{
    if (o->exhaustive_only || o->time_limit <= 0)
        return out_of_time(o, start, res);
    if (now() - start > o->time_limit * EXHAUSTIVE_SHARE)
        res->exhaustive_timed_out = true;
    return res->exhaustive_timed_out;
}

static bool exhaustive(struct explorer *x, const struct explore_opts *o, struct explore_result *res,
                       double start)
{
    double t0 = now();
    struct choices prefix = {0};
    res->reduced = !o->no_reduction && race_instrumented();
    struct reducer *rd = res->reduced ? reducer_new() : NULL;
    if (res->reduced && !rd) {
        snprintf(res->error, sizeof res->error, "out of memory");
        return false;
    }
    for (;;) {
        watch_phase(PH_EXHAUSTIVE, res->schedules, 0);
        bool ok;
        if (res->reduced) {
            ok = do_run(x, o, reducer_start(rd, &prefix));
        } else {
            ok = run_schedule(x, o, prefix.pick, prefix.len);
        }
        if (!ok) {
            snprintf(res->error, sizeof res->error, "%s", x->run->error);
            break;
        }
        record(x, o, res->schedules, false, 0, res);
        res->schedules++;
        res->pruned += x->run->pruned;
        res->failing_schedules += x->run->nf > 0;
        res->cut_runs += x->run->cut;
        if (x->run->threads_busy > res->threads_busy)
            res->threads_busy = x->run->threads_busy;
        if (o->final_states && !x->run->pruned && !x->run->cut)
            add_state(res, por_final_state(x->run));
        bool more;
        if (res->reduced) {
            /* a run stopped before its end (a bound, a livelock's cut, a halt mid-step: other
             * contexts' steps never ran) explores every option of its decisions (reduce.h) */
            more = reducer_next(rd, &x->made, x->run->cut || x->run->looped || x->run->halted,
                                &prefix);
            if (reducer_oom(rd))
                snprintf(res->error, sizeof res->error, "out of memory");
        } else {
            int i = x->made.len - 1;
            while (i >= 0 && x->made.pick[i] >= x->made.n[i] - 1)
                i--;
            more = i >= 0;
            if (more) {
                prefix.len = 0;
                for (int j = 0; j < i; j++)
                    choices_push(&prefix, x->made.pick[j], x->made.n[j]);
                choices_push(&prefix, x->made.pick[i] + 1, x->made.n[i]);
            }
        }
        if (!more) {
            res->complete = true;
            break;
        }
        if (res->schedules >= o->max_schedules || res->error[0] || out_of_share(o, start, res))
            break;
    }
    reducer_free(rd);
    free(prefix.pick);
    free(prefix.n);
    res->exhaustive_secs = now() - t0;
    return !res->error[0];
}

/* splitmix64: small, good enough, and the same everywhere. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define PCT_MAX_ACTORS 256
#define PCT_MAX_DEPTH 8

/* PCT: every actor (context, posted callback, removal) gets a random priority >= d when first
 * seen; the highest enabled one runs; at the d-1 change points (steps drawn uniformly in
 * [0, k)) the actor that runs drops to priority i (below every initial one). */
struct pct_chooser {
    struct chooser base;
    uint64_t rng;
    int d, k;
    int change[PCT_MAX_DEPTH];
    int actor[PCT_MAX_ACTORS];
    uint64_t prio[PCT_MAX_ACTORS];
    int nactors;
};

static int pct_pick(struct chooser *self, int n, const int *actors, int step)
{
    struct pct_chooser *p = (struct pct_chooser *)self;
    if (!actors)
        return (int)(mix(&p->rng) % (uint64_t)n); /* a data choice: a fair coin */
    int best = 0;
    uint64_t best_prio = 0;
    int best_slot = -1;
    for (int i = 0; i < n; i++) {
        int slot = -1;
        for (int j = 0; j < p->nactors; j++)
            if (p->actor[j] == actors[i]) {
                slot = j;
                break;
            }
        if (slot < 0 && p->nactors < PCT_MAX_ACTORS) {
            slot = p->nactors++;
            p->actor[slot] = actors[i];
            p->prio[slot] = (uint64_t)p->d + (mix(&p->rng) >> 8);
        }
        uint64_t pr = slot >= 0 ? p->prio[slot] : 0;
        if (best_slot < 0 || pr > best_prio) {
            best = i;
            best_prio = pr;
            best_slot = slot;
        }
    }
    for (int i = 0; i < p->d - 1; i++)
        if (p->change[i] == step && best_slot >= 0)
            p->prio[best_slot] = (uint64_t)(i + 1);
    return best;
}

static int actors_of_run(const struct run *r)
{
    /* contexts that ran + callbacks started + the removal */
    int n = 1;
    for (int i = 0; i < r->nctx; i++)
        n += r->ctx[i].kind != K_SYS && r->ctx[i].state != C_UNBORN;
    for (int i = 0; i < r->nev; i++)
        n += r->ev[i].kind == EV_START;
    return n;
}

static bool pct(struct explorer *x, const struct explore_opts *o, struct explore_result *res,
                double start)
{
    double t0 = now();
    /* k: the steps of the default schedule, or more if a run so far took more */
    watch_phase(PH_PCT, -1, 0);
    if (!run_schedule(x, o, NULL, 0)) {
        snprintf(res->error, sizeof res->error, "%s", x->run->error);
        return false;
    }
    int k = x->run->steps, n = actors_of_run(x->run);
    for (long i = 0; i < o->pct_runs && !res->error[0] && !out_of_time(o, start, res); i++) {
        struct pct_chooser pc = {.base.pick = pct_pick, .d = o->depth, .k = k};
        uint64_t seed = o->seed + (uint64_t)i;
        pc.rng = seed;
        for (int j = 0; j < o->depth - 1; j++)
            pc.change[j] = (int)(mix(&pc.rng) % (uint64_t)k);
        watch_phase(PH_PCT, i, seed);
        if (!do_run(x, o, &pc.base)) {
            snprintf(res->error, sizeof res->error, "%s", x->run->error);
            return false;
        }
        int an = actors_of_run(x->run);
        if (an > n)
            n = an;
        record(x, o, i, true, seed, res);
        if (o->final_states && !x->run->cut) /* a subset of the whole search's (test_audit_pct_states) */
            add_state(res, por_final_state(x->run));
        res->pct_runs++;
        res->failing_pct_runs += x->run->nf > 0;
        res->cut_runs += x->run->cut;
        if (x->run->threads_busy > res->threads_busy)
            res->threads_busy = x->run->threads_busy;
    }
    res->pct_n = n;
    res->pct_k = k;
    res->pct_secs = now() - t0;
    return !res->error[0];
}

void explore(struct explorer *x, const struct explore_opts *o, struct explore_result *res)
{
    memset(res, 0, sizeof *res);
    double start = now();
    if (!o->pct_only && !exhaustive(x, o, res, start))
        return;
    if (res->complete && res->cut_runs)
        res->complete = false; /* every schedule was tried, but some were not run to their end */
    if (o->exhaustive_only || res->complete || res->timed_out)
        return;
    pct(x, o, res, start);
}

void explore_result_free(struct explore_result *res)
{
    for (int i = 0; i < res->nf; i++) {
        free(res->f[i].sched.pick);
        free(res->f[i].sched.n);
    }
    free(res->f);
    free(res->states);
    free(res->traces);
}

long minimise(struct explorer *x, const struct explore_opts *o, struct found *f)
{
    long runs = 0;
    struct choices best = {0}, trial = {0};
    copy_choices(&best, &f->sched);
    bool changed = true;
    while (changed) {
        changed = false;
        for (int i = best.len - 1; i >= 0; i--) {
            if (best.pick[i] == 0)
                continue;
            copy_choices(&trial, &best);
            trial.pick[i] = 0;
            runs++;
            watch_phase(PH_MINIMISE, runs, 0);
            if (run_schedule(x, o, trial.pick, trial.len) && run_has(x->run, f)) {
                copy_choices(&best, &x->made);
                changed = true;
                i = i < best.len ? i : best.len;
            }
        }
    }
    while (best.len > 0 && best.pick[best.len - 1] == 0)
        best.len--;
    copy_choices(&f->sched, &best);
    free(best.pick);
    free(best.n);
    free(trial.pick);
    free(trial.n);
    return runs;
}
