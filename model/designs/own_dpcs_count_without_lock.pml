/*
 * own_dpcs_count_without_lock -- the older form of a design (its own processes, run from
 * HW_START) with two DPCs that each count their half of the work in `count` without a lock
 * (read, then write) and the one that counts the second half queues the worker, whose callback
 * frees it; an observer asserts, once both DPCs have returned, that both halves are counted. On
 * Windows the two DPCs run on two CPUs at once: both read 0, both write 1, a half is lost
 * (design_assertion), the worker is never queued and the remove handler frees it. Each DPC
 * says where its routine starts and returns (ROUTINE_BEGIN, ROUTINE_END: storport.pml), which
 * on Windows is nothing; under --host neptune (ENV-H4) each runs there on the driver's main
 * thread, one at a time, and nothing is lost.
 *
 * Variant (variants.txt): DEFECT_UNMARKED=1 (own_dpcs_unmarked) leaves the marks out: the
 * processes are then threads of their own under NeptuneOS too, and the count is lost there as
 * on Windows.
 *
 * expect: VIOLATED design_assertion
 * expect on neptune: holds
 */
#include "storport.pml"

#define CB_WORK 1

byte gw;
byte count;         /* halves counted */
byte finished;      /* DPCs returned */
bit queued;         /* the second half's DPC queued the worker */

#ifdef DEFECT_UNMARKED
#define DPC_BEGIN() skip
#define DPC_END() skip
#else
#define DPC_BEGIN() ROUTINE_BEGIN()
#define DPC_END() ROUTINE_END()
#endif

proctype Dpc(byte me) {
    byte seen, st;
    DPC_BEGIN();
    seen = count;
    count = seen + 1;
    if
    :: seen == 1 && gw != NULL_HANDLE ->
        StorPortQueueWorkItem(me, DISPATCH_LEVEL, CB_WORK, gw, 0, st);
        queued = (st == S_SUCCESS)
    :: else
    fi;
    finished++;
    DPC_END()
}

proctype Observer() {
    finished == 2 -> assert(count == 2)
}

inline HW_WORKITEM(tid, cb, w, cx) { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run Dpc(CTX_DPC); run Dpc(CTX_DPC2); run Observer() }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE && !queued -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
