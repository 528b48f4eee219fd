/*
 * An API call in a d_step, hidden behind a cpp macro: the d_step check reads the design as
 * SPIN does, after cpp, so the macro cannot hide it (once, it was reported vacuous).
 *
 * expect: refused 11
 */
#include "storport.pml"
byte gw;
#define INIT_IT StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st)
inline HW_WORKITEM(tid, cb, w, cx) { skip }
inline HW_FIND_ADAPTER() { d_step { INIT_IT } }
inline HW_START() { skip }
inline HW_REMOVE() { skip }
#include "lifecycle.pml"
