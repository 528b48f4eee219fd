/*
 * A design whose own process takes an SRB (SRB_HANDED) without saying so with HW_OWN_STARTIO:
 * lifecycle.pml would let the stop and the removal go on with the SRB still held (ENV-R5), a
 * looser world than Storport's, where they wait for it. Refused at the SRB_HANDED line.
 *
 * expect: refused 15
 */
#include "storport.pml"

byte gw;

/* HwStartIo (DISPATCH), completing what it takes at once. */
proctype StartIo() {
    byte srb;
    SRB_HANDED(CTX_STARTIO, srb);
    if
    :: srb != 0 -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { run StartIo() }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
