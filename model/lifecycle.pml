/*
 * lifecycle.pml -- the Storport side, part two: the system worker threads that run callbacks,
 * and the adapter's life as Storport and the PnP manager drive it. A design includes this
 * file last, after defining its hooks:
 *
 *   HW_FIND_ADAPTER()          runs first, alone, at PASSIVE (CTX_FINDADAPTER)
 *   HW_START()                 `run`s the miniport's concurrent routines (DPCs, StartIo, ...)
 *   HW_WORKITEM(tid, cb, w, cx) the callback body: routine cb, worker w, context cx, on
 *                              system thread tid; call the API with context CTX_SYS + tid at
 *                              PASSIVE_LEVEL and status variable st
 *   HW_REMOVE()                the miniport's remove handler, at PASSIVE (CTX_REMOVE): the
 *                              step of removal at which Storport's own routines have finished
 *                              (ScsiStopAdapter, HwFreeAdapterResources: ENV-R5)
 * and optionally, as cpp macros,
 *   HW_REMOVAL_NOTICE          the name of an inline, the miniport's handler of the first
 *                              removal notification (the remove SRB, ScsiAdapterSurpriseRemoval:
 *                              ENV-R1, ENV-R3). It runs when removal begins, while the routines
 *                              may still run (ENV-R6), and before HW_REMOVE; its calls name the
 *                              context and IRQL that handler runs in (CTX_CONTROL, CTX_STARTIO)
 *   HW_START_FAILED            an expression over the design's globals, evaluated after
 *                              HW_FIND_ADAPTER: the start failed (HwFindAdapter did not return
 *                              SP_RETURN_FOUND, ENV-E2). Then no routine runs and no removal
 *                              comes: the adapter is released once its callbacks have run, and
 *                              whatever the start did not free leaks (ENV-R12)
 * and, for the removal kinds and the stop (spec/environment.md ENV-R; each a cpp macro naming
 * an inline, as HW_REMOVAL_NOTICE; a hook left undefined is a notification the miniport ignores,
 * or for HW_SURPRISE_CONTROL one it did not mark supported, which Storport does not send):
 *   HW_REMOVE_SRB              the adapter remove SRB (StorRemoveDevice), handed through
 *                              HwStartIo: the orderly removal's first step (ENV-R1), and a
 *                              step that may follow a surprise removal (ENV-R3)
 *   HW_SURPRISE_CONTROL        HwAdapterControl(ScsiAdapterSurpriseRemoval), below DISPATCH
 *   HW_SURPRISE_SRB            the StorSurpriseRemoval SRB, through HwStartIo
 *                              A surprise removal sends the control and the SRB in either
 *                              order, or either alone, and the remove SRB may follow (ENV-R3).
 *                              Defining any of these three makes every run choose orderly or
 *                              surprise removal; each handler runs while the routines may
 *                              still run (ENV-R6), and removal has begun (ENV-R4)
 *   HW_STOP_ADAPTER            HwAdapterControl(ScsiStopAdapter), at DIRQL (ENV-E15): at
 *                              removal, once the routines have finished (ENV-R5), before
 *                              HW_REMOVE; and, defining it, also a stop that is not a removal
 *                              (ENV-R9): once per life, when no routine runs, before removal;
 *                              callbacks keep running while the adapter is stopped. Removal
 *                              may begin while it is stopped, before the restart (ENV-R13):
 *                              no restart then, and no second ScsiStopAdapter at removal
 *   HW_SET_RUNNING_CONFIG      HwAdapterControl(ScsiSetRunningConfig), at PASSIVE_LEVEL in
 *                              CTX_CONTROL, before each HW_RESTART_ADAPTER, with the interrupt
 *                              not connected (no HW_INTERRUPT run during it: ENV-E16, R11)
 *   HW_RESTART_ADAPTER         HwAdapterControl(ScsiRestartAdapter), at DIRQL, ending that
 *                              stop (ENV-R11); it may `run` the routines that run again.
 *                              A design with HW_STOP_ADAPTER and no HW_RESTART_ADAPTER did not
 *                              mark ScsiRestartAdapter: Storport ends the stop by running
 *                              HW_FIND_ADAPTER again (ENV-E2, ENV-E3, ENV-R11)
 * While the adapter is stopped, USE_HBA(ctx) is a violation of hba_running (ENV-R10).
 *   HW_STARTIO                 the name of an inline name(srb): HwStartIo (ENV-E8, E9), which
 *                              Storport calls once per request it hands, MAXSRB requests, each
 *                              in a process of its own from the start until the stop (ENV-R5),
 *                              in context CTX_STARTIO; srb is the request (0: none was left).
 *                              A physical miniport's runs hold the StartIo lock, so they never
 *                              overlap each other nor the remove and surprise-removal SRBs,
 *                              which come through HwStartIo too (ENV-R1, R3); with
 *                              `#define HW_VIRTUAL 1` there is no lock and any number run at
 *                              once (ENV-E9). Its calls use status variable st and name
 *                              DISPATCH_LEVEL. `#define HW_HALF_DUPLEX 1` (a physical
 *                              miniport's choice in HwFindAdapter, ENV-L4) has Storport hold
 *                              the interrupt lock too around HwStartIo, the adapter SRBs through
 *                              it and HwStorTimer: no ISR run overlaps them, and their calls
 *                              are made at DIRQL (ENV-L3); without it, full duplex
 *   HW_OWN_STARTIO             defined (1) by a design in the older form whose own processes
 *                              take SRBs with SRB_HANDED instead of HW_STARTIO: the stop and
 *                              removal wait for its SRBs as for HW_STARTIO's (ENV-R5, ENV-Q6)
 *   HW_BUILDIO                 the name of an inline name(srb, ok): a physical miniport's
 *                              HwBuildIo (ENV-E7), once per request handed, before that
 *                              request's HwStartIo, at DISPATCH_LEVEL in CTX_BUILDIO with no
 *                              lock, so several run at once; it sets ok (TRUE: HwStartIo
 *                              follows; FALSE: the miniport completes the request itself)
 *   HW_INTERRUPT               the name of an inline name(): HwInterrupt, at DIRQL in CTX_ISR
 *                              (its interrupt lock: the design's atomic), any number of times
 *                              from the start until Storport disconnects the interrupt after the
 *                              stop at removal; a shared line calls it also when its HBA did
 *                              not interrupt (ENV-E10). Its calls use status variable st
 *   HW_TIMER                   the name of an inline name(): the routine of the timer object
 *                              (storport.pml, StorPortRequestTimer), at DISPATCH_LEVEL in
 *                              CTX_TIMER, once per SUCCESS arm, also after the remove handler
 *                              (ENV-E14, ENV-R6); HW_TIMER_EXIT() its last instructions
 *   HW_STOR_TIMER              the name of an inline name(): HwStorTimer, the routine of
 *                              StorPortRequestTimerCall (storport.pml), once per request still
 *                              pending when it fires, at DISPATCH_LEVEL in CTX_STORTIMER holding
 *                              the StartIo lock (ENV-E13, ENV-L1; and the interrupt lock in
 *                              half-duplex, ENV-L4), also after the remove handler (ENV-R6)
 *   HW_PROCESS_SERVICE_REQUEST the name of an inline name(irp): a virtual miniport's
 *                              HwProcessServiceRequest (ENV-E19, E20), once per service IOCTL,
 *                              HW_SERVICE_REQUESTS of them (1 or 2, default 1), each in a process
 *                              of its own in CTX_SERVICE at PASSIVE_LEVEL with no lock, from the
 *                              start until the stop, alongside every HwStartIo on other CPUs;
 *                              irp is the IRP it must give back (StorPortCompleteServiceIrp)
 *   HW_COMPLETE_SERVICE_IRP    the name of an inline name(): HwCompleteServiceIrp, once at
 *                              removal, in CTX_SERVICE at PASSIVE_LEVEL, after ScsiStopAdapter
 *                              and before HW_REMOVE (HwFreeAdapterResources, last: ENV-R2)
 *   HW_FREE_ADAPTER_RESOURCES  the name of an inline name(): a virtual miniport's
 *                              HwFreeAdapterResources (ENV-E18, ENV-R2), its remove handler in
 *                              place of HW_REMOVE (which is then not called and need not be
 *                              written): once at removal, last of Storport's calls, after
 *                              ScsiStopAdapter and HwCompleteServiceIrp, when no HwStartIo,
 *                              HwProcessServiceRequest or control runs or will start, in
 *                              CTX_REMOVE at PASSIVE_LEVEL with no lock. The miniport's DPCs,
 *                              timers and work-item callbacks may still run alongside it and
 *                              after it (ENV-R6, WI-R3): what it frees without draining them
 *                              breaks WI-M6, WI-M8 or ENV-R7
 *   HW_DPC                     the name of an inline name(d): the routine of DPC object d
 *                              (storport.pml, StorPortIssueDpc), at DISPATCH_LEVEL in context
 *                              DPC_CTX(d); HW_DPC_OBJECTS (1 or 2, default 1) says how many
 *                              objects the miniport uses; its calls use status variable st.
 *                              HW_DPC_EXIT(d), as HW_WORKITEM_EXIT, is its last instructions,
 *                              atomic with its return. Each runs once per successful issue,
 *                              also after the remove handler (ENV-E12, ENV-R6)
 *   HW_INITIALIZE              the name of an inline name(): HwInitialize (ENV-E4), once after
 *                              HW_FIND_ADAPTER found the adapter, in CTX_INITIALIZE at DIRQL;
 *                              a physical miniport's holds the interrupt lock (so its calls are
 *                              DIRQL calls whatever IRQL they name, ENV-L3), a virtual one's
 *                              (HW_VIRTUAL) none. The interrupt is connected when it returns.
 *                              Without the hook, HW_FIND_ADAPTER stands for both routines.
 *   HW_INITIALIZE_FAILED       an expression: HwInitialize returned FALSE (ENV-R12), as
 *                              HW_START_FAILED: nothing else runs, no removal comes
 *   HW_RESTART_FAILED          an expression, read after each restart (ScsiRestartAdapter, or
 *                              HwFindAdapter and HwInitialize again, ENV-R11): it failed; then,
 *                              as after a failed HwPassiveInitializeRoutine (ENV-R12), the device
 *                              is removed with no notification, stop or remove handler, and what
 *                              the miniport keeps leaks (the audit's failed restart, the same)
 *   HW_PASSIVE_INITIALIZE      the name of an inline name(): HwPassiveInitializeRoutine (ENV-E5),
 *                              once, if HwInitialize called StorPortEnablePassiveInitialization,
 *                              in a process of its own in CTX_PASSIVEINIT at PASSIVE_LEVEL, no
 *                              lock: the ISR may run during it, DPCs and callbacks too, and a
 *                              removal may begin (ENV-R13); no request is handed to HW_STARTIO
 *                              before it returned. With this hook the DPC objects must be
 *                              initialised (StorPortInitializeDpc, ENV-E12) before an issue
 *   HW_PASSIVE_INIT_FAILED     an expression, read when it returns: it returned FALSE
 *                              (ENV-R12): no request is handed, no stop and no remove handler
 *                              come (a removal already begun has sent its notifications), the
 *                              interrupt is disconnected, and the adapter is released
 *   HW_WORKITEM_EXIT(tid, cb, w, cx)  the callback's very last instructions, done atomically
 *                              with its return: plain assignments such as clearing an
 *                              "inside the callback" flag or setting a completion event. It
 *                              must not touch the worker. WI-M6 does not depend on it: a free
 *                              by another context while the callback runs is recorded, and
 *                              no_free_while_running asserts at the callback's later use of
 *                              the worker (contract.pml), so a design may as well signal
 *                              "done" in HW_WORKITEM (preempt_signal_before_return.pml); what
 *                              EXIT saves is states.
 */
