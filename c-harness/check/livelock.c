/*
 * livelock.c -- a run in a cycle.  A context that repeats the same StorPort calls with the same
 * answers (a retry on UNSUCCESSFUL), or the same poll, while nothing else can go on, never ends;
 * cutting it at --max-steps would call it "incomplete" and print every repetition.  Each step
 * gets a signature (who went on, who could have, its events, where the one that went on
 * stopped).  When the last steps are one cycle of signatures repeated, and in one pass of it every
 * actor offered also went on (so no fairer schedule gets out: a poller that merely keeps a
 * startable callback waiting is an unfair schedule, and stays a cut run), the run is a livelock
 * (WI-M9): one finding for each context in the cycle, and the trace keeps the cycle once, after
 * `loop`, with the repeat count in the message.  A loop bounded beyond --max-steps looks the same.
 */
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define LOOP_MAX_PERIOD 64
#define LOOP_MIN_REPEATS 8
#define LOOP_FIRST_CHECK 512

static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int cap2 = *cap ? *cap : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(p, (size_t)cap2 * size);
    if (!q)
        return NULL;
    *cap = cap2;
    return q;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0x100000001B3ull;
}

static int same_actor(int a)
{
    return a >= ACTOR_ITEM ? ACTOR_ITEM : a; /* each post has its own number: compare the kind */
}

void step_record(struct run *r, int actor, const int *actors, int n, int ev_before)
{
    int i = r->steps - 1;
    if (i >= r->capst || r->noffers + n > r->capoffers) {
        struct step *st = grow(r->st, &r->capst, i + 1, sizeof *st);
        if (st)
            r->st = st;
        int *offers = grow(r->offers, &r->capoffers, r->noffers + n, sizeof *offers);
        if (offers)
            r->offers = offers;
        if (!st || !offers) {
            run_error(r, "out of memory");
            return;
        }
    }
    memcpy(&r->offers[r->noffers], actors, (size_t)n * sizeof *actors);
    const struct ctx *c = r->last >= 0 ? &r->ctx[r->last] : NULL;
    r->st[i] = (struct step){.ev = ev_before, .actor = actor, .offer = r->noffers, .noffer = n,
                             .at_file = c ? c->at_file : NULL, .at_line = c ? c->at_line : -1};
    r->noffers += n;
}

/* A step's signature: who went on, who could have, its events, where the one that went on
 * stopped.  Computed only when a run is long enough to be checked. */
static uint64_t signature(const struct run *r, int i)
{
    const struct step *s = &r->st[i];
    uint64_t h = mix(0xCBF29CE484222325ull, (uint64_t)same_actor(s->actor));
    for (int k = 0; k < s->noffer; k++)
        h = mix(h, (uint64_t)same_actor(r->offers[s->offer + k]));
    int end = i + 1 < r->steps ? r->st[i + 1].ev : r->nev;
    for (int k = s->ev; k < end; k++) {
        const struct ev *e = &r->ev[k];
        uint64_t v[] = {e->kind, (uint64_t)e->ctx, e->irql, (uint64_t)e->worker, (uint64_t)e->bad,
                        (uint64_t)e->routine, (uint64_t)e->context, e->status,
                        (uint64_t)e->new_worker, (uint64_t)e->line, (uint64_t)(uintptr_t)e->file};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            h = mix(h, v[j]);
    }
    return mix(mix(h, (uint64_t)s->at_line), (uint64_t)(uintptr_t)s->at_file);
}

/* Every actor steps [from, from + p) offered went on in them. */
static bool fair(const struct run *r, int from, int p)
{
    for (int i = from; i < from + p; i++)
        for (int k = 0; k < r->st[i].noffer; k++) {
            int a = r->offers[r->st[i].offer + k];
            bool went = false;
            for (int j = from; j < from + p && !went; j++)
                went = r->st[j].actor == a;
            if (!went)
                return false;
        }
    return true;
}

/* The events become: those before the cycle, `loop`, one pass of it (e0..e1). */
static void keep_one_pass(struct run *r, int e0, int e1)
{
    for (int i = 0; i < r->nf; i++) {
        struct finding *f = &r->f[i];
        if (f->ev >= e1) /* found in a later pass: the same place in the one kept */
            f->ev = e1 > e0 ? e0 + (f->ev - e0) % (e1 - e0) : e0 - 1;
        if (f->ev >= e0)
            f->ev++;
    }
    r->nev = e1;
    FILE *stream = run_stream;
    run_stream = NULL; /* the events streamed already; `loop` is for the trace written after */
    run_event(r, (struct ev){.kind = EV_LOOP, .ctx = -1});
    run_stream = stream;
    if (r->nev != e1 + 1)
        return;
    memmove(&r->ev[e0 + 1], &r->ev[e0], (size_t)(e1 - e0) * sizeof r->ev[0]);
    r->ev[e0] = (struct ev){.kind = EV_LOOP, .ctx = -1};
}

bool livelock_found(struct run *r)
{
    int n = r->steps;
    if (n != r->limits.max_steps && (n < LOOP_FIRST_CHECK || (n & (n - 1)) != 0))
        return false;
    for (int i = 0; i < n; i++)
        r->st[i].sig = signature(r, i);
    for (int p = 1; p <= LOOP_MAX_PERIOD && p * LOOP_MIN_REPEATS <= n; p++) {
        int i = n - 1;
        while (i - p >= 0 && r->st[i].sig == r->st[i - p].sig)
            i--;
        int from = i - p + 1 > 0 ? i - p + 1 : 0; /* steps from..n-1 repeat with period p */
        if ((n - from) / p < LOOP_MIN_REPEATS || (n - from) * 2 < n)
            continue;
        if (!fair(r, from, p))
            return false; /* the shortest cycle keeps someone waiting: an unfair schedule */
        int repeats = (n - from) / p, e0 = r->st[from].ev, e1 = r->st[from + p].ev;
        keep_one_pass(r, e0, e1);
        for (int c = 0; c < r->nctx; c++) {
            bool in_cycle = false;
            for (int j = from; j < from + p && !in_cycle; j++)
                in_cycle = r->st[j].actor == c;
            if (!in_cycle)
                continue;
            struct ctx *x = &r->ctx[c];
            int worker = x->kind == K_SYS ? x->worker : -1, first = e0;
            for (int k = e0 + 1; k <= e1; k++)
                if (r->ev[k].ctx == c) {
                    first = k;
                    if (worker < 0 && r->ev[k].worker > 0)
                        worker = r->ev[k].worker - 1;
                    break;
                }
            int before = r->nf;
            run_finding_why(r, "WI-M9", "livelock", x->at_file, x->at_line, worker,
                            "%s repeats the same %d scheduling step(s) %d times (once in the "
                            "trace, after `loop`) while nothing else can go on: a livelock, "
                            "which no fair schedule ends (a loop bounded beyond --max-steps "
                            "%d looks the same)", x->name, p, repeats, r->limits.max_steps);
            if (r->nf > before)
                r->f[r->nf - 1].ev = first;
        }
        r->looped = true;
        return true;
    }
    return false;
}

/* The step buffers outlive a run (run_once keeps them): given back with the explorer. */
void steps_release(struct run *r)
{
    free(r->st);
    free(r->offers);
    r->st = NULL;
    r->offers = NULL;
    r->capst = r->capoffers = r->noffers = 0;
}
