/*
 * The replay of one trace.  The driver (the "main" fiber) walks the events; calls from named
 * miniport contexts are made directly on it, and each system worker thread sysN is a fiber
 * that runs impl->run_posted and, inside the routine, makes the calls the trace makes from
 * that callback and then returns at its `return` (fiber.h says why fibers).  While the next
 * events are its own, the callback runs them itself; at anyone else's event it hands control
 * back to the driver, which resumes it when it reaches one of its events again.
 *
 * All state is in struct replay, reached from the environment (env is its first member) and
 * from the HwDeviceExtension (struct ext_area holds a pointer back): no global mutable state.
 */
#include "driver.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiber.h"
#include "routines.h"

#define EXT_MAGIC 0x53544f524b455854ull /* "STORKEXT" */
#define EVENTS_BEFORE 3

struct replay;

/* The HwDeviceExtension the replay passes: the miniport's area, and the way back. */
struct ext_area {
    uint64_t magic;
    struct replay *r;
    unsigned char miniport[64];
};

enum sys_phase {
    SYS_IDLE,        /* no callback: waiting for a start */
    SYS_AWAIT_CB,    /* run_posted called, routine not yet called */
    SYS_IN_CB,       /* inside the routine, waiting for calls / return */
    SYS_AFTER_CB,    /* routine returned, run_posted not yet returned */
    SYS_DEAD,        /* abandoned after a failure: never resumed */
};

struct sysctx {
    struct replay *r;
    struct fiber fiber;
    bool created;     /* the fiber exists (made the first time a callback needs it) */
    bool on_driver;   /* the callback runs on the driver's stack (run_inline) */
    enum sys_phase phase;
    uint32_t slot;                      /* its index in replay.sys (the trace's thread slot) */
    const struct trace_event *start_ev; /* the start being run */
    void *item;
};

/* The item posted for a worker and not yet started (at most one: env_post checks). */
struct posted {
    bool is;
    void *item;
};

struct replay {
    struct stork_env env; /* first: env -> replay */
    const struct stork_impl *impl;
    struct stork_adapter *ad;
    const char *path;
    const struct trace *t;
    struct ext_area ext;
    struct fiber main;
    void *tables;          /* one block holding the arrays below (setup) */
    size_t tables_size;
    struct sysctx *sys;    /* per thread slot */
    struct sysctx *current; /* the fiber running now; NULL: main */
    void **workers;         /* wN -> handle, indexed by N (workers[0] stays NULL) */
    bool *running;          /* wN's routine is executing, indexed by N */
    bool *requeued;         /* wN's last successful queue came while its routine ran */
    uint32_t nissued;       /* workers[1..nissued] are issued */
    struct posted *posted;  /* wN -> its posted item, indexed by N */
    size_t nposted;         /* workers with an item posted */
    void **bad_area;        /* &bad_area[slot] is badN */
    void **ctx_area;        /* &ctx_area[slot] is ctxN */
    unsigned irql;
    bool fail_alloc_next, fail_alloc_now;
    bool fail_alloc_now_was; /* the call being checked had its allocations failed */
    bool removing;          /* `remove begin` was replayed */
    const struct trace_event *call_ev; /* the call being made now, NULL between calls */
    bool fail_in_call;      /* the failure was found during call_ev (checked with its status) */
    unsigned allocs_in_call; /* env->alloc calls made during call_ev */
    long outstanding;       /* env->alloc blocks not yet freed */
    size_t cur;             /* index of the event being replayed (by whichever fiber) */
    volatile uint32_t *progress; /* may be NULL: the runner's copy of cur */
    bool failed;
    bool inconsistent;      /* failed because the events cannot be replayed as written */
    int fail_line;          /* 0: the event `cur` */
    const char *fail_what;  /* with fail_line: what failed there */
    void *init_sentinel;
    uint32_t issued_again;  /* the init just checked returned the handle of this earlier worker */
    struct replay_cache *cache; /* may be NULL */
    struct record *rec;     /* NULL unless the run is recorded (replay_trace_recorded) */
    bool rec_loop_done;     /* the `loop` line is written */
    char rec_posts[160];    /* "# posted wN" comments of the call being made */
    size_t rec_posts_len;
    /* Not cleared by setup (written before they are read): */
    char detail[768];
    jmp_buf abandon; /* back to replay_trace from a failed callback run inline */
};

static struct replay *of_env(struct stork_env *env)
{
    return (struct replay *)(void *)env;
}

static void failf(struct replay *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    r->fail_in_call = r->call_ev != NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

/* ---- the recording of the observed run (--record) ---- */

struct record {
    char *buf;
    size_t len, cap;
    bool broken; /* out of memory: the recording is dropped */
    int version; /* the trace version it needs (a hex status 2, a re-issued handle 3): its header */
};

static void rec_add(struct replay *r, const char *fmt, ...)
{
    struct record *c = r->rec;
    if (!c || c->broken)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->buf + c->len, c->cap - c->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            c->broken = true;
            return;
        }
        if ((size_t)n < c->cap - c->len) {
            c->len += (size_t)n;
            return;
        }
        size_t cap = c->cap * 2 + (size_t)n;
        char *b = realloc(c->buf, cap);
        if (!b) {
            c->broken = true;
            return;
        }
        c->buf = b;
        c->cap = cap;
    }
}

/* Before event i's line: the `loop` line where the cycle of a liveness trace begins. */
static void rec_before(struct replay *r, size_t i)
{
    if (r->t->has_loop && i == r->t->loop_at && !r->rec_loop_done) {
        r->rec_loop_done = true;
        rec_add(r, "loop\n");
    }
}

/* Event i as written in the trace (start, return, remove, fail-alloc: what was observed is
 * what the trace says, or the replay failed there). */
static void rec_event(struct replay *r, size_t i)
{
    if (!r->rec)
        return;
    int tl;
    const char *tx = trace_event_text(r->t, i, &tl);
    rec_before(r, i);
    rec_add(r, "%.*s\n", tl, tx);
}

