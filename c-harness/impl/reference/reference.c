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
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stork/impl_abi.h"

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
    if (irql_too_high(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!out)
        return STOR_STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&a->lock);
    struct worker *w = NULL;
    if (grow(a))
        w = a->env->alloc(a->env, sizeof *w);
    if (!w) {
        pthread_mutex_unlock(&a->lock);
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
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
    if (irql_too_high(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle || !routine)
        return STOR_STATUS_INVALID_PARAMETER;
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    struct worker *w = s ? s->w : NULL;
    if (!w)
        st = STOR_STATUS_INVALID_PARAMETER; /* never issued, or freed */
    else if (a->removing)
        st = STOR_STATUS_INVALID_DEVICE_STATE;
    else if (w->state == W_QUEUED)
        st = STOR_STATUS_BUSY;
    else {
        w->state = W_QUEUED;
        w->routine = routine;
        w->context = context;
        w->ext = ext;
        if (!w->running) {
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
    if (irql_too_high(a))
        return STOR_STATUS_INVALID_IRQL;
    if (!handle)
        return STOR_STATUS_INVALID_PARAMETER;
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    if (!s)
        st = STOR_STATUS_INVALID_PARAMETER;
    else if (!s->w)
        st = STOR_STATUS_UNSUCCESSFUL;
    else if (s->w->state == W_QUEUED)
        st = STOR_STATUS_BUSY;
    else {
        /* Idle, possibly running: run_posted notices the freed slot after the routine. */
        a->env->free(a->env, s->w);
        s->w = NULL;
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

static void ref_begin_removal(struct stork_adapter *a)
{
    pthread_mutex_lock(&a->lock);
    a->removing = true;
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
    pthread_mutex_unlock(&a->lock);

    routine(ext, context, handle_of(index));

    pthread_mutex_lock(&a->lock);
    w = a->slots[index].w; /* NULL if the routine (or anyone) freed it: do not touch */
    if (w) {
        w->running = false;
        if (w->state == W_QUEUED && !w->posted) {
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
