/*
 * stork/impl_abi.h -- the whole contract between the stork harness and an implementation of
 * the Storport work-item runtime (StorPortInitializeWorker / StorPortQueueWorkItem /
 * StorPortFreeWorker and the HW_WORKITEM callback).
 *
 * An implementation is a shared library exporting ONE symbol, `stork_impl_get`, which returns
 * a pointer to a constant `struct stork_impl` (a table of entry points).  The harness
 * (stork-replay, the live stress test) loads it with dlopen and drives it.
 *
 * The implementation owns no threads and no time.  Everything it needs from "the system" comes
 * through a `struct stork_env` the harness hands to create_adapter:
 *   - post():         hands a work item to the system-worker-thread queue.  The harness
 *                     decides which system thread runs it and when, by calling
 *                     impl->run_posted(adapter, item) later on that thread.
 *   - current_irql(): the IRQL of the caller of the entry point being executed.
 *   - alloc()/free(): all memory the runtime needs; the harness can make alloc fail
 *                     (the trace event `fail-alloc`, Driver Verifier's low-resources mode).
 * Because of this, a replay is deterministic: the same trace drives the same sequence of
 * calls every time.  An implementation must not create threads, sleep, read clocks, or run a
 * callback itself (only from run_posted; WI-C2); it must not keep mutable global state (two
 * adapters may live at the same time).
 *
 * What a replay assumes (each is checked, and a report that fails on one says so):
 *   Allocation (WI-I4).  Every block of memory the runtime uses comes from env->alloc and goes
 *       back through env->free (not malloc); create_adapter may allocate what it likes.
 *       initialize_worker must make at least one env->alloc call for each worker it issues
 *       (the worker's own state, or room for it): the trace event `fail-alloc` makes every
 *       env->alloc of the next call return NULL, and the trace then expects that init to
 *       answer INSUFFICIENT_RESOURCES.  A runtime that takes workers from memory it holds
 *       already (a fixed pool made in create_adapter) cannot be driven into WI-I4 and fails
 *       every trace with a `fail-alloc` before an init; the report names this obligation.
 *       queue_work_item and free_worker may allocate too (a failed allocation there has no
 *       status of its own in the contract: a runtime that needs memory to queue must have
 *       taken it at init).  By the time destroy_adapter returns every block is released.
 *   Threading.  Replay: every entry point, every env call and every callback runs on one OS
 *       thread; system worker threads are cooperative contexts (a run_posted may be suspended
 *       inside the routine while the trace's other events run, and resumed later), so an
 *       implementation must not assume a callback runs to its end before the next entry point
 *       is called (WI-P2, WI-C4: it may be re-queued and freed from elsewhere meanwhile).  Live
 *       mode (stork-stress): entry points and run_posted are called from several OS threads
 *       at once; the implementation protects its adapter state with its own lock, must not hold
 *       that lock while it calls a HW_WORKITEM routine (WI-C6: the routine calls back in), and
 *       must never wait for a callback to finish (WI-F6).  Thread-local storage is not a way
 *       to tell contexts apart: in replay all of them share one OS thread.
 *   Inside env calls.  post, current_irql, alloc and free may be called with the runtime's own
 *       lock held; none of them calls back into the implementation, blocks or fails (but alloc
 *       returning NULL).  post must be called once per successful queue (WI-C1), with the
 *       worker handle the item belongs to, during that queue_work_item call or (for a worker
 *       re-queued while its callback ran, WI-C4) in run_posted after the routine returned; a
 *       post at any other time, for a refused call, or a second one before the first item
 *       has run, is a failure.  current_irql is the caller's IRQL only for the duration of an
 *       entry point (PASSIVE in run_posted; WI-C2): do not cache it.  Memory from alloc must
 *       not be used after it was given to free.
 *
 * Threading: entry points may be called from several OS threads at once (live mode); an
 * implementation protects its adapter state with its own lock.  It must not hold that lock
 * while it calls a HW_WORKITEM routine, and must never wait for a callback to finish.
 * In replay all calls come from one OS thread, switched between cooperative contexts.
 *
 * Runtime rules the harness checks (stork's contract positions; spec/contract.md):
 *   initialize_worker: IRQL > DISPATCH -> INVALID_IRQL (WI-I2); worker out pointer NULL ->
 *       INVALID_PARAMETER (WI-I3); allocation failed -> INSUFFICIENT_RESOURCES and *worker is
 *       left unchanged (WI-I4); else SUCCESS and *worker is a new, idle worker handle, distinct
 *       from every handle issued before in the adapter's life (WI-I1; allowed during removal,
 *       WI-I5).
 *   queue_work_item: IRQL > DISPATCH -> INVALID_IRQL (WI-Q5); NULL worker or NULL routine ->
 *       INVALID_PARAMETER (WI-Q6); a handle never issued or already freed -> INVALID_PARAMETER
 *       (WI-Q7); removal begun -> INVALID_DEVICE_STATE (WI-Q4, WI-R1, also from inside a
 *       callback); worker already queued (not yet started) -> BUSY (the queued item keeps its
 *       first routine and context; WI-Q2); else SUCCESS (WI-Q1) -- also when the worker's
 *       callback is running (re-queue from inside it, or from anywhere while it runs; WI-Q3).
 *       Where several errors apply, any of them conforms (a trace lists the set; WI-P1).
 *   free_worker: IRQL > DISPATCH -> INVALID_IRQL (WI-F4); NULL -> INVALID_PARAMETER; never
 *       issued -> INVALID_PARAMETER (WI-F5); already freed -> UNSUCCESSFUL (WI-F3); queued ->
 *       BUSY (worker unchanged; WI-F2); else SUCCESS (WI-F1), also while its callback runs
 *       (free never waits; WI-F6).  Allowed in removal (WI-F7).
 *   Statuses are the STOR_STATUS_* values below, never NTSTATUS values (STATUS_BUSY and the
 *       like are different numbers; a report names one when it sees it).
 *   callbacks: each SUCCESS queue leads to exactly one post() and later exactly one call of
 *       the routine with (HwDeviceExtension, Context, Worker) as given to that queue (WI-C1),
 *       from run_posted only, for the item the harness hands over (WI-C2).  The worker stops
 *       being "queued" before the routine is called (WI-C3).  A worker re-queued while its
 *       callback runs must not be posted until that callback has returned (one worker's
 *       callback never overlaps itself; WI-C4).  Queued callbacks still run after removal
 *       begins (WI-R2).  After a callback that freed its own worker returns, the runtime must
 *       not touch the worker again (WI-C7).
 *
 * Compile an implementation with:  cc -shared -fPIC -I<stork>/c-harness/include -o x.so x.c
 */