/* The events do not follow each other as a trace's can: a call from a thread that runs no
 * callback, a start on one that does, a return that is not its callback's, more workers than
 * the trace has.  trace_check rules that out for a text trace; in a pack (whose events are
 * only range-checked, pack_verify) it is damage.  The replay stops; the trace is bad input. */
static void inconsistent(struct replay *r, const char *what, uint32_t thread)
{
    if (r->failed)
        return;
    failf(r, what, thread);
    r->inconsistent = true;
}

static unsigned irql_value(enum trace_irql q)
{
    static const unsigned v[] = {STORK_PASSIVE_LEVEL, STORK_APC_LEVEL, STORK_DISPATCH_LEVEL,
                                 STORK_DIRQL};
    return v[q];
}

/* ---- names of pointers for messages ---- */

/* N of the cbN / ctxN given slot `slot` by trace_check: searched for, as only failure messages
 * need it (a table built per trace cost a pass over every event). */
static uint32_t routine_number(const struct replay *r, uint32_t slot)
{
    for (size_t i = 0; i < r->t->nevents; i++) {
        const struct trace_event *e = &r->t->events[i];
        if (e->routine_ref == REF_NUM && e->routine == slot)
            return r->t->source[i].routine;
    }
    return 0;
}

static uint32_t context_number(const struct replay *r, uint32_t slot)
{
    for (size_t i = 0; i < r->t->nevents; i++) {
        const struct trace_event *e = &r->t->events[i];
        if (e->context_ref == REF_NUM && e->context == slot)
            return r->t->source[i].context;
    }
    return 0;
}

static const struct trace_source *source_of(const struct replay *r, const struct trace_event *e)
{
    return &r->t->source[e - r->t->events];
}

static void name_worker(const struct replay *r, const void *p, char *buf, size_t size)
{
    if (!p) {
        snprintf(buf, size, "null");
        return;
    }
    for (uint32_t i = r->nissued; i >= 1; i--) /* the latest worker a re-issued value names */
        if (r->workers[i] == p) {
            snprintf(buf, size, "w%u", i);
            return;
        }
    for (uint32_t i = 0; i < r->t->nbad; i++)
        if (&r->bad_area[i] == p) {
            snprintf(buf, size, "a badN value");
            return;
        }
    /* No address: a report depends on the trace, not on where the heap put things. */
    snprintf(buf, size, "a pointer that is no handle issued in this trace");
}

static void name_context(const struct replay *r, const void *p, char *buf, size_t size)
{
    if (!p) {
        snprintf(buf, size, "null");
        return;
    }
    for (uint32_t i = 0; i < r->t->ncontexts; i++)
        if (&r->ctx_area[i] == p) {
            snprintf(buf, size, "ctx%u", context_number(r, i));
            return;
        }
    snprintf(buf, size, "%p (not a context of this trace)", p);
}

static void name_arg(uint8_t ref, uint32_t num, const char *prefix, char *buf, size_t size)
{
    if (ref == REF_NULL)
        snprintf(buf, size, "null");
    else
        snprintf(buf, size, "%s%u", prefix, num);
}

/* ---- the environment ---- */

/* The allowed set of call e, "A|B": with hex statuses, as its line writes it (its last field). */
static void format_allowed(const struct replay *r, const struct trace_event *e, char *buf, size_t size)
{
    if (!(e->allowed & TRACE_STATUS_OTHER)) {
        trace_format_statuses(e->allowed, buf, size);
        return;
    }
    int tl, k;
    const char *tx = trace_event_text(r->t, (size_t)(e - r->t->events), &tl);
    for (k = tl; k > 0 && tx[k - 1] != ' ' && tx[k - 1] != '\t';)
        k--;
    snprintf(buf, size, "%.*s", tl - k, tx + k);
}

/* Why posting an item for wN now breaks the contract: the advice depends on the call being
 * made (a refused call posts nothing; a re-queue of a running worker waits for its return). */
static void post_advice(const struct replay *r, uint32_t n, char *buf, size_t size)
{
    const struct trace_event *c = r->call_ev;
    char want[256];
    if (!c) {
        snprintf(buf, size, "outside any call (in run_posted), when no successful queue of w%u "
                 "was waiting to be posted [WI-C1]", n);
        return;
    }
    const char *api = c->api == API_INIT ? "initialize" : c->api == API_QUEUE ? "queue" : "free";
    if (c->api != API_QUEUE) {
        snprintf(buf, size, "during a %s call: only a successful queue posts an item [WI-C1]", api);
        return;
    }
    if (c->handle_ref != REF_NUM || c->handle != n) {
        snprintf(buf, size, "during a queue of another worker: an item is posted for the worker "
                 "queued [WI-C1]");
        return;
    }
    if (!(c->allowed & 1u)) {
        format_allowed(r, c, want, sizeof want);
        snprintf(buf, size, "during a queue the contract refuses (%s): a refused queue posts "
                 "nothing [WI-C1]", want);
        return;
    }
    if (r->running[n])
        snprintf(buf, size, "while w%u's callback is running: a worker re-queued while its "
                 "callback runs is posted only after that callback returns [WI-C4]", n);
    else
        snprintf(buf, size, "while its first one has not started: one successful queue, one "
                 "item, one callback [WI-C1]");
}

