/*
 * The stork reference implementation of the Storport work-item runtime.
 *
 * Handles.  A worker handle is not a pointer to memory: it encodes an index into the
 * adapter's handle table, (index + 1) * HANDLE_STRIDE.  Slots are never reused during an
 * adapter's life, so a freed handle stays recognisable (free -> UNSUCCESSFUL, queue ->
 * INVALID_PARAMETER) and a value never issued (e.g. the address of the variable holding a
 * handle) is recognised without ever being dereferenced.  The per-worker state is allocated
 * at init (so an injected allocation failure fails init) and released at free.
 *
 * Locking.  One mutex per adapter guards everything; it is never held while a HW_WORKITEM
 * routine runs.  env->post is called with it held (post never calls back into us).
 *
 * Serialisation.  A worker re-queued while its callback runs is marked queued but not posted;
 * run_posted posts it once the routine has returned, so one worker's callback never overlaps
 * itself.
 *
 * Mutants.  Built with -DSTORK_MUTANT=N, this file becomes mutant N of
 * c-harness/impl/mutants/mutants.txt: one plausible runtime bug, at the place marked MUTANT(N).
 * `stork mutate` replays the generated corpus against each to show the corpus catches it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stork/impl_abi.h"

#ifndef STORK_MUTANT
#define STORK_MUTANT 0
#endif
#define MUTANT(n) (STORK_MUTANT == (n))

#define HANDLE_STRIDE 16u

enum wstate { W_IDLE, W_QUEUED };

struct worker {
    size_t index;         /* slot in the adapter's table */
    enum wstate state;
    bool running;         /* its routine is executing now */
    bool posted;          /* an item for it is in the system queue */
    HW_WORKITEM *routine; /* valid while queued */
    void *context;
    void *ext;
#if STORK_MUTANT == 14
    bool freed;           /* mutant 14 keeps freed workers usable */
#endif
#if STORK_MUTANT == 18
    bool dropped;         /* mutant 18 drops queued callbacks at removal */
#endif
};

struct slot {
    struct worker *w; /* NULL once freed */
    bool issued;
};

struct stork_adapter {
    struct stork_env *env;
    pthread_mutex_t lock;
    bool removing;
    struct slot *slots;
    size_t nslots, capacity;
};

static void *handle_of(size_t index)
{
    return (void *)(uintptr_t)((index + 1) * HANDLE_STRIDE);
}

/* The slot a handle names, or NULL if this adapter never issued it. */
static struct slot *slot_of(struct stork_adapter *a, void *handle)
{
    uintptr_t v = (uintptr_t)handle;
    if (v == 0 || v % HANDLE_STRIDE != 0)
        return NULL;
    uintptr_t index = v / HANDLE_STRIDE - 1;
    if (index >= a->nslots)
        return NULL;
    return &a->slots[index];
}

static bool irql_too_high(struct stork_adapter *a)
{
    return a->env->current_irql(a->env) > STORK_DISPATCH_LEVEL;
}

static struct stork_adapter *ref_create(struct stork_env *env)
{
    struct stork_adapter *a = env->alloc(env, sizeof *a);
    if (!a)
        return NULL;
    memset(a, 0, sizeof *a);
    a->env = env;
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        env->free(env, a);
        return NULL;
    }
    return a;
}

static void ref_destroy(struct stork_adapter *a)
{
    struct stork_env *env = a->env;
    for (size_t i = 0; i < a->nslots; i++)
        env->free(env, a->slots[i].w);
    env->free(env, a->slots);
    pthread_mutex_destroy(&a->lock);
    env->free(env, a);
}

/* Room for one more slot; false if the allocation failed. */
static bool grow(struct stork_adapter *a)
{
    if (a->nslots < a->capacity)
        return true;
    size_t cap = a->capacity ? a->capacity * 2 : 16;
    struct slot *s = a->env->alloc(a->env, cap * sizeof *s);
    if (!s)
        return false;
    if (a->nslots)
        memcpy(s, a->slots, a->nslots * sizeof *s);
    a->env->free(a->env, a->slots);
    a->slots = s;
    a->capacity = cap;
    return true;
}

static STORK_ULONG ref_init(struct stork_adapter *a, void *ext, void **out)
{
    (void)ext;
    if (irql_too_high(a) && !MUTANT(12))
        return STOR_STATUS_INVALID_IRQL;
    if (!out)
        return STOR_STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&a->lock);
    if (MUTANT(22) && a->removing) {
        pthread_mutex_unlock(&a->lock);
        return STOR_STATUS_INVALID_DEVICE_STATE;
    }
    struct worker *w = NULL;
    if (grow(a))
        w = a->env->alloc(a->env, sizeof *w);
    if (!w) {
        pthread_mutex_unlock(&a->lock);
        return MUTANT(17) ? STOR_STATUS_UNSUCCESSFUL : STOR_STATUS_INSUFFICIENT_RESOURCES;
    }
    memset(w, 0, sizeof *w);
    w->index = a->nslots++;
    w->state = W_IDLE;
    a->slots[w->index] = (struct slot){.w = w, .issued = true};
    *out = handle_of(w->index);
    pthread_mutex_unlock(&a->lock);
    return STOR_STATUS_SUCCESS;
}

