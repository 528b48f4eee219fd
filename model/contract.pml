/*
 * contract.pml -- the contract monitor: stork's properties as assertions.
 *
 * The monitor keeps its own view of every worker (g_*), updated only from what the contract
 * says each call and callback event means, never from the runtime's variables (rt_* in
 * storport.pml). So a runtime built with a deliberate fault is caught by the same checks that
 * catch a miniport's mistakes. Every assertion names its property and rule ids
 * (spec/contract.md): both are hidden variables, which cost no state but appear in SPIN's
 * "assertion violated" message, which is how `stork verify` tells the properties apart.
 *
 * A property is switched off by setting its name variable to 1, which makes its assertions
 * true: `stork verify` compiles one pan for all of them and, once one is found violated, sets
 * it at run time (STORK_OFF=<property>, conformance/stork/spin.py switch_hook) to look for
 * violations of the others (the claims' pan runs with all of them set). -DSTORK_OFF_<property>
 * compiles it out (other hosts, check-trace, gen).
 *
 * With -DSTORK_NOTE_MINIPORT (`stork check-trace`), a property the miniport keeps is noted
 * instead of asserted: its check prints "stork-note PROPERTY RULE" and the run goes on, so a
 * trace is judged on the runtime's rules while the miniport's mistakes are still reported.
 */
#define STORK_NOTE(c, p, r) if :: (c) :: else -> printf("stork-note "); printf(#p); printf(" "); printf(#r); printf("\n") fi

/* Property names and rule ids, for assertion messages only. */
hidden byte no_double_free, no_use_after_free, valid_handle, no_free_while_queued,
            no_free_while_running, callback_once, no_callback_after_removal, no_leak,
            irql, status_conforms, design_assertion, requests_complete, pause_resumed,
            hba_running, storport_calls;
hidden byte WI_I1, WI_I2, WI_I4, WI_Q1, WI_Q2, WI_Q3, WI_Q4, WI_Q5, WI_Q6, WI_Q7,
            WI_F1, WI_F2, WI_F3, WI_F4, WI_F5, WI_C1, WI_C4, WI_R2, WI_R3, WI_M1, WI_M2,
            WI_M3, WI_M6, WI_M7, WI_M8, WI_P1;
hidden byte ENV_Q1, ENV_Q2, ENV_Q3, ENV_Q6, ENV_Q8, ENV_R7, ENV_R10;    /* spec/environment.md */
hidden byte ENV_L2, ENV_E5, ENV_E12;    /* storport_calls: the checks are in storport.pml */
hidden byte ENV_E19;                    /* requests_complete of a service IRP (storport.pml) */