static void env_post(struct stork_env *env, void *worker, void *item)
{
    struct replay *r = of_env(env);
    char w[96], why[384];
    /* A value issued again (trace version 3) has several names: a post during a queue is for
     * the name the queue used, any other for the latest worker issued with the value. */
    const struct trace_event *q = r->call_ev;
    uint32_t n = q && q->api == API_QUEUE && q->handle_ref == REF_NUM && q->handle <= r->nissued &&
                         r->workers[q->handle] == worker ? q->handle : 0;
    for (uint32_t i = r->nissued; i >= 1 && !n; i--)
        if (r->workers[i] == worker)
            n = i;
    if (n == 0) {
        name_worker(r, worker, w, sizeof w);
        failf(r, "the implementation posted an item for %s, which is not a worker it issued "
                 "(post names the worker the item belongs to) [WI-C1]", w);
        return;
    }
    if (r->running[n]) {
        post_advice(r, n, why, sizeof why);
        if (strncmp(why, "while", 5) == 0)
            failf(r, "the implementation posted an item for w%u %s", n, why);
        else
            failf(r, "the implementation posted an item for w%u while w%u's callback is "
                     "running, %s", n, n, why);
        return;
    }
    if (r->posted[n].is) {
        post_advice(r, n, why, sizeof why);
        failf(r, "the implementation posted a second item for w%u %s", n, why);
        return;
    }
    const struct trace_event *c = r->call_ev;
    if (c && (c->api != API_QUEUE || c->handle_ref != REF_NUM || c->handle != n || !(c->allowed & 1u))) {
        post_advice(r, n, why, sizeof why);
        failf(r, "the implementation posted an item for w%u %s", n, why);
        return;
    }
    r->posted[n] = (struct posted){.is = true, .item = item};
    r->nposted++;
    if (r->rec) {
        if (r->call_ev && r->rec_posts_len + 24 < sizeof r->rec_posts)
            r->rec_posts_len += (size_t)snprintf(r->rec_posts + r->rec_posts_len,
                                                 sizeof r->rec_posts - r->rec_posts_len,
                                                 "# posted w%u\n", n);
        else if (!r->call_ev)
            rec_add(r, "# posted w%u (after the routine returned)\n", n);
    }
}

static unsigned env_current_irql(struct stork_env *env)
{
    return of_env(env)->irql;
}

static void *env_alloc(struct stork_env *env, size_t size)
{
    struct replay *r = of_env(env);
    r->allocs_in_call++;
    if (r->fail_alloc_now)
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        r->outstanding++;
    return p;
}

static void env_free(struct stork_env *env, void *p)
{
    struct replay *r = of_env(env);
    if (!p)
        return;
    r->outstanding--;
    free(p);
}

/* ---- the calls ---- */

static void *handle_ptr(struct replay *r, const struct trace_event *e)
{
    switch (e->handle_ref) {
    case REF_NULL:
        return NULL;
    case REF_BAD:
        return &r->bad_area[e->handle];
    }
    return r->workers[e->handle];
}

static void *context_ptr(struct replay *r, const struct trace_event *e)
{
    return e->context_ref == REF_NULL ? NULL : &r->ctx_area[e->context];
}

static HW_WORKITEM *routine_ptr(const struct trace_event *e)
{
    return e->routine_ref == REF_NULL ? NULL : replay_routines[e->routine];
}

/* Make the call of event e (on whichever fiber is current) and return its status. */
static uint32_t do_call(struct replay *r, const struct trace_event *e, void **issued)
{
    uint32_t st = 0;
    r->irql = irql_value(e->irql);
    r->fail_alloc_now = r->fail_alloc_next;
    r->fail_alloc_now_was = r->fail_alloc_now;
    r->fail_alloc_next = false;
    r->call_ev = e;
    r->allocs_in_call = 0;
    switch (e->api) {
    case API_INIT: {
        void *w = &r->init_sentinel;
        st = r->impl->initialize_worker(r->ad, &r->ext, &w);
        *issued = w;
        break;
    }
    case API_QUEUE:
        st = r->impl->queue_work_item(r->ad, &r->ext, routine_ptr(e), handle_ptr(r, e),
                                      context_ptr(r, e));
        break;
    case API_FREE:
        st = r->impl->free_worker(r->ad, &r->ext, handle_ptr(r, e));
        break;
    }
    r->call_ev = NULL;
    r->fail_alloc_now = false;
    return st;
}

/* ---- the system worker threads ---- */

static void check_status(struct replay *r, const struct trace_event *e, uint32_t st, void *issued);
static void rec_call(struct replay *r, const struct trace_event *e, uint32_t st, uint32_t before);

/* A call from sysN, made on sysN's fiber inside the callback, and its check. */
static void sys_call(struct replay *r, const struct trace_event *e)
{
    void *issued = NULL;
    uint32_t before = r->nissued;
    uint32_t st = do_call(r, e, &issued);
    r->irql = STORK_PASSIVE_LEVEL;
    check_status(r, e, st, issued);
    if (r->rec)
        rec_call(r, e, st, before);
}

/* The event after the current one, if it is s's own (a call from its thread, or its return):
 * the callback then runs it itself, saving two fiber switches per event. */
static const struct trace_event *own_next(struct replay *r, const struct sysctx *s)
{
    if (r->cur + 1 >= r->t->nevents)
        return NULL;
    const struct trace_event *e = &r->t->events[r->cur + 1];
    bool own = (e->kind == EV_CALL && e->ctx_sys) || e->kind == EV_RETURN;
    return own && e->thread == s->slot ? e : NULL;
}

static void resume(struct replay *r, struct sysctx *s)
{
    r->current = s;
    fiber_switch(&r->main, &s->fiber);
    r->current = NULL;
}

/* Run the posted item s->item, on whichever stack this is. */
static void run_item(struct replay *r, struct sysctx *s)
{
    s->phase = SYS_AWAIT_CB;
    r->irql = STORK_PASSIVE_LEVEL;
    r->impl->run_posted(r->ad, s->item);
    if (s->phase == SYS_AWAIT_CB)
        failf(r, "run_posted for w%u returned without calling any routine [WI-C1]", s->start_ev->handle);
    s->phase = SYS_IDLE;
}

static void sys_main(void *arg)
{
    struct sysctx *s = arg;
    struct replay *r = s->r;
    fiber_started(&s->fiber, &r->main);
    for (;;) {
        run_item(r, s);
        fiber_switch(&s->fiber, &r->main);
    }
}

/* Abandon the current sys fiber after a failure found inside it. */
static void abandon(struct replay *r, struct sysctx *s)
{
    s->phase = SYS_DEAD;
    if (s->on_driver)
        longjmp(r->abandon, 1); /* like a fiber never resumed: nothing below is unwound */
    fiber_switch(&s->fiber, &r->main);
    abort(); /* never resumed */
}

