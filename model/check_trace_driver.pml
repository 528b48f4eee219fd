/*
 * check_trace_driver.pml -- the model side of `stork check-trace`: a trace's events, as data,
 * fed in order to the contract monitor (contract.pml), with what the lifecycle adds to it
 * (lifecycle.pml: the release, WI-R3; only callbacks call after the remove handler, WI-R4;
 * a loop must bring the model back where it began, and a worker queued all the way round it
 * while a system thread is free breaks WI-C5). Not a design: nothing here is
 * nondeterministic. SPIN runs it as a simulation of its one path.
 *
 * check-trace writes, for each trace, a file that defines MAXW and NSTEPS, includes this one,
 * and has an init that fills the e_* arrays in one d_step and calls drive_trace().
 */
#define ALLOC_FAIL 0
#define STORK_NOTE_MINIPORT
#define STORK_STATUS_RULES
#define STORK_OFF_status_conforms
#include "storport.pml"

/* Driver steps: one per trace event, plus the loop's two checks and the adapter's release
   (check_trace.py reads these numbers from here). */
#define K_INIT 1
#define K_QUEUE 2
#define K_FREE 3
#define K_START 4
#define K_RETURN 5
#define K_REMOVE_BEGIN 6
#define K_REMOVE_END 7
#define K_FAIL_ALLOC 8
#define K_LOOP_START 9
#define K_LOOP_CHECK 10
#define K_END 11
/* Names for the driver's own assertions (rule ids from spec/contract.md). */
hidden byte status_in_allowed_set, no_call_after_remove, loop_repeats, callback_eventually;
hidden byte WI_C5, WI_R4;

/* The trace: step i is event e_kind[i] on line e_line[i], with its arguments. */
byte e_kind[NSTEPS], e_ctx[NSTEPS], e_lvl[NSTEPS], e_h[NSTEPS], e_cb[NSTEPS], e_cx[NSTEPS];
byte e_st[NSTEPS];
byte e_again[NSTEPS];       /* init: the earlier worker whose handle it issues again */
short e_mask[NSTEPS];       /* the statuses the trace lists, one bit per status code */
bit e_fail[NSTEPS];         /* a fail-alloc event came before this call */
int e_line[NSTEPS];
bit e_starve[MAXW + 1];     /* not started in the loop while a system thread is free */

bit drv_removed;            /* `remove end`: the miniport's remove handler returned */
bit drv_busy, drv_same;
byte drv_i, d_k, d_ctx, d_lvl, d_h, d_cb, d_cx, d_st, d_again;
short d_mask;
bit d_fail;
int drv_n;
byte s_state[MAXW + 1], s_runner[MAXW + 1], s_cb[MAXW + 1], s_cx[MAXW + 1], s_issued;
bit s_removing, s_gone, s_removed;

/* Every status the trace lists for the call must be one the monitor allows (WI-P1). */
inline drv_status() {
    printf("@@allowed %d\n", m_allowed);
    assert((d_mask & ~m_allowed) == 0 || status_in_allowed_set || WI_P1)    /* WI-P1 */
}

/* An init's handle is distinct from every handle issued before (WI-I1): a trace whose init
   re-issues an earlier worker's handle (version 3, `SUCCESS wN = wM`) is one the contract
   rejects. The monitor's own check of this (mon_init, h == g_issued + 1) is part of
   status_conforms, which the driver replaces with drv_status: it is made here instead. */
inline drv_new_handle() {
    assert(d_again == 0 || status_conforms || WI_I1)    /* WI-I1 */
}

/* A miniport routine other than a callback calls only until its remove handler returned. */
inline drv_not_after_remove() {
    assert(d_ctx >= CTX_SYS || !drv_removed || no_call_after_remove || WI_R4)    /* WI-R4 */
}

/* Storport releases the adapter once the remove handler returned and no callback is queued
   or running (lifecycle.pml, WI-R3). */
inline drv_release() {
    if
    :: drv_removed && !g_gone ->
        drv_busy = 0;
        drv_i = 1;
        do
        :: drv_i <= MAXW ->
            drv_busy = drv_busy || g_state[drv_i] == W_QUEUED || g_runner[drv_i] != 0;
            drv_i++
        :: else -> break
        od;
        if
        :: !drv_busy -> drv_adapter_released()
        :: else
        fi
    :: else
    fi
}

