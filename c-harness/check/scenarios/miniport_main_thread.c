/*
 * miniport_main_thread -- a physical miniport whose HwStartIo hands its SRB to two routines at
 * once: it queues a work item and issues a DPC; each does its half of the work and counts it in
 * the adapter's Runs under the StartIo lock, and the one that counts the second half completes
 * the SRB (one SRB at a time: the default --srbs 1).  On Windows the lock excludes; on
 * NeptuneOS (ENV-H4) the callback and the DPC are coroutines of the driver's main thread, one
 * at a time until one of them waits, and the lock does nothing.
 *
 * Its variants (variants.txt) each switch one defect on:
 *   DEFECT_NO_LOCK (miniport_main_thread_no_lock): both count their run in Stats before taking
 *     the lock; on Windows the DPC and the callback race there (WI-M11); under --host neptune,
 *     where they never overlap, the same code is clean.
 *   DEFECT_STALL_IN_LOCK (miniport_main_thread_stall_in_lock, audited with --host neptune): the
 *     callback waits for the HBA (StorPortStallExecution) between reading Runs and writing it,
 *     holding the lock: on Windows a short busy wait, clean; on NeptuneOS's main thread a wait,
 *     in which the DPC counts its half; the callback's write then loses it, and the SRB is never
 *     completed (ENV-Q6).
 *   COUNT_LOCK=InterruptLock with DEFECT_STALL_IN_LOCK (miniport_main_thread_stall_in_interrupt_lock,
 *     audited with --host neptune): the same stall under the interrupt lock; this miniport
 *     registers no HwInterrupt, so NeptuneOS connects no interrupt and the lock takes nothing
 *     there (ENV-H4): the DPC counts during the stall and the SRB is never completed (ENV-Q6);
 *     on Windows the lock excludes, clean.
 *   DEFECT_COUNT_IN_SYNC (miniport_main_thread_synchronized, audited with --host neptune): both
 *     count their half inside StorPortSynchronizeAccess (the interrupt lock) instead of under
 *     the StartIo lock: on Windows the interrupt lock excludes, clean; NeptuneOS leaves the
 *     call unimplemented (ENV-H4), no routine runs, no half is counted, and the SRB is never
 *     completed (ENV-Q6).
 *
 * expect: clean
 */
#include <storport.h>

struct adapter {
    STOR_DPC Dpc;
    PSCSI_REQUEST_BLOCK Pending; /* under the StartIo lock */
    ULONG Runs;                  /* halves done of Pending, under the StartIo lock */
    ULONG Stats;                 /* runs of both, a statistic, under the StartIo lock */
};

/* the lock the halves are counted under: the StartIo lock, or COUNT_LOCK (InterruptLock) */
#ifndef COUNT_LOCK
#define COUNT_LOCK StartIoLock
#endif
#define LOCK(e, h) StorPortAcquireSpinLock((e), COUNT_LOCK, NULL, &(h))
#define UNLOCK(e, h) StorPortReleaseSpinLock((e), &(h))
/* Stats counted outside the lock (DEFECT_NO_LOCK) or inside it */
#ifdef DEFECT_NO_LOCK
#define STAT_OUTSIDE(a) ((a)->Stats++)
#define STAT_INSIDE(a) ((void)0)
#else
#define STAT_OUTSIDE(a) ((void)0)
#define STAT_INSIDE(a) ((a)->Stats++)
#endif

static VOID Finish(struct adapter *a, PSCSI_REQUEST_BLOCK srb)
{
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, a, srb);
}

/* One half done, holding the lock: the second completes the SRB. */
static VOID Counted(struct adapter *a, ULONG runs)
{
    a->Runs = runs;
    if (runs == 2) {
        PSCSI_REQUEST_BLOCK srb = a->Pending;
        a->Pending = NULL;
        a->Runs = 0;
        Finish(a, srb);
    }
}

#ifdef DEFECT_COUNT_IN_SYNC
/* One half counted, synchronised with the ISR: what the call runs, not what it does. */
static BOOLEAN CountHalf(PVOID DeviceExtension, PVOID Context)
{
    struct adapter *a = DeviceExtension;
    (void)Context;
    a->Stats++;
    Counted(a, a->Runs + 1);
    return TRUE;
}
#endif

static VOID Worker(PVOID DeviceExtension, PVOID Context, PVOID Item)
{
    struct adapter *a = DeviceExtension;
    STOR_LOCK_HANDLE h;
    (void)Context;
    StorPortFreeWorker(a, Item);
#ifdef DEFECT_COUNT_IN_SYNC
    (void)h;
    StorPortSynchronizeAccess(a, CountHalf, NULL);
    return;
#endif
    STAT_OUTSIDE(a);
    LOCK(a, h);
    STAT_INSIDE(a);
    ULONG runs = a->Runs;
#ifdef DEFECT_STALL_IN_LOCK
    StorPortStallExecution(10); /* the HBA settles: NeptuneOS's main thread waits */
#endif
    Counted(a, runs + 1);
    UNLOCK(a, h);
}

static VOID Dpc(PSTOR_DPC Obj, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    struct adapter *a = DeviceExtension;
    STOR_LOCK_HANDLE h;
    (void)Obj;
    (void)Arg1;
    (void)Arg2;
#ifdef DEFECT_COUNT_IN_SYNC
    (void)h;
    StorPortSynchronizeAccess(a, CountHalf, NULL);
    return;
#endif
    STAT_OUTSIDE(a);
    LOCK(a, h);
    STAT_INSIDE(a);
    Counted(a, a->Runs + 1);
    UNLOCK(a, h);
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        Finish(a, Srb);
        return TRUE;
    }
    a->Pending = Srb; /* under the StartIo lock Storport holds around HwStartIo */
    PVOID item = NULL;
    if (StorPortInitializeWorker(a, &item) != STOR_STATUS_SUCCESS)
        a->Runs = 1; /* no callback: the DPC alone completes it */
    else if (StorPortQueueWorkItem(a, Worker, item, NULL) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(a, item);
        a->Runs = 1;
    }
    StorPortIssueDpc(a, &a->Dpc, NULL, NULL);
    return TRUE;
}

#define MINIPORT_PLAIN_START 1
#define MINIPORT_PASSIVE_DPC(ext) (&((struct adapter *)(ext))->Dpc)
#define MINIPORT_DPC_ROUTINE Dpc
#include "miniport_controls.h"

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    HW_INITIALIZATION_DATA init;
    memset(&init, 0, sizeof init);
    init.HwInitializationDataSize = sizeof init;
    init.AdapterInterfaceType = PCIBus;
    init.HwFindAdapter = HwFindAdapter;
    init.HwInitialize = HwInitialize;
    init.HwStartIo = HwStartIo;
    init.HwBuildIo = HwBuildIo;
    init.HwResetBus = HwResetBus;
    init.HwAdapterControl = HwAdapterControl;
    init.DeviceExtensionSize = sizeof(struct adapter);
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
