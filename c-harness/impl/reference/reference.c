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
 * itself (WI-C4).
 *
 * Rules, where each is kept: WI-I1..I5 in ref_init, WI-Q1..Q7 and WI-R1 in ref_queue,
 * WI-F1..F7 in ref_free, WI-P1 in the order of the checks (IRQL, parameters, handle, device
 * state, BUSY), WI-P2 by the adapter's lock, WI-C1..C4, WI-C7 and WI-R2 in ref_run_posted.
 *
 * Mutants.  Built with -DSTORK_MUTANT=N, this file becomes mutant N of
 * c-harness/impl/mutants/mutants.txt: one plausible runtime bug, at the place marked MUTANT(N).
 * `stork mutate` replays the generated corpus against each to show the corpus catches it.
 * Mutants 23 and up are written as the bugs of an outside port (a ReactOS or emulator runtime
 * written from the ABI header), grouped by class in mutants.txt; 54 and up depend on how many
 * times a worker's callback has run (spec/coverage.md: the run counts of the abstract state);
 * 58 and up show only with three workers queued at once (the corpus's k = 3 part).
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

/* NTSTATUS values a port may return by mistake (mutants 39-44): not STOR_STATUS values. */
#define NT_STATUS_UNSUCCESSFUL           0xC0000001u
#define NT_STATUS_INVALID_PARAMETER      0xC000000Du
#define NT_STATUS_INSUFFICIENT_RESOURCES 0xC000009Au
#define NT_STATUS_INVALID_DEVICE_STATE   0xC0000184u
#define NT_STATUS_DEVICE_BUSY            0x80000011u

#define POOL_WORKERS 16u /* mutant 32: workers taken from a pool made with the adapter */

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
#if STORK_MUTANT == 23 || STORK_MUTANT == 24 || STORK_MUTANT == 59
    uint64_t seq;         /* mutants 23, 24, 59: when it was posted */
#endif
#if STORK_MUTANT == 61
    int req_slot;         /* mutant 61: its entry in the adapter's two-entry request table */
#endif
#if STORK_MUTANT >= 54 && STORK_MUTANT <= 57
    unsigned runs;        /* mutants 54-57: its callbacks started so far */
#endif
#if STORK_MUTANT == 57
    HW_WORKITEM *first_routine; /* mutant 57: the request of its first run, kept for all */
    void *first_context;
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
#if STORK_MUTANT == 23 || STORK_MUTANT == 24 || STORK_MUTANT == 59
    uint64_t seq;
#endif
#if STORK_MUTANT >= 58 && STORK_MUTANT <= 60
    size_t nposted;            /* items posted that no system thread has taken yet */
#endif
#if STORK_MUTANT == 60
    struct worker *held[16];   /* queued beyond two posted: posted at the next start */
    size_t nheld;
#endif
#if STORK_MUTANT == 61
    HW_WORKITEM *req_routine[2]; /* pending requests by table entry, not per worker */
    void *req_context[2];
    struct worker *req_owner[2];
#endif
#if STORK_MUTANT == 25
    HW_WORKITEM *last_routine; /* one pending request per adapter, not per worker */
    void *last_context;
#endif
#if STORK_MUTANT == 28
    struct worker *recycle;    /* a freed worker's memory kept for the next init */
#endif
#if STORK_MUTANT == 32
    struct worker *pool;
    size_t npool;
#endif
#if STORK_MUTANT == 36
    size_t nrunning;
#endif
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

static unsigned irql(struct stork_adapter *a)
{
    return a->env->current_irql(a->env);
}

static bool grow(struct stork_adapter *a);

/* Hand w's item to the system queue (WI-C1: one post per SUCCESS; WI-C2, WI-C5: the harness
 * runs it later, never here).  Called with the lock held. */
static void post_item(struct stork_adapter *a, struct worker *w)
{
    w->posted = true;
#if STORK_MUTANT == 23 || STORK_MUTANT == 24 || STORK_MUTANT == 59
    w->seq = ++a->seq;
#endif
#if STORK_MUTANT >= 58 && STORK_MUTANT <= 60
    if (MUTANT(58) && a->nposted >= 2)
        return; /* the port's list of posted items has two entries: a third is dropped */
#if STORK_MUTANT == 60
    if (a->nposted >= 2 && a->nheld < sizeof a->held / sizeof a->held[0]) {
        a->held[a->nheld++] = w; /* "two system threads": no more than two items out at once */
        return;
    }
#endif
    a->nposted++;
#endif
    a->env->post(a->env, handle_of(w->index), w);
}

#if STORK_MUTANT == 61
/* The port's table of pending requests has two entries: a request takes a free one, a third
 * pending request the second entry again (overwriting the routine and context held there). */
static void remember_request(struct stork_adapter *a, struct worker *w, HW_WORKITEM *routine,
                             void *context)
{
    int e = !a->req_owner[0] ? 0 : 1;
    a->req_routine[e] = routine;
    a->req_context[e] = context;
    a->req_owner[e] = w;
    w->req_slot = e;
}
#endif

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
#if STORK_MUTANT == 32
    a->pool = env->alloc(env, POOL_WORKERS * sizeof *a->pool);
    if (!a->pool || !grow(a)) {
        env->free(env, a->pool);
        pthread_mutex_destroy(&a->lock);
        env->free(env, a);
        return NULL;
    }
#endif
    return a;
}

