/*
 * general_miniport -- the most general miniport, for generating regression traces (stork gen).
 *
 * Not a design to verify: a client that makes every call the contract lets a miniport make,
 * right or wrong, from every kind of caller, so that SPIN's search over it reaches every
 * (worker state x call x caller x allowed statuses) the runtime model can produce. Its
 * mistakes (double free, free of a queued worker, queue of a freed one, calls at DIRQL) are
 * the point: they make the runtime answer with its error statuses. `stork gen` compiles it
 * with the miniport properties off (-DSTORK_OFF_...); the runtime properties stay on, so a
 * trace the model prints is one the contract allows.
 *
 * Processes: one Miniport process stands for all the miniport's routines (a trace names only
 * the caller's context and IRQL, so several routines' calls interleave the same way one
 * process's nondeterministic choices do); each system worker thread (lifecycle.pml) runs
 * callbacks whose body makes calls too. A budget of OPS calls bounds the whole run.
 *
 * The trap (gen_trap.pml, hooked into the monitor's events) marks the run that meets one
 * coverage goal; see there. With -DGEN_TRANSITIONS, transition_trap.pml instead records or
 * traps the (abstract state, event) pairs of the transitions family.
 *
 * Bounds: OPS calls in all (default 5), and the runtime's MAXW, NTHREADS, ALLOC_FAIL.
 */
#if defined(GEN_TRANSITIONS)
#define STORK_EVENT_HOOK(kind, api, h, ctx, lvl, st, inj) tr_event(kind, api, h, ctx, lvl, st, inj)
#define STORK_INIT_HOOK() tr_load()
#elif !defined(GEN_NO_TRAP)
#define STORK_EVENT_HOOK(kind, api, h, ctx, lvl, st, inj) gen_event(kind, api, h, ctx, lvl, st, inj)
#define STORK_INIT_HOOK() gen_load()
#endif
#include "../storport.pml"
#ifdef GEN_TRANSITIONS
#include "transition_trap.pml"
#else
#include "gen_trap.pml"
#endif

#ifndef OPS
#define OPS 5
#endif

#define CB_ROUTINE  1       /* routine and context a miniport routine queues with */
#define CX_ROUTINE  1
#define CB_CALLBACK 2       /* ... and a callback re-queueing */
#define CX_CALLBACK 2

byte budget = OPS;          /* calls left */

/* A random walk (GEN_NO_TRAP) spends its whole budget, and removal waits until two thirds of
   it is spent, so that walks are not mostly "removal first" (a simulation picks among the
   enabled steps uniformly, and removal is always enabled). The witness search keeps every
   choice: stopping early and removal at any moment. */
#ifdef GEN_NO_TRAP
#define MINIPORT_MAY_STOP (budget == 0)
#define STORK_REMOVAL_GATE (budget * 3 <= OPS)
#else
#define MINIPORT_MAY_STOP true
#endif
/* GEN_LAST_CALL_PENDING (the k = 3 part, spec/coverage.md): the budget's last call is made
   only where it can leave three workers queued: a queue while two are, an init or a free while
   three are. Every run of at most OPS - 1 calls is still there, and every run of OPS calls
   that has three pending after its last call (pending only falls once the calls are spent). */
#ifdef GEN_LAST_CALL_PENDING
#if MAXW != 3
#error "GEN_LAST_CALL_PENDING counts the queued workers of three slots: MAXW=3"
#endif
#define GEN_PENDING ((g_state[1] == W_QUEUED) + (g_state[2] == W_QUEUED) + (g_state[3] == W_QUEUED))
#define MAY_CALL (budget > 1 || (budget == 1 && GEN_PENDING >= 2))
#define MAY_LAST(n) (budget > 0 || GEN_PENDING >= n)    /* budget: after this call's */
#else
#define MAY_CALL (budget > 0)
#define MAY_LAST(n) true
#endif
byte got;                   /* handles this miniport received: w1 .. w<got> */
hidden byte gen_h;          /* the handle of the call being made (inside one atomic step) */

/* Pick a handle the miniport has, or (from PASSIVE only, to keep the search small) NULL or a
   value never issued; only where `ok` holds (a guard of each choice, so that a call with no
   handle to pick is not made at all). */
inline pick_handle(h, lvl, ok) {
    if
    :: ok && got >= 1 -> h = 1
    :: ok && got >= 2 -> h = 2
    :: ok && got >= 3 -> h = 3
    :: ok && lvl == PASSIVE_LEVEL -> h = NULL_HANDLE
    :: ok && lvl == PASSIVE_LEVEL -> h = BAD_HANDLE
    fi
}

/* One call, any of the three, from context ctx at IRQL lvl, while the budget lasts: one
   step, the choice and the budget included. */
inline any_call(ctx, lvl, cb, cx, h, st) {
    atomic {
    MAY_CALL -> budget--;
    if
    :: MAY_LAST(3) -> StorPortInitializeWorker(ctx, lvl, h, st);
       if
       :: st == S_SUCCESS -> got++
       :: else
       fi
    :: pick_handle(h, lvl, true); StorPortQueueWorkItem(ctx, lvl, cb, h, cx, st)
    :: pick_handle(h, lvl, MAY_LAST(3)); StorPortFreeWorker(ctx, lvl, h, st)
    fi;
    h = 0;
    st = 0
    }
}

/* The miniport's routines: HwFindAdapter's successors, DPCs, the ISR, a PASSIVE thread. */
proctype Miniport() {
    byte st;
    do
    :: any_call(CTX_PASSIVE, PASSIVE_LEVEL, CB_ROUTINE, CX_ROUTINE, gen_h, st)
    :: any_call(CTX_DPC, DISPATCH_LEVEL, CB_ROUTINE, CX_ROUTINE, gen_h, st)
    :: any_call(CTX_ISR, DIRQL, CB_ROUTINE, CX_ROUTINE, gen_h, st)
    :: MINIPORT_MAY_STOP -> break
    od
}

/* The callback: any number of calls (the budget allows) on its own worker or another. */
inline HW_WORKITEM(tid, cb, w, cx) {
    do
    :: any_call(CTX_SYS + tid, PASSIVE_LEVEL, CB_CALLBACK, CX_CALLBACK, gen_h, st)
    :: break
    od
}

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Miniport() }
inline HW_REMOVE() { skip }

#include "../lifecycle.pml"
