/*
 * storport.pml -- the Storport side: the work-item runtime and its API macros.
 *
 * A design includes this file first, defines its miniport (globals, routines as proctypes,
 * and the four hooks HW_WORKITEM, HW_FIND_ADAPTER, HW_START, HW_REMOVE), and includes
 * lifecycle.pml last. Designs call only the three API macros below and read only the
 * constants; they never touch rt_* (the runtime) or g_* (the contract monitor). Two more
 * macros mark what the lifecycle checks need to know of the miniport's own resources:
 * RELEASE_RESOURCES() in the remove handler where it frees what lives outside
 * HwDeviceExtension (queues, DMA memory), and USE_RESOURCES(ctx) where a routine or callback
 * touches them (WI-M8), and USE_HBA(ctx) where it touches the HBA itself (ENV-R10).
 *
 * Each API call is one atomic step (WI-P2): the runtime computes its status from its own
 * state (rt_*), then the monitor (contract.pml) checks that status against the contract and
 * prints the call as a trace line (spec/trace-format.md). Prints cost nothing during a
 * search; replaying a trail with `spin -t` turns it into a trace.
 *
 * Not modelled: a NULL HwDeviceExtension or NULL `Worker` out pointer (WI-I3; the NULL worker
 * and NULL callback of WI-Q6/WI-F5 are). Initialization does not look at removal (WI-I5), and
 * free is allowed during removal (WI-F7).
 *
 * Bounds (override with -D):
 *   MAXW        worker handles the runtime can issue over the adapter's life (default 2)
 *   NTHREADS    system worker threads that run callbacks (default 1)
 *   ALLOC_FAIL  1: any initialization may fail for lack of memory (default 1)
 *   MAXSRB      requests Storport hands to the miniport over the adapter's life (default 2)
 * Hosts (spec/environment.md ENV-H; stork verify --host): by default Windows's runtime, the
 * contract. -DSTORK_HOST_NEPTUNE is NeptuneOS's (ENV-H3): no call is refused for its IRQL,
 * queueing succeeds after removal began, queueing a queued worker returns SUCCESS and
 * drops the new request, freeing a queued worker unlinks it (FAULT_FREE_QUEUED: its callback
 * never runs) and a second free answers SUCCESS; its threads and locks (ENV-H4) are below, with Storport's locks. -DSTORK_HOST_REACTOS is ReactOS's (ENV-H6): the calls are not
 * implemented, each returns NOT_IMPLEMENTED (an NTSTATUS there, STATUS_NOT_IMPLEMENTED, which the
 * trace writes as the STOR_STATUS of the same name: neither is SUCCESS nor any status a miniport
 * tests for) and no worker is issued. The runtime properties describe Windows's runtime, so
 * verify checks only the miniport's under another host.
 * Deliberate runtime faults, for showing the runtime properties are not vacuous:
 *   FAULT_FREE_QUEUED     free of a queued worker succeeds and drops the queued callback
 *   FAULT_DROP_REQUEUE    a re-queue while the callback runs returns SUCCESS but is lost
 *   FAULT_IGNORE_REMOVAL  queue succeeds after removal began
 *   FAULT_OVERLAP         a re-queued worker may start on a second thread while it runs
 */

#ifdef STORK_HOST_REACTOS
#define RT_NOT_IMPLEMENTED 1        /* ENV-H6: every call NOT_IMPLEMENTED, no worker issued */
#endif
#ifdef STORK_HOST_NEPTUNE
#define RT_REFUSES_IRQL(lvl) false
#define FAULT_IGNORE_REMOVAL 1
#define RT_BUSY_DROPS 1
#define FAULT_FREE_QUEUED 1   /* ENV-H3: a free of a queued worker unlinks it, its callback never runs */
#define RT_FREES_AGAIN 1      /* ENV-H3: a second free frees the memory again, SUCCESS */
#else
#define RT_REFUSES_IRQL(lvl) (lvl > DISPATCH_LEVEL)
#endif

#ifndef MAXW
#define MAXW 2
#endif
#ifndef NTHREADS
#define NTHREADS 1
#endif
#ifndef ALLOC_FAIL
#define ALLOC_FAIL 1
#endif
#ifndef MAXSRB
#define MAXSRB 2            /* SRBs Storport hands over the adapter's life (requests below) */
#endif

/* STOR_STATUS codes: S_x is the low byte of STOR_STATUS_x (0xC1000000 | S_x, SUCCESS 0). */
#define S_SUCCESS                 0
#define S_UNSUCCESSFUL            1
#define S_NOT_IMPLEMENTED         2
#define S_INSUFFICIENT_RESOURCES  3
#define S_BUFFER_TOO_SMALL        4
#define S_ACCESS_DENIED           5
#define S_INVALID_PARAMETER       6
#define S_INVALID_DEVICE_REQUEST  7
#define S_INVALID_IRQL            8
#define S_INVALID_DEVICE_STATE    9
#define S_INVALID_BUFFER_SIZE     10
#define S_UNSUPPORTED_VERSION     11
#define S_BUSY                    12

/* IRQL of the caller. DIRQL stands for every device IRQL above DISPATCH_LEVEL. */
#define PASSIVE_LEVEL   0
#define APC_LEVEL       1
#define DISPATCH_LEVEL  2
#define DIRQL           3

