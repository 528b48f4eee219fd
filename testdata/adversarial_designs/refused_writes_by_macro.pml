/*
 * The write hidden in a macro of the design's own that pastes the name together (no
 * `g_removing` in its text): the check reads the design's lines after cpp.
 *
 * expect: refused 13
 */
#include "storport.pml"
#define SET(a, b) a##b = 1
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { SET(g_, removing); StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st) }
#include "lifecycle.pml"