#undef assert      /* the design's assert (storport.pml) ends here */
/* NeptuneOS (ENV-H5, --host neptune) never calls HwAdapterControl, sends no PnP SRB and calls
   neither HwProcessServiceRequest, HwCompleteServiceIrp nor HwFreeAdapterResources: no removal
   kind, stop or restart reaches the miniport, and neither does its remove handler (HW_REMOVE
   or HW_FREE_ADAPTER_RESOURCES). The adapter's removal still begins and its life still ends;
   what only those handlers free is never freed there. */
#ifdef STORK_HOST_NEPTUNE
/* Those handlers are still the design's code to SPIN: stork_host_never_calls() names them, in
   StorkHostNeverCalls below, a proctype no run starts (nothing of it is in any state), so that
   a global of the design only they read is read on this host as on Windows. Without it such a
   global would be write-only here, and SPIN keeps a write-only global out of the state as a C
   variable of pan.c under its own name, which clashes with pan.c's own (`have`, `done`: pan.c
   does not compile). The hooks' names are taken here, before the #undefs below. */
inline stork_host_never_calls() {
    skip
#ifdef HW_REMOVAL_NOTICE
    ; HW_REMOVAL_NOTICE()
#endif
#ifdef HW_REMOVE_SRB
    ; HW_REMOVE_SRB()
#endif
#ifdef HW_SURPRISE_CONTROL
    ; HW_SURPRISE_CONTROL()
#endif
#ifdef HW_SURPRISE_SRB
    ; HW_SURPRISE_SRB()
#endif
#ifdef HW_STOP_ADAPTER
    ; HW_STOP_ADAPTER()
#endif
#ifdef HW_SET_RUNNING_CONFIG
    ; HW_SET_RUNNING_CONFIG()
#endif
#ifdef HW_RESTART_ADAPTER
    ; HW_RESTART_ADAPTER()
#endif
#ifdef HW_PROCESS_SERVICE_REQUEST
    ; HW_PROCESS_SERVICE_REQUEST(irp)
#endif
#ifdef HW_COMPLETE_SERVICE_IRP
    ; HW_COMPLETE_SERVICE_IRP()
#endif
#ifdef HW_FREE_ADAPTER_RESOURCES
    ; HW_FREE_ADAPTER_RESOURCES()
#else
    ; HW_REMOVE()
#endif
}
#undef HW_REMOVAL_NOTICE
#undef HW_REMOVE_SRB
#undef HW_SURPRISE_CONTROL
#undef HW_SURPRISE_SRB
#undef HW_STOP_ADAPTER
#undef HW_SET_RUNNING_CONFIG
#undef HW_RESTART_ADAPTER
#undef HW_PROCESS_SERVICE_REQUEST
#undef HW_COMPLETE_SERVICE_IRP
#undef HW_FREE_ADAPTER_RESOURCES
#define HOST_NO_REMOVE_HANDLER 1
#endif
#ifndef HW_WORKITEM_EXIT
#define HW_WORKITEM_EXIT(tid, cb, w, cx) skip
#endif
/* A generator's trap (model/gen/gen_trap.pml) reads its goal first thing. */
#ifndef STORK_INIT_HOOK
#define STORK_INIT_HOOK() skip
#endif
/* A generator's random walks hold removal back while most of their calls are still to come. */
#ifndef STORK_REMOVAL_GATE
#define STORK_REMOVAL_GATE true
#endif