/* Calling contexts: the miniport routine (or system worker thread) making a call. */
#define CTX_FINDADAPTER 1   /* HwFindAdapter / HwInitialize, PASSIVE */
#define CTX_STARTIO     2   /* HwStartIo, DISPATCH */
#define CTX_DPC         3   /* a DPC, DISPATCH */
#define CTX_DPC2        4   /* a second DPC instance */
#define CTX_ISR         5   /* HwInterrupt, DIRQL */
#define CTX_CONTROL     6   /* HwAdapterControl */
#define CTX_TIMER       7   /* a timer routine, DISPATCH */
#define CTX_REMOVE      8   /* the remove handler (HwFreeAdapterResources path), PASSIVE */
#define CTX_PASSIVE     9   /* another PASSIVE miniport thread */
#define CTX_INITIALIZE  10  /* HwInitialize (the HW_INITIALIZE role), DIRQL: ENV-E4 */
#define CTX_PASSIVEINIT 11  /* HwPassiveInitializeRoutine (HW_PASSIVE_INITIALIZE), PASSIVE: ENV-E5 */
#define CTX_BUILDIO     12  /* HwBuildIo (HW_BUILDIO), DISPATCH, no lock: ENV-E7 */
#define CTX_STORTIMER   13  /* HwStorTimer (HW_STOR_TIMER), DISPATCH, the StartIo lock: ENV-E13 */
#define CTX_SERVICE     14  /* HwProcessServiceRequest, HwCompleteServiceIrp (virtual), PASSIVE: ENV-E19 */
#define CTX_SYS         16  /* CTX_SYS + n: system worker thread n, inside a callback */

/* Handles: 0 is NULL, 1..MAXW are issued in order, BAD_HANDLE was never issued. */
#define NULL_HANDLE 0
#define BAD_HANDLE  200
/* Callback routines and context pointers are small numbers chosen by the design; 0 is NULL. */

/* Worker states (runtime and monitor alike). */
#define W_UNUSED 0
#define W_IDLE   1
#define W_QUEUED 2
#define W_FREED  3

/* ---- printing, in the trace format ---- */
inline print_ctx(c) {
    if
    :: c == CTX_FINDADAPTER -> printf("findadapter")
    :: c == CTX_STARTIO -> printf("startio")
    :: c == CTX_DPC -> printf("dpc")
    :: c == CTX_DPC2 -> printf("dpc2")
    :: c == CTX_ISR -> printf("isr")
    :: c == CTX_CONTROL -> printf("control")
    :: c == CTX_TIMER -> printf("timer")
    :: c == CTX_REMOVE -> printf("teardown")
    :: c == CTX_PASSIVE -> printf("passive")
    :: c == CTX_INITIALIZE -> printf("initialize")
    :: c == CTX_PASSIVEINIT -> printf("passiveinit")
    :: c == CTX_BUILDIO -> printf("buildio")
    :: c == CTX_STORTIMER -> printf("stortimer")
    :: c == CTX_SERVICE -> printf("service")
    :: c >= CTX_SYS -> printf("sys%d", c - CTX_SYS)
    fi
}
inline print_irql(l) {
    if
    :: l == PASSIVE_LEVEL -> printf("PASSIVE")
    :: l == APC_LEVEL -> printf("APC")
    :: l == DISPATCH_LEVEL -> printf("DISPATCH")
    :: l >= DIRQL -> printf("DIRQL")
    fi
}
inline print_handle(h) {
    if
    :: h == NULL_HANDLE -> printf("null")
    :: h == BAD_HANDLE -> printf("bad1")
    :: else -> printf("w%d", h)
    fi
}
inline print_cb(c) {
    if
    :: c == 0 -> printf("null")
    :: else -> printf("cb%d", c)
    fi
}
inline print_cx(c) {
    if
    :: c == 0 -> printf("null")
    :: else -> printf("ctx%d", c)
    fi
}
inline print_status(s) {
    if
    :: s == S_SUCCESS -> printf("SUCCESS")
    :: s == S_UNSUCCESSFUL -> printf("UNSUCCESSFUL")
    :: s == S_NOT_IMPLEMENTED -> printf("NOT_IMPLEMENTED")
    :: s == S_INSUFFICIENT_RESOURCES -> printf("INSUFFICIENT_RESOURCES")
    :: s == S_BUFFER_TOO_SMALL -> printf("BUFFER_TOO_SMALL")
    :: s == S_ACCESS_DENIED -> printf("ACCESS_DENIED")
    :: s == S_INVALID_PARAMETER -> printf("INVALID_PARAMETER")
    :: s == S_INVALID_DEVICE_REQUEST -> printf("INVALID_DEVICE_REQUEST")
    :: s == S_INVALID_IRQL -> printf("INVALID_IRQL")
    :: s == S_INVALID_DEVICE_STATE -> printf("INVALID_DEVICE_STATE")
    :: s == S_INVALID_BUFFER_SIZE -> printf("INVALID_BUFFER_SIZE")
    :: s == S_UNSUPPORTED_VERSION -> printf("UNSUPPORTED_VERSION")
    :: s == S_BUSY -> printf("BUSY")
    fi
}
/* The allowed set m_allowed (contract.pml), as STATUS|STATUS. */
hidden byte p_bit, p_sep;
inline print_allowed() {
    p_bit = 0;
    p_sep = 0;
    do
    :: p_bit <= S_BUSY ->
        if
        :: (m_allowed & (1 << p_bit)) != 0 ->
            if
            :: p_sep -> printf("|")
            :: else
            fi;
            print_status(p_bit);
            p_sep = 1
        :: else
        fi;
        p_bit++
    :: else -> break
    od
}

/* DPC objects 1..MAXDPC (below, with their API): queued, running. */
#define MAXDPC 2
bit dpc_queued[MAXDPC + 1];
bit dpc_running[MAXDPC + 1];

/* The interrupt (lifecycle.pml, HW_INTERRUPT): its routine runs; Storport disconnected it. */
bit isr_running;
bit isr_disconnected;

/* The timer object (below, with its API): its state, and whether its routine runs. */
#define TM_NONE 0
#define TM_IDLE 1
#define TM_ARMED 2
#define TM_FREED 3
byte tm_state;              /* the timer object's state */
bit tm_running;             /* its routine runs */

#include "contract.pml"

