/*
 * dirql_init_behind_permissive_host -- the interrupt routine initialises and queues a worker
 * of its own (at DIRQL: the miniport breaks WI-M1), and the callback never frees it. On
 * Windows's runtime the init is refused (INVALID_IRQL), so the leak behind it is never
 * reached: only `irql` is violated. On a host that checks no IRQL (NeptuneOS, ENV-H3:
 * `stork verify --host neptune`) the init succeeds and the worker leaks too.
 *
 * expect: VIOLATED irql
 * expect on neptune: VIOLATED irql no_leak
 */
#include "storport.pml"

byte gw;        /* the ISR's worker */

proctype Isr() {
    byte st;
    StorPortInitializeWorker(CTX_ISR, DIRQL, gw, st);
    if
    :: st == S_SUCCESS -> StorPortQueueWorkItem(CTX_ISR, DIRQL, 1, gw, 0, st)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }      /* the worker is never freed */
inline HW_FIND_ADAPTER() { skip }
inline HW_START() { run Isr() }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
