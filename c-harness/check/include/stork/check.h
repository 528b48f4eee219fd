/*
 * stork/check.h -- what a scenario for the checking runtime (`stork audit`) is made of.
 *
 * A scenario is one C file that includes <storport.h> (which includes this header), holds the
 * miniport's work-item code (its routines and HW_WORKITEM callbacks, unchanged), and defines
 * one object, `stork_scenario`, naming the miniport's entry points:
 *
 *   const struct stork_scenario stork_scenario = {
 *       .name = "restart",
 *       .extension_size = sizeof(struct my_extension),    // the HwDeviceExtension, zeroed
 *       .find_adapter = find_adapter,                      // PASSIVE, first, alone (or NULL)
 *       .routines = routines, .nroutines = 2,             // each runs once, concurrently
 *       .remove = remove_handler,                          // the remove handler (teardown)
 *       .threads = 1,                                      // system worker threads
 *   };
 *
 * One adapter's life, as the checking runtime runs it: find_adapter runs; then every routine
 * (DPC, StartIo, interrupt, adapter control...: a name, the IRQL it runs at, a function of the
 * HwDeviceExtension) runs once, all of them concurrently with each other and with the work-item
 * callbacks they queue, which run on `threads` system worker threads; removal begins at any
 * moment after find_adapter (queue then returns INVALID_DEVICE_STATE); once it has begun and
 * every routine has returned, the remove handler runs (context "teardown", PASSIVE); callbacks
 * still queued run after it; then the adapter is released and every worker must have been
 * freed.
 *
 * Interleaving.  Everything runs in one OS thread; the runtime switches between contexts only
 * at scheduling points: before each StorPort* call, at the start of a routine, at a callback's
 * start (its worker dequeued) and again at its first instruction, and at the STORK_* macros
 * below, and (in an instrumented build, the default) before each shared write and atomic of
 * the scenario and before each read of an SRB, a pool block or, by a DPC or timer routine, the
 * extension (see Shared accesses).  A call's arguments are evaluated before its scheduling
 * point.  Code between two scheduling points runs atomically; STORK_YIELD() adds a point where
 * there is none, which a race-free scenario no longer needs between two shared writes.
 * `stork audit` explores the orders of these steps (every one, or a random sample).
 *
 * Shared accesses.  `stork audit` compiles the scenario with -fsanitize=thread (the checking
 * runtime implements the hooks; no TSan runtime is linked), so every load and store of the
 * scenario's code outside its own stack is seen.  Two of them to the same bytes, one at least a
 * write, ordered neither by a spinlock (STORK_LOCK), an event (STORK_WAIT_UNTIL) nor Storport's
 * own ordering (find-adapter first; a queue before its callback; a callback's return before its
 * worker's free and its next callback; the routines before the remove handler), are a data
 * race: a finding, WI-M11, in any schedule where both happen, whatever the order the audit ran
 * them in.  STORK_BENIGN_RACE marks an intended one.  Each shared write and atomic is also a
 * scheduling point, and so is a read that a completion, a free or the adapter's release may
 * come just before (ENV-Q2, ENV-E22, ENV-R7) (the default; each access with
 * --preempt-at-accesses; none with --preempt-at-calls): STORK_YIELD still adds one where no
 * shared access is.
 */
#ifndef STORK_CHECK_H
#define STORK_CHECK_H

#include <stddef.h>

#include "stork/impl_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A miniport entry point (DPC, StartIo, ...), called with the HwDeviceExtension. */
typedef void stork_routine_fn(void *HwDeviceExtension);

struct stork_routine {
    const char *name;  /* the trace's context name: [a-z][a-z0-9_]*, not sysN, unique */
    unsigned irql;     /* STORK_PASSIVE_LEVEL, STORK_DISPATCH_LEVEL, STORK_DIRQL, ... */
    stork_routine_fn *fn;
};

struct stork_scenario {
    const char *name;
    size_t extension_size;               /* bytes of HwDeviceExtension (zeroed); at least 1 */
    stork_routine_fn *find_adapter;      /* context "findadapter", PASSIVE; NULL: none */
    const struct stork_routine *routines;
    size_t nroutines;                    /* at most 16 */
    stork_routine_fn *remove;            /* context "teardown", PASSIVE; NULL: does nothing */
    unsigned threads;                    /* system worker threads, 1..4 (0 means 1) */
    int alloc_fail;                      /* nonzero: each initialize may also fail (low memory) */
};

/* Defined by the scenario. */
extern const struct stork_scenario stork_scenario;

/* A base scenario's name, `.name = STORK_SCENARIO_NAME("base")`: its own, or, built as a variant
 * of it (scenarios/variants.txt: its defect switches and -D STORK_VARIANT=NAME), the variant's,
 * which its reports and traces then carry. */
#define STORK_STRINGIFY_(x) #x
#define STORK_STRINGIFY(x) STORK_STRINGIFY_(x)
#ifdef STORK_VARIANT
#define STORK_SCENARIO_NAME(own) STORK_STRINGIFY(STORK_VARIANT)
#else
#define STORK_SCENARIO_NAME(own) own
#endif

/* A spinlock of the miniport (zero-initialised = free).  A context that holds one runs at
 * DISPATCH_LEVEL at least; another context that tries to take it waits. */
