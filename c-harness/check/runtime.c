/*
 * runtime.c -- the checking Storport runtime: the three StorPort* entry points, on top of the
 * reference implementation (impl/reference/reference.c, linked in; it owns the worker state
 * machine), with an environment this run controls (its post queue, the caller's IRQL,
 * allocation and injected allocation failure), and the miniport's obligations (spec/contract.md,
 * WI-M1..M9) checked at every call, Driver Verifier style: a finding names the rule, the call
 * site and the worker's history, and the run goes on (the reference answers every misuse with
 * a defined status, so later findings of the same run are still meaningful).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defects.h"
#include "driver.h"
#include "run.h"

static struct run *run_of_env(struct stork_env *env)
{
    return (struct run *)((char *)env - offsetof(struct run, env));
}

static void env_post(struct stork_env *env, void *worker, void *item)
{
    struct run *r = run_of_env(env);
    int wi = wrec_of(r, worker);
    if (wi >= 0 && r->w[wi].unlinked)
        return; /* re-queued while its callback ran, then freed: NeptuneOS unlinked it (ENV-H3) */
    if (r->nposted == MAX_POSTED) {
        run_error(r, "more than %d callbacks queued at once", MAX_POSTED);
        return;
    }
    r->posted[r->nposted].worker = worker;
    r->posted[r->nposted].item = item;
    r->posted[r->nposted].seq = r->post_seq++;
    r->posted[r->nposted].wants_main = false;
    r->nposted++;
}

static unsigned env_irql(struct stork_env *env)
{
    struct run *r = run_of_env(env);
    if (driver_host(r) == STORK_HOST_NEPTUNE)
        return STORK_PASSIVE_LEVEL; /* NeptuneOS checks no IRQL (ENV-H3) */
    return r->cur >= 0 ? ctx_irql(&r->ctx[r->cur]) : STORK_PASSIVE_LEVEL;
}

static void *env_alloc(struct stork_env *env, size_t size)
{
    struct run *r = run_of_env(env);
    if (r->fail_alloc_now)
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        r->live_blocks++;
    return p;
}

static void env_free(struct stork_env *env, void *p)
{
    struct run *r = run_of_env(env);
    if (p)
        r->live_blocks--;
    free(p);
}

void runtime_env_init(struct run *r)
{
    r->env.post = env_post;
    r->env.current_irql = env_irql;
    r->env.alloc = env_alloc;
    r->env.free = env_free;
    driver_run_begin(r);
}

int run_event(struct run *r, struct ev e)
{
    if (r->nev == r->capev) {
        int cap = r->capev ? r->capev * 2 : 64;
        struct ev *n = realloc(r->ev, (size_t)cap * sizeof *n);
        if (!n) {
            run_error(r, "out of memory");
            return r->nev - 1;
        }
        r->ev = n;
        r->capev = cap;
    }
    r->ev[r->nev] = e;
    if (run_stream)
        write_trace_event(run_stream, r, &r->ev[r->nev]);
    return r->nev++;
}

static void add_finding(struct run *r, const char *rule, const char *why, const char *file,
                        int line, int worker, const char *fmt, va_list ap)
{
    file = file ? file : "?";
    for (int i = 0; i < r->nf; i++)
        if (r->f[i].rule == rule && r->f[i].line == line && strcmp(r->f[i].file, file) == 0 &&
            strcmp(r->f[i].why, why) == 0 && (r->f[i].worker == worker || !defect_per_worker(rule)))
            return; /* the same finding again in this run (two leaking workers are two) */
    if (r->nf == r->capf) {
        int cap = r->capf ? r->capf * 2 : 8;
        struct finding *n = realloc(r->f, (size_t)cap * sizeof *n);
        if (!n) {
            run_error(r, "out of memory");
            return;
        }
        r->f = n;
        r->capf = cap;
    }
    struct finding *f = &r->f[r->nf++];
    f->rule = rule;
    f->why = why;
    f->file = file;
    f->line = line;
    f->worker = worker;
    f->ev = r->nev - 1;
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
}

