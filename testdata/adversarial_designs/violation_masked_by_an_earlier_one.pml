/*
 * Three violations in a row on every path: a double free in find-adapter (no_double_free),
 * then the design's own assert in the remove handler (design_assertion), then a worker never
 * freed at the adapter's release (no_leak). pan stops a path at its first violation, so a
 * search that checks all three at once sees only the double free: the later two are found
 * only by searches that switch the earlier ones off (one compiled pan, the property chosen
 * at run time). Neither may be reported holds because the one before it hid it.
 *
 * config: ALLOC_FAIL=0
 * expect: VIOLATED no_double_free design_assertion no_leak
 */
#include "storport.pml"

byte gw, kept;

inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, kept, st);
    StorPortFreeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    StorPortFreeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
}
inline HW_START() { skip }
inline HW_REMOVE() {
    assert(kept == NULL_HANDLE)
}

#include "lifecycle.pml"