static bool callback_matches(struct replay *r, const struct trace_event *st, unsigned slot,
                             void *ext, void *context, void *worker)
{
    char want[64], got[96];
    if (ext != &r->ext) {
        failf(r, "routine called with a HwDeviceExtension other than the one queued [WI-C1]");
        return false;
    }
    if (st->routine_ref == REF_NULL || st->routine != slot) {
        name_arg(st->routine_ref, source_of(r, st)->routine, "cb", want, sizeof want);
        failf(r, "the implementation called routine cb%u, expected %s (the routine of the queue this "
                 "start answers) [WI-C1]", routine_number(r, slot), want);
        return false;
    }
    if (worker != r->workers[st->handle]) {
        name_worker(r, worker, got, sizeof got);
        failf(r, "routine called with worker %s, expected w%u (an item posted for the wrong worker?) [WI-C1]",
              got, st->handle);
        return false;
    }
    if (context != context_ptr(r, st)) {
        name_arg(st->context_ref, source_of(r, st)->context, "ctx", want, sizeof want);
        name_context(r, context, got, sizeof got);
        failf(r, "routine called with context %s, expected %s (the context of the queue this start "
                 "answers) [WI-C1]", got, want);
        return false;
    }
    return true;
}

void replay_on_callback(unsigned slot, void *ext, void *context, void *worker)
{
    struct ext_area *x = ext;
    if (!x || x->magic != EXT_MAGIC) {
        fprintf(stderr, "stork-replay: a routine was called with a HwDeviceExtension the replay "
                        "never passed\n");
        abort();
    }
    struct replay *r = x->r;
    struct sysctx *s = r->current;
    char w[96];
    if (!s || s->phase != SYS_AWAIT_CB) {
        name_worker(r, worker, w, sizeof w);
        if (!s)
            failf(r, "routine cb%u ran for %s inside a call from a miniport routine, without a "
                     "matching start (the implementation ran a callback itself; callbacks run "
                     "only from run_posted, on a system worker thread) [WI-C2]",
                  routine_number(r, slot), w);
        else
            failf(r, "routine cb%u ran for %s on sys%u without a matching start (a second run, "
                     "or a callback the trace does not start) [WI-C1]",
                  routine_number(r, slot), w, source_of(r, s->start_ev)->thread);
        if (s)
            abandon(r, s);
        return;
    }
    if (!callback_matches(r, s->start_ev, slot, ext, context, worker))
        abandon(r, s);
    uint32_t n = s->start_ev->handle;
    r->running[n] = true;
    s->phase = SYS_IN_CB;
    /* Inside the routine: run the trace's calls from this thread until its return.  While
     * the next event is this thread's own, it is run right here (the event loop moves to this
     * fiber); otherwise the driver gets control back and resumes this fiber with a command
     * when it reaches one of this thread's events.  Either way every call from sysN is made
     * on sysN's stack, inside the routine, as before. */
    for (;;) {
        if (r->failed)
            abandon(r, s);
        const struct trace_event *e = own_next(r, s);
        if (e) {
            r->cur++;
            if (r->progress)
                *r->progress = (uint32_t)r->cur;
        } else if (s->on_driver) {
            failf(r, "replay internal error: a callback run inline met another context's event");
            abandon(r, s);
        } else {
            fiber_switch(&s->fiber, &r->main); /* back with r->cur at one of our events */
            e = &r->t->events[r->cur];
        }
        if (e->kind == EV_RETURN) {
            if (e->handle != n) {
                inconsistent(r, "a return on sys%u of another worker than its callback's",
                             source_of(r, e)->thread);
                abandon(r, s);
            }
            rec_event(r, r->cur);
            break;
        }
        sys_call(r, e);
    }
    r->running[n] = false;
    s->phase = SYS_AFTER_CB;
    r->irql = STORK_PASSIVE_LEVEL;
}

/* ---- the events ---- */

/* True if the callback started by the current event runs to its return with only calls
 * from its own thread in between: nothing else happens while it runs, so it needs no stack
 * of its own and runs on the driver's (two fiber switches fewer per callback, the larger part
 * of the engine's cost on such traces). */
static bool self_contained(const struct replay *r, uint32_t slot)
{
    for (size_t i = r->cur + 1; i < r->t->nevents; i++) {
        const struct trace_event *e = &r->t->events[i];
        if (e->kind == EV_RETURN && e->thread == slot)
            return true;
        if (e->kind != EV_CALL || !e->ctx_sys || e->thread != slot)
            return false;
    }
    return false;
}

/* Run a self-contained callback on the driver's stack.  Its calls and return are run by the
 * callback itself (replay_on_callback), exactly as on a fiber; a failure inside it comes back
 * to replay_trace by longjmp, abandoning the frames below as a fiber would be abandoned. */
static void run_inline(struct replay *r, struct sysctx *s)
{
    s->on_driver = true;
    r->current = s;
    run_item(r, s);
    r->current = NULL;
    s->on_driver = false;
}

static struct sysctx *sys_of(struct replay *r, const struct trace_event *e)
{
    struct sysctx *s = &r->sys[e->thread];
    s->r = r;
    s->slot = e->thread;
    if (!s->created) {
        void *stack = r->cache && r->cache->n ? r->cache->spare[--r->cache->n] : NULL;
        if (!fiber_create(&s->fiber, &r->main, sys_main, s, stack)) {
            failf(r, "replay out of memory (fiber)");
            return NULL;
        }
        s->created = true;
    }
    return s;
}