void run_finding(struct run *r, const char *rule, const char *file, int line, int worker,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_finding(r, rule, "", file, line, worker, fmt, ap);
    va_end(ap);
}

void run_finding_why(struct run *r, const char *rule, const char *why, const char *file, int line,
                     int worker, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_finding(r, rule, why, file, line, worker, fmt, ap);
    va_end(ap);
}

int wrec_of(const struct run *r, const void *handle)
{
    if (!handle)
        return -1;
    for (int i = 0; i < r->nw; i++)
        if (r->w[i].handle == handle)
            return i;
    return -1;
}

/* The trace's name for a pointer in a table of first-seen values: 1, 2, ... (0 for NULL). */
static int name_of(struct run *r, void **table, int *n, void *p)
{
    if (!p)
        return 0;
    for (int i = 0; i < *n; i++)
        if (table[i] == p)
            return i + 1;
    if (*n == MAX_NAMES) {
        run_error(r, "more than %d distinct callbacks, contexts or bad handles", MAX_NAMES);
        return 0;
    }
    table[(*n)++] = p;
    return *n;
}

/* The caller: every StorPort* call is a scheduling point, taken before the call. */
static struct ctx *enter(const char *api, const char *file, int line)
{
    struct run *r = run_current();
    if (!r || r->cur < 0) {
        fprintf(stderr, "%s:%d: %s called outside a scenario's routine or callback\n", file, line,
                api);
        abort();
    }
    /* The scheduler needs to know a step will queue: only then can where removal began matter */
    r->ctx[r->cur].before_queue = strcmp(api, "StorPortQueueWorkItem") == 0;
    if (r->ctx[r->cur].before_queue)
        por_object(r, POR_OBJ_REMOVAL, false); /* removal's beginning becomes an option */
    run_point(r, file, line);
    if (r->outlived | r->markable) /* a DPC or timer routine past the adapter's release (ENV-R7) */
        driver_released_use(r, NULL, api, file, line);
    return &r->ctx[r->cur]; /* each call names the runtime's objects it touches (por.h) */
}

#define BIT(status) (1u << ((status) == STOR_STATUS_SUCCESS ? 0 : (status) - 0xC1000000u))

static void check_conforms(struct run *r, const char *api, STORK_ULONG st, unsigned allowed,
                           const char *file, int line)
{
    const char *name = stork_status_name(st);
    if (!name || !(BIT(st) & allowed))
        run_error(r, "internal: the runtime returned %s (0x%08X) from %s at %s:%d, which the "
                  "contract does not allow", name ? name : "an unknown status", (unsigned)st, api,
                  file, line);
}

/* What a handle that is not a live worker is, for the finding's message; the worker whose
 * variable it is the address of, or -1. */
static int describe_handle(const struct run *r, const void *h, char *buf, size_t size)
{
    if (!h) {
        snprintf(buf, size, "NULL");
        return -1;
    }
    uintptr_t p = (uintptr_t)h, e = (uintptr_t)r->ext;
    size_t ext_size = r->scn->extension_size ? r->scn->extension_size : 1;
    if (p >= e && p < e + ext_size) {
        size_t off = (size_t)(p - e);
        int held = -1;
        if (off % sizeof(void *) == 0 && off + sizeof(void *) <= ext_size) {
            void *v;
            memcpy(&v, (const char *)r->ext + off, sizeof v);
            held = wrec_of(r, v);
        }
        if (held >= 0)
            snprintf(buf, size, "%p, the address of the HwDeviceExtension's field at offset %zu, "
                     "which holds w%d: pass the handle, not its address", h, off, held + 1);
        else
            snprintf(buf, size, "%p, an address inside the HwDeviceExtension (offset %zu)", h, off);
        return held;
    }
    snprintf(buf, size, "%p, a value the runtime never issued", h);
    return -1;
}

/* The handle as the trace names it. */
static void trace_handle(struct run *r, void *h, struct ev *e)
{
    int wi = wrec_of(r, h);
    if (wi >= 0)
        e->worker = wi + 1;
    else if (h)
        e->bad = name_of(r, r->bad, &r->nbad, h);
}