#ifdef STORK_OFF_no_double_free
#define CHECK_no_double_free(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_no_double_free(c, r) STORK_NOTE(c, no_double_free, r)
#else
#define CHECK_no_double_free(c, r) assert((c) || no_double_free || r)
#endif
#ifdef STORK_OFF_no_use_after_free
#define CHECK_no_use_after_free(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_no_use_after_free(c, r) STORK_NOTE(c, no_use_after_free, r)
#else
#define CHECK_no_use_after_free(c, r) assert((c) || no_use_after_free || r)
#endif
#ifdef STORK_OFF_valid_handle
#define CHECK_valid_handle(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_valid_handle(c, r) STORK_NOTE(c, valid_handle, r)
#else
#define CHECK_valid_handle(c, r) assert((c) || valid_handle || r)
#endif
#ifdef STORK_OFF_no_free_while_queued
#define CHECK_no_free_while_queued(c, r) skip
#else
#define CHECK_no_free_while_queued(c, r) assert((c) || no_free_while_queued || r)
#endif
#ifdef STORK_OFF_no_free_while_running
#define CHECK_no_free_while_running(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_no_free_while_running(c, r) STORK_NOTE(c, no_free_while_running, r)
#else
#define CHECK_no_free_while_running(c, r) assert((c) || no_free_while_running || r)
#endif
#ifdef STORK_OFF_callback_once
#define CHECK_callback_once(c, r) skip
#else
#define CHECK_callback_once(c, r) assert((c) || callback_once || r)
#endif
#ifdef STORK_OFF_no_callback_after_removal
#define CHECK_no_callback_after_removal(c, r) skip
#else
#define CHECK_no_callback_after_removal(c, r) assert((c) || no_callback_after_removal || r)
#endif
#ifdef STORK_OFF_no_leak
#define CHECK_no_leak(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_no_leak(c, r) STORK_NOTE(c, no_leak, r)
#else
#define CHECK_no_leak(c, r) assert((c) || no_leak || r)
#endif
#ifdef STORK_OFF_irql
#define CHECK_irql(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_irql(c, r) STORK_NOTE(c, irql, r)
#else
#define CHECK_irql(c, r) assert((c) || irql || r)
#endif
#ifdef STORK_OFF_requests_complete
#define CHECK_requests_complete(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_requests_complete(c, r) STORK_NOTE(c, requests_complete, r)
#else
#define CHECK_requests_complete(c, r) assert((c) || requests_complete || r)
#endif
#ifdef STORK_OFF_pause_resumed
#define CHECK_pause_resumed(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_pause_resumed(c, r) STORK_NOTE(c, pause_resumed, r)
#else
#define CHECK_pause_resumed(c, r) assert((c) || pause_resumed || r)
#endif
#ifdef STORK_OFF_hba_running
#define CHECK_hba_running(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_hba_running(c, r) STORK_NOTE(c, hba_running, r)
#else
#define CHECK_hba_running(c, r) assert((c) || hba_running || r)
#endif
#ifdef STORK_OFF_storport_calls
#define CHECK_storport_calls(c, r) skip
#elif defined(STORK_NOTE_MINIPORT)
#define CHECK_storport_calls(c, r) STORK_NOTE(c, storport_calls, r)
#else
#define CHECK_storport_calls(c, r) assert((c) || storport_calls || r)
#endif
#ifdef STORK_OFF_status_conforms
#define CHECK_status_conforms(c, r) skip
#else
#define CHECK_status_conforms(c, r) assert((c) || status_conforms || r)
#endif

/* The monitor's view of each worker, indexed by handle (1..MAXW; 0 unused). */
byte g_state[MAXW + 1];     /* W_UNUSED, W_IDLE, W_QUEUED, W_FREED */
byte g_runner[MAXW + 1];    /* 0, or 1 + the system thread running its callback */
bit  g_freed_under[MAXW + 1]; /* freed by another context while its callback runs (WI-M6) */
byte g_cb[MAXW + 1];        /* the callback and context of the pending successful queue */
byte g_cx[MAXW + 1];
byte g_issued;              /* handles issued so far: w1 .. w<g_issued> */
bit  g_removing;            /* removal has begun */
bit  g_released;            /* the remove handler released the miniport's resources */
bit  g_gone;                /* Storport released the adapter: its life is over */
bit  g_stopped;             /* ScsiStopAdapter ran and no ScsiRestartAdapter since (ENV-R9) */

/* The requests Storport handed (spec/environment.md ENV-Q), indexed by SRB (1..MAXSRB). */
#define Q_NONE      0
#define Q_HANDED    1       /* the miniport owns it until it completes it */
#define Q_COMPLETED 2       /* given back to Storport (RequestComplete) */
byte q_state[MAXSRB + 1];
byte q_handed;              /* SRBs handed so far: srb1 .. srb<q_handed> */
byte q_paused;              /* StorPortPause calls not yet ended by a StorPortResume */

/* A generator's trap (model/gen/gen_trap.pml) sees every event here, before it takes effect:
   STORK_EVENT_HOOK(kind, api, handle, caller context, IRQL, status, allocation injected). */
