/*
 * miniport_isr_dpc_one_slot -- miniport_isr_dpc.c with one defect: HwStartIo keeps one active
 * command, as if the HBA took one at a time; with two SRBs handed before the HBA interrupts,
 * the second overwrites the first, which is never completed (ENV-Q6).  It needs the second SRB
 * (--srbs 2): with one, the audit is clean.
 *
 * expect: ENV-Q6
 * audit: --srbs 2
 */
#define DEFECT_ONE_SLOT 1
#include "miniport_isr_dpc.c"
