/*
 * The Promela twin of c-harness/check/scenarios/miniport_teardown.c, by role, for
 * test_two_languages.py (removal, ENV-R): HwBuildIo (no lock) completes an SRB itself when the
 * command ring is gone, else sends it on; HwStartIo completes it. ScsiStopAdapter releases the
 * ring, ScsiRestartAdapter sets it up again; the removal notifications only return.
 *
 * TWIN_WRONG=1, a deliberately wrong twin: ScsiAdapterSurpriseRemoval is not marked, so it is
 * never sent (the test must see it).
 */
#include "storport.pml"

bit ring = 1;       /* the command ring is there */

#define HW_BUILDIO build_io
inline build_io(srb, ok) {
    if
    :: ring -> ok = 1
    :: else -> StorPortRequestComplete(CTX_BUILDIO, srb); ok = 0
    fi
}

#define HW_STARTIO start_io
inline start_io(srb) {
    if
    :: srb != 0 -> StorPortRequestComplete(CTX_STARTIO, srb)
    :: else
    fi
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }

#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() { ring = 0 }
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() { ring = 1 }

#define HW_REMOVE_SRB notice_returns
#define HW_SURPRISE_SRB notice_returns
#if !TWIN_WRONG
#define HW_SURPRISE_CONTROL notice_returns
#endif
inline notice_returns() { skip }

inline HW_FIND_ADAPTER() { skip }
inline HW_START() { skip }
inline HW_REMOVE() { skip }

#include "lifecycle.pml"