/* The adapter's life ends: name the workers not freed (WI-M7), then the monitor's checks. */
inline drv_adapter_released() {
    drv_i = 1;
    do
    :: drv_i <= g_issued ->
        if
        :: g_state[drv_i] != W_FREED -> printf("@@unfreed %d\n", drv_i)
        :: else
        fi;
        drv_i++
    :: else -> break
    od;
    mon_adapter_released()
}

/* Where a `loop` begins: the state the cycle must bring the model back to. */
inline drv_loop_start() {
    drv_i = 0;
    do
    :: drv_i <= MAXW ->
        s_state[drv_i] = g_state[drv_i]; s_runner[drv_i] = g_runner[drv_i];
        s_cb[drv_i] = g_cb[drv_i]; s_cx[drv_i] = g_cx[drv_i];
        drv_i++
    :: else -> break
    od;
    s_issued = g_issued; s_removing = g_removing; s_gone = g_gone; s_removed = drv_removed
}

/* After one pass of the cycle: the same state again (so it repeats for ever), and no worker
   queued all the way round while a system thread is free (WI-C5). */
inline drv_loop_check() {
    drv_same = (s_issued == g_issued && s_removing == g_removing && s_gone == g_gone &&
                s_removed == drv_removed);
    drv_i = 0;
    do
    :: drv_i <= MAXW ->
        drv_same = drv_same && s_state[drv_i] == g_state[drv_i] &&
                   s_runner[drv_i] == g_runner[drv_i] && s_cb[drv_i] == g_cb[drv_i] &&
                   s_cx[drv_i] == g_cx[drv_i];
        drv_i++
    :: else -> break
    od;
    assert(drv_same || loop_repeats);
    drv_i = 1;
    do
    :: drv_i <= MAXW ->
        if
        :: e_starve[drv_i] && g_state[drv_i] == W_QUEUED -> printf("@@worker %d\n", drv_i)
        :: else
        fi;
        assert(!e_starve[drv_i] || g_state[drv_i] != W_QUEUED || callback_eventually || WI_C5);    /* WI-C5 */
        drv_i++
    :: else -> break
    od
}

/* Feed the trace's steps to the monitor, one d_step each; "@@ LINE" before each names the
   trace line the next assertion belongs to. */
inline drive_trace() {
    drv_n = 0;
    do
    :: drv_n < NSTEPS ->
        d_step {
            printf("@@ %d\n", e_line[drv_n]);
            d_k = e_kind[drv_n]; d_ctx = e_ctx[drv_n]; d_lvl = e_lvl[drv_n]; d_h = e_h[drv_n];
            d_cb = e_cb[drv_n]; d_cx = e_cx[drv_n]; d_st = e_st[drv_n]; d_mask = e_mask[drv_n];
            d_fail = e_fail[drv_n]; d_again = e_again[drv_n];
            if
            :: d_k == K_INIT ->
                drv_not_after_remove(); mon_init(d_ctx, d_lvl, d_h, d_st, d_fail); drv_status();
                drv_new_handle()
            :: d_k == K_QUEUE ->
                drv_not_after_remove(); mon_queue(d_ctx, d_lvl, d_cb, d_h, d_cx, d_st); drv_status()
            :: d_k == K_FREE ->
                drv_not_after_remove(); mon_free(d_ctx, d_lvl, d_h, d_st); drv_status()
            :: d_k == K_START ->
                assert(!g_gone || no_callback_after_removal || WI_R3);    /* WI-R3 */
                mon_start(d_ctx - CTX_SYS, d_h, d_cb, d_cx)
            :: d_k == K_RETURN -> mon_return(d_ctx - CTX_SYS, d_h)
            :: d_k == K_REMOVE_BEGIN -> mon_remove_begin()
            :: d_k == K_REMOVE_END -> mon_remove_end(); drv_removed = 1
            :: d_k == K_LOOP_START -> drv_loop_start()
            :: d_k == K_LOOP_CHECK -> drv_loop_check()
            :: d_k == K_END ->
                if
                :: !g_gone -> drv_adapter_released()
                :: else
                fi
            :: else     /* fail-alloc: recorded in the next call's e_fail */
            fi;
            drv_release();
            drv_n++
        }
    :: else -> break
    od;
    printf("@@done\n")
}