/*
 * A system worker thread (WI-C2). It takes any queued worker whose callback is not already
 * running (the runtime serialises one worker's runs, WI-C4; the order between workers is
 * unspecified, so any queued worker may go next), marks it dequeued before calling the
 * callback (WI-C3), and runs the design's HW_WORKITEM with no lock held (WI-C6). On return
 * it clears only its own bookkeeping (rt_runner), never the worker, which the callback may
 * have freed (WI-C7).
 */
#define PICK(i) \
    :: d_step { (i <= MAXW && rt_state[i] == W_QUEUED && RT_MAY_START(i) MAIN_FREE) -> \
                w = i; rt_state[w] = W_IDLE; rt_runner[w] = tid + 1; MAIN_TAKE_ \
                cb = rt_cb[w]; cx = rt_cx[w]; mon_start(tid, w, cb, cx) }
#ifdef FAULT_OVERLAP
#define RT_MAY_START(i) true
#else
#define RT_MAY_START(i) (rt_runner[i] == 0)
#endif

/* The timer object's routine, once per SUCCESS arm (ENV-E14); always a process of its own. */
#ifdef HW_TIMER
#define TIMER_PROCS 1
#ifndef HW_TIMER_EXIT
#define HW_TIMER_EXIT() skip
#endif
proctype TimerObject() {
    byte st;                                   /* the status variable of HW_TIMER's calls */
end_idle:
    do
    :: d_step { tm_state == TM_ARMED MAIN_FREE -> tm_state = TM_IDLE; tm_running = 1; MAIN_TAKE_ mon_timer_start() };
       HW_TIMER();
       d_step { HW_TIMER_EXIT(); MAIN_GIVE_ tm_running = 0; mon_timer_return() }
    od
}
#else
#define TIMER_PROCS 0
#endif

/* HwStorTimer (ENV-E13): once per pending RequestTimerCall, under the StartIo lock, never
   starting while a miniport context waits for that lock (as the ISR, storport.pml sp_waiting);
   with it, Storport's own holds of the StartIo lock count as waits too. */
#ifdef HW_STOR_TIMER
#define STOR_TIMER_PROCS 1
/* Half-duplex (ENV-L4, ENV-L1): the interrupt lock too, taken with the StartIo lock. */
#ifdef HW_HALF_DUPLEX
#define STOR_TIMER_HALF_FREE && sp_holder[InterruptLock] == 0 && sp_waiting[InterruptLock] == 0
#define STOR_TIMER_HALF_TAKE sp_holder[InterruptLock] = _pid + 1;
#define STOR_TIMER_HALF_DROP SP_DROP(InterruptLock);
#else
#define STOR_TIMER_HALF_FREE
#define STOR_TIMER_HALF_TAKE
#define STOR_TIMER_HALF_DROP
#endif
/* NeptuneOS (ENV-H4): the StartIo lock takes nothing, the main thread is what HwStorTimer waits
   for; Windows: the StartIo lock, free and waited for by no miniport context. */
#ifdef STORK_HOST_NEPTUNE
#define STOR_TIMER_STARTIO_FREE MAIN_FREE
#define STOR_TIMER_STARTIO_TAKE SP_NOMINAL_HOLD(StartIoLock); MAIN_TAKE_
#define STOR_TIMER_STARTIO_DROP SP_NOMINAL_DROP(StartIoLock); MAIN_GIVE_
#else
#define STOR_TIMER_STARTIO_FREE && sp_holder[StartIoLock] == 0 && sp_waiting[StartIoLock] == 0
#define STOR_TIMER_STARTIO_TAKE sp_holder[StartIoLock] = _pid + 1;
#define STOR_TIMER_STARTIO_DROP SP_DROP(StartIoLock);
#endif
proctype StorTimer() {
    byte st;                                   /* the status variable of HW_STOR_TIMER's calls */
end_idle:
    do
    :: d_step { rtc_pending STOR_TIMER_STARTIO_FREE STOR_TIMER_HALF_FREE ->
                rtc_pending--; rtc_running = 1; STOR_TIMER_STARTIO_TAKE STOR_TIMER_HALF_TAKE
                printf("# HwStorTimer runs\n") };
       HW_STOR_TIMER();
       d_step { STOR_TIMER_HALF_DROP STOR_TIMER_STARTIO_DROP rtc_running = 0; printf("# HwStorTimer returns\n") }
    od
}
#define SP_HOLD_STARTIO() SP_HOLD_WAITING(StartIoLock)
#define STOR_TIMER_AT_RELEASE \
    if \
    :: rtc_pending || rtc_running -> printf("# HwStorTimer is still pending or running at the adapter's release\n") \
    :: else \
    fi; \
    CHECK_no_callback_after_removal(!rtc_pending && !rtc_running, ENV_R7);    /* ENV-R7 */
#else
#define STOR_TIMER_PROCS 0
#define SP_HOLD_STARTIO() SP_HOLD(StartIoLock)
#define STOR_TIMER_AT_RELEASE
#endif

/* HwInterrupt (ENV-E10): any number of times, from the start until Storport disconnects the
   interrupt after ScsiStopAdapter at removal, which waits for a run in progress. A shared
   line calls it whether or not its HBA interrupted, also after a removal notification. Each
   run holds the interrupt lock (ENV-L1), which StorPortSynchronizeAccess and the miniport's
   StorPortAcquireSpinLock(ctx, InterruptLock) also take. */
/* ScsiSetRunningConfig (ENV-E16, R11) runs with the interrupt not yet connected again. */
#ifdef HW_SET_RUNNING_CONFIG
#ifndef HW_RESTART_ADAPTER
#error "HW_SET_RUNNING_CONFIG: ScsiSetRunningConfig comes before ScsiRestartAdapter: define HW_RESTART_ADAPTER too"
#endif
bit sp_isr_masked;          /* the interrupt is not connected during ScsiSetRunningConfig */
#define ISR_CONNECTED (!isr_disconnected && !sp_isr_masked)
#else
#define ISR_CONNECTED (!isr_disconnected)
#endif
#ifdef HW_INTERRUPT
#define ISR_PROCS 1
proctype Interrupt() {
    byte st;                                   /* the status variable of HW_INTERRUPT's calls */
    do
    :: d_step { ISR_CONNECTED && sp_holder[InterruptLock] == 0 && sp_waiting[InterruptLock] == 0 ->
                isr_running = 1; sp_holder[InterruptLock] = _pid + 1; printf("# interrupt\n") };
       HW_INTERRUPT();
       d_step { SP_DROP(InterruptLock); isr_running = 0 }
    :: isr_disconnected -> break
    od
}
#define ISR_DISCONNECT() d_step { isr_disconnected = 1; printf("# interrupt disconnected\n") }; (!isr_running)
#else
#define ISR_PROCS 0
#endif

/* HwProcessServiceRequest (ENV-E19): once per service IOCTL, overlapping everything. */
#ifdef HW_PROCESS_SERVICE_REQUEST
#ifndef HW_VIRTUAL
#error "HW_PROCESS_SERVICE_REQUEST: HwProcessServiceRequest is a virtual miniport's (ENV-E19): #define HW_VIRTUAL 1"
#endif
#ifndef HW_SERVICE_REQUESTS
#define HW_SERVICE_REQUESTS 1
#endif
#if HW_SERVICE_REQUESTS < 1 || HW_SERVICE_REQUESTS > MAXSVC
#error "HW_SERVICE_REQUESTS is 1 or 2"
#endif
proctype ServiceRequest() {
    byte irp, st;
    d_step {
        svc_handed++; irp = svc_handed; svc_state[irp] = Q_HANDED;
        printf("# service irp%d handed to service\n", irp)
    };
    HW_PROCESS_SERVICE_REQUEST(irp)
}
#define SERVICE_AT_RELEASE \
    m_i = 1; \
    do \
    :: m_i <= svc_handed -> \
        if \
        :: svc_state[m_i] == Q_HANDED -> printf("# service irp%d never completed\n", m_i) \
        :: else \
        fi; \
        CHECK_requests_complete(svc_state[m_i] != Q_HANDED, ENV_E19);    /* ENV-E19 */ \
        m_i++ \
    :: else -> break \
    od;