/* ---- the runtime's own state, indexed by handle ---- */
byte rt_state[MAXW + 1];    /* W_UNUSED, W_IDLE, W_QUEUED, W_FREED */
byte rt_runner[MAXW + 1];   /* 0, or 1 + the system thread running its callback */
byte rt_cb[MAXW + 1];       /* callback and context of the queued request */
byte rt_cx[MAXW + 1];
byte rt_issued;             /* handles issued so far; handles are never reused (WI-I1) */
bit  rt_removing;           /* removal has begun (WI-R1) */

hidden byte rt_h;           /* scratch inside one step */

/*
 * Reachability markers, compiled in by `stork verify` (-DSTORK_VERIFY): a hidden assignment
 * before every API call, which costs no state, so that pan's unreached-code report says
 * whether any call was reachable at all (a vacuous design makes none), and one after the
 * adapter's release (lifecycle.pml), whether any run reached it.
 */
#ifdef STORK_VERIFY
hidden byte stork_reached_call, stork_reached_release;   /* the release: lifecycle.pml */
#define REACH_CALL_BEGIN atomic { stork_reached_call = 1;
#define REACH_CALL_END }
#else
#define REACH_CALL_BEGIN
#define REACH_CALL_END
#endif

/*
 * The design's line of each API call: the API names are cpp macros, so __LINE__ is the line
 * of the design that calls. stork verify (-DSTORK_VERIFY) prints it before the call's trace
 * line as a comment, "# at line N", which its counterexamples turn into FILE:LINE.
 */
#ifdef STORK_VERIFY
#define CALL_SITE(line) printf("# at line %d\n", line);
#else
#define CALL_SITE(line)
#endif
/* The IRQL a call is made at is the design's, raised by the Storport locks the calling process
   holds (ENV-L3; the locks are below): DIRQL under the interrupt lock (StorPortSynchronizeAccess
   included), at least DISPATCH_LEVEL under the StartIo or a DPC lock. */
#ifdef STORK_HOST_NEPTUNE
/* NeptuneOS (ENV-H4): the StartIo and DPC locks raise nothing, and every routine but the ISR
   runs on the driver's main thread at PASSIVE_LEVEL: a call is at DIRQL under the interrupt
   lock (the interrupt mutex) or where the design names DIRQL (the ISR), else at PASSIVE_LEVEL.
   A physical miniport's HwInitialize keeps Windows's DIRQL (it runs without the interrupt lock
   there), so that a WI-M1 breach in it is still reported (ENV-H2). */
#define SP_MINE(lock) (((lock) == InterruptLock && sp_holder[lock] == _pid + 1) || \
                       (SP_NOMINAL_LOCK(lock) && (sp_nominal[lock] & (1 << _pid)) != 0))
#define SP_PHYSICAL_HW_VIRTUAL 1
#define SP_PHYSICAL_1 0
#define CALL_IRQL(ctx, lvl) (SP_MINE(InterruptLock) || (lvl) >= DIRQL || \
    ((ctx) == CTX_INITIALIZE && SP_CAT(SP_PHYSICAL_, HW_VIRTUAL)) -> DIRQL : PASSIVE_LEVEL)
#define StorPortInitializeWorker(ctx, lvl, wvar, st) rt_api_init(ctx, CALL_IRQL(ctx, lvl), wvar, st, __LINE__)
#define StorPortQueueWorkItem(ctx, lvl, cb, h, cx, st) rt_api_queue(ctx, CALL_IRQL(ctx, lvl), cb, h, cx, st, __LINE__)
#define StorPortFreeWorker(ctx, lvl, h, st) rt_api_free(ctx, CALL_IRQL(ctx, lvl), h, st, __LINE__)
#else
#define SP_MINE(lock) (sp_holder[lock] == _pid + 1)
#define HELD_IRQL(lvl) (SP_MINE(InterruptLock) -> DIRQL : \
    ((SP_MINE(StartIoLock) || SP_MINE(DPC_LOCK1) || SP_MINE(DPC_LOCK2)) && (lvl) < DISPATCH_LEVEL -> DISPATCH_LEVEL : (lvl)))
#define StorPortInitializeWorker(ctx, lvl, wvar, st) rt_api_init(ctx, HELD_IRQL(lvl), wvar, st, __LINE__)
#define StorPortQueueWorkItem(ctx, lvl, cb, h, cx, st) rt_api_queue(ctx, HELD_IRQL(lvl), cb, h, cx, st, __LINE__)
#define StorPortFreeWorker(ctx, lvl, h, st) rt_api_free(ctx, HELD_IRQL(lvl), h, st, __LINE__)
#endif

#define RT_LIVE(h) ((h) >= 1 && (h) <= rt_issued && rt_state[h] != W_FREED)

/*
 * StorPortInitializeWorker(HwDeviceExtension, &wvar): st := status; wvar := handle on SUCCESS.
 * When ALLOC_FAIL is set, any call that could succeed may instead fail for lack of memory; a
 * call past MAXW handles always does (both print a fail-alloc event, WI-I4).
 */
inline rt_init(ctx, lvl, wvar, st, inject) {
    if
    :: RT_REFUSES_IRQL(lvl) -> st = S_INVALID_IRQL    /* WI-I2 */
    :: else ->
        inject = inject || rt_issued == MAXW;
        if
        :: inject -> st = S_INSUFFICIENT_RESOURCES    /* WI-I4 */
        :: else ->
            rt_issued++;
            rt_state[rt_issued] = W_IDLE;
            wvar = rt_issued;
            st = S_SUCCESS    /* WI-I1 */
        fi
    fi;
    mon_init(ctx, lvl, wvar, st, inject)
}
hidden byte rt_inject;
#ifdef RT_NOT_IMPLEMENTED
inline rt_api_init(ctx, lvl, wvar, st, line) {
    REACH_CALL_BEGIN d_step { CALL_SITE(line) st = S_NOT_IMPLEMENTED; mon_init(ctx, lvl, wvar, st, 0) } REACH_CALL_END
}
#else
inline rt_api_init(ctx, lvl, wvar, st, line) {
    REACH_CALL_BEGIN
    if
    :: d_step { ALLOC_FAIL && !RT_REFUSES_IRQL(lvl) && rt_issued < MAXW ->
                CALL_SITE(line) rt_inject = 1; rt_init(ctx, lvl, wvar, st, rt_inject); rt_inject = 0 }
    :: d_step { CALL_SITE(line) rt_inject = 0; rt_init(ctx, lvl, wvar, st, rt_inject) }
    fi
    REACH_CALL_END
}
#endif

