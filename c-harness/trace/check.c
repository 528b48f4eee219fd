/* What a replay rejects beyond the syntax (spec/trace-format.md, "What a reader must reject"),
 * and the numbering of distinct badN / cbN / ctxN / sysN values into dense slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokens.h"
#include "trace.h"

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

/* The slot of `num` in s, into *slot; `what` names the kind for the limit's message. */
static bool slot(struct numset *s, uint32_t num, uint16_t *out, const char *what,
                 struct trace_error *err, int line)
{
    uint32_t i = slot_of(s, num);
    if (i == UINT32_MAX)
        return trace_fail(err, line, "out of memory");
    if (i >= TRACE_MAX_SLOTS)
        return trace_fail(err, line, "more than %u distinct %s in one trace (the replay supports %u)",
                          TRACE_MAX_SLOTS, what, TRACE_MAX_SLOTS);
    *out = (uint16_t)i;
    return true;
}

static bool routine_slot(struct checker *c, struct trace_event *e, const struct trace_source *s,
                         struct trace_error *err)
{
    if (e->routine_ref == REF_NULL)
        return true;
    uint32_t i = slot_of(&c->routines, s->routine);
    if (i == UINT32_MAX)
        return trace_fail(err, s->line, "out of memory");
    if (i >= TRACE_MAX_ROUTINES)
        return trace_fail(err, s->line, "more than %d distinct routines (the replay supplies %d)",
                          TRACE_MAX_ROUTINES, TRACE_MAX_ROUTINES);
    e->routine = (uint8_t)i;
    return true;
}

static bool context_slot(struct checker *c, struct trace_event *e, const struct trace_source *s,
                         struct trace_error *err)
{
    return e->context_ref == REF_NULL || slot(&c->contexts, s->context, &e->context, "contexts", err, s->line);
}

static bool thread_slot(struct checker *c, struct trace_event *e, const struct trace_source *s,
                        struct trace_error *err)
{
    if (!slot(&c->threads, s->thread, &e->thread, "system threads", err, s->line))
        return false;
    if (c->threads.n > c->running_cap) {
        uint32_t cap = c->threads.cap;
        uint32_t *r = c->running == c->running_local ? malloc(cap * sizeof *r)
                                                     : realloc(c->running, cap * sizeof *r);
        if (!r)
            return trace_fail(err, s->line, "out of memory");
        if (c->running == c->running_local)
            memcpy(r, c->running_local, sizeof c->running_local);
        memset(r + c->running_cap, 0, (cap - c->running_cap) * sizeof *r);
        c->running = r;
        c->running_cap = cap;
    }
    return true;
}

/* The handle: wN must be issued already (its N is kept: workers are numbered densely); badN
 * gets a slot. */
static bool handle_slot(struct checker *c, struct trace_event *e, const struct trace_source *s,
                        struct trace_error *err)
{
    switch (e->handle_ref) {
    case REF_NUM:
        if (s->handle > c->nworkers)
            return trace_fail(err, s->line, "worker w%u used before it is issued", s->handle);
        e->handle = (uint16_t)s->handle;
        return true;
    case REF_BAD:
        return slot(&c->bad, s->handle, &e->handle, "badN handles", err, s->line);
    }
    return true;
}

static bool check_call(struct checker *c, struct trace_event *e, const struct trace_source *s,
                       struct trace_error *err)
{
    if (e->ctx_sys) {
        if (!thread_slot(c, e, s, err))
            return false;
        if (c->running[e->thread] == 0)
            return trace_fail(err, s->line, "call from sys%u outside a callback on that thread", s->thread);
    }
    if (e->api == API_INIT) {
        if (s->new_worker && s->new_worker != c->nworkers + 1)
            return trace_fail(err, s->line, "init issues w%u but the next worker is w%u", s->new_worker,
                              c->nworkers + 1);
        if (s->new_worker && s->new_worker > TRACE_MAX_SLOTS)
            return trace_fail(err, s->line, "more than %u workers in one trace (the replay supports %u)",
                              TRACE_MAX_SLOTS, TRACE_MAX_SLOTS);
        if (s->new_worker)
            c->nworkers++;
        if (e->handle_ref == REF_NUM) /* "SUCCESS wN = wM": the parser made sure M < N */
            e->handle = (uint16_t)s->handle;
        return true;
    }
    if (!handle_slot(c, e, s, err))
        return false;
    if (e->api == API_QUEUE)
        return routine_slot(c, e, s, err) && context_slot(c, e, s, err);
    return true;
}

static bool check_event(struct checker *c, struct trace_event *e, const struct trace_source *s,
                        struct trace_error *err)
{
    switch (e->kind) {
    case EV_CALL:
        return check_call(c, e, s, err);
    case EV_START:
        if (!thread_slot(c, e, s, err) || !handle_slot(c, e, s, err) || !routine_slot(c, e, s, err) ||
            !context_slot(c, e, s, err))
            return false;
        if (c->running[e->thread])
            return trace_fail(err, s->line, "start on sys%u, which is already running the callback of w%u",
                              s->thread, c->running[e->thread]);
        c->running[e->thread] = s->handle;
        return true;
    case EV_RETURN:
        if (!thread_slot(c, e, s, err) || !handle_slot(c, e, s, err))
            return false;
        if (c->running[e->thread] != s->handle) {
            if (c->running[e->thread] == 0)
                return trace_fail(err, s->line, "return sys%u w%u, but no callback is running on sys%u",
                                  s->thread, s->handle, s->thread);
            return trace_fail(err, s->line, "return sys%u w%u does not match the callback running on sys%u (w%u)",
                              s->thread, s->handle, s->thread, c->running[e->thread]);
        }
        c->running[e->thread] = 0;
        return true;
    case EV_REMOVE_BEGIN:
    case EV_REMOVE_END:
    case EV_FAIL_ALLOC:
        return true;
    }
    return trace_fail(err, s->line, "internal error: unknown event kind");
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
        ok = check_event(&c, &t->events[i], &t->source[i], err);
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