#else
#define SERVICE_AT_RELEASE
#endif

/* The remove handler (ENV-R5): a virtual miniport's HwFreeAdapterResources when it registers
   one (ENV-E18, ENV-R2), else the design's HW_REMOVE. */
#ifdef HOST_NO_REMOVE_HANDLER
#define REMOVE_HANDLER() d_step { printf("# host: no removal step reaches the miniport (NeptuneOS, ENV-H5)\n") }
#elif defined(HW_FREE_ADAPTER_RESOURCES)
#ifndef HW_VIRTUAL
#error "HW_FREE_ADAPTER_RESOURCES: HwFreeAdapterResources is a virtual miniport's (ENV-E18): #define HW_VIRTUAL 1"
#endif
#define REMOVE_HANDLER() d_step { printf("# HwFreeAdapterResources, last of Storport's calls\n") }; HW_FREE_ADAPTER_RESOURCES()
#else
#define REMOVE_HANDLER() HW_REMOVE()
#endif

/* HwStartIo, once per request handed (ENV-E8, E9); a physical miniport's under the StartIo
   lock (ENV-L1). */
#if defined(HW_HALF_DUPLEX) && HW_HALF_DUPLEX != 1
#error "HW_HALF_DUPLEX is 1, or undefined for full duplex (ENV-L4)"
#endif
#if defined(HW_HALF_DUPLEX) && defined(HW_VIRTUAL)
#error "HW_HALF_DUPLEX with HW_VIRTUAL: half-duplex is a physical miniport's choice (ENV-L4): a virtual one has no interrupt"
#endif
#if defined(HW_HALF_DUPLEX) && defined(STORK_HOST_NEPTUNE)
/* [NEP] miniport.c MiniportFindAdapter: as the audit's drv_start, nothing of such an adapter
   runs there, so there is nothing to verify */
#error "HW_HALF_DUPLEX under --host neptune: NeptuneOS fails the start of a half-duplex miniport (STATUS_DEVICE_CONFIGURATION_ERROR; a debug build asserts), so nothing of the adapter runs there (ENV-H5): it supports StorSynchronizeFullDuplex only"
#endif
/* Concurrent channels (ENV-E8): HW_CONCURRENT_CHANNELS, the ConcurrentChannels a physical
   miniport applied with STOR_PERF_CONCURRENT_CHANNELS in StorPortInitializePerfOpts: its
   HwStartIo runs without the StartIo lock, at most that many at once (counted unless there
   are more channels than the requests and the one adapter SRB at a time the removal hands
   through HwStartIo too, ENV-R1); NeptuneOS applies nothing, HwStartIo is on its main thread anyway, and
   holds no nominal StartIo lock then, as Windows holds none (ENV-H2). */
#if defined(HW_CONCURRENT_CHANNELS) && (defined(HW_VIRTUAL) || !defined(HW_STARTIO) || HW_CONCURRENT_CHANNELS < 1)
#error "HW_CONCURRENT_CHANNELS is the ConcurrentChannels (1 or more) of a physical miniport with HW_STARTIO (ENV-E8): a virtual miniport's HwStartIo has no StartIo lock to lift"
#endif
#if defined(HW_CONCURRENT_CHANNELS) && HW_CONCURRENT_CHANNELS <= MAXSRB
byte sp_channels_busy;      /* HwStartIo calls running on a channel now */
#define CHANNEL_HELD(body) atomic { sp_channels_busy < HW_CONCURRENT_CHANNELS -> sp_channels_busy++ }; \
    body; sp_channels_busy--
#else
#define CHANNEL_HELD(body) body
#endif
#if defined(HW_STARTIO) && defined(HW_CONCURRENT_CHANNELS) && defined(HW_HALF_DUPLEX)
#define STARTIO_HELD(body) CHANNEL_HELD(SP_HOLD_WAITING(InterruptLock); body; SP_DROP(InterruptLock))
#elif defined(HW_STARTIO) && defined(HW_CONCURRENT_CHANNELS)
#define STARTIO_HELD(body) CHANNEL_HELD(body)
#elif defined(STORK_HOST_NEPTUNE) && defined(HW_STARTIO) && !defined(HW_VIRTUAL)
#define STARTIO_HELD(body) d_step { SP_NOMINAL_HOLD(StartIoLock) }; body; d_step { SP_NOMINAL_DROP(StartIoLock) }
#elif defined(HW_STARTIO) && defined(HW_HALF_DUPLEX)
/* Half-duplex (ENV-L4, ENV-L1): the interrupt lock as well, taken second (the lock order,
   ENV-L2), so HwStartIo runs at DIRQL (ENV-L3) and no ISR run overlaps it. */
#define STARTIO_HELD(body) SP_HOLD_STARTIO(); SP_HOLD_WAITING(InterruptLock); body; \
    SP_DROP(InterruptLock); SP_DROP(StartIoLock)
#elif defined(HW_STARTIO) && !defined(HW_VIRTUAL)
#define STARTIO_HELD(body) SP_HOLD_STARTIO(); body; SP_DROP(StartIoLock)
#else
#define STARTIO_HELD(body) body
#endif
/* A physical miniport's HwBuildIo (ENV-E7) gets each request first, with no lock, several at
   once; its TRUE sends the request on to HwStartIo, its FALSE leaves it to the miniport. */
#if defined(HW_BUILDIO) && defined(HW_VIRTUAL)
#error "HW_BUILDIO with HW_VIRTUAL: a virtual miniport has no HwBuildIo (ENV-E7)"
#endif
/* HwStartIo's return (ENV-Q3): HW_STARTIO_FALSE(srb), if the design defines it, is an
   expression over its globals, read when HwStartIo returns: it returned FALSE for srb. Windows
   [POS]: taken as TRUE (the miniport completes the SRB whatever it returns). NeptuneOS
   (ENV-H5): the host completes the SRB itself with SRB_STATUS_ERROR, so a miniport that
   completed it too has completed it twice (requests_complete, ENV-Q3), and one that completes
   it later does so after the host (ENV-Q1). */
#ifdef HW_STARTIO_FALSE
#ifdef STORK_HOST_NEPTUNE
#define STARTIO_RESULT(srb) ; \
    if \
    :: d_step { srb != 0 && (HW_STARTIO_FALSE(srb)) -> \
        printf("# HwStartIo returned FALSE for srb%d: the host completes it (NeptuneOS, ENV-H5)\n", srb); \
        CHECK_requests_complete(q_state[srb] != Q_COMPLETED, ENV_Q3); q_state[srb] = Q_COMPLETED }    /* ENV-Q3 */ \
    :: else \
    fi
#else
#define STARTIO_RESULT(srb) ; \
    if \
    :: d_step { srb != 0 && (HW_STARTIO_FALSE(srb)) -> \
        printf("# HwStartIo returned FALSE for srb%d: taken as TRUE (ENV-Q3)\n", srb) } \
    :: else \
    fi