#ifndef STORK_IMPL_ABI_H
#define STORK_IMPL_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this table layout.  The harness refuses a library whose abi_version differs. */
#define STORK_ABI_VERSION 1u

/* The name of the one symbol an implementation exports (see stork_impl_get below). */
#define STORK_IMPL_SYMBOL "stork_impl_get"

/* ULONG as in storport.h: 32 bits. */
typedef uint32_t STORK_ULONG;

/* STOR_STATUS_* values, exactly as in storport.h. */
#define STOR_STATUS_SUCCESS                0x00000000u
#define STOR_STATUS_UNSUCCESSFUL           0xC1000001u
#define STOR_STATUS_NOT_IMPLEMENTED        0xC1000002u
#define STOR_STATUS_INSUFFICIENT_RESOURCES 0xC1000003u
#define STOR_STATUS_BUFFER_TOO_SMALL       0xC1000004u
#define STOR_STATUS_ACCESS_DENIED          0xC1000005u
#define STOR_STATUS_INVALID_PARAMETER      0xC1000006u
#define STOR_STATUS_INVALID_DEVICE_REQUEST 0xC1000007u
#define STOR_STATUS_INVALID_IRQL           0xC1000008u
#define STOR_STATUS_INVALID_DEVICE_STATE   0xC1000009u
#define STOR_STATUS_INVALID_BUFFER_SIZE    0xC100000Au
#define STOR_STATUS_UNSUPPORTED_VERSION    0xC100000Bu
#define STOR_STATUS_BUSY                   0xC100000Cu

/* IRQLs the harness reports through current_irql().  Anything above DISPATCH_LEVEL is a
 * device IRQL (the trace's DIRQL is reported as STORK_DIRQL). */
