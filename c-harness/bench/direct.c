/*
 * The benchmark scenario as a hand-written C test program: the calls the generated trace makes,
 * made directly, with no trace.  It is the baseline of bench_replay, so how much work it does
 * decides the ratio; the rule is "what a hand-written test driving the same scenario would
 * really need", neither less nor more:
 *
 *  - The same calls, in the same order, with the same IRQLs: init x4 from PASSIVE; per round,
 *    per worker, queue (SUCCESS) and queue again (BUSY) from DISPATCH; then each worker's
 *    callback run, re-queueing itself from inside, and run again; removal, a refused queue and
 *    the frees.
 *  - Each callback is run by calling run_posted from the test itself, on its own stack, and
 *    makes its queue call from inside the routine.  In this scenario nothing happens while a
 *    callback runs except its own call, so a separate system-worker context would change
 *    nothing the implementation can observe (it owns no threads and cannot tell stacks apart),
 *    and the replay does not use one either for such callbacks (driver.c, run_inline).  Making
 *    the baseline pay for one anyway would flatter the ratio: it roughly doubles the baseline's
 *    cost.  The variant that does (a fiber per system thread, switched to for each run, with
 *    the replay's own switch: `on_contexts`) is still timed and printed, for information.
 *  - The checks a careful test of this scenario makes, because the replay makes them too: every
 *    returned status against the expected one; each init handle non-NULL and distinct; an item
 *    posted for the right worker, once per successful queue and never while that worker's
 *    callback runs; each callback run exactly once per start with the right extension, worker
 *    and context; nothing left posted at the end; every allocation released by destroy.
 *  - Nothing else: no event table, no dispatch on event kinds, no messages (a failure only
 *    counts), no per-event bookkeeping a hand-written test would not keep.
 */
#include "direct.h"

#include <stdbool.h>

#include "direct_env.h"

struct direct;

struct sys {
    struct direct *d;
    struct fiber fiber;
    void *item; /* the item to run next */
};

struct wctx {
    struct direct *d;
    unsigned i;   /* worker index */
    int requeue;  /* re-queue from the next run */
    int runs;     /* callback runs so far */
};

struct direct {
    struct direct_env core; /* first: env -> direct; the IRQL, allocations counted */
    const struct stork_impl *impl;
    struct stork_adapter *ad;
    void *w[DIRECT_NW];
    void *posted[DIRECT_NW]; /* item posted for worker i and not yet run, or NULL */
    bool running[DIRECT_NW];
    bool on_contexts; /* the variant: each callback on a fiber per system thread */
    int bad;
    struct fiber main;
    struct sys sys[DIRECT_NSYS];
    struct wctx c[DIRECT_NW];
    unsigned char ext[64];
};

static struct direct *of_env(struct stork_env *env)
{
    return (struct direct *)(void *)env;
}

static void expect(struct direct *d, STORK_ULONG got, STORK_ULONG want)
{
    if (got != want)
        d->bad++;
}

static void d_post(struct stork_env *env, void *worker, void *item)
{
    struct direct *d = of_env(env);
    for (unsigned i = 0; i < DIRECT_NW; i++)
        if (d->w[i] == worker) {
            if (d->posted[i] || d->running[i])
                d->bad++;
            d->posted[i] = item;
            return;
        }
    d->bad++;
}

static void d_callback(void *ext, void *context, void *worker)
{
    struct wctx *c = context;
    struct direct *d = c->d;
    if (ext != d->ext || worker != d->w[c->i])
        d->bad++;
    c->runs++;
    d->running[c->i] = true;
    if (c->requeue) {
        c->requeue = 0;
        d->core.irql = STORK_PASSIVE_LEVEL;
        expect(d, d->impl->queue_work_item(d->ad, ext, d_callback, worker, c), STOR_STATUS_SUCCESS);
    }
    d->running[c->i] = false;
}

static void sys_main(void *arg)
{
    struct sys *s = arg;
    struct direct *d = s->d;
    fiber_started(&s->fiber, &d->main);
    for (;;) {
        d->core.irql = STORK_PASSIVE_LEVEL;
        d->impl->run_posted(d->ad, s->item);
        fiber_switch(&s->fiber, &d->main);
    }
}