/* The contract's rule for status bit `bit` of a call like e (spec/contract.md). */
static const char *status_rule(const struct replay *r, const struct trace_event *e, unsigned bit)
{
    bool running = e->handle_ref == REF_NUM && e->api != API_INIT && r->running[e->handle];
    switch (e->api) {
    case API_INIT:
        switch (bit) {
        case 0: return r->removing ? "WI-I5" : "WI-I1";
        case 8: return "WI-I2";
        case 6: return "WI-I3";
        case 3: return "WI-I4";
        }
        break;
    case API_QUEUE:
        switch (bit) {
        case 0: return running ? "WI-Q3" : "WI-Q1";
        case 12: return "WI-Q2";
        case 9: return e->ctx_sys ? "WI-Q4, WI-R1" : "WI-Q4";
        case 8: return "WI-Q5";
        case 6: return e->handle_ref == REF_NULL || e->routine_ref == REF_NULL ? "WI-Q6" : "WI-Q7";
        }
        break;
    case API_FREE:
        switch (bit) {
        case 0: return r->removing ? "WI-F1, WI-F7" : running ? "WI-F1, WI-F6" : "WI-F1";
        case 12: return "WI-F2";
        case 1: return "WI-F3";
        case 8: return "WI-F4";
        case 6: return "WI-F5";
        }
        break;
    }
    return "WI-P1";
}

/* The rules behind an allowed set: each status's, and WI-P1 when several apply. */
static void rules_of(const struct replay *r, const struct trace_event *e, char *buf, size_t size)
{
    size_t used = 0;
    unsigned count = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < TRACE_NSTATUS && used + 16 < size; i++)
        if (e->allowed & (1u << i)) {
            const char *rule = status_rule(r, e, i);
            if (!strstr(buf, rule))
                used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", rule);
            count++;
        }
    if (count > 1 && used + 8 < size)
        snprintf(buf + used, size - used, ", WI-P1");
    else if (count == 0)
        snprintf(buf, size, "a status no rule allows");
}

/* A few NTSTATUS values a port may return by mistake (ntstatus.h): the API's are STOR_STATUS. */
static const char *ntstatus_name(uint32_t st)
{
    static const struct { uint32_t v; const char *n; } known[] = {
        {0xC0000001u, "STATUS_UNSUCCESSFUL"},       {0xC0000002u, "STATUS_NOT_IMPLEMENTED"},
        {0xC000000Du, "STATUS_INVALID_PARAMETER"},  {0xC0000010u, "STATUS_INVALID_DEVICE_REQUEST"},
        {0xC0000022u, "STATUS_ACCESS_DENIED"},      {0xC000009Au, "STATUS_INSUFFICIENT_RESOURCES"},
        {0xC00000AEu, "STATUS_PIPE_BUSY"},          {0xC0000184u, "STATUS_INVALID_DEVICE_STATE"},
        {0x80000011u, "STATUS_DEVICE_BUSY"},        {0xC00000A3u, "STATUS_DEVICE_NOT_READY"},
        {0xC0000008u, "STATUS_INVALID_HANDLE"},     {0x00000103u, "STATUS_PENDING"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].v == st)
            return known[i].n;
    return NULL;
}

/* "expected X, got Y [rules]" into buf if st is not allowed for e (false: it is). */
static bool status_problem(const struct replay *r, const struct trace_event *e, uint32_t st,
                           char *buf, size_t size)
{
    int bit = trace_status_bit(st);
    size_t i = (size_t)(e - r->t->events);
    if (trace_event_allows(r->t, i, st))
        return false;
    char want[256], rules[128], got[160];
    format_allowed(r, e, want, sizeof want);
    rules_of(r, e, rules, sizeof rules);
    const char *nt = ntstatus_name(st);
    if (bit >= 0)
        snprintf(got, sizeof got, "%s", trace_status_name((unsigned)bit));
    else if (nt)
        snprintf(got, sizeof got, "0x%08X (%s, an NTSTATUS: the calls return STOR_STATUS values)",
                 (unsigned)st, nt);
    else
        snprintf(got, sizeof got, "0x%08X (not a STOR_STATUS value)", (unsigned)st);
    int n = snprintf(buf, size, "expected %s, got %s [%s]", want, got, rules);
    /* A fail-alloc before an init whose every allocation fails: the ABI's obligation. */
    if (n > 0 && (size_t)n < size && e->api == API_INIT && (e->allowed & (1u << 3)) && bit == 0 &&
        r->fail_alloc_now_was && r->allocs_in_call == 0)
        snprintf(buf + n, size - (size_t)n, "; the trace made env->alloc fail for this call, but "
                 "initialize_worker called env->alloc 0 times: impl_abi.h requires a worker's "
                 "state to be allocated through env->alloc in initialize_worker");
    return true;
}

