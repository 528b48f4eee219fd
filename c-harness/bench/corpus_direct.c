/*
 * The runtime of the generated direct-call corpus (corpus_direct.h; the traces' functions are
 * written by corpus_direct.py). It is the baseline of bench_corpus, so how much it does
 * decides the ratio; the rule is bench/direct.c's, "what a hand-written test driving the same
 * traces would really need", neither less nor more:
 *
 *  - The trace's calls, in its order, at its IRQLs, with its handles (an issued one, NULL, or
 *    the address of a variable: `badN`), routines and contexts, straight to the implementation.
 *  - Its fail-alloc: the next call's env->alloc returns NULL.
 *  - Each callback is run where the trace starts it, by calling run_posted; its calls are made
 *    from inside the routine. A callback whose calls are interleaved with other events runs on
 *    a fiber of its system thread (it must be suspended inside the routine while the others
 *    happen); one nothing interleaves with runs on the test's own stack, as the replay does.
 *  - The checks the replay makes and a careful test would: every status in the trace's allowed
 *    set; each init handle non-NULL and distinct from every one before, a failed init leaving
 *    *Worker unchanged; each post for an issued worker, not posted already, not running, made
 *    by a successful-or-allowed queue of that worker or after a routine returned; each start
 *    finding its worker's item, its routine called once, with the trace's routine, context,
 *    worker and extension; nothing posted at the end; every allocation released by destroy.
 *  - Nothing else: no event table, no interpretation, no messages (a failure only counts).
 */
#include "corpus_direct.h"

static struct cd *of_env(struct stork_env *env)
{
    return (struct cd *)(void *)env;
}

static void d_post(struct stork_env *env, void *worker, void *item)
{
    struct cd *d = of_env(env);
    for (unsigned i = 1; i <= d->nw; i++)
        if (d->w[i] == worker) {
            if (d->posted[i] || d->running[i] || (d->post_ok >= 0 && d->post_ok != (int)i))
                d->bad++;
            d->posted[i] = item;
            return;
        }
    d->bad++;
}

/* The routine cbR was called: it must be the callback the current start expects. */
static void d_routine(unsigned r, void *ext, void *context, void *worker)
{
    struct cd *d = (struct cd *)(void *)((unsigned char *)ext - offsetof(struct cd, ext));
    if (d->cur < 0) {
        d->bad++; /* a routine called outside a start: the implementation ran it itself */
        return;
    }
    struct cd_sys *s = &d->sys[d->cur];
    if (s->called || r != s->routine || context != (void *)&d->ctx[s->context] ||
        worker != d->w[s->worker]) {
        d->bad++;
        return;
    }
    s->called = true;
    unsigned n = s->worker;
    d->cur = -1;
    d->running[n] = true;
    s->body(d);
    d->running[n] = false;
}

#define CD_CB(n) \
    static void d_cb##n(void *ext, void *context, void *worker) { d_routine(n, ext, context, worker); }
CD_CB(0) CD_CB(1) CD_CB(2) CD_CB(3) CD_CB(4) CD_CB(5) CD_CB(6) CD_CB(7)
CD_CB(8) CD_CB(9) CD_CB(10) CD_CB(11) CD_CB(12) CD_CB(13) CD_CB(14) CD_CB(15)

HW_WORKITEM *const cd_routine[CD_NREF] = {d_cb0, d_cb1, d_cb2, d_cb3, d_cb4, d_cb5, d_cb6, d_cb7,
                                          d_cb8, d_cb9, d_cb10, d_cb11, d_cb12, d_cb13, d_cb14, d_cb15};

static bool allowed(STORK_ULONG st, unsigned mask)
{
    if (st == STOR_STATUS_SUCCESS)
        return mask & 1u;
    return (st & 0xFFFFFF00u) == 0xC1000000u && (st & 0xFFu) < 13 && ((mask >> (st & 0xFFu)) & 1u);
}

/* Before a call: its IRQL, which worker it may post, a pending fail-alloc taken. */
static void before(struct cd *d, unsigned irql, int post_ok)
{
    d->core.irql = irql;
    d->post_ok = post_ok;
    d->core.fail_alloc = d->fail_next;
    d->fail_next = false;
}

static void after(struct cd *d, STORK_ULONG st, unsigned mask)
{
    d->post_ok = -1;
    d->core.fail_alloc = false;
    if (!allowed(st, mask))
        d->bad++;
}