static STORK_ULONG ref_queue(struct stork_adapter *a, void *ext, HW_WORKITEM *routine,
                             void *handle, void *context)
{
    if (irql_too_high(a) && !MUTANT(10))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle || !routine)
        return STOR_STATUS_INVALID_PARAMETER;
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    struct worker *w = s ? s->w : NULL;
    if (!w)
        st = STOR_STATUS_INVALID_PARAMETER; /* never issued, or freed */
    else if (a->removing && !MUTANT(9))
        st = STOR_STATUS_INVALID_DEVICE_STATE;
    else if (w->state == W_QUEUED) {
        st = MUTANT(1) ? STOR_STATUS_SUCCESS : MUTANT(13) ? STOR_STATUS_BUSY + 1 : STOR_STATUS_BUSY;
        if (MUTANT(21)) {
            w->routine = routine; /* the BUSY request overwrites the pending one's */
            w->context = context;
        }
    }
    else if (MUTANT(20) && w->running)
        st = STOR_STATUS_BUSY;
    else {
        w->state = W_QUEUED;
        w->routine = routine;
        w->context = context;
        w->ext = ext;
        if ((!w->running || MUTANT(15)) && !MUTANT(4)) {
            w->posted = true;
            a->env->post(a->env, handle, w);
        }
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

static STORK_ULONG ref_free(struct stork_adapter *a, void *ext, void *handle)
{
    (void)ext;
    if (irql_too_high(a) && !MUTANT(11))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle)
        return STOR_STATUS_INVALID_PARAMETER;
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    if (!s)
        st = MUTANT(16) ? STOR_STATUS_UNSUCCESSFUL : STOR_STATUS_INVALID_PARAMETER;
    else if (!s->w)
        st = MUTANT(8) ? STOR_STATUS_SUCCESS : STOR_STATUS_UNSUCCESSFUL;
#if STORK_MUTANT == 14
    else if (s->w->freed)
        st = STOR_STATUS_UNSUCCESSFUL;
#endif
    else if (s->w->state == W_QUEUED && !MUTANT(2))
        st = STOR_STATUS_BUSY;
    else if (MUTANT(19) && s->w->running)
        st = STOR_STATUS_BUSY;
#if STORK_MUTANT == 14
    else
        s->w->freed = true; /* "freed", but queue still takes it */
#elif STORK_MUTANT == 2
    else if (s->w->state == W_QUEUED)
        s->w = NULL; /* "freed", but left allocated: its posted item still runs */
    else {
        a->env->free(a->env, s->w);
        s->w = NULL;
    }
#else
    else {
        /* Idle, possibly running: run_posted notices the freed slot after the routine. */
        a->env->free(a->env, s->w);
        s->w = NULL;
    }
#endif
    pthread_mutex_unlock(&a->lock);
    return st;
}

static void ref_begin_removal(struct stork_adapter *a)
{
    pthread_mutex_lock(&a->lock);
    a->removing = true;
#if STORK_MUTANT == 18
    for (size_t i = 0; i < a->nslots; i++)
        if (a->slots[i].w && a->slots[i].w->state == W_QUEUED) {
            a->slots[i].w->state = W_IDLE;
            a->slots[i].w->dropped = true;
        }
#endif
    pthread_mutex_unlock(&a->lock);
}

static void ref_run_posted(struct stork_adapter *a, void *item)
{
    struct worker *w = item;
    pthread_mutex_lock(&a->lock);
    size_t index = w->index;
    HW_WORKITEM *routine = w->routine;
    void *context = w->context, *ext = w->ext;
    w->posted = false;
    w->state = W_IDLE; /* dequeued before the call: the routine may re-queue or free it */
    w->running = true;
#if STORK_MUTANT == 18
    if (w->dropped) {
        w->dropped = false;
        w->running = false;
        pthread_mutex_unlock(&a->lock);
        return;
    }
#endif
    pthread_mutex_unlock(&a->lock);

    if (MUTANT(6))
        context = (void *)((uintptr_t)context ^ 0x10u);
    routine(ext, context, handle_of(MUTANT(7) ? index + 1 : index));
    if (MUTANT(3))
        routine(ext, context, handle_of(index));

    pthread_mutex_lock(&a->lock);
    w = a->slots[index].w; /* NULL if the routine (or anyone) freed it: do not touch */
    if (w) {
        w->running = false;
        if (w->state == W_QUEUED && !w->posted && !MUTANT(5)) {
            w->posted = true; /* re-queued while running: post it now */
            a->env->post(a->env, handle_of(index), w);
        }
    }
    pthread_mutex_unlock(&a->lock);
}

static const struct stork_impl reference = {
    .abi_version = STORK_ABI_VERSION,
    .name = "reference",
    .create_adapter = ref_create,
    .destroy_adapter = ref_destroy,
    .initialize_worker = ref_init,
    .queue_work_item = ref_queue,
    .free_worker = ref_free,
    .begin_removal = ref_begin_removal,
    .run_posted = ref_run_posted,
};

const struct stork_impl *stork_impl_get(void)
{
    return &reference;
}