struct stork_lock {
    int owner;
};

/* A scheduling point: another context may run here.  Not for waiting: a loop of yields
 * polling a flag never ends in the schedules that always pick the poller, and those runs are
 * cut (--max-steps), which leaves the search incomplete; wait with STORK_WAIT_UNTIL.  (A poll
 * that nothing else can satisfy is a livelock: a finding, WI-M9.) */
#define STORK_YIELD() stork_yield_at(__FILE__, __LINE__)
/* StorPortAcquireSpinLock / StorPortReleaseSpinLock. */
#define STORK_LOCK(lock) stork_lock_at((lock), __FILE__, __LINE__)
#define STORK_UNLOCK(lock) stork_unlock_at((lock), __FILE__, __LINE__)
/* Wait (KeWaitForSingleObject on an event, a polling loop) until `cond` holds.  `cond` must
 * have no side effects: the scheduler re-evaluates it, without a scheduling step, whenever
 * another context has made progress, and the waiter becomes runnable once it holds.  If no
 * other context can make it hold, the audit reports a hang (WI-M9). */
#define STORK_WAIT_UNTIL(cond)                                                    \
    do {                                                                          \
        if (!stork_wait_cond_end((stork_wait_cond_begin(), (cond)) ? 1 : 0)) {    \
            do                                                                    \
                stork_wait_at(__FILE__, __LINE__);                                \
            while (!stork_wait_cond_end((stork_wait_cond_begin(), (cond)) ? 1 : 0)); \
            stork_yield_at(__FILE__, __LINE__);                                   \
        }                                                                         \
    } while (0)
/* An intended data race (WI-M11) on the object `*(addr)`: the audit reports none on its bytes
 * for the rest of the run.  Call it in the run before the race is over (find_adapter is the
 * usual place: the HwDeviceExtension is new in each run), with the reason, which must not be
 * empty:  STORK_BENIGN_RACE(&x->Statistics, "a counter read only for display"). */
#define STORK_BENIGN_RACE(addr, why) \
    stork_benign_race_at((const void *)(addr), sizeof *(addr), (why), __FILE__, __LINE__)
/* The remove handler releases the miniport's own resources (queues, DMA memory) here ... */
#define STORK_RELEASE_RESOURCES() stork_release_resources_at(__FILE__, __LINE__)
/* ... and a callback uses them here: after the release, that is a finding (WI-M8). */
#define STORK_USE_RESOURCES() stork_use_resources_at(__FILE__, __LINE__)

/* The scenario's own assertion (not a scheduling point): when `cond` is false the run stops
 * there, and the audit reports a finding, STORK-ASSERT, with this file:line, the schedule and
 * the run's events.  Its reads observe the state; they are not the miniport's accesses (no
 * WI-M11 race is reported on them). */
#define STORK_ASSERT(cond)                                                           \
    (stork_observe_end((stork_observe_begin(), (cond)) ? 1 : 0)                      \
         ? (void)0                                                                    \
         : stork_assert_failed_at(#cond, __FILE__, __LINE__))

void stork_assert_failed_at(const char *expr, const char *file, int line);
void stork_yield_at(const char *file, int line);
void stork_lock_at(struct stork_lock *lock, const char *file, int line);
void stork_unlock_at(struct stork_lock *lock, const char *file, int line);
void stork_wait_at(const char *file, int line);
/* Around each evaluation of a STORK_WAIT_UNTIL condition: its reads are the event's state. */
void stork_wait_cond_begin(void);
int stork_wait_cond_end(int holds);
/* Around a STORK_ASSERT condition: its reads are neither checked nor recorded. */
void stork_observe_begin(void);
int stork_observe_end(int holds);
void stork_benign_race_at(const void *addr, size_t size, const char *why, const char *file, int line);
void stork_release_resources_at(const char *file, int line);
void stork_use_resources_at(const char *file, int line);

/* memset, memcpy and memmove of a length the compiler does not know are calls into the C
 * library, which -fsanitize=thread leaves to the TSan runtime's interceptors; there is none
 * here, so in an instrumented scenario they go through these, which tell race.c the bytes they
 * touch (a race with them is a race, and por.c sees what they write). */
void *stork_memset(void *d, int c, size_t n);
void *stork_memcpy(void *d, const void *s, size_t n);
void *stork_memmove(void *d, const void *s, size_t n);

/* What the StorPort* macros of <storport.h> call. */
STORK_ULONG stork_initialize_worker_at(void *ext, void **worker, const char *file, int line);
STORK_ULONG stork_queue_work_item_at(void *ext, HW_WORKITEM *callback, void *worker, void *context,
                                     const char *file, int line);
STORK_ULONG stork_free_worker_at(void *ext, void *worker, const char *file, int line);

#ifdef __cplusplus
}
#endif

#if defined(__SANITIZE_THREAD__)
#define STORK_CHECK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STORK_CHECK_TSAN 1
#endif
#endif
#ifdef STORK_CHECK_TSAN
#include <string.h> /* declared first: the macros then only rename the scenario's calls */
#define memset(d, c, n) stork_memset((d), (c), (n))
#define memcpy(d, s, n) stork_memcpy((d), (s), (n))
#define memmove(d, s, n) stork_memmove((d), (s), (n))
#endif

#endif /* STORK_CHECK_H */