/* StorPortQueueWorkItem(HwDeviceExtension, cb, h, cx): st := status. */
inline rt_api_queue(ctx, lvl, cb, h, cx, st, line) {
    REACH_CALL_BEGIN d_step {
        CALL_SITE(line)
        if
#ifdef RT_NOT_IMPLEMENTED
        :: true -> st = S_NOT_IMPLEMENTED                 /* ENV-H6 */
#else
        :: RT_REFUSES_IRQL(lvl) -> st = S_INVALID_IRQL    /* WI-Q5 */
        :: else ->
            if
            :: h == NULL_HANDLE || cb == 0 || !RT_LIVE(h) -> st = S_INVALID_PARAMETER    /* WI-Q6, WI-Q7 */
#ifndef FAULT_IGNORE_REMOVAL
            :: else -> if
                :: rt_removing -> st = S_INVALID_DEVICE_STATE    /* WI-Q4 */
#endif
                :: else ->
                    if
#ifdef RT_BUSY_DROPS
                    :: rt_state[h] == W_QUEUED -> st = S_SUCCESS     /* WI-Q2 broken: ENV-H3: the new request is lost */
#else
                    :: rt_state[h] == W_QUEUED -> st = S_BUSY    /* WI-Q2 */
#endif
#ifdef FAULT_DROP_REQUEUE
                    :: rt_state[h] != W_QUEUED && rt_runner[h] != 0 -> st = S_SUCCESS    /* WI-Q3 broken: FAULT_DROP_REQUEUE */
#endif
                    :: else ->
                        rt_state[h] = W_QUEUED;
                        rt_cb[h] = cb;
                        rt_cx[h] = cx;
                        st = S_SUCCESS    /* WI-Q1, WI-Q3 */
                    fi
#ifndef FAULT_IGNORE_REMOVAL
                fi
#endif
            fi
#endif
        fi;
        mon_queue(ctx, lvl, cb, h, cx, st)
    } REACH_CALL_END
}

/* StorPortFreeWorker(HwDeviceExtension, h): st := status. Never waits (WI-F6). */
inline rt_api_free(ctx, lvl, h, st, line) {
    REACH_CALL_BEGIN d_step {
        CALL_SITE(line)
        if
#ifdef RT_NOT_IMPLEMENTED
        :: true -> st = S_NOT_IMPLEMENTED                 /* ENV-H6 */
#else
        :: RT_REFUSES_IRQL(lvl) -> st = S_INVALID_IRQL    /* WI-F4 */
        :: else ->
            if
            :: h == NULL_HANDLE || h > rt_issued -> st = S_INVALID_PARAMETER    /* WI-F5 */
            :: else ->
                if
#ifdef RT_FREES_AGAIN
                :: rt_state[h] == W_FREED -> st = S_SUCCESS    /* WI-F3 broken: ENV-H3 */
#else
                :: rt_state[h] == W_FREED -> st = S_UNSUCCESSFUL    /* WI-F3 */
#endif
#ifndef FAULT_FREE_QUEUED
                :: rt_state[h] == W_QUEUED -> st = S_BUSY    /* WI-F2 */
#endif
                :: else ->
                    rt_state[h] = W_FREED;
                    rt_cb[h] = 0;
                    rt_cx[h] = 0;
                    st = S_SUCCESS    /* WI-F1 */
                fi
            fi
#endif
        fi;
        mon_free(ctx, lvl, h, st)
    } REACH_CALL_END
}

/*
 * Requests (spec/environment.md ENV-Q), for designs whose routines take SRBs: Storport hands
 * one to a routine (HwStartIo) with SRB_HANDED, srb := its number, or 0 once MAXSRB were
 * handed; the miniport gives it back with StorPortRequestComplete
 * (StorPortNotification(RequestComplete, ...)), from any context at any IRQL (ENV-Q7), and
 * marks with SRB_USE where it still reads or writes it. StorPortPause and StorPortResume hold
 * and release the adapter's requests not yet handed (ENV-Q8, ENV-Q9); those handed stay the
 * miniport's to complete. They print trace comments (# request ...), not
 * events: they are the environment's, not the work-item API's.
 */
bit sp_pause_expired;       /* the pause in force has timed out: requests flow again (ENV-Q9) */
/* NeptuneOS's StorPortPause and StorPortResume do nothing and return FALSE (ENV-H5): the pause
   holds nothing there; the miniport's obligation to resume what it paused (ENV-Q8) stays. */