#endif
#else
#define STARTIO_RESULT(srb)                    /* nothing: no step added */
#endif
#ifdef HW_BUILDIO
#define HANDING() SRB_HANDED(CTX_BUILDIO, srb); \
    if \
    :: srb == 0 \
    :: else -> HW_BUILDIO(srb, built); \
        if \
        :: built -> STARTIO_HELD(HW_STARTIO(srb)) STARTIO_RESULT(srb) \
        :: else -> printf("# buildio returned FALSE for srb%d: no HwStartIo\n", srb) \
        fi \
    fi
#else
#define HANDING() STARTIO_HELD(SRB_HANDED(CTX_STARTIO, srb); HW_STARTIO(srb)) STARTIO_RESULT(srb)
#endif
#ifdef HW_PASSIVE_INITIALIZE
/* Declared before StartIoRun, which waits for them: a design with both roles. */
bit sp_started;             /* the start succeeded: requests may be handed */
bit sp_start_failed;        /* HwPassiveInitializeRoutine returned FALSE (ENV-R12) */
#endif
/* NeptuneOS (ENV-H4): HwBuildIo and HwStartIo on the main thread, taken before the request is
   handed and given up when HwStartIo has returned. */
#ifdef STORK_HOST_NEPTUNE
#define HANDING_ON_MAIN() MAIN_TAKE_STEP HANDING(); MAIN_GIVE_
#else
#define HANDING_ON_MAIN() HANDING()
#endif
#ifdef HW_STARTIO
proctype StartIoRun() {
    byte srb, st;
#ifdef HW_BUILDIO
    bit built;                                 /* HwBuildIo returned TRUE */
#endif
#ifdef HW_PASSIVE_INITIALIZE
    if
    :: sp_started -> HANDING_ON_MAIN()
    :: sp_start_failed                         /* no request after a failed start (ENV-R12) */
    fi
#else
    HANDING_ON_MAIN()
#endif
}
#endif

/* HwInitialize holds the interrupt lock for a physical miniport, none for a virtual one
   (ENV-E4, ENV-L1), nor on NeptuneOS (ENV-H4: on the main thread, with init's start), where
   the ISR is connected before it and may run during it (SP_ISR_IN_INITIALIZE, below). */
#if defined(HW_INITIALIZE) && defined(HW_INTERRUPT) && !defined(HW_VIRTUAL) && defined(STORK_HOST_NEPTUNE)
#define SP_ISR_IN_INITIALIZE 1
#endif
#if defined(HW_INITIALIZE) && !defined(HW_VIRTUAL) && !defined(STORK_HOST_NEPTUNE)
#define INITIALIZE_HELD(body) SP_HOLD_WAITING(InterruptLock); body; SP_DROP(InterruptLock)
#else
#define INITIALIZE_HELD(body) body
#endif

/* HwPassiveInitializeRoutine (ENV-E5): once, after HwInitialize enabled it, alongside the ISR,
   DPCs, callbacks and a removal (ENV-R13); the requests wait for its return. Again after a
   restart by HwFindAdapter (NOTICE_RESTART). */
#ifdef HW_PASSIVE_INITIALIZE
#define START_OK (!sp_start_failed)
proctype PassiveInit() {
    byte st;                                   /* the status variable of its calls */
    MAIN_TAKE_STEP HW_PASSIVE_INITIALIZE();
    d_step {
        MAIN_GIVE_
#ifdef HW_PASSIVE_INIT_FAILED
        if
        :: HW_PASSIVE_INIT_FAILED ->
            sp_start_failed = 1; printf("# start failed: HwPassiveInitializeRoutine returned FALSE\n")
        :: else -> sp_started = 1; printf("# passive initialisation returned TRUE\n")
        fi
#else
        sp_started = 1; printf("# passive initialisation returned TRUE\n")
#endif
    }
}
#else
#define START_OK true
#endif

/* A DPC object's routine runs once per issue, never overlapping itself (ENV-E12). */
#ifdef HW_DPC
#ifndef HW_DPC_OBJECTS
#define HW_DPC_OBJECTS 1
#endif
#if HW_DPC_OBJECTS < 1 || HW_DPC_OBJECTS > MAXDPC
#error "HW_DPC_OBJECTS is 1 or 2"
#endif
#ifndef HW_DPC_EXIT
#define HW_DPC_EXIT(d) skip
#endif
#define DPC_PROCS HW_DPC_OBJECTS
proctype DpcObject(byte d) {
    byte st;                                   /* the status variable of HW_DPC's calls */
end_idle:
    do
    :: d_step { dpc_queued[d] MAIN_FREE -> dpc_queued[d] = 0; dpc_running[d] = 1; MAIN_TAKE_ mon_dpc_start(d) };
       HW_DPC(d);
       d_step { HW_DPC_EXIT(d); MAIN_GIVE_ dpc_running[d] = 0; mon_dpc_return(d) }
    od
}
#else
#define DPC_PROCS 0
#endif

proctype SystemThread(byte tid) {
    byte w, cb, cx, st;
end_idle:
    do
    :: if
       PICK(1) PICK(2) PICK(3) PICK(4) PICK(5) PICK(6)
       fi;
       HW_WORKITEM(tid, cb, w, cx);
       atomic {
           HW_WORKITEM_EXIT(tid, cb, w, cx);
           MAIN_GIVE_ rt_runner[w] = (rt_runner[w] == tid + 1 -> 0 : rt_runner[w]);
           mon_return(tid, w);
           w = 0; cb = 0; cx = 0; st = 0
       }
    od
}

/*
 * The removal notifications and the stop (ENV-R1, R3, R9, R11): each prints its trace comment
 * (mon_notice, contract.pml) and runs the miniport's handler, if it has one.
 */
#if defined(HW_REMOVE_SRB) || defined(HW_SURPRISE_CONTROL) || defined(HW_SURPRISE_SRB)
#define STORK_REMOVAL_KINDS 1
#endif
#define N_BIT(n) (1 << (n))
#ifdef HW_REMOVE_SRB
#define NOTICE_REMOVE_SRB() d_step { mon_notice(N_REMOVE_SRB) }; STARTIO_HELD(HW_REMOVE_SRB())
#else
#define NOTICE_REMOVE_SRB() d_step { mon_notice(N_REMOVE_SRB) }
#endif
#ifdef HW_SURPRISE_SRB
#define NOTICE_SURPRISE_SRB() d_step { mon_notice(N_SURPRISE_SRB) }; STARTIO_HELD(HW_SURPRISE_SRB())
#else
#define NOTICE_SURPRISE_SRB() d_step { mon_notice(N_SURPRISE_SRB) }
#endif
#ifdef HW_SURPRISE_CONTROL
#define NOTICE_SURPRISE_CONTROL() d_step { mon_notice(N_SURPRISE_CONTROL) }; HW_SURPRISE_CONTROL()
#else
#define NOTICE_SURPRISE_CONTROL() skip     /* not marked supported: not sent (ENV-E6) */
#endif
#ifdef HW_RESTART_ADAPTER
#ifdef HW_SET_RUNNING_CONFIG
#define NOTICE_RESTART() \
    d_step { sp_isr_masked = 1; printf("# adapter restarting: HwAdapterControl(ScsiSetRunningConfig), the interrupt not connected\n") }; \
    (!isr_running); HW_SET_RUNNING_CONFIG(); d_step { sp_isr_masked = 0; mon_adapter_restart() }; HW_RESTART_ADAPTER()
#else
#define NOTICE_RESTART() d_step { mon_adapter_restart() }; HW_RESTART_ADAPTER()
#endif
#else
/* No ScsiRestartAdapter handler: the miniport did not mark it, and Storport re-initialises
   the adapter by calling HwFindAdapter again (ENV-E2, ENV-R11), which must not lose what the
   first run set up (ENV-E3). */