void cd_init(struct cd *d, unsigned irql, unsigned n, unsigned mask)
{
    void *h = &d->sentinel;
    before(d, irql, 0);
    after(d, d->impl->initialize_worker(d->ad, d->ext, &h), mask);
    if (n == 0) {
        if (h != &d->sentinel)
            d->bad++; /* a failed init writes nothing to *Worker */
        return;
    }
    if (!h || h == &d->sentinel || n != d->nw + 1)
        d->bad++;
    for (unsigned i = 1; i <= d->nw; i++)
        if (d->w[i] == h)
            d->bad++;
    d->w[n] = h;
    d->nw = n;
}

void cd_queue(struct cd *d, unsigned irql, int post_ok, HW_WORKITEM *routine, void *worker,
              void *context, unsigned mask)
{
    before(d, irql, post_ok);
    after(d, d->impl->queue_work_item(d->ad, d->ext, routine, worker, context), mask);
}

void cd_free(struct cd *d, unsigned irql, void *worker, unsigned mask)
{
    before(d, irql, 0);
    after(d, d->impl->free_worker(d->ad, d->ext, worker), mask);
}

static void sys_main(void *arg)
{
    struct cd_sys *s = arg;
    fiber_started(&s->fiber, &s->d->main);
    for (;;) {
        struct cd *d = s->d;
        d->core.irql = STORK_PASSIVE_LEVEL;
        d->impl->run_posted(d->ad, s->item);
        s->done = true;
        fiber_switch(&s->fiber, &d->main);
    }
}

void cd_start(struct cd *d, unsigned sys, unsigned n, unsigned routine, unsigned context,
              cd_body *body, bool inline_run)
{
    struct cd_sys *s = &d->sys[sys];
    void *item = d->posted[n];
    if (!item) {
        d->bad++;
        return;
    }
    d->posted[n] = NULL;
    if (!inline_run && !s->fiber.stack &&
        !fiber_create(&s->fiber, &d->main, sys_main, s, d->stacks->stack[sys])) {
        d->bad++;
        return;
    }
    *s = (struct cd_sys){.d = d, .fiber = s->fiber, .item = item, .worker = n,
                         .routine = routine, .context = context, .body = body};
    d->cur = (int)sys;
    d->post_ok = -1;
    s->started = true;
    if (inline_run) {
        d->core.irql = STORK_PASSIVE_LEVEL;
        d->impl->run_posted(d->ad, item);
        s->done = true;
        cd_returned(d, sys);
    } else {
        fiber_switch(&d->main, &s->fiber);
    }
    d->cur = -1;
}

void cd_yield(struct cd *d, unsigned sys)
{
    fiber_switch(&d->sys[sys].fiber, &d->main);
}

void cd_resume(struct cd *d, unsigned sys)
{
    struct cd_sys *s = &d->sys[sys];
    if (!s->started || s->done) {
        d->bad++; /* its start failed, or its callback returned early */
        return;
    }
    fiber_switch(&d->main, &s->fiber);
}

void cd_returned(struct cd *d, unsigned sys)
{
    if (!d->sys[sys].called || !d->sys[sys].done)
        d->bad++;
}

bool cd_stacks_init(struct cd_stacks *s)
{
    return fiber_stacks_alloc(s->stack, CD_NSYS);
}

void cd_stacks_free(struct cd_stacks *s)
{
    fiber_stacks_free(s->stack, CD_NSYS);
}

int cd_run_trace(const struct stork_impl *impl, const struct cd_trace *t, struct cd_stacks *st)
{
    struct cd d = {.core = direct_env_make(d_post), .impl = impl, .post_ok = -1,
                   .cur = -1, .stacks = st};
    d.core.irql = STORK_PASSIVE_LEVEL;
    d.ad = impl->create_adapter(&d.core.env);
    if (!d.ad)
        return 1;
    t->run(&d);
    bool suspended = false;
    for (unsigned k = 0; k < CD_NSYS; k++)
        suspended |= d.sys[k].started && !d.sys[k].done;
    for (unsigned i = 1; i <= d.nw; i++)
        if (d.posted[i])
            d.bad++;
    if (suspended)
        d.bad++; /* a callback the trace returned from is still suspended: not released */
    else {
        d.core.irql = STORK_PASSIVE_LEVEL;
        impl->destroy_adapter(d.ad);
        if (d.core.outstanding)
            d.bad++;
    }
    for (unsigned k = 0; k < CD_NSYS; k++)
        if (d.sys[k].fiber.stack)
            fiber_take_stack(&d.sys[k].fiber);
    return d.bad;
}
