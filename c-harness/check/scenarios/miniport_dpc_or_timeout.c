/*
 * miniport_dpc_or_timeout -- a physical miniport as it is, audited from its own DriverEntry,
 * whose requests end by a timeout, under Storport's locks (full duplex, ENV-L1..L4).
 * HwStartIo, under the StartIo lock, posts the SRB to the HBA under the interrupt lock it takes
 * (StartIo, then interrupt) and asks for HwStorTimer (RequestTimerCall), the command's timeout.
 * HwStorTimer, under the StartIo lock, takes a posted SRB back under the interrupt lock and
 * issues the reset DPC (initialised in HwPassiveInitializeRoutine, which HwInitialize
 * enables) with it; the DPC hands the reset to a one-shot worker, and completes the SRB itself
 * if it cannot; the callback, at PASSIVE_LEVEL, takes the StartIo lock (ENV-L8: no HwStartIo
 * during the reset), frees its worker there, a DISPATCH_LEVEL call (ENV-L3), and completes the
 * SRB.  The adapter SRBs (remove, surprise removal), under the StartIo lock HwStartIo holds, stop
 * new posts, fail a posted SRB (the hardware may be gone, ENV-Q6) and cancel the timeout, which
 * a HwStorTimer run not yet begun then does not outlive (ENV-E13).  No SRB is completed before
 * what completes it has made its last call, so Storport's wait for the SRBs (ENV-R5) is the
 * wait for the DPC and the callback.  One SRB at a time (the default --srbs 1): with two, the
 * second posted overwrites the first, never completed (ENV-Q6, `--sweep` shows it).
 *
 * Its Promela twin by role is testdata/twins/miniport_dpc_or_timeout.pml: test_two_languages.py
 * compares the two on the entry points and locks (ENV-E, ENV-L).
 *
 * Its variant miniport_dpc_or_timeout_synchronized (SYNCHRONIZE_ACCESS, variants.txt, audited
 * with --host neptune) runs the same routines inside StorPortSynchronizeAccess instead: the same
 * on Windows; on NeptuneOS the call runs no routine (ENV-H4): no SRB is ever posted, HwStorTimer
 * takes nothing back, and the SRB is never completed (ENV-Q6).
 *
 * expect: clean
 */
#include <storport.h>

struct adapter {
    STOR_DPC ResetDpc;
    PSCSI_REQUEST_BLOCK Posted; /* on the HBA: under the interrupt lock */
    BOOLEAN Stopping;           /* an adapter SRB came: under the StartIo lock */
};

static void Complete(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb, UCHAR Status)
{
    Srb->SrbStatus = Status;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
}

static VOID HwStorTimer(PVOID DeviceExtension);

/* The callback: the HBA's reset, holding the StartIo lock (no HwStartIo meanwhile). */
static VOID ResetWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    STOR_LOCK_HANDLE h;
    StorPortAcquireSpinLock(DeviceExtension, StartIoLock, NULL, &h);
    StorPortFreeWorker(DeviceExtension, Worker); /* a DISPATCH_LEVEL call (ENV-L3) */
    StorPortReleaseSpinLock(DeviceExtension, &h);
    Complete(DeviceExtension, Context, SRB_STATUS_TIMEOUT);
}

/* The DPC HwStorTimer issues with the timed-out SRB: the reset goes to a one-shot worker. */
static VOID ResetDpc(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    PSCSI_REQUEST_BLOCK srb = Arg1;
    PVOID worker = NULL;
    (void)Dpc;
    (void)Arg2;
    if (StorPortInitializeWorker(DeviceExtension, &worker) != STOR_STATUS_SUCCESS) {
        Complete(DeviceExtension, srb, SRB_STATUS_TIMEOUT);
        return;
    }
    if (StorPortQueueWorkItem(DeviceExtension, ResetWorker, worker, srb) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(DeviceExtension, worker);
        Complete(DeviceExtension, srb, SRB_STATUS_TIMEOUT);
    }
}

static BOOLEAN Post(PVOID DeviceExtension, PVOID Context)
{
    ((struct adapter *)DeviceExtension)->Posted = Context;
    return TRUE;
}

static BOOLEAN TakePosted(PVOID DeviceExtension, PVOID Context)
{
    struct adapter *a = DeviceExtension;
    *(PSCSI_REQUEST_BLOCK *)Context = a->Posted;
    a->Posted = NULL;
    return TRUE;
}

#ifdef SYNCHRONIZE_ACCESS
#define SYNC StorPortSynchronizeAccess
#else
/* The routine run holding the interrupt lock, taken and given here. */
static void Synchronized(PVOID DeviceExtension, PSTOR_SYNCHRONIZED_ACCESS Routine, PVOID Context)
{
    STOR_LOCK_HANDLE h;
    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
    Routine(DeviceExtension, Context);
    StorPortReleaseSpinLock(DeviceExtension, &h);
}
#define SYNC Synchronized
#endif

/* The command's timeout, under the StartIo lock: a posted SRB is taken back from the HBA. */
static VOID HwStorTimer(PVOID DeviceExtension)
{
    struct adapter *a = DeviceExtension;
    PSCSI_REQUEST_BLOCK srb = NULL;
    SYNC(DeviceExtension, TakePosted, &srb);
    if (srb)
        StorPortIssueDpc(DeviceExtension, &a->ResetDpc, srb, NULL);
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        PSCSI_REQUEST_BLOCK posted = NULL;
        a->Stopping = TRUE;
        SYNC(DeviceExtension, TakePosted, &posted);
        if (posted)
            Complete(DeviceExtension, posted, SRB_STATUS_NO_DEVICE);
        StorPortNotification(RequestTimerCall, DeviceExtension, HwStorTimer, 0);
        Complete(DeviceExtension, Srb, SRB_STATUS_SUCCESS);
        return TRUE;
    }
    if (a->Stopping) {
        Complete(DeviceExtension, Srb, SRB_STATUS_NO_DEVICE);
        return TRUE;
    }
    SYNC(DeviceExtension, Post, Srb);
    StorPortNotification(RequestTimerCall, DeviceExtension, HwStorTimer, 1000000);
    return TRUE;
}

#define MINIPORT_PLAIN_START 1
#define MINIPORT_PASSIVE_DPC(ext) (&((struct adapter *)(ext))->ResetDpc)
#define MINIPORT_DPC_ROUTINE ResetDpc
#include "miniport_controls.h"

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    HW_INITIALIZATION_DATA init;
    RtlZeroMemory(&init, sizeof init);
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
