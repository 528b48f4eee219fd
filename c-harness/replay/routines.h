/* The HW_WORKITEM routines the replay passes for cb0..cb15 (distinct functions). */
#ifndef STORK_REPLAY_ROUTINES_H
#define STORK_REPLAY_ROUTINES_H

#include "stork/impl_abi.h"

#define REPLAY_NROUTINES 16

/* routine slot i (trace_check's dense numbering of the cbN in a trace) -> function. */
extern HW_WORKITEM *const replay_routines[REPLAY_NROUTINES];

/* Every routine forwards here (driver.c) with its slot. */
void replay_on_callback(unsigned slot, void *ext, void *context, void *worker);

#endif