#ifdef STORK_HOST_NEPTUNE
#define SP_PAUSE_HOLDS false
#define SP_PAUSE_NOTE_PAUSE printf("# StorPortPause returns FALSE and does nothing (NeptuneOS, ENV-H5)\n")
#define SP_PAUSE_NOTE_RESUME printf("# StorPortResume returns FALSE and does nothing (NeptuneOS, ENV-H5)\n")
#else
#define SP_PAUSE_HOLDS true
#define SP_PAUSE_NOTE_PAUSE skip
#define SP_PAUSE_NOTE_RESUME skip
#endif
inline SRB_HANDED(ctx, srb) {
    /* ENV-Q9: while the adapter is paused no request is handed, until StorPortResume or the
       pause's timeout, which the model (no time) lets expire when nothing else can run
       (Promela's timeout: a design with an ISR, always able to run, is held until resumed). */
    d_step {
        (q_handed >= MAXSRB || !SP_PAUSE_HOLDS || q_paused == 0 || sp_pause_expired || timeout) ->
        if
        :: q_handed < MAXSRB && SP_PAUSE_HOLDS && q_paused > 0 && !sp_pause_expired ->
            sp_pause_expired = 1; printf("# the pause times out: requests are handed again\n")
        :: else
        fi;
        if
        :: q_handed < MAXSRB -> q_handed++; srb = q_handed; mon_srb_handed(ctx, srb)
        :: else -> srb = 0
        fi
    }
}
inline StorPortRequestComplete(ctx, srb) {
    d_step { mon_srb_complete(ctx, srb) }
}
inline SRB_USE(ctx, srb) {
    d_step { mon_srb_use(ctx, srb) }
}
inline StorPortPause(ctx, lvl) {
    d_step { mon_pause(ctx); SP_PAUSE_NOTE_PAUSE; sp_pause_expired = 0 }     /* a new pause, a new timeout */
}
inline StorPortResume(ctx, lvl) {
    d_step { mon_resume(ctx); SP_PAUSE_NOTE_RESUME; sp_pause_expired = sp_pause_expired && q_paused > 0 }
}

/* The miniport's own resources (see the header): ghost events for WI-M8, no trace line. */
inline RELEASE_RESOURCES() {
    d_step { mon_release_resources() }
}
inline USE_RESOURCES(ctx) {
    d_step { mon_use_resources(ctx) }
}

/*
 * DPC objects (spec/environment.md ENV-E12, M8): STOR_DPCs 1 and 2, initialised before any
 * routine runs. StorPortIssueDpc queues one (ok := TRUE) unless it is already queued
 * (ok := FALSE, nothing done); its routine, the design's HW_DPC (lifecycle.pml), then runs
 * once at DISPATCH_LEVEL, never overlapping itself. StorPortCancelDpc dequeues a queued one
 * (ok := TRUE); FALSE means it is running or has run, and the call does not wait. Nothing
 * Storport does at removal drains them (ENV-R6): they may run after the remove handler, and
 * one queued or running at the adapter's release breaks ENV-R7. Trace comments, not events.
 */
#define DPC_CTX(d) (d == 1 -> CTX_DPC : CTX_DPC2)
#define StorPortIssueDpc(ctx, d, ok) rt_api_issue_dpc(ctx, d, ok)
#define StorPortCancelDpc(ctx, d, ok) rt_api_cancel_dpc(ctx, d, ok)
inline rt_api_issue_dpc(ctx, d, ok) {
    d_step {
        ok = dpc_ready[d] && !dpc_queued[d]; dpc_queued[d] = dpc_queued[d] || dpc_ready[d];
        mon_dpc_issue(ctx, d, ok);
        if
        :: !dpc_ready[d] -> printf("# dpc object %d issued before StorPortInitializeDpc: nothing queued\n", d)
        :: else
        fi;
        CHECK_storport_calls(dpc_ready[d], ENV_E12)    /* ENV-E12 */
    }
}
inline rt_api_cancel_dpc(ctx, d, ok) {
    d_step { ok = dpc_queued[d]; dpc_queued[d] = 0; mon_dpc_cancel(ctx, d, ok) }
}

/*
 * A timer object (ENV-E14, M8), issued by StorPortInitializeTimer (st := SUCCESS, t := 1;
 * the model has one). StorPortRequestTimer(ctx, t, on, st) with on = 1 arms it: SUCCESS, or
 * BUSY while a request is pending whose routine has not been called; with on = 0 (interval 0)
 * it cancels a pending request (SUCCESS). Its routine, the design's HW_TIMER (lifecycle.pml),
 * runs once per SUCCESS arm at DISPATCH_LEVEL with no Storport lock; a cancel or a free does
 * not wait for a routine already running. StorPortFreeTimer frees it (and cancels a pending
 * request): UNSUCCESSFUL if already free. One pending or running at the adapter's release
 * breaks ENV-R7. Trace comments, not events.
 */
#define StorPortInitializeTimer(ctx, t, st) rt_api_init_timer(ctx, t, st)
#define StorPortRequestTimer(ctx, t, on, st) rt_api_request_timer(ctx, t, on, st)
#define StorPortFreeTimer(ctx, t, st) rt_api_free_timer(ctx, t, st)
inline rt_api_init_timer(ctx, t, st) {
    d_step { tm_state = TM_IDLE; t = 1; st = S_SUCCESS; mon_timer(ctx, 0, st) }
}
inline rt_api_request_timer(ctx, t, on, st) {
    d_step {
        if
        :: t != 1 || tm_state == TM_NONE || tm_state == TM_FREED -> st = S_INVALID_PARAMETER
        :: else ->
            if
            :: on && tm_state == TM_ARMED -> st = S_BUSY
            :: on && tm_state != TM_ARMED -> tm_state = TM_ARMED; st = S_SUCCESS
            :: !on -> tm_state = TM_IDLE; st = S_SUCCESS
            fi
        fi;
        mon_timer(ctx, (on -> 1 : 2), st)
    }
}
inline rt_api_free_timer(ctx, t, st) {
    d_step {
        if
        :: t != 1 || tm_state == TM_NONE -> st = S_INVALID_PARAMETER
        :: tm_state == TM_FREED -> st = S_UNSUCCESSFUL
        :: else -> tm_state = TM_FREED; st = S_SUCCESS
        fi;
        mon_timer(ctx, 3, st)
    }
}