#define EV_CALL      1
#define EV_START     2
#define EV_RETURN    3
#define EV_RM_BEGIN  4
#define EV_RM_END    5
#define EV_RELEASED  6      /* the adapter's life is over */
#define API_INIT  1
#define API_QUEUE 2
#define API_FREE  3
#ifndef STORK_EVENT_HOOK
#define STORK_EVENT_HOOK(kind, api, h, ctx, lvl, st, inj) skip
#endif

/* Scratch for computing inside one d_step; never carries anything between steps. */
hidden short m_allowed;
hidden byte  m_i;

/* ALLOW(S, RULE): the contract allows status S here, by RULE (spec/contract.md). With
   -DSTORK_STATUS_RULES (check-trace) each status allowed is also printed with its rule, as
   "@@because S RULE", so that a status outside the set is told the rules of those inside it;
   ALLOW_EITHER names R1 where C holds and R2 where it does not, ALLOW_ALSO names R2 beside R.
   Without it they are the same assignment: verify's and gen's models are unchanged. */
#ifdef STORK_STATUS_RULES
#define STORK_BECAUSE(s, r) printf("@@because %d ", s); printf(#r); printf("\n")
#define ALLOW(s, r)   m_allowed = m_allowed | (1 << (s)); STORK_BECAUSE(s, r)
#define ALLOW_EITHER(s, c, r1, r2) \
    m_allowed = m_allowed | (1 << (s)); \
    if :: (c) -> STORK_BECAUSE(s, r1) :: else -> STORK_BECAUSE(s, r2) fi
#define ALLOW_ALSO(s, r, c, r2) \
    ALLOW(s, r); if :: (c) -> STORK_BECAUSE(s, r2) :: else fi
#else
#define ALLOW(s, r)   m_allowed = m_allowed | (1 << (s))
#define ALLOW_EITHER(s, c, r1, r2) ALLOW(s, r1)
#define ALLOW_ALSO(s, r, c, r2) ALLOW(s, r)
#endif
#define ALLOWS(s)     ((m_allowed & (1 << (s))) != 0)
#define ISSUED(h)     ((h) >= 1 && (h) <= g_issued)
#define RUNS_ELSEWHERE(h, ctx) (g_runner[h] != 0 && (ctx) != CTX_SYS + g_runner[h] - 1)
/* WI-M6 (spec/contract.md, its [POS]): a free from another context while the callback runs is
   recorded, not asserted, since the callback may be past its last use of the worker (as good as
   its own free); the breach is the callback's later call with that worker. */
#define USED_AFTER_FREE_UNDER(h, ctx) (ISSUED(h) && g_freed_under[h] && (ctx) == CTX_SYS + g_runner[h] - 1)

/* A call's outcome in the trace: the allowed set when the runtime's answer is in it (a replay
   may then take any member), else the answer itself, as an implementation's recording would
   show it: a faulty runtime's counterexample is then a trace the contract rejects. */
inline print_outcome(st) {
    if
    :: ALLOWS(st) -> print_allowed()
    :: else -> print_status(st)
    fi
}

/*
 * Each mon_* below first works out what the contract allows (m_allowed), then prints the event
 * (so a counterexample ends with the offending call), then asserts, then updates its view.
 */

/* StorPortInitializeWorker returned st (handle h on SUCCESS); inject: allocation failed. */
inline mon_init(ctx, lvl, h, st, inject) {
    m_allowed = 0;
    if
    :: lvl > DISPATCH_LEVEL -> ALLOW(S_INVALID_IRQL, WI_I2)    /* WI-I2 */
    :: else
    fi;
    if
    :: inject -> ALLOW(S_INSUFFICIENT_RESOURCES, WI_I4)    /* WI-I4 */
    :: else
    fi;
    if
    :: m_allowed == 0 -> ALLOW(S_SUCCESS, WI_I1)    /* WI-I1 */
    :: else
    fi;
    if
    :: inject -> printf("fail-alloc\n")
    :: else
    fi;
    printf("call "); print_ctx(ctx); printf(" "); print_irql(lvl); printf(" init -> ");
    if
    :: st == S_SUCCESS -> printf("SUCCESS w%d\n", h)
    :: else -> print_outcome(st); printf("\n")
    fi;
    STORK_EVENT_HOOK(EV_CALL, API_INIT, h, ctx, lvl, st, inject);
    CHECK_irql(lvl <= DISPATCH_LEVEL, WI_M1);    /* WI-M1 */
    CHECK_status_conforms(ALLOWS(st), WI_P1);    /* WI-P1 */
    if
    :: st == S_SUCCESS ->
        CHECK_status_conforms(h == g_issued + 1 && h <= MAXW, WI_I1);    /* WI-I1 */
        g_issued++;
        g_state[g_issued] = W_IDLE
    :: else
    fi
}

