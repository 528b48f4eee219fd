/*
 * miniport_oneshot -- a physical miniport as it is, audited from its own DriverEntry (no
 * stork_scenario): DriverEntry zeroes and fills HW_INITIALIZATION_DATA and calls
 * StorPortInitialize; HwFindAdapter chooses full duplex (as storahci does), so that HwStartIo
 * runs at DISPATCH_LEVEL, where the work-item calls are allowed.  HwStartIo defers
 * each SRB to a work item of its own: it initialises a worker, pauses the adapter while the
 * work is out (the callback owns the HBA), and queues the worker with the SRB as context; when
 * the queue fails (removal has begun) it frees the worker, resumes, and completes the SRB with
 * SRB_STATUS_NO_DEVICE.  The callback completes the SRB, resumes, and frees its own worker.  The
 * remove and surprise-removal SRBs are completed at once.
 *
 * Its variants (variants.txt) each switch one defect on, one ENV rule each:
 *   DEFECT_DOUBLE_COMPLETE (miniport_oneshot_double_complete): HwStartIo completes the SRB after
 *     queueing the worker whose callback completes it too, so every SRB that reaches the callback is
 *     completed twice (ENV-Q1), and the callback writes SrbStatus into an SRB already given back
 *     (ENV-Q2).
 *   DEFECT_NO_RESUME_ON_FAILURE (miniport_oneshot_no_resume_on_failure): when the queue fails
 *     HwStartIo completes the SRB but does not resume the pause it made: the adapter's requests stay
 *     held until the pause's timeout (ENV-Q8).
 *   DEFECT_TAKE_STARTIO_LOCK (miniport_oneshot_startio_lock): HwStartIo takes the StartIo lock,
 *     which Storport holds around it: a deadlock on Windows (ENV-L2).
 *   DEFECT_STRAND_ON_FAILURE (miniport_oneshot_strand_on_failure): when the queue fails (removal
 *     has begun) HwStartIo frees the worker and resumes but never completes the SRB: removal waits
 *     for it for ever (ENV-Q6).
 *   DEFECT_WRITE_AFTER_COMPLETE (miniport_oneshot_write_after_complete): the callback writes the
 *     SRB after completing it, when it is Storport's again (ENV-Q2).
 *   DEFECT_FREE_QUEUED (miniport_oneshot_free_queued, audited with --host neptune): HwStartIo
 *     frees the worker right after queueing it, status ignored, and the callback frees nothing.
 *     On Windows the free of a queued worker answers BUSY and frees nothing: the callback
 *     still runs and completes the SRB, and the worker leaks (WI-M5); NeptuneOS unlinks the
 *     queued worker and frees it (ENV-H3): the callback never runs, and the SRB it owes a
 *     completion is never completed (ENV-Q6).
 *
 * expect: clean
 */
#include <storport.h>

struct adapter {
    ULONG Started; /* SRBs handed to HwStartIo, under the StartIo lock Storport holds */
};

static VOID OneShotWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    PSCSI_REQUEST_BLOCK srb = Context;
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, srb);
#ifdef DEFECT_WRITE_AFTER_COMPLETE
    srb->SrbStatus = SRB_STATUS_ERROR; /* the SRB is Storport's again: ENV-Q2 */
#endif
    StorPortResume(DeviceExtension);
#ifndef DEFECT_FREE_QUEUED
    StorPortFreeWorker(DeviceExtension, Worker);
#else
    (void)Worker; /* HwStartIo freed it */
#endif
}

static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    (void)DeviceExtension;
    return TRUE;
}

static ULONG HwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                           PCHAR ArgumentString, PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                           PBOOLEAN Reserved3)
{
    (void)DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)ArgumentString;
    (void)Reserved3;
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    ConfigInfo->MaximumTransferLength = 0x10000;
    return SP_RETURN_FOUND;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
#ifdef DEFECT_TAKE_STARTIO_LOCK
    STOR_LOCK_HANDLE h;
    StorPortAcquireSpinLock(DeviceExtension, StartIoLock, NULL, &h); /* held already: ENV-L2 */
    StorPortReleaseSpinLock(DeviceExtension, &h);
#endif
    ((struct adapter *)DeviceExtension)->Started++;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    PVOID worker = NULL;
    if (StorPortInitializeWorker(DeviceExtension, &worker) != STOR_STATUS_SUCCESS) {
        Srb->SrbStatus = SRB_STATUS_BUSY; /* Storport retries it */
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    StorPortPause(DeviceExtension, 10);
    if (StorPortQueueWorkItem(DeviceExtension, OneShotWorker, worker, Srb) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(DeviceExtension, worker);
#ifndef DEFECT_NO_RESUME_ON_FAILURE
        StorPortResume(DeviceExtension);
#endif
#ifndef DEFECT_STRAND_ON_FAILURE
        Srb->SrbStatus = SRB_STATUS_NO_DEVICE;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
#endif
        return TRUE;
    }
#ifdef DEFECT_DOUBLE_COMPLETE
    StorPortNotification(RequestComplete, DeviceExtension, Srb); /* the callback completes it too */
#endif
#ifdef DEFECT_FREE_QUEUED
    StorPortFreeWorker(DeviceExtension, worker); /* Windows: BUSY; NeptuneOS: unlinked, freed */
#endif
    return TRUE;
}

#define MINIPORT_SURPRISE_REMOVAL 1
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
    init.MultipleRequestPerLu = TRUE;
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