#define STORK_PASSIVE_LEVEL  0u
#define STORK_APC_LEVEL      1u
#define STORK_DISPATCH_LEVEL 2u
#define STORK_DIRQL          5u

/* The miniport's work-item routine, as storport.h's HW_WORKITEM. */
typedef void HW_WORKITEM(void *HwDeviceExtension, void *Context, void *Worker);

/* Opaque to the harness: the implementation defines struct stork_adapter. */
struct stork_adapter;

/*
 * What the harness provides.  The implementation receives a pointer in create_adapter, keeps
 * it for the adapter's life, and passes it back as the first argument of every function.
 */
struct stork_env {
    /* Hand a work item to the system-worker-thread queue.  `worker` is the handle the item
     * belongs to (the harness checks it), `item` is any pointer the implementation wants back
     * in run_posted.  post never fails and never runs the item itself: the harness runs it
     * later, at PASSIVE on a system thread (WI-C2), and runs every item posted (WI-C5). */
    void (*post)(struct stork_env *env, void *worker, void *item);
    /* IRQL of the current caller (STORK_*_LEVEL or STORK_DIRQL); PASSIVE in run_posted. */
    unsigned (*current_irql)(struct stork_env *env);
    /* Allocate `size` bytes, or NULL (an injected low-resources condition).  Memory is
     * suitably aligned for any object.  Every block must be released with free() by the time
     * destroy_adapter returns. */
    void *(*alloc)(struct stork_env *env, size_t size);
    void (*free)(struct stork_env *env, void *p);
};

/*
 * The table of entry points.  All are required (none may be NULL).
 */
struct stork_impl {
    uint32_t abi_version; /* STORK_ABI_VERSION */
    const char *name;     /* a short human-readable name, e.g. "reference" */

    /* Create one adapter's runtime state.  NULL if out of memory (the harness then fails the
     * run).  The env outlives the adapter. */
    struct stork_adapter *(*create_adapter)(struct stork_env *env);
    /* Release everything.  Called once no callback is queued or running (the adapter's
     * release, WI-R3). */
    void (*destroy_adapter)(struct stork_adapter *adapter);

    /* StorPortInitializeWorker(ext, worker). */
    STORK_ULONG (*initialize_worker)(struct stork_adapter *adapter, void *ext, void **worker);
    /* StorPortQueueWorkItem(ext, routine, worker, context). */
    STORK_ULONG (*queue_work_item)(struct stork_adapter *adapter, void *ext,
                                   HW_WORKITEM *routine, void *worker, void *context);
    /* StorPortFreeWorker(ext, worker). */
    STORK_ULONG (*free_worker)(struct stork_adapter *adapter, void *ext, void *worker);

    /* The PnP remove reached Storport: from now on queue_work_item returns
     * INVALID_DEVICE_STATE.  Items already queued still run. */
    void (*begin_removal)(struct stork_adapter *adapter);

    /* Run a posted item, on a system worker thread the harness chose, at PASSIVE_LEVEL.
     * Calls exactly one routine (the one queued) exactly once, then returns.  If the worker
     * was re-queued while the routine ran, this is where it is posted again (after the
     * routine returned). */
    void (*run_posted)(struct stork_adapter *adapter, void *item);
};

/* The one exported entry point of an implementation library. */
typedef const struct stork_impl *stork_impl_get_fn(void);
const struct stork_impl *stork_impl_get(void);

/* Name of a STOR_STATUS value without the STOR_STATUS_ prefix, or NULL if unknown. */
static inline const char *stork_status_name(STORK_ULONG status)
{
    static const char *const names[] = {
        "SUCCESS",           "UNSUCCESSFUL",          "NOT_IMPLEMENTED",
        "INSUFFICIENT_RESOURCES", "BUFFER_TOO_SMALL", "ACCESS_DENIED",
        "INVALID_PARAMETER", "INVALID_DEVICE_REQUEST", "INVALID_IRQL",
        "INVALID_DEVICE_STATE", "INVALID_BUFFER_SIZE", "UNSUPPORTED_VERSION",
        "BUSY",
    };
    if (status == STOR_STATUS_SUCCESS)
        return names[0];
    if (status >= STOR_STATUS_UNSUCCESSFUL && status <= STOR_STATUS_BUSY)
        return names[status - 0xC1000000u];
    return NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* STORK_IMPL_ABI_H */