/* Shared miniport data is abstracted away: a design's globals are Promela variables, each step
   atomic, so the model cannot express a data race (WI-M11); `stork audit` checks it on the C code
   (c-harness/check/race.c). */

/* StorPortQueueWorkItem(cb, h, cx) returned st. Any context may queue any worker, a callback
   included (WI-M10); only the IRQL and the handle are the caller's obligations. */
inline mon_queue(ctx, lvl, cb, h, cx, st) {
    m_allowed = 0;
    if
    :: lvl > DISPATCH_LEVEL -> ALLOW(S_INVALID_IRQL, WI_Q5)    /* WI-Q5 */
    :: else
    fi;
    if
    :: h == 0 || cb == 0 || (h != 0 && !ISSUED(h)) || (ISSUED(h) && g_state[h] == W_FREED) ->
        /* WI-Q6: a NULL handle or routine; WI-Q7: a handle not issued, or freed */
        ALLOW_EITHER(S_INVALID_PARAMETER, h == 0 || cb == 0, WI_Q6, WI_Q7)    /* WI-Q6, WI-Q7 */
    :: else
    fi;
    if
    :: g_removing -> ALLOW(S_INVALID_DEVICE_STATE, WI_Q4)    /* WI-Q4 */
    :: else
    fi;
    if
    :: ISSUED(h) && g_state[h] == W_QUEUED -> ALLOW(S_BUSY, WI_Q2)    /* WI-Q2 */
    :: else
    fi;
    if
    :: m_allowed == 0 -> ALLOW_ALSO(S_SUCCESS, WI_Q1, ISSUED(h) && g_runner[h] != 0, WI_Q3)    /* WI-Q1, WI-Q3 */
    :: else
    fi;
    printf("call "); print_ctx(ctx); printf(" "); print_irql(lvl);
    printf(" queue "); print_handle(h); printf(" "); print_cb(cb); printf(" ");
    print_cx(cx); printf(" -> "); print_outcome(st); printf("\n");
    STORK_EVENT_HOOK(EV_CALL, API_QUEUE, h, ctx, lvl, st, 0);
    CHECK_irql(lvl <= DISPATCH_LEVEL, WI_M1);    /* WI-M1 */
    CHECK_valid_handle(h == 0 || ISSUED(h), WI_M3);    /* WI-M3 */
    CHECK_no_use_after_free(!ISSUED(h) || g_state[h] != W_FREED, WI_M3);    /* WI-M3, WI-M4 */
    CHECK_no_free_while_running(!USED_AFTER_FREE_UNDER(h, ctx), WI_M6);    /* WI-M6 */
    CHECK_status_conforms(ALLOWS(st), WI_P1);    /* WI-P1 */
    /* What the runtime answered is what happened, allowed or not (WI-C1 counts its SUCCESS). */
    if
    :: st == S_SUCCESS && ISSUED(h) && g_state[h] != W_FREED ->
        g_state[h] = W_QUEUED;
        g_cb[h] = cb;
        g_cx[h] = cx
    :: else
    fi
}

