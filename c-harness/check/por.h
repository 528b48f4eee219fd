/*
 * por.h -- what each step of a run touches (its footprint), for the partial-order reduction of
 * the exhaustive search (explore.c): two steps are independent when neither touches what the
 * other writes; a schedule that differs from an explored one only by the order of adjacent
 * independent steps is the same run (the same final state, the same findings) and is skipped.
 *
 * A step is one context going on from one scheduling point to its next (or a callback's start,
 * or removal's beginning).  Its footprint is exact where the instrumentation sees (race.c: every
 * load and store of the scenario's code outside its own stack, with address and size; a
 * STORK_WAIT_UNTIL condition's and a STORK_ASSERT's reads too) and by object where it does
 * not: a StorPort call, a callback's start and return and STORK_*_RESOURCES touch the runtime's
 * objects they use (POR_OBJ_* below: the worker, the post queue, the idle threads, the
 * resources); findadapter's end writes what lets the routines start (their first steps read
 * it), the remove handler's first step is ordered after each routine's end (POR_OBJ_ROUTINES);
 * a DriverEntry miniport's environment (driver.c) writes and reads its Storport state (SP_DRV)
 * and its on-demand routines' (POR_OBJ_CTX) as each call and each of Storport's own steps
 * does; removal's beginning writes POR_OBJ_REMOVAL, which only a queue (its answer), a step that
 * stops before a queue, the remove handler's start and a DriverEntry run's removal read; the
 * remove handler's end writes POR_OBJ_RELEASED; a call with a handle the runtime never issued
 * writes "the runtime", every object at once.  StorPortInitializeWorker's store through its Worker
 * argument and a spinlock's owner are writes of those bytes.  A step that ran uninstrumented
 * (no -fsanitize=thread) is dependent on every step; a step that made a data choice (an
 * allocation refused or not, a DriverEntry run's stop or not, its removal's kind) sleeps with
 * the union of its footprints under every value (reduce.c).
 */
#ifndef STORK_CHECK_POR_H
#define STORK_CHECK_POR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run;

/* Where a span is: memory by address, the HwDeviceExtension by offset (it is allocated afresh
 * each run), or one of the runtime's objects (POR_OBJ_*: [id, id + 1)), or a DriverEntry
 * miniport's Storport state by offset (driver.c: its SRBs, SRB extensions, locks, DPC and timer
 * records, pause count; also allocated afresh each run, driver_por_offset). */
enum span_space { SP_ADDR, SP_EXT, SP_OBJ, SP_DRV };

struct span {
    uintptr_t lo, hi;
    bool write;
    unsigned char space; /* enum span_space */
};

/* The runtime's objects a step may touch (por_object).  A StorPort call touches the worker it
 * names (its record in the checker and the reference: queued, freed, running, its entry); a
 * successful queue, and a callback's return (which posts a re-queue made while it ran), append
 * to the post queue, whose order decides which items a thread may start and their actor ids,
 * so two appends are dependent; a callback's start takes the first idle thread and a callback's
 * return gives one back (POR_OBJ_THREADS), so two starts are dependent (which thread runs which
 * callback); STORK_RELEASE_RESOURCES writes and STORK_USE_RESOURCES reads the resources.  Two
 * inits of different contexts are independent: the worker's name in the final state is its init's
 * context and rank in that context (por_final_state), not the global init order. */
