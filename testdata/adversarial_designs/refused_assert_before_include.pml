/*
 * An assert written before storport.pml is included is not the design's property (the
 * monitor's assert macro does not reach it): refused with its line, not "no property's".
 *
 * expect: refused 8
 */
byte gw;
inline check_it() { assert(gw == 0) }
#include "storport.pml"
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st); check_it() }
inline HW_START() { skip }
inline HW_REMOVE() { if :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st) :: else fi }
#include "lifecycle.pml"