#ifdef HW_INITIALIZE
/* ... and HwPassiveInitializeRoutine again if that HwInitialize enabled it again (ENV-E5:
   called after HwInitialize; [POS] after every HwInitialize that enables it), in init, the
   routines, callbacks and the ISR running on meanwhile; its FALSE, as HwInitialize's here, ends
   nothing by itself: a design says that its restart failed with HW_RESTART_FAILED, after which,
   as in the audit, where any failing routine of a restart ends it, the adapter's life ends */
#ifdef HW_PASSIVE_INITIALIZE
#define PASSIVE_RESET sp_passive_enabled = 0;
#define PASSIVE_AGAIN() ; \
    if \
    :: sp_passive_enabled -> d_step { printf("# passive initialisation again\n") }; HW_PASSIVE_INITIALIZE() \
    :: else \
    fi
#else
#define PASSIVE_RESET
#define PASSIVE_AGAIN()
#endif
#define NOTICE_RESTART() d_step { mon_adapter_refind() }; HW_FIND_ADAPTER(); \
    d_step { PASSIVE_RESET printf("# initialize: HwInitialize again\n") }; \
    INITIALIZE_HELD(HW_INITIALIZE()) PASSIVE_AGAIN()
#else
#define NOTICE_RESTART() d_step { mon_adapter_refind() }; HW_FIND_ADAPTER()
#endif
#endif

/* The stops that are not a removal, each with its restart, in one adapter life (ENV-R9): a
   bound, 1 unless a design's `config:` or -D gives 2 or 3 (the audit's --stops). */
#ifndef MAXSTOPS
#define MAXSTOPS 1
#endif
#if MAXSTOPS == 1
#define MAXSTOPS_AND_ONE 2
#elif MAXSTOPS == 2
#define MAXSTOPS_AND_ONE 3
#elif MAXSTOPS == 3
#define MAXSTOPS_AND_ONE 4
#else
#error "MAXSTOPS is 1, 2 or 3"
#endif

/* NeptuneOS (ENV-H4): init gives up the main thread when the start is over (or at a failed
   start's release); Storport's waits at removal then need no thread there (no removal step
   reaches the miniport, ENV-H5), and the release is a step on it: not while a routine runs. */
#ifdef STORK_HOST_NEPTUNE
#define MAIN_GIVE_AFTER ; sp_main = 0
#else
#define MAIN_GIVE_AFTER
#endif

/* _nr_pr counts the never claim as a process when there is one: in the claim runs, which
   select one claim (pan -N); the safety runs compile every claim out (pan.c -DNOCLAIM), so a
   design's own `ltl` cannot hold removal back. `stork verify` compiles both from one pan.c
   (-DSTORK_LIVENESS): the hidden stork_claimed is 1 only in the pan built with claims (its
   switch hook sets it, conformance/stork/spin.py switch_hook); a hidden variable is no part
   of the state. */
#ifdef STORK_LIVENESS
hidden byte stork_claimed;
#define NEVER_CLAIMS stork_claimed
#else
#define NEVER_CLAIMS 0
#endif

/* No SRB handed is still outstanding (ENV-Q6, ENV-R5). */
#if MAXSRB > 8
#error "MAXSRB is at most 8"
#endif
#define Q_DONE_H(i) (i > MAXSRB || q_state[i] != Q_HANDED)
#define Q_ALL_COMPLETED (Q_DONE_H(1) && Q_DONE_H(2) && Q_DONE_H(3) && Q_DONE_H(4) && \
                         Q_DONE_H(5) && Q_DONE_H(6) && Q_DONE_H(7) && Q_DONE_H(8))

/* What the stop waits for besides the routines: every SRB handed completed, in a design that
   takes SRBs (ENV-R5). */
#if defined(HW_STARTIO) || defined(HW_OWN_STARTIO)
#define Q_STOP_QUIET Q_ALL_COMPLETED
#else
#define Q_STOP_QUIET true
#endif

/* No callback of this adapter is queued or running, as far as the runtime knows. */
#define RT_DRAINED_H(i) (i > MAXW || (rt_state[i] != W_QUEUED && rt_runner[i] == 0))
#define RT_DRAINED (RT_DRAINED_H(1) && RT_DRAINED_H(2) && RT_DRAINED_H(3) && \
                    RT_DRAINED_H(4) && RT_DRAINED_H(5) && RT_DRAINED_H(6))

/*
 * The adapter's life: find-adapter, then the miniport's routines run concurrently with the
 * callbacks until removal begins, at any moment (WI-R1, ENV-R13). The removal notice, if the
 * design handles one, comes at once, overlapping the routines (ENV-R6). Storport calls the
 * remove handler once the miniport's own routines have finished and every SRB it handed is
 * completed (WI-R4, ENV-R5, ENV-Q6), but without waiting for callbacks;
 * it keeps the adapter until every queued callback has run (WI-R2, WI-R3), and then the
 * adapter's life is over and the end-of-life checks run.
 */