/* WI-M1, shared by the three calls; under every host (ENV-H2), though only Windows refuses. */
static void check_irql(struct run *r, struct ctx *c, const char *api, const char *file, int line,
                       int worker)
{
    if (ctx_irql(c) > STORK_DISPATCH_LEVEL)
        run_finding(r, "WI-M1", file, line, worker, "%s calls %s at %s (above DISPATCH_LEVEL): %s",
                    c->name, api, irql_name(ctx_irql(c)),
                    driver_host(r) == STORK_HOST_NEPTUNE
                        ? "Windows answers INVALID_IRQL; this host (neptune, ENV-H3) checks no "
                          "IRQL and does the call"
                        : "INVALID_IRQL, nothing done");
}

/* ReactOS implements none of the three calls (ENV-H6): each answers STATUS_NOT_IMPLEMENTED,
 * an NTSTATUS, and issues no worker; the trace writes it as the STOR_STATUS of that name, as
 * the model does (model/storport.pml STORK_HOST_REACTOS). */
static bool not_implemented(const struct run *r)
{
    return driver_host(r) == STORK_HOST_REACTOS;
}

/* WI-M3/M4/M2: a handle that is not live.  Returns true if it was one. */
static bool check_handle(struct run *r, struct ctx *c, const char *api, void *h, int wi,
                         bool is_free, const char *file, int line)
{
    char what[200];
    if (wi < 0) {
        int held = describe_handle(r, h, what, sizeof what);
        run_finding(r, "WI-M3", file, line, held, "%s passes a handle the runtime never issued: %s",
                    api, what);
        return true;
    }
    if (!r->w[wi].freed)
        return false;
    if (c->kind == K_SYS && c->worker == wi && c->freed_by) {
        const char *at = strrchr(c->freed_at_file, '/') ? strrchr(c->freed_at_file, '/') + 1
                                                        : c->freed_at_file;
        run_finding(r, "WI-M6", file, line, wi,
                    "the callback of w%d passes its worker to %s after %s freed it at %s:%d while "
                    "this callback ran (only the callback may free its running worker; drain it "
                    "before freeing)", wi + 1, api, c->freed_by, at, c->freed_at_line);
    }
    if (c->kind == K_SYS && c->worker == wi && c->freed_own)
        run_finding(r, "WI-M4", file, line, wi,
                    "the callback of w%d passes its worker to %s after it freed it", wi + 1, api);
    else if (is_free)
        run_finding(r, "WI-M2", file, line, wi, "w%d is freed a second time%s", wi + 1,
                    driver_host(r) == STORK_HOST_NEPTUNE
                        ? ": Windows answers UNSUCCESSFUL; this host (neptune, ENV-H3) frees its "
                          "memory again and answers SUCCESS"
                        : "");
    else
        run_finding(r, "WI-M3", file, line, wi, "%s passes w%d, which was freed (use after free)",
                    api, wi + 1);
    return true;
}

static void note_site(struct ev *e, const char *file, int line)
{
    e->file = file;
    e->line = line;
}