/* Append s to buf (size bytes, *len used), truncating. */
static void append(char *buf, size_t size, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + 1 >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* A call that failed, or during which something failed: the report (cold: every call of a
 * passing replay takes the fast path of check_status). */
__attribute__((noinline, cold)) static void failed_call(struct replay *r, const struct trace_event *e,
                                                        uint32_t st)
{
    char problem[640];
    bool bad = status_problem(r, e, st, problem, sizeof problem);
    if (r->failed) {
        /* Something went wrong during the call (a post, a callback run inside it): say so
         * with what the call returned, which the trace's verdict on the call needs too. */
        if (!r->fail_in_call)
            return;
        char during[sizeof r->detail];
        memcpy(during, r->detail, sizeof during);
        size_t len = 0;
        if (bad) {
            append(r->detail, sizeof r->detail, &len, problem);
            append(r->detail, sizeof r->detail, &len, "; and during the call: ");
            append(r->detail, sizeof r->detail, &len, during);
        } else {
            append(r->detail, sizeof r->detail, &len, during);
            append(r->detail, sizeof r->detail, &len, " (the call returned ");
            char shown[16];
            int bit = trace_status_bit(st);
            if (bit >= 0)
                snprintf(shown, sizeof shown, "%s", trace_status_name((unsigned)bit));
            else
                snprintf(shown, sizeof shown, "0x%08X", (unsigned)st);
            append(r->detail, sizeof r->detail, &len, shown);
            append(r->detail, sizeof r->detail, &len, ", as the trace expects)");
        }
        return;
    }
    if (bad)
        failf(r, "%s", problem);
}

static uint32_t issued_before(const struct replay *r, const void *p);

static void check_status(struct replay *r, const struct trace_event *e, uint32_t st, void *issued)
{
    int bit = trace_status_bit(st);
    r->issued_again = e->api == API_INIT && issued ? issued_before(r, issued) : 0;
    if (r->failed || bit < 0 || !(e->allowed & (1u << bit))) {
        failed_call(r, e, st);
        return;
    }
    if (e->api == API_QUEUE && st == STOR_STATUS_SUCCESS && e->handle_ref == REF_NUM)
        r->requeued[e->handle] = r->running[e->handle];
    if (e->api != API_INIT)
        return;
    if (st != STOR_STATUS_SUCCESS) {
        if (issued != &r->init_sentinel)
            failf(r, "initialize_worker returned an error but changed *Worker (it must be left "
                     "unchanged) [WI-I4]");
        return;
    }
    if (!issued || issued == &r->init_sentinel) {
        failf(r, "initialize_worker returned SUCCESS without a worker handle [WI-I1]");
        return;
    }
    if (r->nissued == r->t->nworkers) {
        inconsistent(r, "an init issues more workers than the trace has", 0);
        return;
    }
    uint32_t again = r->issued_again, want = e->handle_ref == REF_NUM ? e->handle : 0;
    if (want > r->nissued) {
        inconsistent(r, "an init re-issues the handle of a worker not issued yet", 0);
        return;
    }
    if (want && issued != r->workers[want]) {
        /* The trace re-issues wM's handle (version 3: a recording of a runtime that breaks
         * WI-I1), which a replay compares exactly, as it does a hex status. */
        if (again)
            failf(r, "initialize_worker returned the handle of w%u again, expected that of w%u (the "
                     "trace's init re-issues w%u's handle) [WI-I1]", again, want, want);
        else
            failf(r, "initialize_worker returned a new handle, expected the handle of w%u again: the "
                     "trace re-issues it as w%u, which WI-I1 forbids, so only a runtime that breaks "
                     "that rule follows it [WI-I1]", want, r->nissued + 1);
        return;
    }
    if (!want && again) {
        failf(r, "initialize_worker returned the handle of w%u again (handles must stay "
                 "distinct for the adapter's life, so a freed one stays recognisable) [WI-I1]", again);
        return;
    }
    r->workers[++r->nissued] = issued;
}

/* The earliest worker whose handle is p, 0 if none (an init's answer: a handle issued again). */
static uint32_t issued_before(const struct replay *r, const void *p)
{
    for (uint32_t i = 1; i <= r->nissued; i++)
        if (r->workers[i] == p)
            return i;
    return 0;
}

/* The call of event e as observed: its line up to "->", then the status the implementation
 * returned (and the worker an init issued), then the items it posted during the call.  A
 * status that is no STOR_STATUS is written in hex (trace format 2), after a comment naming it
 * if it is a known NTSTATUS. */
static void rec_call(struct replay *r, const struct trace_event *e, uint32_t st, uint32_t before)
{
    if (!r->rec)
        return;
    size_t i = (size_t)(e - r->t->events);
    int tl;
    const char *tx = trace_event_text(r->t, i, &tl);
    const char *arrow = NULL;
    for (int k = 0; k + 1 < tl; k++)
        if (tx[k] == '-' && tx[k + 1] == '>')
            arrow = tx + k;
    int pl = arrow ? (int)(arrow - tx) : tl;
    while (pl > 0 && (tx[pl - 1] == ' ' || tx[pl - 1] == '\t'))
        pl--;
    int bit = trace_status_bit(st);
    rec_before(r, i);
    if (bit < 0) {
        const char *nt = ntstatus_name(st);
        if (nt)
            rec_add(r, "# 0x%08X is %s, an NTSTATUS, not a STOR_STATUS\n", (unsigned)st, nt);
        rec_add(r, "%.*s -> 0x%08X\n", pl, tx, (unsigned)st);
        if (r->rec->version < 2)
            r->rec->version = 2;
    } else if (e->api == API_INIT && bit == 0) {
        if (r->issued_again) { /* a handle issued again: trace version 3 says so */
            rec_add(r, "%.*s -> SUCCESS w%u = w%u\n", pl, tx, before + 1, r->issued_again);
            r->rec->version = 3;
        } else if (r->nissued > before)
            rec_add(r, "%.*s -> SUCCESS w%u\n", pl, tx, r->nissued);
        else
            rec_add(r, "# observed: %.*s -> SUCCESS (with a handle the trace cannot name: see "
                       "the report)\n", pl, tx);
    } else
        rec_add(r, "%.*s -> %s\n", pl, tx, trace_status_name((unsigned)bit));
    if (r->rec_posts_len)
        rec_add(r, "%s", r->rec_posts);
    r->rec_posts_len = 0;
}

static void ev_call(struct replay *r, const struct trace_event *e)
{
    if (e->ctx_sys) {
        if (r->sys[e->thread].phase != SYS_IN_CB) {
            inconsistent(r, "a call from sys%u, which is running no callback", source_of(r, e)->thread);
            return;
        }
        /* Made and checked inside the callback on that fiber (replay_on_callback), which may
         * go on with the events after it: r->cur is then the last one it ran. */
        resume(r, &r->sys[e->thread]);
        return;
    }
    void *issued = NULL;
    uint32_t before = r->nissued;
    uint32_t st = do_call(r, e, &issued);
    check_status(r, e, st, issued);
    if (r->rec)
        rec_call(r, e, st, before);
}

static void ev_start(struct replay *r, const struct trace_event *e)
{
    uint32_t n = e->handle;
    if (e->thread >= r->t->nthreads || r->sys[e->thread].phase != SYS_IDLE) {
        inconsistent(r, e->thread >= r->t->nthreads ? "a start on sys%u, beyond the trace's system threads"
                                                    : "a start on sys%u, which is running a callback",
                     source_of(r, e)->thread);
        return;
    }
    if (!r->posted[n].is) {
        char others[256] = "";
        size_t used = 0;
        for (uint32_t j = 1; j <= r->nissued && used + 16 < sizeof others; j++)
            if (r->posted[j].is)
                used += (size_t)snprintf(others + used, sizeof others - used, " w%u", j);
        failf(r, "no item was posted for w%u, so its callback cannot start (posted:%s): %s", n,
              r->nposted ? others : " nothing",
              r->requeued[n] ? "a worker re-queued while its callback ran is posted once that "
                               "callback returns [WI-Q3, WI-C1]"
              : r->removing ? "callbacks queued before removal began still run [WI-R2, WI-C1]"
                            : "every successful queue leads to one post and one callback [WI-C1]");
        return;
    }
    void *item = r->posted[n].item;
    r->posted[n].is = false;
    r->nposted--;
    rec_event(r, (size_t)(e - r->t->events));
    bool on_driver = self_contained(r, e->thread);
    struct sysctx *s = on_driver ? &r->sys[e->thread] : sys_of(r, e);
    if (!s)
        return;
    s->r = r;
    s->slot = e->thread;
    s->start_ev = e;
    s->item = item;
    if (on_driver)
        run_inline(r, s);
    else
        resume(r, s);
}

static void ev_return(struct replay *r, const struct trace_event *e)
{
    struct sysctx *s = &r->sys[e->thread];
    if (s->phase != SYS_IN_CB || s->start_ev->handle != e->handle) {
        inconsistent(r, "a return on sys%u that is not its callback's", source_of(r, e)->thread);
        return;
    }
    resume(r, s);
}

static void run_event(struct replay *r, const struct trace_event *e)
{
    switch (e->kind) {
    case EV_CALL:
        ev_call(r, e);
        break;
    case EV_START:
        ev_start(r, e);
        break;
    case EV_RETURN:
        ev_return(r, e);
        break;
    case EV_REMOVE_BEGIN:
        rec_event(r, r->cur);
        r->removing = true;
        r->irql = STORK_PASSIVE_LEVEL;
        r->impl->begin_removal(r->ad);
        break;
    case EV_REMOVE_END:
        /* Callbacks still queued or running may run after it (WI-R3); checked at `end`. */
        rec_event(r, r->cur);
        break;
    case EV_FAIL_ALLOC:
        rec_event(r, r->cur);
        r->fail_alloc_next = true;
        break;
    }
}

/* At `end`: nothing left queued, then the adapter is released without leaks. */
static void finish(struct replay *r)
{
    r->fail_line = r->t->end_line;
    r->fail_what = "end";
    for (uint32_t i = 0; i < r->t->nthreads; i++)
        if (r->sys[i].phase != SYS_IDLE)
            return; /* the trace ends inside a callback: the adapter cannot be released */
    if (r->t->has_loop)
        return;     /* a liveness cycle replayed once: no end-of-life checks */
    if (r->nposted) {
        uint32_t n = 1;
        while (!r->posted[n].is)
            n++;
        failf(r, "w%u was posted but the trace never starts it (a callback would run that the "
                 "trace does not allow) [WI-C1]", n);
        return;
    }
    r->impl->destroy_adapter(r->ad);
    r->ad = NULL;
    if (r->outstanding)
        failf(r, "%ld block(s) from env->alloc not released by destroy_adapter (impl_abi.h: every "
                 "block is released by then; a freed worker's state with it) [WI-F1, WI-R3]",
              r->outstanding);
}

/* ---- setup, report ---- */

static bool setup(struct replay *r, const struct stork_impl *impl, const char *path,
                  const struct trace *t, struct replay_cache *cache)
{
    memset(r, 0, offsetof(struct replay, detail));
    r->cache = cache;
    r->env.post = env_post;
    r->env.current_irql = env_current_irql;
    r->env.alloc = env_alloc;
    r->env.free = env_free;
    r->impl = impl;
    r->path = path;
    r->t = t;
    r->ext.magic = EXT_MAGIC;
    r->ext.r = r;
    /* One zeroed block for the per-trace tables (six allocations per trace cost as much as
     * replaying a short trace); the arrays of pointer-aligned types first, the bools last. */
    /* Every table has room for any index an event may hold (pack_verify bounds a handle by
     * the larger of nworkers and nbad, whatever its kind), so no event indexes outside one. */
    size_t nw = (t->nworkers > t->nbad ? t->nworkers : t->nbad) + 1, sizes[] = {
        (t->nthreads + 1) * sizeof *r->sys, nw * sizeof *r->posted, nw * sizeof *r->workers,
        nw * sizeof *r->bad_area, (t->ncontexts + 1) * sizeof *r->ctx_area,
        nw * sizeof *r->running, nw * sizeof *r->requeued};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += sizes[i];
    char *block;
    if (cache && cache->tables && cache->tables_size >= total) {
        block = cache->tables; /* taken: teardown gives it back */
        cache->tables = NULL;
        memset(block, 0, total);
    } else if (!(block = calloc(1, total)))
        return false;
    r->tables = block;
    r->tables_size = total;
    r->sys = (struct sysctx *)(void *)block;
    r->posted = (struct posted *)(void *)(block += sizes[0]);
    r->workers = (void **)(void *)(block += sizes[1]);
    r->bad_area = (void **)(void *)(block += sizes[2]);
    r->ctx_area = (void **)(void *)(block += sizes[3]);
    r->running = (bool *)(void *)(block += sizes[4]);
    r->requeued = (bool *)(void *)(block + sizes[5]);
    return true;
}

static void teardown(struct replay *r)
{
    for (uint32_t i = 0; r->sys && i < r->t->nthreads; i++) {
        if (!r->sys[i].created)
            continue;
        void *stack = fiber_take_stack(&r->sys[i].fiber);
        if (r->cache && r->cache->n < REPLAY_SPARE_STACKS)
            r->cache->spare[r->cache->n++] = stack;
        else
            free(stack);
    }
    if (r->cache && r->tables && r->tables_size > r->cache->tables_size) {
        free(r->cache->tables); /* keep the larger */
        r->cache->tables = NULL;
    }
    if (r->cache && r->tables && !r->cache->tables) {
        r->cache->tables = r->tables;
        r->cache->tables_size = r->tables_size;
    } else
        free(r->tables);
}

static void add(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    if (!*buf)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        char *b = realloc(*buf, *cap * 2 + (size_t)n);
        if (!b)
            return;
        *buf = b;
        *cap = *cap * 2 + (size_t)n;
    }
}