/* Run worker i's posted item (as system thread `sys`); its callback must run exactly once. */
static void start(struct direct *d, unsigned i, unsigned sys)
{
    void *item = d->posted[i];
    if (!item) {
        d->bad++;
        return;
    }
    d->posted[i] = NULL;
    int runs = d->c[i].runs;
    if (d->on_contexts) {
        d->sys[sys].item = item;
        fiber_switch(&d->main, &d->sys[sys].fiber);
    } else {
        d->core.irql = STORK_PASSIVE_LEVEL;
        d->impl->run_posted(d->ad, item);
    }
    if (d->c[i].runs != runs + 1)
        d->bad++;
}

bool direct_stacks_init(struct direct_stacks *s)
{
    return fiber_stacks_alloc(s->stack, DIRECT_NSYS);
}

void direct_stacks_free(struct direct_stacks *s)
{
    fiber_stacks_free(s->stack, DIRECT_NSYS);
}

int direct_scenario(const struct stork_impl *impl, int rounds, struct direct_stacks *stacks,
                    bool on_contexts)
{
    struct direct d = {.core = direct_env_make(d_post), .impl = impl,
                       .on_contexts = on_contexts};
    for (unsigned k = 0; on_contexts && k < DIRECT_NSYS; k++) {
        d.sys[k].d = &d;
        if (!fiber_create(&d.sys[k].fiber, &d.main, sys_main, &d.sys[k], stacks->stack[k]))
            return 1;
    }
    d.ad = impl->create_adapter(&d.core.env);
    if (!d.ad)
        return 1;
    d.core.irql = STORK_PASSIVE_LEVEL;
    for (unsigned i = 0; i < DIRECT_NW; i++) {
        expect(&d, impl->initialize_worker(d.ad, d.ext, &d.w[i]), STOR_STATUS_SUCCESS);
        for (unsigned j = 0; j < i; j++)
            if (d.w[j] == d.w[i])
                d.bad++;
        if (!d.w[i])
            d.bad++;
        d.c[i] = (struct wctx){.d = &d, .i = i};
    }
    for (int r = 0; r < rounds; r++) {
        d.core.irql = STORK_DISPATCH_LEVEL;
        for (unsigned i = 0; i < DIRECT_NW; i++) {
            d.c[i].requeue = 1;
            expect(&d, impl->queue_work_item(d.ad, d.ext, d_callback, d.w[i], &d.c[i]), STOR_STATUS_SUCCESS);
            expect(&d, impl->queue_work_item(d.ad, d.ext, d_callback, d.w[i], &d.c[i]), STOR_STATUS_BUSY);
        }
        for (unsigned i = 0; i < DIRECT_NW; i++) {
            start(&d, i, (i + 1) % DIRECT_NSYS); /* re-queues itself */
            start(&d, i, (i + 1) % DIRECT_NSYS);
        }
    }
    d.core.irql = STORK_PASSIVE_LEVEL;
    impl->begin_removal(d.ad);
    for (unsigned i = 0; i < DIRECT_NW; i++) {
        d.core.irql = STORK_DISPATCH_LEVEL;
        expect(&d, impl->queue_work_item(d.ad, d.ext, d_callback, d.w[i], &d.c[i]),
               STOR_STATUS_INVALID_DEVICE_STATE);
        d.core.irql = STORK_PASSIVE_LEVEL;
        expect(&d, impl->free_worker(d.ad, d.ext, d.w[i]), STOR_STATUS_SUCCESS);
    }
    for (unsigned i = 0; i < DIRECT_NW; i++)
        if (d.posted[i])
            d.bad++;
    impl->destroy_adapter(d.ad);
    if (d.core.outstanding)
        d.bad++;
    for (unsigned k = 0; on_contexts && k < DIRECT_NSYS; k++)
        fiber_take_stack(&d.sys[k].fiber);
    return d.bad;
}
