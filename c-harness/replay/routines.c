/* Sixteen distinct HW_WORKITEM routines, so the replay can tell which one an implementation
 * calls.  The table is constant: no mutable global state. */
#include "routines.h"

#define ROUTINE(i)                                                           \
    static void routine_##i(void *ext, void *context, void *worker)         \
    {                                                                        \
        replay_on_callback(i, ext, context, worker);                         \
    }
ROUTINE(0) ROUTINE(1) ROUTINE(2) ROUTINE(3) ROUTINE(4) ROUTINE(5) ROUTINE(6) ROUTINE(7)
ROUTINE(8) ROUTINE(9) ROUTINE(10) ROUTINE(11) ROUTINE(12) ROUTINE(13) ROUTINE(14) ROUTINE(15)

HW_WORKITEM *const replay_routines[REPLAY_NROUTINES] = {
    routine_0,  routine_1,  routine_2,  routine_3,  routine_4,  routine_5,  routine_6,  routine_7,
    routine_8,  routine_9,  routine_10, routine_11, routine_12, routine_13, routine_14, routine_15,
};
