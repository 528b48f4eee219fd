/*
 * A minimal implementation of the Storport work-item runtime for stork, written from
 * stork/impl_abi.h alone.  Build and test:
 *
 *   cc -shared -fPIC -I<stork>/c-harness/include -o minimal.so minimal_impl.c
 *   stork replay --impl ./minimal.so <stork>/testdata/traces
 *
 * Simplifications (fine for replay, which calls from one OS thread): no lock, and at most
 * MAX_WORKERS workers per adapter life.  A handle is the address of a slot in the adapter;
 * slots are never reused, so a freed handle is still recognised, and a value never issued is
 * recognised by comparing addresses, without dereferencing it.
 */
#include <stdint.h>

#include "stork/impl_abi.h"

#define MAX_WORKERS 256

struct worker {          /* allocated through env->alloc: an injected failure fails init */
    HW_WORKITEM *routine;
    void *context, *ext;
};

struct slot {
    struct worker *w;    /* NULL once freed */
    int queued;          /* queued, its callback not yet started */
    int running;         /* its callback is executing */
};

struct stork_adapter {
    struct stork_env *env;
    int removing;
    int issued;
    struct slot slots[MAX_WORKERS];
};

static struct slot *find(struct stork_adapter *a, void *handle)
{
    uintptr_t h = (uintptr_t)handle, first = (uintptr_t)&a->slots[0];
    if (h < first || h >= first + sizeof a->slots || (h - first) % sizeof(struct slot))
        return NULL;
    struct slot *s = &a->slots[(h - first) / sizeof(struct slot)];
    return s < &a->slots[a->issued] ? s : NULL;
}

static int irql_ok(struct stork_adapter *a)
{
    return a->env->current_irql(a->env) <= STORK_DISPATCH_LEVEL;
}

static struct stork_adapter *create(struct stork_env *env)
{
    struct stork_adapter *a = env->alloc(env, sizeof *a);
    if (a)
        *a = (struct stork_adapter){.env = env};
    return a;
}

static void destroy(struct stork_adapter *a)
{
    for (int i = 0; i < a->issued; i++)
        a->env->free(a->env, a->slots[i].w);
    a->env->free(a->env, a);
}

static STORK_ULONG init(struct stork_adapter *a, void *ext, void **out)
{
    (void)ext;
    if (!irql_ok(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!out)
        return STOR_STATUS_INVALID_PARAMETER;
    if (a->issued == MAX_WORKERS)
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    struct worker *w = a->env->alloc(a->env, sizeof *w);
    if (!w)
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    struct slot *s = &a->slots[a->issued++];
    *s = (struct slot){.w = w};
    *out = s;
    return STOR_STATUS_SUCCESS;
}

static STORK_ULONG queue(struct stork_adapter *a, void *ext, HW_WORKITEM *routine, void *handle,
                         void *context)
{
    if (!irql_ok(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle || !routine)
        return STOR_STATUS_INVALID_PARAMETER;
    struct slot *s = find(a, handle);
    if (!s || !s->w)
        return STOR_STATUS_INVALID_PARAMETER;
    if (a->removing)
        return STOR_STATUS_INVALID_DEVICE_STATE;
    if (s->queued)
        return STOR_STATUS_BUSY;
    *s->w = (struct worker){.routine = routine, .context = context, .ext = ext};
    s->queued = 1;
    if (!s->running)             /* else posted when the running callback returns */
        a->env->post(a->env, s, s);
    return STOR_STATUS_SUCCESS;
}

static STORK_ULONG free_worker(struct stork_adapter *a, void *ext, void *handle)
{
    (void)ext;
    if (!irql_ok(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle)
        return STOR_STATUS_INVALID_PARAMETER;
    struct slot *s = find(a, handle);
    if (!s)
        return STOR_STATUS_INVALID_PARAMETER;
    if (!s->w)
        return STOR_STATUS_UNSUCCESSFUL;
    if (s->queued)
        return STOR_STATUS_BUSY;
    a->env->free(a->env, s->w);  /* also while its callback runs: free never waits */
    s->w = NULL;
    return STOR_STATUS_SUCCESS;
}

static void begin_removal(struct stork_adapter *a)
{
    a->removing = 1;
}

static void run_posted(struct stork_adapter *a, void *item)
{
    struct slot *s = item;
    struct worker w = *s->w;     /* copy: the routine may free or re-queue it */
    s->queued = 0;               /* dequeued before the call */
    s->running = 1;
    w.routine(w.ext, w.context, s);
    s->running = 0;
    if (s->w && s->queued)       /* re-queued while it ran: post it now */
        a->env->post(a->env, s, s);
}

static const struct stork_impl minimal = {
    .abi_version = STORK_ABI_VERSION,
    .name = "minimal example",
    .create_adapter = create,
    .destroy_adapter = destroy,
    .initialize_worker = init,
    .queue_work_item = queue,
    .free_worker = free_worker,
    .begin_removal = begin_removal,
    .run_posted = run_posted,
};

const struct stork_impl *stork_impl_get(void)
{
    return &minimal;
}