/* StorPortFreeWorker(h) returned st. */
inline mon_free(ctx, lvl, h, st) {
    m_allowed = 0;
    if
    :: lvl > DISPATCH_LEVEL -> ALLOW(S_INVALID_IRQL, WI_F4)    /* WI-F4 */
    :: else
    fi;
    if
    :: h == 0 || !ISSUED(h) -> ALLOW(S_INVALID_PARAMETER, WI_F5)    /* WI-F5 */
    :: ISSUED(h) && g_state[h] == W_FREED -> ALLOW(S_UNSUCCESSFUL, WI_F3)    /* WI-F3 */
    :: ISSUED(h) && g_state[h] == W_QUEUED -> ALLOW(S_BUSY, WI_F2)    /* WI-F2 */
    :: else
    fi;
    if
    :: m_allowed == 0 -> ALLOW(S_SUCCESS, WI_F1)    /* WI-F1 */
    :: else
    fi;
    printf("call "); print_ctx(ctx); printf(" "); print_irql(lvl);
    printf(" free "); print_handle(h); printf(" -> "); print_outcome(st); printf("\n");
    STORK_EVENT_HOOK(EV_CALL, API_FREE, h, ctx, lvl, st, 0);
    CHECK_irql(lvl <= DISPATCH_LEVEL, WI_M1);    /* WI-M1 */
    CHECK_valid_handle(h == 0 || ISSUED(h), WI_M3);    /* WI-M3 */
    CHECK_no_double_free(!ISSUED(h) || g_state[h] != W_FREED, WI_M2);    /* WI-M2 */
    CHECK_no_free_while_queued(!ISSUED(h) || g_state[h] != W_QUEUED || st != S_SUCCESS, WI_F2);    /* WI-F2 */
    CHECK_no_free_while_running(!USED_AFTER_FREE_UNDER(h, ctx), WI_M6);    /* WI-M6 */
    CHECK_status_conforms(ALLOWS(st), WI_P1);    /* WI-P1 */
    if
    :: st == S_SUCCESS && ISSUED(h) ->
        g_state[h] = W_FREED;
        g_freed_under[h] = g_freed_under[h] || RUNS_ELSEWHERE(h, ctx)
    :: else
    fi
}

/* System thread tid starts the callback cb(cx) of worker h. */
inline mon_start(tid, h, cb, cx) {
    printf("start sys%d w%d ", tid, h); print_cb(cb); printf(" "); print_cx(cx); printf("\n");
    STORK_EVENT_HOOK(EV_START, 0, h, CTX_SYS + tid, PASSIVE_LEVEL, 0, 0);
    CHECK_no_use_after_free(g_state[h] != W_FREED, WI_M3);    /* WI-M3, WI-M4 */
    CHECK_callback_once(g_state[h] == W_QUEUED, WI_C1);    /* WI-C1 */
    CHECK_callback_once(cb == g_cb[h] && cx == g_cx[h], WI_C1);    /* WI-C1 */
    CHECK_callback_once(g_runner[h] == 0, WI_C4);    /* WI-C4 */
    CHECK_no_callback_after_removal(!g_gone, WI_R3);    /* WI-R3 */
    g_state[h] = (g_state[h] == W_QUEUED -> W_IDLE : g_state[h]);
    g_runner[h] = tid + 1
}

/* The callback of h on system thread tid returned. */
inline mon_return(tid, h) {
    STORK_EVENT_HOOK(EV_RETURN, 0, h, CTX_SYS + tid, PASSIVE_LEVEL, 0, 0);
    g_runner[h] = 0;
    g_freed_under[h] = 0;
    printf("return sys%d w%d\n", tid, h)
}

inline mon_remove_begin() {
    STORK_EVENT_HOOK(EV_RM_BEGIN, 0, 0, 0, 0, 0, 0);
    g_removing = 1;
    printf("remove begin\n")
}

/* The miniport's remove handler returned; callbacks may still be queued or running (WI-R3). */
inline mon_remove_end() {
    STORK_EVENT_HOOK(EV_RM_END, 0, 0, 0, 0, 0, 0);
    printf("remove end\n")
}