/*
 * Storport's spin locks (ENV-L1..L3, M6): the StartIo lock, the interrupt lock (one: the model
 * has InterruptSynchronizeAll's single lock) and the DPC lock of DPC objects 1 and 2
 * (DpcLock(d), LockContext the STOR_DPC). sp_holder[lock] is 0 or 1 + the _pid of the process
 * holding it. Storport takes them around its routines with SP_HOLD and SP_DROP (lifecycle.pml:
 * the StartIo lock around a physical HW_STARTIO and the remove and surprise SRBs, the interrupt
 * lock around HW_INTERRUPT and a physical HW_INITIALIZE); the miniport takes them with
 * StorPortAcquireSpinLock(ctx, lock) and StorPortReleaseSpinLock(ctx, lock), and runs a
 * routine under the interrupt lock with StorPortSynchronizeAccess(ctx, name) (name(), an inline).
 * Acquiring a lock that is held waits. The miniport's acquisitions are checked against ENV-L2
 * (property storport_calls): never one its own process holds (Storport's or its own: a
 * deadlock, which then also breaks terminates), never the StartIo or a DPC lock while holding
 * the interrupt lock (the order is DPC or StartIo, then interrupt), and none in HwFindAdapter,
 * HwInitialize, HwInterrupt or HwPassiveInitializeRoutine. A holder's calls run at the IRQL
 * the lock raises to (ENV-L3, HELD_IRQL above).
 */
#define StartIoLock   1
#define InterruptLock 2
#define DPC_LOCK1     3
#define DPC_LOCK2     4
#define DpcLock(d)    (DPC_LOCK1 + (d) - 1)
byte sp_holder[DPC_LOCK2 + 1];
/* The miniport's contexts waiting for each lock. A new ISR run waits for them (lifecycle.pml):
   an interrupt any number of times would otherwise starve them under weak fairness, a false
   `terminates`. No order is lost: a waiter's wait changes nothing, so the ISR running first is
   the run where the waiter came to the lock after it. */
byte sp_waiting[DPC_LOCK2 + 1];
#define SP_HOLD(lock) atomic { (sp_holder[lock] == 0) -> sp_holder[lock] = _pid + 1 }
/* The same, counted as a wait (sp_waiting) while the lock is held: for Storport's holds
   that an ISR or HwStorTimer running again and again could otherwise starve. */
#define SP_HOLD_WAITING(lock) atomic { sp_waiting[lock]++; (sp_holder[lock] == 0) -> \
                                       sp_holder[lock] = _pid + 1; sp_waiting[lock]-- }
#define SP_DROP(lock) sp_holder[lock] = 0
#ifdef STORK_HOST_NEPTUNE
int sp_nominal[DPC_LOCK2 + 1];      /* bit _pid: the process holds it as Windows would (ENV-H4) */
/* An interrupt is connected (lifecycle.pml sets it at the start of a physical design with
   HW_INTERRUPT): the interrupt lock is its mutex; without one it takes nothing ([NEP]
   storport.c PortAcquireSpinLock; [POS] no HW_INTERRUPT, no interrupt resource). */
bit sp_irq_connected;
#define SP_NOMINAL_LOCK(lock) ((lock) != InterruptLock || !sp_irq_connected)
#define SP_NOMINAL_HOLD(lock) sp_nominal[lock] = sp_nominal[lock] | (1 << _pid)
#define SP_NOMINAL_DROP(lock) sp_nominal[lock] = sp_nominal[lock] & ~(1 << _pid)
#endif

/*
 * NeptuneOS's main thread (ENV-H4, --host neptune): a driver is a process whose main thread runs
 * every routine but the ISR (HwFindAdapter, HwInitialize and HW_START, HwBuildIo and HwStartIo,
 * HwPassiveInitializeRoutine, the DPCs, the timer routine, HwStorTimer, the work-item callbacks)
 * as coroutines, one at a time: each takes the thread (sp_main, 1 + its _pid) at its start and
 * gives it up when it returns or waits. The model's one wait is StorPortStallExecution (below,
 * [NEP] storport.c StorPortStallExecution, KeDelayExecutionThread); a design's blocking statement
 * (a guard, a lock it waits for) keeps the thread, as a spin on it does. The routines that
 * lifecycle.pml runs are on it; a design's own process (run from HW_START) is on it only from
 * its ROUTINE_BEGIN() to its ROUTINE_END() (below): the model cannot tell where in a process a
 * routine starts and returns, nor whether the process is a routine of the main thread at all
 * (an ISR is not), and the design can. The pieces are written into the steps that start and end a routine, so that under Windows (no
 * define) they are nothing at all and no state count moves:
 *   MAIN_FREE     appended to a guard: the thread is free
 *   MAIN_TAKE_    a statement and its `;`, inside a step: this process takes it
 *   MAIN_GIVE_    the same: this process gives it up, if it has it
 *   MAIN_TAKE_STEP a step of its own, with its `;`: wait for the thread and take it
 *   MAIN_WAIT_TAKE, MAIN_GIVE  the wait-and-take and the give-up without their `;` (the
 *                 stall, ROUTINE_BEGIN/END)
 */
#ifdef STORK_HOST_NEPTUNE
byte sp_main;
#define MAIN_FREE && sp_main == 0
#define MAIN_TAKE_ sp_main = _pid + 1;
#define MAIN_WAIT_TAKE atomic { sp_main == 0 -> sp_main = _pid + 1 }
#define MAIN_GIVE sp_main = (sp_main == _pid + 1 -> 0 : sp_main)
#define MAIN_GIVE_ MAIN_GIVE;
#define MAIN_TAKE_STEP MAIN_WAIT_TAKE;
/* A wait on the main thread: another coroutine may run meanwhile, locks or not. Nothing on a
   thread of its own (the ISR, a design's process). */
#define StorPortStallExecution(ctx) \
    if \
    :: sp_main == _pid + 1 -> \
        d_step { sp_main = 0; printf("# "); print_ctx(ctx); printf(" stalls: a wait on the main thread (NeptuneOS, ENV-H4)\n") }; \
        MAIN_WAIT_TAKE \
    :: else -> skip \
    fi