/* The adapter's release (WI-R3): the harness calls it once no callback is queued or running. */
static void ref_destroy(struct stork_adapter *a)
{
    struct stork_env *env = a->env;
    for (size_t i = 0; i < a->nslots; i++)
        if (!MUTANT(34) && !MUTANT(32)) /* 34: the live workers a miniport leaked stay allocated */
            env->free(env, a->slots[i].w);
#if STORK_MUTANT == 32
    env->free(env, a->pool);
#endif
#if STORK_MUTANT == 28
    env->free(env, a->recycle);
#endif
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
        return STOR_STATUS_INVALID_IRQL; /* WI-I2 */
    if (MUTANT(49) && irql(a) > STORK_PASSIVE_LEVEL)
        return STOR_STATUS_INVALID_IRQL;
    if (!out)
        return STOR_STATUS_INVALID_PARAMETER; /* WI-I3 */
    pthread_mutex_lock(&a->lock);
    if (MUTANT(22) && a->removing) { /* WI-I5: allowed during removal */
        pthread_mutex_unlock(&a->lock);
        return STOR_STATUS_INVALID_DEVICE_STATE;
    }
    struct worker *w = NULL;
    size_t reuse = SIZE_MAX;
    bool was_running = false;
    if (MUTANT(27))
        for (size_t i = 0; i < a->nslots && reuse == SIZE_MAX; i++)
            if (!a->slots[i].w)
                reuse = i; /* the lowest freed slot, and its handle, again */
#if STORK_MUTANT == 32
    if (a->npool < POOL_WORKERS && grow(a))
        w = &a->pool[a->npool++]; /* no env->alloc: an allocation failure cannot reach init */
#elif STORK_MUTANT == 56
    for (size_t i = 0; i < a->nslots && !w; i++) {
        struct worker *o = a->slots[i].w;
        if (o && o->state == W_IDLE && !o->running && o->runs > 0) {
            w = o; /* "its work item is done": the record, and its handle, are taken again */
            reuse = i;
        }
    }
    if (!w && grow(a))
        w = a->env->alloc(a->env, sizeof *w);
#elif STORK_MUTANT == 28
    if (a->recycle && grow(a)) {
        w = a->recycle; /* the freed worker's memory, its flags not all reset */
        a->recycle = NULL;
        was_running = w->running;
    } else if (grow(a))
        w = a->env->alloc(a->env, sizeof *w);
#else
    if (reuse != SIZE_MAX || grow(a))
        w = a->env->alloc(a->env, sizeof *w); /* WI-I4: the worker's state, through env */
#endif
    if (!w) {
        pthread_mutex_unlock(&a->lock);
        if (MUTANT(31))
            *out = NULL;
        return MUTANT(17)   ? STOR_STATUS_UNSUCCESSFUL
               : MUTANT(40) ? NT_STATUS_INSUFFICIENT_RESOURCES
                            : STOR_STATUS_INSUFFICIENT_RESOURCES; /* WI-I4, *out unchanged */
    }
    memset(w, 0, sizeof *w);
    w->running = was_running;
    w->index = reuse != SIZE_MAX ? reuse : a->nslots++; /* WI-I1: a new slot, a new handle */
    w->state = W_IDLE;
    a->slots[w->index] = (struct slot){.w = w, .issued = true};
    *out = handle_of(w->index);
    pthread_mutex_unlock(&a->lock);
    return STOR_STATUS_SUCCESS; /* WI-I1, WI-I5 */
}