/* A removal notification reaches the miniport (ENV-R1, ENV-R3): a trace comment. */
#define N_REMOVE_SRB        1
#define N_SURPRISE_CONTROL  2
#define N_SURPRISE_SRB      3
inline mon_notice(n) {
    if
    :: n == N_REMOVE_SRB -> printf("# removal: the remove SRB (StorRemoveDevice) reaches the miniport\n")
    :: n == N_SURPRISE_CONTROL -> printf("# removal: HwAdapterControl(ScsiAdapterSurpriseRemoval)\n")
    :: n == N_SURPRISE_SRB -> printf("# removal: the surprise-removal SRB (StorSurpriseRemoval) reaches the miniport\n")
    fi
}

/* DPC objects (storport.pml): trace comments. */
inline print_dpc_ok(ok) {
    if
    :: ok -> printf("TRUE\n")
    :: else -> printf("FALSE\n")
    fi
}
inline mon_dpc_issue(ctx, d, ok) {
    printf("# dpc object %d issued by ", d); print_ctx(ctx); printf(": "); print_dpc_ok(ok)
}
inline mon_dpc_cancel(ctx, d, ok) {
    printf("# dpc object %d cancelled by ", d); print_ctx(ctx); printf(": "); print_dpc_ok(ok)
}
inline mon_dpc_start(d) { printf("# dpc object %d runs\n", d) }
inline mon_dpc_return(d) { printf("# dpc object %d returns\n", d) }

/* The timer object (storport.pml): what = 0 initialise, 1 arm, 2 cancel, 3 free. */
inline mon_timer(ctx, what, st) {
    printf("# timer ");
    if
    :: what == 0 -> printf("initialised")
    :: what == 1 -> printf("armed")
    :: what == 2 -> printf("cancelled")
    :: what == 3 -> printf("freed")
    fi;
    printf(" by "); print_ctx(ctx); printf(": "); print_status(st); printf("\n")
}
inline mon_timer_start() { printf("# timer routine runs\n") }
inline mon_timer_return() { printf("# timer routine returns\n") }

/* ScsiStopAdapter returned (ENV-R9: at a stop or at removal); ScsiRestartAdapter begins
   (ENV-R11): the HBA is stopped between the two, and for good after the stop at removal. */
inline mon_adapter_stopping() {
    printf("# adapter stopping: HwAdapterControl(ScsiStopAdapter)\n")
}
inline mon_adapter_stop() {
    printf("# adapter stopped: HwAdapterControl(ScsiStopAdapter) returned\n");
    g_stopped = 1
}
inline mon_adapter_refind() {
    printf("# adapter restarting: HwFindAdapter again (no ScsiRestartAdapter)\n");
    g_stopped = 0
}
inline mon_adapter_restart() {
    printf("# adapter restarting: HwAdapterControl(ScsiRestartAdapter)\n");
    g_stopped = 0
}

/* ctx touches the HBA (its registers, its queues): the adapter must be running (ENV-R10). */
inline mon_use_hba(ctx) {
    if                                   /* said before the check: a replay ends at its failure */
    :: g_stopped -> printf("# "); print_ctx(ctx); printf(" touches the HBA while the adapter is stopped\n")
    :: else
    fi;
    CHECK_hba_running(!g_stopped, ENV_R10)    /* ENV-R10 */
}

/* The remove handler releases what the miniport allocated outside HwDeviceExtension. */
inline mon_release_resources() {
    g_released = 1
}

/* Code running in ctx uses those resources (a callback touching queues, DMA memory, ...). */
inline mon_use_resources(ctx) {
    if                                   /* said before the check: a replay ends at its failure */
    :: g_released -> printf("# "); print_ctx(ctx); printf(" uses resources the remove handler released\n")
    :: else
    fi;
    if
    :: ctx == CTX_DPC || ctx == CTX_DPC2 || ctx == CTX_TIMER || ctx == CTX_STORTIMER || ctx == CTX_ISR ->
        CHECK_no_callback_after_removal(!g_released, ENV_R7)   /* ENV-R7; a DPC, timer or ISR (the audit's driver_isr_dpc_or_timer) */
    :: else -> CHECK_no_callback_after_removal(!g_released, WI_M8)    /* WI-M8 */
    fi
}