#else
#define MAIN_FREE
#define MAIN_TAKE_
#define MAIN_GIVE_
#define MAIN_TAKE_STEP
/* Windows: a busy wait of a few microseconds on the caller's CPU: nothing else changes. */
#define StorPortStallExecution(ctx) skip
#endif

/* A design's own process that stands for one run of a routine NeptuneOS runs on its main
   thread (a DPC, HwStartIo, a timer routine; not an ISR: ENV-H4) says so, ROUTINE_BEGIN()
   where the routine starts and ROUTINE_END() where it returns: under --host neptune it waits
   for the main thread and takes it, and gives it up (StorPortStallExecution gives it up
   meanwhile, as the model's routines'); on Windows, where the routines have threads of their
   own, each is a skip. A process that never reaches its ROUTINE_END() keeps the thread. */
#ifdef STORK_HOST_NEPTUNE
#define ROUTINE_BEGIN() MAIN_WAIT_TAKE
#define ROUTINE_END() MAIN_GIVE
#else
#define ROUTINE_BEGIN() skip
#define ROUTINE_END() skip
#endif
#define SP_NO_LOCK_CTX(ctx) (ctx == CTX_FINDADAPTER || ctx == CTX_INITIALIZE || ctx == CTX_ISR || ctx == CTX_PASSIVEINIT)
inline print_lock(lock) {
    if
    :: lock == StartIoLock -> printf("StartIo lock")
    :: lock == InterruptLock -> printf("interrupt lock")
    :: else -> printf("DPC lock of dpc object %d", lock - DPC_LOCK1 + 1)
    fi
}
/* ENV-L2: the finding is printed as a trace comment before the check, so a counterexample
   ends with it; the wait that follows is the deadlock itself. */
inline sp_check_acquire(ctx, lock) {
    if
    :: SP_MINE(lock) ->
        printf("# "); print_ctx(ctx); printf(" takes the "); print_lock(lock); printf(" it already holds\n")
    :: !SP_MINE(lock) && SP_NO_LOCK_CTX(ctx) ->
        printf("# "); print_ctx(ctx); printf(" takes the "); print_lock(lock); printf(": no Storport lock may be taken there\n")
    :: !SP_MINE(lock) && !SP_NO_LOCK_CTX(ctx) && lock != InterruptLock && SP_MINE(InterruptLock) ->
        printf("# "); print_ctx(ctx); printf(" takes the "); print_lock(lock); printf(" while holding the interrupt lock\n")
    :: else
    fi;
    CHECK_storport_calls(!SP_MINE(lock) && !SP_NO_LOCK_CTX(ctx) && (lock == InterruptLock || !SP_MINE(InterruptLock)), ENV_L2)    /* ENV-L2 */
}
#ifdef STORK_HOST_NEPTUNE
/* NeptuneOS (ENV-H4, [NEP] storport.c PortAcquireSpinLock): the StartIo and DPC locks take
   nothing; the interrupt lock is the interrupt mutex, real where an interrupt is connected,
   nothing otherwise (sp_irq_connected). Who holds a StartIo, DPC or nominal interrupt lock as
   Windows would (a bit per process: several may, one waiting on the main thread) is kept for
   ENV-L2, which judges the miniport as Windows would (ENV-H2): a re-take is reported, and on
   NeptuneOS the run goes on. */
#define StorPortAcquireSpinLock(ctx, lock) \
    if \
    :: !SP_NOMINAL_LOCK(lock) -> \
        atomic { d_step { sp_check_acquire(ctx, lock); sp_waiting[lock]++ }; \
                 (sp_holder[lock] == 0) -> sp_holder[lock] = _pid + 1; sp_waiting[lock]-- } \
    :: else -> d_step { sp_check_acquire(ctx, lock); SP_NOMINAL_HOLD(lock) } \
    fi
#define StorPortReleaseSpinLock(ctx, lock) \
    d_step { \
        if \
        :: !SP_NOMINAL_LOCK(lock) -> sp_holder[lock] = 0 \
        :: else -> SP_NOMINAL_DROP(lock) \
        fi \
    }
#else
#define StorPortAcquireSpinLock(ctx, lock) \
    atomic { d_step { sp_check_acquire(ctx, lock); sp_waiting[lock]++ }; \
             (sp_holder[lock] == 0) -> sp_holder[lock] = _pid + 1; sp_waiting[lock]-- }
#define StorPortReleaseSpinLock(ctx, lock) sp_holder[lock] = 0
#endif
/* [POS] ENV-L4: in half-duplex (the design's HW_HALF_DUPLEX, defined before its first call) a
   routine Storport already runs under the interrupt lock (HwStartIo, HwStorTimer) is
   synchronised with the ISR, which is all the call promises: the routine runs at once. The
   model does not tell that hold from the miniport's own there. Chosen when the call is
   expanded, so a full-duplex design's call is the plain acquire, routine, release. */
#define SP_CAT(a, b) SP_CAT2(a, b)
#define SP_CAT2(a, b) a##b
#ifdef STORK_HOST_NEPTUNE
/* NeptuneOS (ENV-H4, [NEP] storport.c StorPortSynchronizeAccess): unimplemented, a VOID that
   takes no lock and runs no routine; what only the routine would do is never done. The call is
   judged as Windows's take of the interrupt lock (ENV-L2, ENV-H2). Half-duplex, whose start
   NeptuneOS fails, is refused there (lifecycle.pml, ENV-H5). */
#define StorPortSynchronizeAccess(ctx, routine) \
    d_step { \
        sp_check_acquire(ctx, InterruptLock); \
        printf("# StorPortSynchronizeAccess by "); print_ctx(ctx); printf(" runs no routine: unimplemented on this host (neptune, ENV-H4)\n") \
    }
#else
#define StorPortSynchronizeAccess(ctx, routine) SP_CAT(SP_SYNC_, HW_HALF_DUPLEX)(ctx, routine)
#endif
#define SP_SYNC_HW_HALF_DUPLEX(ctx, routine) \
    StorPortAcquireSpinLock(ctx, InterruptLock); routine(); StorPortReleaseSpinLock(ctx, InterruptLock)
