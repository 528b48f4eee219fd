/*
 * A design's formula named through a macro: the property takes the name cpp gives it
 * (once, pan was asked for a claim that did not exist and the run was cut short).
 *
 * expect: VIOLATED never_bad
 */
#include "storport.pml"
byte gw;
#define MINE never_bad
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
inline HW_START() { skip }
inline HW_REMOVE() { if :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st) :: else fi }
#include "lifecycle.pml"
ltl MINE { [] (gw == 0) }