init {
    byte st, i;
#ifdef STORK_REMOVAL_KINDS
    byte notices;                              /* N_BIT(n) for each notification sent */
#endif
#ifdef HW_STOP_ADAPTER
    bit stopped_at_removal;                    /* removal began while stopped (ENV-R13) */
#if MAXSTOPS > 1
    byte stops;                                /* stops with their restart so far */
#endif
#endif
    atomic {
        MAIN_TAKE_ STORK_INIT_HOOK();         /* NeptuneOS: the start is on the main thread (ENV-H4) */
#if defined(STORK_HOST_NEPTUNE) && defined(HW_INTERRUPT) && !defined(HW_VIRTUAL)
        sp_irq_connected = 1;                  /* ENV-H4: the interrupt lock is its mutex */
#endif
        i = 0;
        do
        :: i < NTHREADS -> run SystemThread(i); i++
        :: else -> break
        od;
        i = 0;
#ifdef HW_TIMER
        run TimerObject();
#endif
#ifdef HW_STOR_TIMER
        run StorTimer();
#endif
#ifdef HW_DPC
        do
        :: i < HW_DPC_OBJECTS -> run DpcObject(i + 1); i++
        :: else -> break
        od;
        i = 0;
#endif
#ifndef HW_PASSIVE_INITIALIZE
        dpc_ready[1] = 1; dpc_ready[2] = 1;    /* initialised before any routine runs */
#endif
        HW_FIND_ADAPTER();
#ifdef HW_START_FAILED
        if
        :: HW_START_FAILED -> goto released       /* ENV-R12: no routine, no removal */
        :: else
        fi;
#endif
#ifdef HW_INITIALIZE
        printf("# initialize: HwInitialize\n");
#ifdef SP_ISR_IN_INITIALIZE
        /* NeptuneOS (ENV-H4, [NEP] fdo.c PortFdoStartMiniport): the interrupt is connected
           before HwInitialize, which runs without the interrupt lock: the ISR, on its own
           thread, may run between any two of its steps (init keeps the main thread) */
        run Interrupt()
    };
    HW_INITIALIZE();
    atomic {
#else
        INITIALIZE_HELD(HW_INITIALIZE());
#endif
#ifdef HW_INITIALIZE_FAILED
        if
        :: HW_INITIALIZE_FAILED ->
            printf("# start failed: HwInitialize returned FALSE\n");
#ifdef SP_ISR_IN_INITIALIZE
            /* [POS] disconnected with the failed start (NeptuneOS leaves it connected) */
            ISR_DISCONNECT();
#endif
            goto released    /* ENV-R12 */
        :: else
        fi;
#endif
#endif
#if defined(HW_INTERRUPT) && !defined(SP_ISR_IN_INITIALIZE)
        run Interrupt();
#endif
#ifdef HW_PASSIVE_INITIALIZE
        if
        :: sp_passive_enabled -> run PassiveInit()
        :: else -> sp_started = 1
        fi;
#endif
#ifdef HW_STARTIO
        do
        :: i < MAXSRB -> run StartIoRun(); i++
        :: else -> break
        od;
        i = 0;
#endif
#ifdef HW_PROCESS_SERVICE_REQUEST
        do
        :: i < HW_SERVICE_REQUESTS -> run ServiceRequest(); i++
        :: else -> break
        od;
        i = 0;
#endif
        HW_START() MAIN_GIVE_AFTER
    }
#ifdef HW_STOP_ADAPTER
    /* ENV-R9, R11: a stop that is not a removal, and its restart, at most MAXSTOPS times per
       life, when no routine runs and, in a design that takes SRBs, none handed is outstanding
       (ENV-R5, as the audit's stop); the callbacks, DPCs and timers run on across it (ENV-E21).
       One stop keeps its own form, so that a design's state count does not change with the
       bound it does not set. */
#define STOP_GATE (_nr_pr == NTHREADS + 1 + DPC_PROCS + TIMER_PROCS + STOR_TIMER_PROCS + ISR_PROCS + NEVER_CLAIMS) && STORK_REMOVAL_GATE && START_OK && Q_STOP_QUIET
/* A restart that failed (HW_RESTART_FAILED, ENV-R12): the start's failure path below. */
#if defined(HW_RESTART_FAILED) && !defined(HW_STOP_ADAPTER)
#error "HW_RESTART_FAILED without HW_STOP_ADAPTER: only a stop that is not a removal has a restart (ENV-R9, R11)"
#endif
#ifdef HW_RESTART_FAILED
#define RESTART_CHECK() ; \
        if \
        :: HW_RESTART_FAILED -> printf("# restart failed: the adapter's life ends (ENV-R12)\n"); \
            goto start_failed \
        :: else \
        fi
#else
#define RESTART_CHECK()
#endif
#define STOP_STEPS() \
        d_step { mon_adapter_stopping() }; \
        HW_STOP_ADAPTER(); \
        d_step { mon_adapter_stop() }          /* stopped once the handler has returned */
#define REMOVAL_WHILE_STOPPED() \
        STORK_REMOVAL_GATE ->                  /* ENV-R13: removal while stopped, no restart */ \
            stopped_at_removal = 1; printf("# removal comes while the adapter is stopped\n")
#if MAXSTOPS == 1
    if
    :: skip
    :: STOP_GATE ->
        STOP_STEPS();
        if
        :: NOTICE_RESTART() RESTART_CHECK()
        :: REMOVAL_WHILE_STOPPED()
        fi
    fi;
#else
    do
    :: stops < MAXSTOPS && STOP_GATE ->
        STOP_STEPS();
        if
        :: NOTICE_RESTART() RESTART_CHECK(); stops++
        :: REMOVAL_WHILE_STOPPED(); break
        fi
    :: break
    od;
    skip;                                      /* a break may not jump into the d_step below */
#endif
#endif
#ifdef HW_PASSIVE_INITIALIZE
    /* a failed start gets no removal; one still running may (ENV-R13) */
    if
    :: sp_start_failed -> goto start_failed
    :: d_step { STORK_REMOVAL_GATE && !sp_start_failed -> rt_removing = 1; mon_remove_begin() }
    fi;
#else
    d_step { STORK_REMOVAL_GATE -> rt_removing = 1; mon_remove_begin() }
#endif
#ifdef HW_REMOVAL_NOTICE
    HW_REMOVAL_NOTICE();                       /* ENV-R6: the routines may still be running */
#endif
#ifdef STORK_REMOVAL_KINDS
    /* Orderly: the remove SRB alone (ENV-R1). Surprise: the control and the surprise SRB in
       either order or either alone, then the remove SRB or not (ENV-R3). One loop, so that
       each handler is one piece of code (pan's unreached report is per piece). */
    do
    :: (notices & N_BIT(N_SURPRISE_CONTROL)) == 0 ->
        notices = notices | N_BIT(N_SURPRISE_CONTROL); NOTICE_SURPRISE_CONTROL()
    :: (notices & N_BIT(N_SURPRISE_SRB)) == 0 ->
        notices = notices | N_BIT(N_SURPRISE_SRB); NOTICE_SURPRISE_SRB()
    :: NOTICE_REMOVE_SRB(); break
    :: notices != 0 -> break
    od;
    notices = 0;
#endif
    /* Only init, the system threads and the DPC, timer and ISR processes are left. And ENV-Q6,
       ENV-R5: Storport sends ScsiStopAdapter, and the remove handler comes, only once every
       SRB it handed has been completed, on every removal kind (as the audit's drv_remove). An
       SRB nothing completes holds removal for ever: when nothing else can run (Promela's
       timeout) that is the violation (requests_complete, ENV-Q6), as the audit reports removal
       waiting for ever; the run goes on only where the check is off (trace enumeration). With
       an ISR, always able to run, removal is held here instead, which terminates reports
       (WI-M9). */
#if defined(HW_STARTIO) || defined(HW_OWN_STARTIO)
    if
    :: (_nr_pr == NTHREADS + 1 + DPC_PROCS + TIMER_PROCS + STOR_TIMER_PROCS + ISR_PROCS + NEVER_CLAIMS) && Q_ALL_COMPLETED
    :: d_step { timeout && _nr_pr == NTHREADS + 1 + DPC_PROCS + TIMER_PROCS + STOR_TIMER_PROCS + ISR_PROCS + NEVER_CLAIMS ->
                printf("# removal waits for ever for an SRB never completed\n");
                i = 1;
                do
                :: i <= MAXSRB ->
                    if
                    :: q_state[i] == Q_HANDED -> printf("# request srb%d never completed\n", i)
                    :: else
                    fi;
                    i++
                :: else -> break
                od;
                i = 0;
                CHECK_requests_complete(Q_ALL_COMPLETED, ENV_Q6) }    /* ENV-Q6 */
    fi;
#else
    (_nr_pr == NTHREADS + 1 + DPC_PROCS + TIMER_PROCS + STOR_TIMER_PROCS + ISR_PROCS + NEVER_CLAIMS);   /* only init, the system threads and the DPC, timer and ISR processes are left */
#endif
    /* A process stuck here or anywhere else is pan's "invalid end state": terminates, WI-M9. */
#ifdef HW_PASSIVE_INITIALIZE
    if
    :: sp_start_failed -> goto start_failed   /* it failed after the removal began */
    :: else
    fi;
#endif
#ifdef HW_STOP_ADAPTER
    /* ScsiStopAdapter at removal: ENV-R1, R5; [POS] not sent again to an adapter the removal
       found stopped (ENV-R13) */
    if
    :: stopped_at_removal -> printf("# no ScsiStopAdapter at removal: the adapter is stopped already\n")
    :: else ->
        d_step { mon_adapter_stopping() };
        HW_STOP_ADAPTER();
        d_step { mon_adapter_stop() }
    fi;
#endif
#ifdef HW_INTERRUPT
    ISR_DISCONNECT();                          /* ENV-E10: after the stop, before the rest */
#endif
#ifdef HW_COMPLETE_SERVICE_IRP
    d_step { printf("# HwCompleteServiceIrp\n") };
    HW_COMPLETE_SERVICE_IRP();                 /* ENV-E19, R2: after the stop, before the last */
#endif
    REMOVE_HANDLER();                          /* ENV-R5; HwFreeAdapterResources: ENV-E18 */
    /* atomic, not d_step: a hook may end in a loop's break, whose jump may not enter a d_step */
    atomic { mon_remove_end(); st = 0 };
#if defined(HW_PASSIVE_INITIALIZE) || defined(HW_RESTART_FAILED)
    goto released;
start_failed:
    /* ENV-R12: the device of a failed start is removed (queueing fails from here, WI-R1), with
       no notification, stop or remove handler for the miniport; its interrupt is disconnected. */
    if
    :: d_step { !rt_removing -> rt_removing = 1; mon_remove_begin() }
    :: else
    fi;
#ifdef HW_INTERRUPT
    ISR_DISCONNECT();
#endif
    atomic { mon_remove_end(); st = 0 };
#endif
#if defined(HW_START_FAILED) || defined(HW_INITIALIZE_FAILED) || defined(HW_PASSIVE_INITIALIZE) || defined(HW_RESTART_FAILED)
released:
#endif
#define RELEASE_STEP d_step { STOR_TIMER_AT_RELEASE SERVICE_AT_RELEASE mon_adapter_released() }
#ifdef STORK_HOST_NEPTUNE
    /* ENV-H4: Storport's own step, on the main thread: not while a routine holds it */
    MAIN_GIVE_ atomic { (RT_DRAINED MAIN_FREE) -> RELEASE_STEP }
#else
    RT_DRAINED;
    RELEASE_STEP
#endif
#ifdef STORK_VERIFY
    ; stork_reached_release = 1       /* pan's unreached-code report: was the release reached? */
#endif
}

