/*
 * miniport_dpc_drain -- ENV-R7's position on a DPC's last instructions (spec/environment.md,
 * ENV-R7 [POS]), audited from its own DriverEntry.  HwStartIo hands each SRB to the completion
 * DPC (the extension's Pending slot, DpcOut set, StorPortIssueDpc); the DPC completes it, then
 * signals its end with an interlocked store of DpcOut, its last use of the adapter's state, and
 * then counts its run in a driver-wide global (DpcRuns), which the release does not free.
 * ScsiStopAdapter (at the release, once every SRB is completed: ENV-R5) cancels the DPC and, if
 * StorPortCancelDpc could not take it back (it runs, or has run), waits for the signal.  So the
 * DPC may still be running at the release, between its signal and its return: no finding, since
 * nothing it does after the release touches what was released.
 *
 * The default points let the release fall between the DPC's signal and its return: before the
 * signal (an atomic), before each shared write, and before each read of the extension by a DPC
 * (ENV-R7: without that last, DEFECT_READ_AFTER_SIGNAL below was clean).  With the StorPort
 * calls' points only (`--preempt-at-calls`) the DPC would run from its RequestComplete to its
 * return in one step, and the release could never fall inside it.
 *
 * Its variants (variants.txt), each built to break the position:
 *   DEFECT_USE_AFTER_SIGNAL (miniport_dpc_drain_use_after_signal): the DPC counts its run in the
 *     extension, after the signal: that store may come after the release (ENV-R7 at the store).
 *   DEFECT_NO_WAIT (miniport_dpc_drain_no_wait): ScsiStopAdapter cancels and does not wait:
 *     the DPC's signal itself may come after the release (ENV-R7 at the signal).
 *   DEFECT_USE_THEN_COUNT (miniport_dpc_drain_use_then_count): the DPC counts its run in the
 *     extension after the signal, then in the global: the release may come before the first
 *     count (ENV-R7 there), and the DPC's last step (the global's count, its return) touches
 *     nothing released, so only that use's read of ENV-R7's mark orders it with the release in
 *     the reduced search (c-harness/check/por.h POR_OBJ_OUTLIVED; test_audit_reduction.py).
 *   DEFECT_READ_AFTER_SIGNAL (miniport_dpc_drain_read_after_signal): the DPC reads the extension
 *     after the signal, then counts in the global: the release may come before the read (ENV-R7
 *     there), which needs a point before a read, not a write (test_audit_points.py: the
 *     default points have one for a DPC's or timer routine's reads of the extension).
 *
 * audit: --max-schedules 1000000
 * expect: clean
 */
#include <storport.h>

struct adapter {
    STOR_DPC CompletionDpc;
    PSCSI_REQUEST_BLOCK Pending; /* written by HwStartIo before the issue, read by the DPC */
    LONG DpcOut;                 /* an issue whose DPC has not signalled its end */
#if defined(DEFECT_USE_AFTER_SIGNAL) || defined(DEFECT_USE_THEN_COUNT)
    ULONG DpcRuns;
#endif
};

#ifndef DEFECT_USE_AFTER_SIGNAL
static ULONG DpcRuns; /* the driver's, for every adapter: not released with one */
#endif

static VOID CompletionDpc(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    struct adapter *a = DeviceExtension;
    (void)Dpc;
    (void)Arg1;
    (void)Arg2;
    PSCSI_REQUEST_BLOCK srb = a->Pending;
    a->Pending = NULL;
    if (srb) {
        srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, srb);
    }
    InterlockedExchange(&a->DpcOut, 0); /* its last use of the adapter: the release may follow */
#if defined(DEFECT_USE_AFTER_SIGNAL) || defined(DEFECT_USE_THEN_COUNT)
    a->DpcRuns++; /* after the signal, in the extension: may be after the release */
#endif
#ifdef DEFECT_READ_AFTER_SIGNAL
    if (a->Pending) /* after the signal, a read of the extension: may be after the release */
        return;
#endif
#ifndef DEFECT_USE_AFTER_SIGNAL
    DpcRuns++; /* DEFECT_USE_THEN_COUNT: a step of its own, which touches nothing released */
#endif
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    a->Pending = Srb; /* one SRB (--srbs 1): the slot is free */
    a->DpcOut = 1;
    StorPortIssueDpc(DeviceExtension, &a->CompletionDpc, NULL, NULL);
    return TRUE;
}

/* ScsiStopAdapter: no SRB is outstanding (ENV-R5), but the DPC that completed the last one may
 * still be queued (cancelled here) or running (waited for: it signals as its last use). */
static void StopAdapter(struct adapter *a)
{
    BOOLEAN cancelled = FALSE;
    if (StorPortCancelDpc(a, &a->CompletionDpc, &cancelled) == STOR_STATUS_SUCCESS && cancelled)
        a->DpcOut = 0; /* taken back: it will not run */
#ifndef DEFECT_NO_WAIT
    STORK_WAIT_UNTIL(a->DpcOut == 0); /* a poll of the interlocked flag, at DIRQL: not on this CPU */
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
    struct adapter *a = DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)ArgumentString;
    (void)Reserved3;
    StorPortInitializeDpc(DeviceExtension, &a->CompletionDpc, CompletionDpc);
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    return SP_RETURN_FOUND;
}

#define MINIPORT_ON_STOP(ext) StopAdapter(ext)
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
