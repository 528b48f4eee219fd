/*
 * storport.h -- stork's stand-in for the WDK header, for miniport code audited by the checking
 * runtime (c-harness/check, `stork audit`).  It declares the three work-item calls with the
 * real signatures and status values, so the miniport's work-item code compiles unchanged:
 *
 *   ULONG StorPortInitializeWorker(PVOID HwDeviceExtension, PVOID *Worker);
 *   ULONG StorPortQueueWorkItem(PVOID HwDeviceExtension, PHW_WORKITEM WorkItemCallback,
 *                               PVOID Worker, PVOID Context);
 *   ULONG StorPortFreeWorker(PVOID HwDeviceExtension, PVOID Worker);
 *
 * Each name is also a function-like macro that passes the call site (__FILE__, __LINE__) to
 * the checking runtime, so a finding names the line of the miniport that made the call.  Taking
 * the address of a function (`&StorPortFreeWorker`) still works: it names the real function.
 * stork/miniport.h, included below, declares the rest of what a miniport's entry points use
 * (HW_INITIALIZATION_DATA, StorPortInitialize, SRBs, StorPortNotification, Storport's spin
 * locks, DPCs, pauses): a file with a DriverEntry is audited as the miniport it is.  A scenario
 * written by hand models its own waits and locks with the STORK_* macros of stork/check.h,
 * which this header includes.
 */
#ifndef STORK_STORPORT_H
#define STORK_STORPORT_H

#include <stddef.h>
#include <stdint.h>

#include "stork/check.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VOID
#define VOID void
#endif
typedef void *PVOID;
typedef uint32_t ULONG;
typedef unsigned char UCHAR;
typedef unsigned char BOOLEAN;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif

/* SAL annotations used in miniport prototypes: nothing to check here. */
#ifndef _In_
#define _In_
#define _In_opt_
#define _Out_
#define _Inout_
#endif

#ifndef PASSIVE_LEVEL
#define PASSIVE_LEVEL  STORK_PASSIVE_LEVEL
#define APC_LEVEL      STORK_APC_LEVEL
#define DISPATCH_LEVEL STORK_DISPATCH_LEVEL
#endif

/* HW_WORKITEM (the callback's type) and the STOR_STATUS_* values come from stork/impl_abi.h,
 * with the values and signature of storport.h. */
typedef HW_WORKITEM *PHW_WORKITEM;

/* The rest of what a miniport's entry points use: DriverEntry and StorPortInitialize, SRBs,
 * StorPortNotification, Storport's locks, DPCs, pauses. */
#include "stork/miniport.h"

ULONG StorPortInitializeWorker(PVOID HwDeviceExtension, PVOID *Worker);
ULONG StorPortQueueWorkItem(PVOID HwDeviceExtension, PHW_WORKITEM WorkItemCallback, PVOID Worker,
                            PVOID Context);
ULONG StorPortFreeWorker(PVOID HwDeviceExtension, PVOID Worker);

#define StorPortInitializeWorker(ext, worker) \
    stork_initialize_worker_at((ext), (worker), __FILE__, __LINE__)
#define StorPortQueueWorkItem(ext, callback, worker, context) \
    stork_queue_work_item_at((ext), (callback), (worker), (context), __FILE__, __LINE__)
#define StorPortFreeWorker(ext, worker) stork_free_worker_at((ext), (worker), __FILE__, __LINE__)

#ifdef __cplusplus
}
#endif

#endif /* STORK_STORPORT_H */
