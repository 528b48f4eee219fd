/*
 * miniport_oneshot_write_after_complete -- miniport_oneshot.c with one defect: the callback writes the SRB after completing it, when it is Storport's again (ENV-Q2).
 *
 * expect: ENV-Q2
 */
#define DEFECT_WRITE_AFTER_COMPLETE 1
#include "miniport_oneshot.c"
