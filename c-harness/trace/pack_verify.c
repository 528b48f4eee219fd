/* The events of a packed trace, checked before the replay sees them (pack.h): the replay
 * indexes its tables with them and runs callbacks by them, so each field must be in range and
 * the sequence must be one trace_check would accept.  One pass, no allocation for traces of up
 * to 64 system threads. */
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "tokens.h"

#define LOCAL_THREADS 64
#define ALL_STATUSES ((1u << TRACE_NSTATUS) - 1)

struct verifier {
    const struct trace *t;
    uint16_t *running; /* per thread slot: worker N whose callback runs there, 0 if none */
    uint32_t issued;   /* workers issued so far */
};

/* Two passes.  The fast one (valid) runs on every trace: each event's checks are combined
 * with & and | into one flag, without a branch per check or an early exit (a pack is valid but
 * for damage, and branches were most of this pass's cost).  Only if it finds damage does the
 * precise one (first_bad) run, to name the first bad event. */

static bool routine_ok(const struct verifier *v, const struct trace_event *e)
{
    return (e->routine_ref == REF_NULL) | ((e->routine_ref == REF_NUM) & (e->routine < v->t->nroutines));
}

static bool context_ok(const struct verifier *v, const struct trace_event *e)
{
    return (e->context_ref == REF_NULL) | ((e->context_ref == REF_NUM) & (e->context < v->t->ncontexts));
}

/* wN issued already (N >= 1: N - 1 wraps around below). */
static bool worker_ok(const struct verifier *v, uint16_t n)
{
    return (uint32_t)n - 1 < v->issued;
}

static bool handle_ok(const struct verifier *v, const struct trace_event *e)
{
    return (e->handle_ref == REF_NULL) | ((e->handle_ref == REF_NUM) & worker_ok(v, e->handle)) |
           ((e->handle_ref == REF_BAD) & (e->handle < v->t->nbad));
}

/* Thread slot of e if in range, else 0 (the result is then bad anyway): an index that is always
 * safe, so the check need not branch. */
static uint16_t thread_of(const struct verifier *v, const struct trace_event *e)
{
    return e->thread < v->t->nthreads ? e->thread : 0;
}

/* Inlined into both passes: a call per event was half the fast pass. */
static inline __attribute__((always_inline)) bool event_ok(struct verifier *v, const struct trace_event *e)
{
    uint16_t th = thread_of(v, e);
    bool in_range = e->thread < v->t->nthreads;
    switch (e->kind) {
    case EV_CALL: {
        bool ok = (e->irql <= IRQL_DIRQL) & (e->ctx_sys <= 1) & (e->allowed != 0) &
                  !(e->allowed & ~ALL_STATUSES);
        ok &= (e->ctx_sys == 0) | (in_range & (v->running[th] != 0));
        switch (e->api) {
        case API_INIT:
            v->issued += e->allowed == 1;
            return ok & (v->issued <= v->t->nworkers) & ((e->allowed == 1) | !(e->allowed & 1));
        case API_QUEUE:
            return ok & handle_ok(v, e) & routine_ok(v, e) & context_ok(v, e);
        case API_FREE:
            return ok & handle_ok(v, e);
        }
        return false;
    }
    case EV_START: {
        bool ok = in_range & (e->handle_ref == REF_NUM) & worker_ok(v, e->handle) & routine_ok(v, e) &
                  context_ok(v, e) & (v->running[th] == 0);
        v->running[th] = e->handle;
        return ok;
    }
    case EV_RETURN: {
        bool ok = in_range & (e->handle_ref == REF_NUM) & (e->handle != 0) & (v->running[th] == e->handle);
        v->running[th] = 0;
        return ok;
    }
    case EV_REMOVE_BEGIN:
    case EV_REMOVE_END:
    case EV_FAIL_ALLOC:
        return true;
    }
    return false;
}

/* The fast pass: true if every event is valid. */
static bool valid(struct verifier *v)
{
    const struct trace_event *e = v->t->events, *end = e + v->t->nevents;
    bool ok = true;
    for (; e < end; e++)
        ok &= event_ok(v, e);
    return ok;
}

/* The precise pass: index of the first bad event (nevents if none). */
static size_t first_bad(struct verifier *v)
{
    size_t i = 0;
    while (i < v->t->nevents && event_ok(v, &v->t->events[i]))
        i++;
    return i;
}

bool pack_verify(const struct trace *t, struct trace_error *err)
{
    uint16_t local[LOCAL_THREADS] = {0};
    struct verifier v = {.t = t, .running = local};
    if (t->nthreads > LOCAL_THREADS && !(v.running = calloc(t->nthreads, sizeof *v.running)))
        return trace_fail(err, 1, "out of memory");
    bool ok = valid(&v);
    size_t bad = t->nevents;
    if (!ok) {
        memset(v.running, 0, (t->nthreads > LOCAL_THREADS ? t->nthreads : LOCAL_THREADS) * sizeof *v.running);
        v.issued = 0;
        bad = first_bad(&v);
    }
    if (v.running != local)
        free(v.running);
    if (bad < t->nevents)
        return trace_fail(err, t->source[bad].line,
                          "damaged pack: event %zu is not one the trace could have (pack the traces again)",
                          bad + 1);
    if (v.issued != t->nworkers)
        return trace_fail(err, t->end_line, "damaged pack: the trace issues %u workers, its index says %u",
                          v.issued, t->nworkers);
    return true;
}