/*
 * The roles this design declares, each with its multiplicity bound, for `stork verify` to
 * print beside the bounds (conformance/stork/verify.py role_bounds): STORK_ROLE(name, runs,
 * at_once) with 0 for "any number" (no bound in the model: once per issue, arm, interrupt).
 * Hidden: they cost no state; only the preprocessed text is read.
 */
#define STORK_ROLE(name, runs, at_once) hidden byte stork_role_##name = runs, stork_role_at_once_##name = at_once;
#if defined(HW_STOP_ADAPTER) && !defined(HW_RESTART_ADAPTER)
#define ROLE_STARTS MAXSTOPS_AND_ONE /* HwFindAdapter (HwInitialize, the passive routine) again after each stop */
#else
#define ROLE_STARTS 1
#endif
STORK_ROLE(findadapter, ROLE_STARTS, 1)
#ifdef HW_INITIALIZE
STORK_ROLE(initialize, ROLE_STARTS, 1)
#endif
#ifdef HW_PASSIVE_INITIALIZE
STORK_ROLE(passiveinit, ROLE_STARTS, 1)
#endif
#ifdef HW_BUILDIO
STORK_ROLE(buildio, MAXSRB, MAXSRB)
#endif
#if defined(HW_STARTIO) && defined(HW_VIRTUAL)
STORK_ROLE(startio, MAXSRB, MAXSRB)
#elif defined(HW_STARTIO) && defined(HW_CONCURRENT_CHANNELS) && HW_CONCURRENT_CHANNELS < MAXSRB
STORK_ROLE(startio, MAXSRB, HW_CONCURRENT_CHANNELS)
#elif defined(HW_STARTIO) && defined(HW_CONCURRENT_CHANNELS)
STORK_ROLE(startio, MAXSRB, MAXSRB)
#elif defined(HW_STARTIO)
STORK_ROLE(startio, MAXSRB, 1)
#endif
#ifdef HW_INTERRUPT
STORK_ROLE(interrupt, 0, 1)
#endif
#ifdef HW_DPC
STORK_ROLE(dpc, 0, HW_DPC_OBJECTS)
#endif
#ifdef HW_TIMER
STORK_ROLE(timer, 0, 1)
#endif
#ifdef HW_STOR_TIMER
STORK_ROLE(stortimer, 0, 1)
#endif
#ifdef HW_PROCESS_SERVICE_REQUEST
STORK_ROLE(service, HW_SERVICE_REQUESTS, HW_SERVICE_REQUESTS)
#endif
#ifdef HW_STOP_ADAPTER
STORK_ROLE(stop, MAXSTOPS_AND_ONE, 1)   /* and the one at removal */
#endif
#ifdef HW_SET_RUNNING_CONFIG
STORK_ROLE(runningconfig, 1, 1)
#endif
#ifdef HW_RESTART_ADAPTER
STORK_ROLE(restart, MAXSTOPS, 1)
#endif
#ifdef HW_REMOVE_SRB
STORK_ROLE(removesrb, 1, 1)
#endif
#ifdef HW_SURPRISE_CONTROL
STORK_ROLE(surprisecontrol, 1, 1)
#endif
#ifdef HW_SURPRISE_SRB
STORK_ROLE(surprisesrb, 1, 1)
#endif
#ifdef HW_REMOVAL_NOTICE
STORK_ROLE(removalnotice, 1, 1)
#endif
#ifdef HW_COMPLETE_SERVICE_IRP
STORK_ROLE(completeserviceirp, 1, 1)
#endif
#ifdef HOST_NO_REMOVE_HANDLER
#elif defined(HW_FREE_ADAPTER_RESOURCES)
STORK_ROLE(freeadapterresources, 1, 1)
#else
STORK_ROLE(remove, 1, 1)
#endif
STORK_ROLE(callback, 0, NTHREADS)

/*
 * terminates (WI-M9): every run reaches the adapter's release, under weak fairness. A run
 * stuck for good (a deadlock; pan extends a finite run by stuttering its last state) and a
 * run that goes round for ever without releasing (a remove handler polling a flag nothing
 * will set, a free retried while it fails) both break it; a poll that some process is bound
 * to end (weak fairness: a process enabled for ever eventually moves) does not.
 */
#ifdef STORK_LIVENESS
ltl terminates { <> g_gone }
#endif

/*
 * callback_eventually (WI-C5): a queued worker is eventually started. Checked with weak
 * fairness; one conjunct per handle. Compiled in only for the liveness run (-DSTORK_LIVENESS):
 * the safety runs have no never claim.
 */
#define EVENTUALLY_STARTS(h) [] (g_state[h] == W_QUEUED -> <> (g_state[h] != W_QUEUED))
#ifdef STORK_LIVENESS
#if MAXW > 6
#error "MAXW is at most 6"
#elif MAXW == 6
ltl callback_eventually { EVENTUALLY_STARTS(1) && EVENTUALLY_STARTS(2) && EVENTUALLY_STARTS(3) && EVENTUALLY_STARTS(4) && EVENTUALLY_STARTS(5) && EVENTUALLY_STARTS(6) }
#elif MAXW == 5
ltl callback_eventually { EVENTUALLY_STARTS(1) && EVENTUALLY_STARTS(2) && EVENTUALLY_STARTS(3) && EVENTUALLY_STARTS(4) && EVENTUALLY_STARTS(5) }
#elif MAXW == 4
ltl callback_eventually { EVENTUALLY_STARTS(1) && EVENTUALLY_STARTS(2) && EVENTUALLY_STARTS(3) && EVENTUALLY_STARTS(4) }
#elif MAXW == 3
ltl callback_eventually { EVENTUALLY_STARTS(1) && EVENTUALLY_STARTS(2) && EVENTUALLY_STARTS(3) }
#elif MAXW == 2
ltl callback_eventually { EVENTUALLY_STARTS(1) && EVENTUALLY_STARTS(2) }
#else
ltl callback_eventually { EVENTUALLY_STARTS(1) }
#endif
#endif

/* NeptuneOS (ENV-H5): the handlers the host never calls, in a proctype no run starts (see
   stork_host_never_calls above). */
#ifdef STORK_HOST_NEPTUNE
proctype StorkHostNeverCalls() {
    byte st, i, irp;
    stork_host_never_calls()
}
#endif
