/*
 * A property compiled out by the design itself: the worker leaks, and no_leak would "hold".
 *
 * expect: refused 6
 */
#define STORK_OFF_no_leak 1
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