static char *report(const struct replay *r)
{
    const struct trace *t = r->t;
    size_t len = 0, cap = 1024;
    char *m = malloc(cap);
    if (!m)
        return NULL;
    m[0] = '\0';
    size_t upto = r->cur; /* events before the failing one */
    if (r->fail_line) {
        add(&m, &len, &cap, "%s:%d: %s\n", r->path, r->fail_line, r->fail_what);
        upto = r->fail_line == t->end_line ? t->nevents : 0;
    } else {
        int tl;
        const char *tx = trace_event_text(t, r->cur, &tl);
        add(&m, &len, &cap, "%s:%d: %.*s\n", r->path, t->source[r->cur].line, tl, tx);
    }
    add(&m, &len, &cap, "  %s\n", r->detail);
    size_t from = upto > EVENTS_BEFORE ? upto - EVENTS_BEFORE : 0;
    if (from < upto)
        add(&m, &len, &cap, "  events before it:\n");
    for (size_t i = from; i < upto; i++) {
        int tl;
        const char *tx = trace_event_text(t, i, &tl);
        add(&m, &len, &cap, "    %d: %.*s\n", t->source[i].line, tl, tx);
    }
    return m;
}

/* "PATH:LINE: what": the line of a bad-input report. */
static char *inconsistency(const struct replay *r)
{
    size_t len = strlen(r->path) + strlen(r->detail) + 160;
    char *m = malloc(len);
    if (m)
        snprintf(m, len, "%s:%d: %s: these events cannot follow each other (a damaged pack? pack "
                 "the traces again)", r->path, r->t->source[r->cur].line, r->detail);
    return m;
}