STORK_ULONG stork_initialize_worker_at(void *ext, void **out, const char *file, int line)
{
    struct ctx *c = enter("StorPortInitializeWorker", file, line);
    struct run *r = c->run;
    bool dirql = ctx_irql(c) > STORK_DISPATCH_LEVEL && driver_host(r) != STORK_HOST_NEPTUNE;
    bool fail = false;
    if (r->scn->alloc_fail && !dirql && out) {
        fail = run_decide(r, 2, NULL) == 1; /* a data choice, not a schedule: no actors */
    }
    unsigned allowed = 0;
    if (not_implemented(r)) {
        struct ev e = {.kind = EV_INIT, .ctx = c->index, .irql = ctx_irql(c),
                       .allowed = BIT(STOR_STATUS_NOT_IMPLEMENTED),
                       .status = STOR_STATUS_NOT_IMPLEMENTED, .null_out = !out};
        note_site(&e, file, line);
        run_event(r, e);
        check_irql(r, c, "StorPortInitializeWorker", file, line, -1);
        if (!out)
            run_finding(r, "WI-M3", file, line, -1, "StorPortInitializeWorker gets a NULL Worker pointer");
        return STORK_STATUS_NOT_IMPLEMENTED;
    }
    if (dirql)
        allowed |= BIT(STOR_STATUS_INVALID_IRQL);
    if (!out)
        allowed |= BIT(STOR_STATUS_INVALID_PARAMETER);
    if (fail)
        allowed |= BIT(STOR_STATUS_INSUFFICIENT_RESOURCES);
    if (!allowed)
        allowed = BIT(STOR_STATUS_SUCCESS);
    if (out)
        por_access(r, out, sizeof *out, true); /* uninstrumented: the runtime stores the handle */
    void *old = out ? *out : NULL;
    if (fail)
        run_event(r, (struct ev){.kind = EV_FAILALLOC, .ctx = -1});
    r->fail_alloc_now = fail;
    STORK_ULONG st = r->impl->initialize_worker(r->adapter, ext, out);
    r->fail_alloc_now = false;
    check_conforms(r, "StorPortInitializeWorker", st, allowed, file, line);
    struct ev e = {.kind = EV_INIT, .ctx = c->index, .irql = ctx_irql(c), .allowed = allowed,
                   .status = st, .null_out = !out};
    note_site(&e, file, line);
    if (st == STOR_STATUS_SUCCESS) {
        if (r->nw == r->capw) {
            int cap = r->capw ? r->capw * 2 : 8;
            struct wrec *n = realloc(r->w, (size_t)cap * sizeof *n);
            if (!n) {
                run_error(r, "out of memory");
                return st;
            }
            r->w = n;
            r->capw = cap;
        }
        r->w[r->nw] = (struct wrec){.handle = *out, .running_on = -1, .init_file = file,
                                    .init_line = line, .overwritten_ev = -1,
                                    .init_ctx = c->index, .init_rank = c->inits++};
        por_object(r, POR_OBJ_WORKER + r->nw, true);
        e.new_worker = ++r->nw;
    }
    int ei = run_event(r, e);
    int prev = wrec_of(r, old);
    if (st == STOR_STATUS_SUCCESS && prev >= 0 && prev != r->nw - 1 && !r->w[prev].freed) {
        r->w[prev].overwritten_ev = ei; /* its variable now holds the new worker */
        por_object(r, POR_OBJ_WORKER + prev, true);
    }
    check_irql(r, c, "StorPortInitializeWorker", file, line, -1);
    if (!out)
        run_finding(r, "WI-M3", file, line, -1, "StorPortInitializeWorker gets a NULL Worker pointer");
    return st;
}

/* The routine and context a queue passed.  The runtime is handed callback_entry with one of
 * these as its context, so that a callback's start (the runtime dequeues the worker and picks
 * a thread) and its first instruction are two steps, with a scheduling point between them, as
 * on Windows, where a worker thread takes the item and then calls the routine.  A flag the
 * callback sets first thing is therefore not set at the moment its worker stops being queued. */
struct entry {
    HW_WORKITEM *routine;
    void *context;
};

static void callback_entry(void *ext, void *context, void *worker)
{
    struct entry *e = context;
    struct run *r = run_current();
    run_point(r, "(callback entry)", 0);
    por_object(r, POR_OBJ_WORKER + r->ctx[r->cur].worker, false); /* what the queue stored */
    e->routine(ext, e->context, worker);
}