static STORK_ULONG ref_queue(struct stork_adapter *a, void *ext, HW_WORKITEM *routine,
                             void *handle, void *context)
{
    if (irql_too_high(a) && !MUTANT(10))
        return MUTANT(45) ? STOR_STATUS_INVALID_PARAMETER : STOR_STATUS_INVALID_IRQL; /* WI-Q5 */
    if (MUTANT(47) && irql(a) > STORK_PASSIVE_LEVEL)
        return STOR_STATUS_INVALID_IRQL;
    if (!handle || !routine)
        return STOR_STATUS_INVALID_PARAMETER; /* WI-Q6 */
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    struct worker *w = s ? s->w : NULL;
    bool exempt = false; /* mutant 36: queues while a callback runs pass removal */
#if STORK_MUTANT == 36
    exempt = a->nrunning > 0;
#endif
    if (!w) /* WI-Q7: never issued, or freed */
        st = MUTANT(30) ? STOR_STATUS_UNSUCCESSFUL
             : MUTANT(41) ? NT_STATUS_INVALID_PARAMETER : STOR_STATUS_INVALID_PARAMETER;
    else if (a->removing && !MUTANT(9) && !exempt) /* WI-Q4, WI-R1 */
        st = MUTANT(42) ? NT_STATUS_INVALID_DEVICE_STATE : STOR_STATUS_INVALID_DEVICE_STATE;
    else if (w->state == W_QUEUED && !(MUTANT(53) && !w->posted)) { /* WI-Q2 */
        st = MUTANT(1)    ? STOR_STATUS_SUCCESS
             : MUTANT(13) ? STOR_STATUS_BUSY + 1
             : MUTANT(39) ? NT_STATUS_DEVICE_BUSY : STOR_STATUS_BUSY;
        if (MUTANT(21)) {
            w->routine = routine; /* the BUSY request overwrites the pending one's */
            w->context = context;
        }
    }
    else if (MUTANT(20) && w->running)
        st = STOR_STATUS_BUSY;
    else if (MUTANT(51) && w->running && irql(a) == STORK_DISPATCH_LEVEL)
        st = STOR_STATUS_BUSY;
    else if (MUTANT(46) && !w->running && irql(a) == STORK_PASSIVE_LEVEL) {
        /* A PASSIVE caller is "already on a worker thread": the routine runs right here. */
        pthread_mutex_unlock(&a->lock);
        routine(ext, context, handle);
        return STOR_STATUS_SUCCESS;
    }
    else { /* WI-Q1, and WI-Q3 for a worker whose callback is running */
        w->state = W_QUEUED;
        if (!(MUTANT(50) && w->running)) {
            w->routine = routine;
            w->context = context;
        }
#if STORK_MUTANT == 61
        remember_request(a, w, routine, context);
#endif
        w->ext = ext;
#if STORK_MUTANT == 25
        a->last_routine = routine;
        a->last_context = context;
#endif
        if ((!w->running || MUTANT(15)) && !MUTANT(4)) /* WI-C4: not while it runs */
            post_item(a, w);
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

static STORK_ULONG ref_free(struct stork_adapter *a, void *ext, void *handle)
{
    (void)ext;
    if (irql_too_high(a) && !MUTANT(11))
        return STOR_STATUS_INVALID_IRQL; /* WI-F4 */
    if (MUTANT(48) && irql(a) >= STORK_DISPATCH_LEVEL)
        return STOR_STATUS_INVALID_IRQL;
    if (!handle)
        return STOR_STATUS_INVALID_PARAMETER; /* WI-F5 */
    STORK_ULONG st = STOR_STATUS_SUCCESS;
    pthread_mutex_lock(&a->lock);
    struct slot *s = slot_of(a, handle);
    if (!s) /* WI-F5: never issued */
        st = MUTANT(16) ? STOR_STATUS_UNSUCCESSFUL : STOR_STATUS_INVALID_PARAMETER;
    else if (!s->w) /* WI-F3: already freed */
        st = MUTANT(8)    ? STOR_STATUS_SUCCESS
             : MUTANT(29) ? STOR_STATUS_INVALID_PARAMETER
             : MUTANT(43) ? NT_STATUS_UNSUCCESSFUL : STOR_STATUS_UNSUCCESSFUL;
#if STORK_MUTANT == 14
    else if (s->w->freed)
        st = STOR_STATUS_UNSUCCESSFUL;
#endif
    else if (MUTANT(35) && a->removing)
        st = STOR_STATUS_INVALID_DEVICE_STATE;
    else if (s->w->state == W_QUEUED && !MUTANT(2) && !(MUTANT(52) && !s->w->posted))
        st = MUTANT(44) ? NT_STATUS_DEVICE_BUSY : STOR_STATUS_BUSY; /* WI-F2 */
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
#elif STORK_MUTANT == 28
    else if (s->w->running && !a->recycle) {
        a->recycle = s->w; /* kept for the next init */
        s->w = NULL;
    } else {
        a->env->free(a->env, s->w);
        s->w = NULL;
    }
#else
    else {
        /* WI-F1, WI-F6, WI-F7: idle, possibly running (free never waits): run_posted notices
         * the freed slot after the routine (WI-C7). */
        if (!MUTANT(33) && !MUTANT(32))
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
    a->removing = true; /* WI-Q4 from now on; queued callbacks still run (WI-R2) */
    if (MUTANT(38))
        for (size_t i = 0; i < a->nslots; i++) {
            struct worker *w = a->slots[i].w;
            if (w && w->state == W_IDLE && !w->running) { /* "cleaning up" idle workers */
                a->env->free(a->env, w);
                a->slots[i].w = NULL;
            }
        }
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
#if STORK_MUTANT == 23 || STORK_MUTANT == 24 || STORK_MUTANT == 59
    /* The port keeps its own queue and runs its head (23: oldest, 24: newest; 59: the item it
     * was handed while two or fewer are posted, the newest from three on: its overflow is a
     * stack), whatever item the system thread was handed. */
    size_t nposted = 0;
    for (size_t i = 0; i < a->nslots; i++)
        nposted += a->slots[i].w && a->slots[i].w->posted;
    for (size_t i = 0; i < a->nslots && (!MUTANT(59) || nposted >= 3); i++) {
        struct worker *o = a->slots[i].w;
        if (o && o->posted && (MUTANT(23) ? o->seq < w->seq : o->seq > w->seq))
            w = o;
    }
#endif
#if STORK_MUTANT >= 58 && STORK_MUTANT <= 60
    a->nposted--;
#endif
#if STORK_MUTANT == 60
    if (a->nheld) { /* a thread took one: the oldest held item goes out now */
        struct worker *h = a->held[0];
        memmove(a->held, a->held + 1, --a->nheld * sizeof a->held[0]);
        a->nposted++;
        a->env->post(a->env, handle_of(h->index), h);
    }
#endif
    size_t index = w->index;
    HW_WORKITEM *routine = w->routine; /* WI-C1: this queue's routine, context, worker */
    void *context = w->context, *ext = w->ext;
#if STORK_MUTANT == 25
    routine = a->last_routine;
    context = a->last_context;
#endif
#if STORK_MUTANT == 61
    routine = a->req_routine[w->req_slot]; /* the entry's, overwritten by a third request */
    context = a->req_context[w->req_slot];
    if (a->req_owner[w->req_slot] == w)
        a->req_owner[w->req_slot] = NULL;
#endif
#if STORK_MUTANT == 28
    struct worker *self = w;
#endif
    w->posted = false;
    w->state = W_IDLE; /* WI-C3: dequeued before the call: the routine may re-queue or free it */
    w->running = true;
#if STORK_MUTANT >= 54 && STORK_MUTANT <= 57
    w->runs++;
#endif
#if STORK_MUTANT == 55
    w->running = w->runs == 1; /* marked running where it is bound to its thread: once */
#endif
#if STORK_MUTANT == 57
    if (w->runs == 1) {
        w->first_routine = routine;
        w->first_context = context;
    }
    routine = w->first_routine; /* read once, at the first start */
    context = w->first_context;
#endif
#if STORK_MUTANT == 36
    a->nrunning++;
#endif
#if STORK_MUTANT == 18
    if (w->dropped) {
        w->dropped = false;
        w->running = false;
        pthread_mutex_unlock(&a->lock);
        return;
    }
#endif
    pthread_mutex_unlock(&a->lock); /* WI-C6: no lock held around the routine */

    if (MUTANT(6))
        context = (void *)((uintptr_t)context ^ 0x10u);
    void *worker = handle_of(MUTANT(7) ? index + 1 : index);
    if (MUTANT(26))
        worker = w; /* the runtime's own record, not the handle */
    routine(ext, context, worker);
    if (MUTANT(3))
        routine(ext, context, handle_of(index));

    pthread_mutex_lock(&a->lock);
#if STORK_MUTANT == 36
    a->nrunning--;
#endif
    w = a->slots[index].w; /* WI-C7: NULL if the routine (or anyone) freed it: do not touch */
#if STORK_MUTANT == 28
    if (!w && a->recycle == self) { /* not reused yet: release it now */
        a->env->free(a->env, self);
        a->recycle = NULL;
    }
#endif
    if (w) {
        w->running = false;
        bool lost = false; /* mutant 54: the re-queue is posted only after the first run */
#if STORK_MUTANT == 54
        lost = w->runs > 1;
#endif
        if (w->state == W_QUEUED && !w->posted && !MUTANT(5) && !(MUTANT(37) && a->removing) &&
            !lost)
            post_item(a, w); /* WI-C4, WI-Q3: re-queued while running: post it now; WI-C5: never left unposted */
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
