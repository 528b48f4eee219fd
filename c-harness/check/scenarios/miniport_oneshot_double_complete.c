/*
 * miniport_oneshot_double_complete -- miniport_oneshot.c with one defect: HwStartIo completes the SRB after queueing the worker whose callback completes it too, so every SRB that reaches the callback is completed twice (ENV-Q1), and the callback writes SrbStatus into an SRB already given back (ENV-Q2).
 *
 * expect: ENV-Q1 ENV-Q2
 */
#define DEFECT_DOUBLE_COMPLETE 1
#include "miniport_oneshot.c"
