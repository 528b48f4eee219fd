/* What a replay rejects beyond the syntax (spec/trace-format.md, "What a reader must reject"),
 * and the numbering of distinct badN / cbN / ctxN / sysN values into dense slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokens.h"
#include "trace.h"

/* The replay supplies this many distinct HW_WORKITEM routines (replay/routines.c). */
#define TRACE_MAX_ROUTINES 16

/* A set of numbers in first-seen order.  The first few live in the set itself (most traces
 * have a handful of each kind: allocating them cost more than checking a short trace). */
#define NUMSET_LOCAL 8
struct numset {
    uint32_t *v; /* local, or malloc'd once it outgrows it */
    uint32_t n, cap;
    uint32_t local[NUMSET_LOCAL];
};

static void numset_init(struct numset *s)
{
    s->v = s->local;
    s->n = 0;
    s->cap = NUMSET_LOCAL;
}

static void numset_free(struct numset *s)
{
    if (s->v != s->local)
        free(s->v);
}

/* Dense index of `num` in the set, adding it if new; UINT32_MAX if out of memory. */
static uint32_t slot_of(struct numset *s, uint32_t num)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i] == num)
            return i;
    if (s->n == s->cap) {
        uint32_t c = s->cap * 2;
        uint32_t *v = s->v == s->local ? malloc(c * sizeof *v) : realloc(s->v, c * sizeof *v);
        if (!v)
            return UINT32_MAX;
        if (s->v == s->local)
            memcpy(v, s->local, sizeof s->local);
        s->v = v;
        s->cap = c;
    }
    s->v[s->n] = num;
    return s->n++;
}

struct checker {
    struct numset bad, routines, contexts, threads;
    uint32_t *running; /* per thread slot: worker N whose callback runs there, 0 if none */
    uint32_t running_cap;
    uint32_t running_local[NUMSET_LOCAL]; /* running, while that is enough */
    uint32_t nworkers;
};

static bool arg_slot(struct numset *s, struct trace_arg *a, struct trace_error *err, int line)
{
    if (a->ref == REF_NULL)
        return true;
    a->slot = slot_of(s, a->num);
    if (a->slot == UINT32_MAX)
        return trace_fail(err, line, "out of memory");
    return true;
}

static bool thread_slot(struct checker *c, struct trace_event *e, struct trace_error *err)
{
    e->thread_slot = slot_of(&c->threads, e->thread);
    if (e->thread_slot == UINT32_MAX)
        return trace_fail(err, e->line, "out of memory");
    if (c->threads.n > c->running_cap) {
        uint32_t cap = c->threads.cap;
        uint32_t *r = c->running == c->running_local ? malloc(cap * sizeof *r)
                                                     : realloc(c->running, cap * sizeof *r);
        if (!r)
            return trace_fail(err, e->line, "out of memory");
        if (c->running == c->running_local)
            memcpy(r, c->running_local, sizeof c->running_local);
        memset(r + c->running_cap, 0, (cap - c->running_cap) * sizeof *r);
        c->running = r;
        c->running_cap = cap;
    }
    return true;
}

static bool worker_issued(struct checker *c, const struct trace_arg *a, struct trace_error *err, int line)
{
    if (a->ref == REF_NUM && a->num > c->nworkers)
        return trace_fail(err, line, "worker w%u used before it is issued", a->num);
    return true;
}

static bool check_call(struct checker *c, struct trace_event *e, struct trace_error *err)
{
    if (e->ctx_sys) {
        if (!thread_slot(c, e, err))
            return false;
        if (c->running[e->thread_slot] == 0)
            return trace_fail(err, e->line, "call from sys%u outside a callback on that thread", e->thread);
    }
    if (e->api == API_INIT) {
        if (e->new_worker && e->new_worker != c->nworkers + 1)
            return trace_fail(err, e->line, "init issues w%u but the next worker is w%u", e->new_worker,
                        c->nworkers + 1);
        if (e->new_worker)
            c->nworkers++;
        return true;
    }
    if (!worker_issued(c, &e->handle, err, e->line) || !arg_slot(&c->bad, &e->handle, err, e->line))
        return false;
    if (e->api == API_QUEUE) {
        if (!arg_slot(&c->routines, &e->routine, err, e->line) ||
            !arg_slot(&c->contexts, &e->context, err, e->line))
            return false;
        if (c->routines.n > TRACE_MAX_ROUTINES)
            return trace_fail(err, e->line, "more than %d distinct routines (the replay supplies %d)",
                        TRACE_MAX_ROUTINES, TRACE_MAX_ROUTINES);
    }
    return true;
}

static bool check_event(struct checker *c, struct trace_event *e, struct trace_error *err)
{
    switch (e->kind) {
    case EV_CALL:
        return check_call(c, e, err);
    case EV_START:
        if (!thread_slot(c, e, err) || !worker_issued(c, &e->handle, err, e->line) ||
            !arg_slot(&c->routines, &e->routine, err, e->line) ||
            !arg_slot(&c->contexts, &e->context, err, e->line))
            return false;
        if (c->routines.n > TRACE_MAX_ROUTINES)
            return trace_fail(err, e->line, "more than %d distinct routines (the replay supplies %d)",
                        TRACE_MAX_ROUTINES, TRACE_MAX_ROUTINES);
        if (c->running[e->thread_slot])
            return trace_fail(err, e->line, "start on sys%u, which is already running the callback of w%u",
                        e->thread, c->running[e->thread_slot]);
        c->running[e->thread_slot] = e->handle.num;
        return true;
    case EV_RETURN:
        if (!thread_slot(c, e, err) || !worker_issued(c, &e->handle, err, e->line))
            return false;
        if (c->running[e->thread_slot] != e->handle.num) {
            if (c->running[e->thread_slot] == 0)
                return trace_fail(err, e->line, "return sys%u w%u, but no callback is running on sys%u",
                            e->thread, e->handle.num, e->thread);
            return trace_fail(err, e->line, "return sys%u w%u does not match the callback running on sys%u (w%u)",
                        e->thread, e->handle.num, e->thread, c->running[e->thread_slot]);
        }
        c->running[e->thread_slot] = 0;
        return true;
    case EV_REMOVE_BEGIN:
    case EV_REMOVE_END:
    case EV_FAIL_ALLOC:
        return true;
    }
    return trace_fail(err, e->line, "internal error: unknown event kind");
}

bool trace_check(struct trace *t, struct trace_error *err)
{
    struct checker c;
    memset(&c, 0, sizeof c);
    numset_init(&c.bad);
    numset_init(&c.routines);
    numset_init(&c.contexts);
    numset_init(&c.threads);
    c.running = c.running_local;
    c.running_cap = NUMSET_LOCAL;
    bool ok = true;
    for (size_t i = 0; ok && i < t->nevents; i++)
        ok = check_event(&c, &t->events[i], err);
    t->nworkers = c.nworkers;
    t->nbad = c.bad.n;
    t->nroutines = c.routines.n;
    t->ncontexts = c.contexts.n;
    t->nthreads = c.threads.n;
    numset_free(&c.bad);
    numset_free(&c.routines);
    numset_free(&c.contexts);
    numset_free(&c.threads);
    if (c.running != c.running_local)
        free(c.running);
    return ok;
}
