/*
 * miniport_oneshot_startio_lock -- miniport_oneshot.c with one defect: HwStartIo takes the StartIo lock, which Storport holds around it: a deadlock on Windows (ENV-L2).
 *
 * expect: ENV-L2
 */
#define DEFECT_TAKE_STARTIO_LOCK 1
#include "miniport_oneshot.c"
