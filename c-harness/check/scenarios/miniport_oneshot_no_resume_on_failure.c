/*
 * miniport_oneshot_no_resume_on_failure -- miniport_oneshot.c with one defect: when the queue fails HwStartIo completes the SRB but does not resume the pause it made: the adapter's requests stay held until the pause's timeout (ENV-Q8).
 *
 * expect: ENV-Q8
 */
#define DEFECT_NO_RESUME_ON_FAILURE 1
#include "miniport_oneshot.c"