/* Storport hands SRB s to the miniport routine ctx (HwStartIo, HwBuildIo). */
inline mon_srb_handed(ctx, s) {
    printf("# request srb%d handed to ", s); print_ctx(ctx); printf("\n");
    q_state[s] = Q_HANDED
}

/* ctx completes SRB s: StorPortNotification(RequestComplete, ext, s). Any IRQL (ENV-Q7). */
inline mon_srb_complete(ctx, s) {
    printf("# request srb%d completed by ", s); print_ctx(ctx); printf("\n");
    CHECK_requests_complete(s >= 1 && s <= q_handed && q_state[s] != Q_COMPLETED, ENV_Q1);    /* ENV-Q1 */
    q_state[s] = (s >= 1 && s <= q_handed -> Q_COMPLETED : q_state[s])
}

/* ctx reads or writes SRB s or its extension. */
inline mon_srb_use(ctx, s) {
    CHECK_requests_complete(s >= 1 && s <= q_handed && q_state[s] == Q_HANDED, ENV_Q2)    /* ENV-Q2 */
}

inline mon_pause(ctx) {
    printf("# adapter paused by "); print_ctx(ctx); printf("\n");
    q_paused++
}

inline mon_resume(ctx) {
    printf("# adapter resumed by "); print_ctx(ctx); printf("\n");
    CHECK_pause_resumed(q_paused > 0, ENV_Q8);    /* ENV-Q8 */
    q_paused = (q_paused > 0 -> q_paused - 1 : 0)
}

/*
 * Storport releases the adapter once no callback is queued or running (WI-R3): the end of the
 * adapter's life. Every worker must be freed (WI-M7); a successful queue whose callback never
 * ran was lost by the runtime (WI-C1, WI-R2).
 */
inline mon_adapter_released() {
    g_gone = 1;
    m_i = 1;
    do
    :: m_i <= g_issued ->
        CHECK_callback_once(g_state[m_i] != W_QUEUED, WI_R2);    /* WI-R2 */
        CHECK_no_leak(g_state[m_i] == W_FREED, WI_M7);   /* WI-M7; WI-M5: a BUSY free not retried */
        m_i++
    :: else -> break
    od;
    m_i = 1;
    do
    :: m_i <= q_handed ->
        if
        :: q_state[m_i] == Q_HANDED -> printf("# request srb%d never completed\n", m_i)
        :: else
        fi;
        CHECK_requests_complete(q_state[m_i] != Q_HANDED, ENV_Q6);    /* ENV-Q6 */
        m_i++
    :: else -> break
    od;
    if
    :: q_paused > 0 -> printf("# the adapter is still paused\n")
    :: else
    fi;
    CHECK_pause_resumed(q_paused == 0, ENV_Q8);    /* ENV-Q8 */
    m_i = 1;
    do
    :: m_i <= MAXDPC ->
        if
        :: dpc_queued[m_i] || dpc_running[m_i] ->
            printf("# dpc object %d is still queued or running at the adapter's release\n", m_i)
        :: else
        fi;
        CHECK_no_callback_after_removal(!dpc_queued[m_i] && !dpc_running[m_i], ENV_R7);    /* ENV-R7 */
        m_i++
    :: else -> break
    od;
    if
    :: tm_state == TM_ARMED || tm_running ->
        printf("# the timer is still pending or running at the adapter's release\n")
    :: else
    fi;
    CHECK_no_callback_after_removal(tm_state != TM_ARMED && !tm_running, ENV_R7);    /* ENV-R7 */
    STORK_EVENT_HOOK(EV_RELEASED, 0, 0, 0, 0, 0, 0)
}