#define SP_SYNC_1(ctx, routine) \
    if \
    :: SP_MINE(InterruptLock) -> routine() \
    :: else -> SP_SYNC_HW_HALF_DUPLEX(ctx, routine) \
    fi

/*
 * Initialisation (ENV-E4, E5, E12; lifecycle.pml HW_INITIALIZE, HW_PASSIVE_INITIALIZE).
 * StorPortEnablePassiveInitialization(ctx, ok) asks for HwPassiveInitializeRoutine after
 * HwInitialize: only HwInitialize may (ok := TRUE; elsewhere FALSE and a storport_calls
 * finding, ENV-E5). In a design with HW_PASSIVE_INITIALIZE the DPC objects are not usable until
 * StorPortInitializeDpc(ctx, d) (ENV-E12: in the passive routine); issuing one before is a
 * storport_calls finding (ENV-E12), and the model then queues nothing (what Windows does with
 * an uninitialised KDPC is undefined). Without that hook they are initialised before any
 * routine runs.
 */
bit sp_passive_enabled;     /* HwInitialize enabled passive initialisation */
bit dpc_ready[MAXDPC + 1];  /* StorPortInitializeDpc was called for the object */
inline StorPortEnablePassiveInitialization(ctx, ok) {
    d_step {
        ok = (ctx == CTX_INITIALIZE);
        sp_passive_enabled = sp_passive_enabled || ok;
        if
        :: ok -> printf("# passive initialisation enabled by initialize\n")
        :: else -> printf("# StorPortEnablePassiveInitialization called from "); print_ctx(ctx); printf(", not HwInitialize\n")
        fi;
        CHECK_storport_calls(ok, ENV_E5)    /* ENV-E5 */
    }
}
inline StorPortInitializeDpc(ctx, d) {
    d_step { dpc_ready[d] = 1; printf("# dpc object %d initialised by ", d); print_ctx(ctx); printf("\n") }
}

/*
 * StorPortNotification(RequestTimerCall, ext, HwStorTimer, us) (ENV-E13): one call of the
 * design's HW_STOR_TIMER (lifecycle.pml) after the interval, at DISPATCH_LEVEL under the StartIo
 * lock. StorPortRequestTimerCall(ctx, on): on = 1 requests it, replacing a request still
 * pending (one per adapter, so one run); on = 0 (interval 0) cancels a pending one and does not
 * wait for a run in progress. One pending or running at the adapter's release breaks ENV-R7.
 * Trace comments, not events.
 */
byte rtc_pending;           /* RequestTimerCalls pending (Windows: 0 or 1) */
bit rtc_running;            /* HwStorTimer runs */
#ifdef STORK_HOST_NEPTUNE
/* NeptuneOS (ENV-H5): each request arms a timer of its own, so several HwStorTimer calls may be
   pending at once (they run one after another); an interval of 0 arms one that never fires
   and cancels nothing. */
inline StorPortRequestTimerCall(ctx, on) {
    d_step {
        printf("# RequestTimerCall ");
        if
        :: on -> printf("requested (a timer of its own: %d pending, NeptuneOS)", rtc_pending + 1)
        :: else -> printf("with interval 0: nothing cancelled (NeptuneOS)")
        fi;
        printf(" by "); print_ctx(ctx); printf("\n");
        rtc_pending = rtc_pending + on
    }
}
#else
inline StorPortRequestTimerCall(ctx, on) {
    d_step {
        printf("# RequestTimerCall ");
        if
        :: on && rtc_pending -> printf("requested again (replaces the pending one)")
        :: on && !rtc_pending -> printf("requested")
        :: else -> printf("cancelled")
        fi;
        printf(" by "); print_ctx(ctx); printf("\n");
        rtc_pending = on
    }
}
#endif

/*
 * Service requests of a virtual miniport (ENV-E19; lifecycle.pml HW_PROCESS_SERVICE_REQUEST):
 * Storport hands IOCTL_MINIPORT_PROCESS_SERVICE_IRP's IRP irp (1, 2, ...) to
 * HwProcessServiceRequest, and the miniport gives it back, then or later, with
 * StorPortCompleteServiceIrp(ctx, irp). Each is completed once and none is held at the
 * adapter's release: requests_complete, under ENV-E19. Trace comments, not events.
 */
#define MAXSVC 2
byte svc_state[MAXSVC + 1];     /* Q_NONE, Q_HANDED, Q_COMPLETED (contract.pml) */
byte svc_handed;                /* service IRPs handed so far */
inline StorPortCompleteServiceIrp(ctx, irp) {
    d_step {
        printf("# service irp%d completed by ", irp); print_ctx(ctx); printf("\n");
        CHECK_requests_complete(irp >= 1 && irp <= svc_handed && svc_state[irp] == Q_HANDED, ENV_E19);    /* ENV-E19 */
        svc_state[irp] = (irp >= 1 && irp <= svc_handed -> Q_COMPLETED : svc_state[irp])
    }
}

/* The miniport touches its HBA (registers, hardware queues): ENV-R10, hba_running. */
inline USE_HBA(ctx) {
    d_step { mon_use_hba(ctx) }
}

/*
 * The design's own assertions (stork verify, -DSTORK_VERIFY): between this file and
 * lifecycle.pml (which undefines it), assert(c) names the property design_assertion in
 * pan's message, as the monitor's checks name theirs; -DSTORK_OFF_design_assertion compiles
 * them out. The monitor's checks above were expanded before this definition, so they are
 * untouched; the inner `assert` is not expanded again (a macro never expands inside itself).
 */
#ifdef STORK_VERIFY
#ifdef STORK_OFF_design_assertion
#define assert(c) skip
#else
#define assert(c) assert((c) || design_assertion)
#endif
#endif
