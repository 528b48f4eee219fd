/*
 * isr_outlives_release -- a physical miniport whose ISR reads the status the HBA writes into
 * the miniport's DMA memory. Removal reaches it as a notification (the remove SRB or a
 * surprise removal), then ScsiStopAdapter, where it releases that memory. Storport still calls
 * the ISR until it disconnects the interrupt after ScsiStopAdapter, and a shared line calls it
 * whether or not the HBA interrupted (ENV-E10), so the stop handler first disables the HBA's
 * interrupts, under the interrupt lock, and only then releases (ENV-R7). A stop that is not a
 * removal keeps the memory (ENV-R9).
 *
 * Variant (variants.txt): DEFECT_INTERRUPTS_ON=1 releases the memory with interrupts still
 * irq_on: the next ISR run reads released memory.
 *
 * expect: holds
 */
#include "storport.pml"

#ifndef DEFECT_INTERRUPTS_ON
#define DEFECT_INTERRUPTS_ON 0
#endif

byte gw;            /* the adapter's worker (NULL if initialization failed) */
bit removing;       /* the first removal notification came */
bit irq_on;        /* the HBA's interrupts are irq_on */

/* HwInterrupt (DIRQL); atomic = the interrupt lock. */
#define HW_INTERRUPT isr
inline isr() {
    atomic {
        if
        :: irq_on -> USE_RESOURCES(CTX_ISR)    /* reads the status in DMA memory */
        :: else                                 /* not ours: return FALSE */
        fi
    }
}

inline HW_WORKITEM(tid, cb, w, cx) { skip }

inline HW_FIND_ADAPTER() {
    StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st);
    irq_on = 1
}
inline HW_START() { skip }

#define HW_REMOVAL_NOTICE removal_notice
inline removal_notice() { atomic { removing = 1 } }

/* ScsiStopAdapter (DIRQL, holding the interrupt lock): disable, then release at removal. */
#define HW_STOP_ADAPTER stop_adapter
inline stop_adapter() {
    atomic {
#if !DEFECT_INTERRUPTS_ON
        irq_on = 0;
#endif
        if
        :: removing -> RELEASE_RESOURCES()
        :: else
        fi
    }
}
#define HW_RESTART_ADAPTER restart_adapter
inline restart_adapter() { atomic { irq_on = 1 } }

inline HW_REMOVE() {
    if
    :: gw != NULL_HANDLE -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}

#include "lifecycle.pml"