enum replay_verdict replay_trace(const struct stork_impl *impl, const char *path,
                                 const struct trace *t, char **message,
                                 volatile uint32_t *progress, struct replay_cache *cache)
{
    return replay_trace_recorded(impl, path, t, message, progress, cache, NULL);
}

enum replay_verdict replay_trace_recorded(const struct stork_impl *impl, const char *path,
                                          const struct trace *t, char **message,
                                          volatile uint32_t *progress, struct replay_cache *cache,
                                          char **recording)
{
    struct record rec = {0};
    if (recording) {
        *recording = NULL;
        rec.cap = 4096;
        if (!(rec.buf = malloc(rec.cap)))
            rec.broken = true;
    }
    struct replay *r = cache && cache->replay ? cache->replay : malloc(sizeof *r);
    if (cache)
        cache->replay = NULL; /* taken: given back below */
    *message = NULL;
    if (!r || !setup(r, impl, path, t, cache)) {
        if (r)
            teardown(r);
        free(r);
        free(rec.buf);
        *message = strdup("stork-replay: out of memory");
        return REPLAY_FAIL;
    }
    r->ad = impl->create_adapter(&r->env);
    if (!r->ad) {
        failf(r, "create_adapter returned NULL (impl_abi.h: NULL only when env->alloc failed, "
                 "which a replay never makes it do)");
        r->fail_line = 1;
        r->fail_what = "create_adapter";
    }
    r->progress = progress;
    if (recording) {
        r->rec = &rec;
        rec_add(r, "stork-trace 1\n# the run of %s observed by stork replay against %s\n", path,
                impl->name ? impl->name : "an implementation");
        for (size_t i = 0; i < t->nmeta; i++)
            rec_add(r, "meta %.*s%s%.*s\n", (int)t->meta[i].key_len, t->text + t->meta[i].key_off,
                    t->meta[i].value_len ? " " : "", (int)t->meta[i].value_len,
                    t->text + t->meta[i].value_off);
    }
    if (setjmp(r->abandon) == 0) { /* a failed callback run inline lands below, r->failed set */
        while (!r->failed && r->cur < t->nevents) {
            if (progress)
                *progress = (uint32_t)r->cur;
            run_event(r, &t->events[r->cur]);
            if (!r->failed)
                r->cur++; /* on failure r->cur names the failing event */
        }
        if (!r->failed) {
            if (progress)
                *progress = (uint32_t)t->nevents; /* the end checks, destroy_adapter */
            finish(r);
        }
    }
    enum replay_verdict v = !r->failed ? REPLAY_PASS : r->inconsistent ? REPLAY_INCONSISTENT : REPLAY_FAIL;
    if (recording) {
        /* A failed run stops at its failure: the recording ends there, without `end` (a
         * truncated trace: what the implementation would have done next is not known). */
        if (r->rec_posts_len)
            rec_add(r, "%s", r->rec_posts);
        if (v == REPLAY_PASS) {
            rec_before(r, t->nevents); /* a cycle with no events of its own */
            rec_add(r, "end\n");
        }
        else
            rec_add(r, "# stork replay: the run failed here, so it ends without `end`: %s\n",
                    r->detail);
        r->rec = NULL;
        if (rec.version > 1 && !rec.broken && rec.len > 12 && rec.buf[12] == '1')
            rec.buf[12] = (char)('0' + rec.version); /* "stork-trace 1" -> 2 or 3, as needed */
        if (rec.broken || v == REPLAY_INCONSISTENT)
            free(rec.buf);
        else
            *recording = rec.buf;
    }
    if (v == REPLAY_FAIL)
        *message = report(r);
    else if (v == REPLAY_INCONSISTENT)
        *message = inconsistency(r);
    teardown(r);
    if (cache)
        cache->replay = r;
    else
        free(r);
    return v;
}

void replay_cache_free(struct replay_cache *c)
{
    while (c->n)
        free(c->spare[--c->n]);
    free(c->replay);
    free(c->tables);
    c->replay = c->tables = NULL;
    c->tables_size = 0;
}
