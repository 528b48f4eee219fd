/*
 * miniport_oneshot_strand_on_failure -- miniport_oneshot.c with one defect: when the queue fails (removal has begun) HwStartIo frees the worker and resumes but never completes the SRB: removal waits for it for ever (ENV-Q6).
 *
 * expect: ENV-Q6
 */
#define DEFECT_STRAND_ON_FAILURE 1
#include "miniport_oneshot.c"