static struct entry *new_entry(struct run *r, HW_WORKITEM *routine, void *context)
{
    if (r->nentries == r->capentries) {
        int cap = r->capentries ? r->capentries * 2 : 16;
        struct entry **n = realloc(r->entries, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        r->entries = n;
        r->capentries = cap;
    }
    struct entry *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    e->routine = routine;
    e->context = context;
    r->entries[r->nentries++] = e;
    return e;
}

void runtime_release(struct run *r)
{
    for (int i = 0; i < r->nentries; i++)
        free(r->entries[i]);
    free(r->entries);
    driver_release(r);
    writes_release(r);
    r->entries = NULL;
    r->nentries = r->capentries = 0;
}

STORK_ULONG stork_queue_work_item_at(void *ext, HW_WORKITEM *callback, void *h, void *context,
                                     const char *file, int line)
{
    struct ctx *c = enter("StorPortQueueWorkItem", file, line);
    struct run *r = c->run;
    int wi = wrec_of(r, h);
    bool live = wi >= 0 && !r->w[wi].freed;
    bool neptune = driver_host(r) == STORK_HOST_NEPTUNE;
    /* NeptuneOS (ENV-H3): no IRQL or removal check, and a second queue of a queued worker
     * answers SUCCESS and is dropped (the queued item keeps its routine and context). */
    bool dropped = neptune && live && callback && r->w[wi].queued;
    if (wi >= 0) /* its state */
        por_object(r, POR_OBJ_WORKER + wi, true);
    else
        por_runtime(r); /* a handle never issued: its name in the trace is in first-seen order */
    unsigned allowed = 0;
    if (ctx_irql(c) > STORK_DISPATCH_LEVEL && !neptune)
        allowed |= BIT(STOR_STATUS_INVALID_IRQL);
    if (!h || !callback || !live)
        allowed |= BIT(STOR_STATUS_INVALID_PARAMETER);
    por_object(r, POR_OBJ_REMOVAL, false); /* its answer, the reference's too (WI-Q4) */
    if (r->removal_begun && !neptune)
        allowed |= BIT(STOR_STATUS_INVALID_DEVICE_STATE);
    if (live && r->w[wi].queued && !neptune)
        allowed |= BIT(STOR_STATUS_BUSY);
    if (!allowed)
        allowed = BIT(STOR_STATUS_SUCCESS);
    if (not_implemented(r))
        allowed = BIT(STOR_STATUS_NOT_IMPLEMENTED);
    /* A worker NeptuneOS unlinked and freed is still queued in the reference (Windows's, which
     * never frees a queued worker): it is not asked, and the answer is a freed worker's, as for
     * any worker freed under this host. */
    bool unlinked = wi >= 0 && r->w[wi].unlinked;
    bool asks = callback && !dropped && !not_implemented(r) && !unlinked;
    struct entry *entry = asks ? new_entry(r, callback, context) : NULL;
    if (asks && !entry) {
        run_error(r, "out of memory");
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    }
    STORK_ULONG st = not_implemented(r) ? STORK_STATUS_NOT_IMPLEMENTED
                     : dropped          ? STOR_STATUS_SUCCESS
                     : unlinked         ? STOR_STATUS_INVALID_PARAMETER
                                        : r->impl->queue_work_item(r->adapter, ext,
                                                                   entry ? callback_entry : NULL,
                                                                   h, entry ? (void *)entry
                                                                            : context);
    if (!not_implemented(r))
        check_conforms(r, "StorPortQueueWorkItem", st, allowed, file, line);
    struct ev e = {.kind = EV_QUEUE, .ctx = c->index, .irql = ctx_irql(c), .allowed = allowed,
                   .status = st};
    note_site(&e, file, line);
    trace_handle(r, h, &e);
    void *cb;
    memcpy(&cb, &callback, sizeof cb < sizeof callback ? sizeof cb : sizeof callback);
    e.routine = name_of(r, r->cbs, &r->ncbs, callback ? cb : NULL);
    e.context = name_of(r, r->ctxv, &r->nctxv, context);
    run_event(r, e);
    if (st == STOR_STATUS_SUCCESS && !dropped) {
        por_object(r, POR_OBJ_POSTQ, true); /* posted now, or at its running callback's return */
        race_queued(r, c->index, wi);
        r->w[wi].queued = true;
        r->w[wi].queue_failed = false;
        if (!r->w[wi].queue_file) {
            r->w[wi].queue_file = file;
            r->w[wi].queue_line = line;
        }
        r->w[wi].routine = e.routine;
        r->w[wi].context = e.context;
    } else if (live && !r->w[wi].queued) {
        r->w[wi].queue_failed = true;
        r->w[wi].fail_file = file;
        r->w[wi].fail_line = line;
    }
    check_irql(r, c, "StorPortQueueWorkItem", file, line, wi);
    if (h)
        check_handle(r, c, "StorPortQueueWorkItem", h, wi, false, file, line);
    else
        run_finding(r, "WI-M3", file, line, -1, "StorPortQueueWorkItem passes a NULL worker");
    return st;
}

/* NeptuneOS frees a queued worker (ENV-H3): IopRemoveWorkItem takes it off the work queue, so
 * its post goes (if its callback runs now, re-queued meanwhile, the post its return would make
 * is dropped: env_post), and the callback it was queued for never runs. */
static void unlink_queued(struct run *r, int wi)
{
    struct wrec *w = &r->w[wi];
    for (int i = 0; i < r->nposted; i++)
        if (r->posted[i].worker == w->handle) {
            memmove(&r->posted[i], &r->posted[i + 1],
                    (size_t)(r->nposted - i - 1) * sizeof r->posted[0]);
            r->nposted--;
            break;
        }
    por_object(r, POR_OBJ_POSTQ, true);
    w->queued = false;
    w->unlinked = true;
}

STORK_ULONG stork_free_worker_at(void *ext, void *h, const char *file, int line)
{
    struct ctx *c = enter("StorPortFreeWorker", file, line);
    struct run *r = c->run;
    int wi = wrec_of(r, h);
    if (wi >= 0) /* slots are never reused: a free touches its worker only */
        por_object(r, POR_OBJ_WORKER + wi, true);
    else
        por_runtime(r);
    unsigned allowed = 0;
    if (not_implemented(r)) {
        struct ev e = {.kind = EV_FREE, .ctx = c->index, .irql = ctx_irql(c),
                       .allowed = BIT(STOR_STATUS_NOT_IMPLEMENTED),
                       .status = STOR_STATUS_NOT_IMPLEMENTED};
        note_site(&e, file, line);
        trace_handle(r, h, &e);
        run_event(r, e);
        check_irql(r, c, "StorPortFreeWorker", file, line, wi);
        if (!h)
            run_finding(r, "WI-M3", file, line, -1, "StorPortFreeWorker passes a NULL worker");
        else
            check_handle(r, c, "StorPortFreeWorker", h, wi, true, file, line);
        return STORK_STATUS_NOT_IMPLEMENTED;
    }
    /* NeptuneOS ([NEP] storport.c StorExtFreeWorker, workitem.c IoFreeWorkItem) checks only
     * for NULL and answers SUCCESS: a queued worker is unlinked from the work queue and freed,
     * so its callback never runs; a freed one is freed again (the miniport's WI-M2 all the
     * same, ENV-H2).  The reference is Windows's and is not asked: the runtime answers. */
    bool neptune = driver_host(r) == STORK_HOST_NEPTUNE;
    bool host_frees = neptune && wi >= 0 && (r->w[wi].freed || r->w[wi].queued);
    if (ctx_irql(c) > STORK_DISPATCH_LEVEL && !neptune)
        allowed |= BIT(STOR_STATUS_INVALID_IRQL);
    if (wi < 0)
        allowed |= BIT(STOR_STATUS_INVALID_PARAMETER);
    else if (r->w[wi].freed && !neptune)
        allowed |= BIT(STOR_STATUS_UNSUCCESSFUL);
    else if (r->w[wi].queued && !neptune)
        allowed |= BIT(STOR_STATUS_BUSY);
    if (!allowed)
        allowed = BIT(STOR_STATUS_SUCCESS);
    STORK_ULONG st = host_frees ? STOR_STATUS_SUCCESS : r->impl->free_worker(r->adapter, ext, h);
    check_conforms(r, "StorPortFreeWorker", st, allowed, file, line);
    if (host_frees && !r->w[wi].freed)
        unlink_queued(r, wi);
    struct ev e = {.kind = EV_FREE, .ctx = c->index, .irql = ctx_irql(c), .allowed = allowed,
                   .status = st};
    note_site(&e, file, line);
    trace_handle(r, h, &e);
    run_event(r, e);
    check_irql(r, c, "StorPortFreeWorker", file, line, wi);
    if (!h) {
        run_finding(r, "WI-M3", file, line, -1, "StorPortFreeWorker passes a NULL worker");
        return st;
    }
    if (check_handle(r, c, "StorPortFreeWorker", h, wi, true, file, line))
        return st;
    struct wrec *w = &r->w[wi];
    if (st == STOR_STATUS_BUSY) {
        w->busy_file = file; /* not freed: a finding (WI-M5) if it is never freed after */
        w->busy_line = line;
    } else if (st == STOR_STATUS_SUCCESS) {
        race_freed(r, c->index, wi);
        w->freed = true;
        if (w->running_on >= 0 && w->running_on != c->index) {
            /* WI-M6's position (spec/contract.md): not a finding yet, since the callback may be
             * past its last use of the worker (as good as its own free); one if it uses it. */
            struct ctx *cb = &r->ctx[w->running_on];
            cb->freed_by = c->name;
            cb->freed_at_file = file;
            cb->freed_at_line = line;
        }
        if (c->kind == K_SYS && c->worker == wi)
            c->freed_own = true;
    }
    return st;
}

/* The adapter's life is over: every worker issued must have been freed (WI-M7, WI-M5).  A
 * leak is told apart by how it came about, so that different leaks are different findings. */
void runtime_check_end(struct run *r)
{
    driver_check_end(r);
    /* On NeptuneOS no removal step reaches the miniport (ENV-H5): it is never asked to free
     * what it holds, so what it holds at the end is no leak at a release (ENV-H2: the
     * obligation is kept under Windows, where the release comes). */
    if (driver_host(r) == STORK_HOST_NEPTUNE)
        return;
    for (int i = 0; i < r->nw; i++) {
        struct wrec *w = &r->w[i];
        if (w->freed)
            continue;
        int n = i + 1;
        if (w->busy_file)
            run_finding_why(r, "WI-M5", "busy", w->busy_file, w->busy_line, i,
                            "w%d leaks: this free returned BUSY (it was queued), so it freed "
                            "nothing, and nothing freed w%d after", n, n);
        else if (w->overwritten_ev >= 0)
            run_finding_why(r, "WI-M7", "overwritten", w->init_file, w->init_line, i,
                            "w%d, initialised here, leaks: the variable that held it was "
                            "overwritten by the init at line %d before it was freed", n,
                            r->ev[w->overwritten_ev].line);
        else if (w->queue_failed)
            run_finding_why(r, "WI-M7", "queue failed", w->init_file, w->init_line, i,
                            "w%d, initialised here, leaks: its queue at line %d failed and nobody "
                            "freed it (check the queue's status and free on failure)", n,
                            w->fail_line);
        else if (w->runs)
            run_finding_why(r, "WI-M7", "callback returned", w->init_file, w->init_line, i,
                            "w%d, initialised here, leaks: its callback (queued at line %d) returned "
                            "without freeing or re-queueing it, and nobody freed it after", n,
                            w->queue_line);
        else
            run_finding_why(r, "WI-M7", "never queued", w->init_file, w->init_line, i,
                            "w%d, initialised here, is never queued nor freed (leaked at the "
                            "adapter's release)", n);
    }
}

/* The real names, for code that takes their address. */
STORK_ULONG(StorPortInitializeWorker)(void *ext, void **worker);
STORK_ULONG(StorPortQueueWorkItem)(void *ext, HW_WORKITEM *callback, void *worker, void *context);
STORK_ULONG(StorPortFreeWorker)(void *ext, void *worker);

STORK_ULONG(StorPortInitializeWorker)(void *ext, void **worker)
{
    return stork_initialize_worker_at(ext, worker, "?", 0);
}

STORK_ULONG(StorPortQueueWorkItem)(void *ext, HW_WORKITEM *callback, void *worker, void *context)
{
    return stork_queue_work_item_at(ext, callback, worker, context, "?", 0);
}

STORK_ULONG(StorPortFreeWorker)(void *ext, void *worker)
{
    return stork_free_worker_at(ext, worker, "?", 0);
}
