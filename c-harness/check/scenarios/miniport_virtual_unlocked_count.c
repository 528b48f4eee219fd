/*
 * miniport_virtual_unlocked_count -- miniport_virtual.c with one defect: the count of SRBs out
 * is kept with plain ++ and --, as if Storport serialised a virtual miniport's HwStartIo; it
 * does not (ENV-E9), so two HwStartIo, or a HwStartIo and a callback, race on it (WI-M11,
 * ENV-L7).
 *
 * expect: WI-M11
 * audit: --srbs 2
 */
#define DEFECT_UNLOCKED_COUNT 1
#include "miniport_virtual.c"
