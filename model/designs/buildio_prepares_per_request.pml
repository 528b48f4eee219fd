/*
 * buildio_prepares_per_request -- a physical miniport whose HwBuildIo translates each request
 * into an HBA command (ENV-E7: once per handing, DISPATCH_LEVEL, no lock, several at once on
 * different CPUs) and whose HwStartIo, under the StartIo lock, issues that command and
 * completes the request. Each command lives in its request's SRB extension (cmd[srb]), which
 * no other HwBuildIo touches (ENV-L6). A request HwBuildIo cannot translate it completes
 * itself and returns FALSE: no HwStartIo follows.
 *
 * Variants (variants.txt):
 *   DEFECT_SHARED_COMMAND=1  the command is built in one adapter-wide slot, as if HwBuildIo were
 *     serialised like HwStartIo: two HwBuildIo at once overwrite it, and both HwStartIo complete
 *     the second request (requests_complete: ENV-Q1 twice, ENV-Q6 the first never)
 *   DEFECT_FALSE_NOT_COMPLETED=1  HwBuildIo returns FALSE without completing the request: nothing
 *     else will (requests_complete, ENV-Q6)
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_SHARED_COMMAND
#define DEFECT_SHARED_COMMAND 0
#endif
#ifndef DEFECT_FALSE_NOT_COMPLETED
#define DEFECT_FALSE_NOT_COMPLETED 0
#endif

byte gw;                    /* the adapter's worker (NULL if initialization failed) */
byte cmd[MAXSRB + 1];       /* the HBA command in each request's SRB extension */
byte shared;                /* DEFECT_SHARED_COMMAND: the one adapter-wide slot */

#if DEFECT_SHARED_COMMAND
#define COMMAND(srb) shared
#else
#define COMMAND(srb) cmd[srb]
#endif

/* HwBuildIo (DISPATCH, no lock): translate, or complete an untranslatable request. */
#define HW_BUILDIO build_io
inline build_io(srb, ok) {
    if
    :: COMMAND(srb) = srb; ok = 1
    :: ok = 0
#if !DEFECT_FALSE_NOT_COMPLETED
       ; StorPortRequestComplete(CTX_BUILDIO, srb)
#endif
    fi
}

/* HwStartIo (DISPATCH, the StartIo lock): issue the command, complete its request. */
#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 -> StorPortRequestComplete(CTX_STARTIO, COMMAND(srb))
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