enum {
    POR_OBJ_POSTQ = 1,
    POR_OBJ_THREADS,
    POR_OBJ_RESOURCES,
    POR_OBJ_FOUND,    /* findadapter's end writes it, a routine's first step reads it */
    POR_OBJ_ROUTINES, /* a routine's end reads it (a decrement: two commute), the remove
                       * handler's first step, which waits for them all, writes it */
    POR_OBJ_REMOVAL,  /* removal's beginning writes it; a queue (INVALID_DEVICE_STATE), the
                       * remove handler's start, a DriverEntry run's removal steps and a step
                       * that stops before a queue (removal is an option then) read it */
    POR_OBJ_RELEASED, /* the remove handler's end writes it (the release), a DPC or timer
                       * routine's start reads it (ENV-R7: after the release) */
    POR_OBJ_WORKER, /* + the worker's index in run->w */
    /* + a context's index: a DriverEntry miniport's on-demand routine (ISR, DPC, timers) armed or
     * not and running or not (arming, cancelling, its start and its end write it; the release's
     * ENV-R7 check reads it), an io routine started, waiting for a pause or ended (its steps that
     * change that write it, the stop's wait reads it) */
    POR_OBJ_CTX = 0x100000,
    /* + a context's index: ENV-R7's mark of a DPC or timer routine running at the adapter's
     * release (run->outlived): the release's step that marks it, and the routine's return that
     * clears it, write it; each use of the extension by that routine (an access to it, a
     * spinlock in it, a Storport call: driver_released_use) reads it, and the first use after
     * the mark, a finding, clears it (writes) */
    POR_OBJ_OUTLIVED = 0x200000
};

/* The spinlocks a step took (their addresses: one run's, compared within that run only), and
 * the one it took at a scheduling point of its own that was offered only while the lock was free
 * (sched.c stork_lock_at, ctx.wants_lock).  Such a take never blocks, so no attempt of it is a
 * step while another holds the lock: the take's only dependent step before it on that lock is
 * the holder's release, with which it is never co-enabled (the release's decision cannot offer
 * it), so the race to reverse is with the holder's take (reduce.c, as Flanagan and Godefroid,
 * POPL 2005, reverse the last acquire of the same lock).  Storport's own takes around a routine
 * are such takes too (sched.c run_take): until 2026-12-08 each was an attempt always on offer,
 * whose try while another held the lock was a step that wrote nothing of it, so that the
 * holder, asleep, stayed asleep past it and the run was pruned there: the reversal of the two
 * takes was never asked, and a final state was lost (tests/test_audit_pct_states.py). */
#define POR_MAX_ACQ 4

struct footprint {
    struct span *s;
    int n, cap;
    bool runtime; /* writes every one of the runtime's objects */
    bool all;     /* dependent on every step */
    uintptr_t gated;               /* the lock taken at its own offered-when-free point, or 0 */
    uintptr_t acq[POR_MAX_ACQ];    /* the locks taken in this step */
    int nacq;
};

/* Whether the run records footprints (set by the chooser: por_begin). */
void por_begin(struct run *r);
void por_release(struct run *r);
/* An access of the context running now (or a waiter's condition, to its next step). */
void por_access(struct run *r, const void *addr, size_t size, bool write);
void por_runtime(struct run *r);
/* A read or write of one of the runtime's objects (POR_OBJ_*). */
void por_object(struct run *r, int obj, bool write);
void por_all(struct run *r);
/* The running context took this lock (after a wait too), or takes it at its own point. */
void por_acquired(struct run *r, const void *lock);
void por_gated(struct run *r, const void *lock);
void por_step_begin(struct run *r);
/* The step that just ran: its footprint (and the waiter reads it carries), then a fresh one. */
const struct footprint *por_step_done(struct run *r, int ctx);
/* A STORK_WAIT_UNTIL condition evaluated between steps goes to ctx's next step. */
void por_probe(struct run *r, int ctx, bool begin);

bool por_dependent(const struct footprint *a, const struct footprint *b);
struct footprint *por_copy(const struct footprint *f);
/* Add g's spans and flags to f (a step's footprints under several values of a data choice);
 * false if out of memory (f is then dependent on every step). */
bool por_merge(struct footprint *f, const struct footprint *g);
void por_free(struct footprint *f);

/* A digest of the run's end: the extension (worker handles by name), the workers, removal and
 * the run's findings; equal for two schedules that differ only in independent steps' order.  A
 * worker's name here is the context of its init and the init's rank among that context's, so
 * that two contexts' inits in either order give the same digest (their handles differ). */
uint64_t por_final_state(const struct run *r);

#endif
