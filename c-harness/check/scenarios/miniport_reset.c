/*
 * miniport_reset -- a physical miniport as it is whose HwStartIo holds its SRB until it is
 * failed: the HBA it stands for never answers, so the held SRB is outstanding, a request that
 * may time out.  Storport then pauses the device queues and calls HwResetBus under the StartIo
 * lock (ENV-E17, audited with `--reset-bus`), which completes the held SRB with
 * SRB_STATUS_BUS_RESET and forgets it; at removal the remove or surprise-removal SRB, through
 * HwStartIo under the same lock, fails what is still held and what comes after it (ENV-Q6);
 * in a surprise removal that sends it neither (ENV-R3: it does not mark the control), the
 * reset is what completes the held SRB.
 *
 * Its variant (variants.txt):
 *   DEFECT_RESET_LEAVES_SRB (miniport_reset_leaves_srb): HwResetBus resets the bus and returns,
 *     leaving the held SRB to the removal: it is outstanding when HwResetBus returns (ENV-Q10);
 *     and in the surprise removal whose only notification is ScsiAdapterSurpriseRemoval, which
 *     it does not mark (ENV-R3), nothing else fails it: removal waits for it for ever (ENV-Q6,
 *     the consequence ENV-Q10 names), where every other removal kind's SRB fails it.
 *
 * audit: --reset-bus
 * expect: clean
 */
#include <storport.h>

struct adapter {
    PSCSI_REQUEST_BLOCK Held; /* under the StartIo lock: HwStartIo and HwResetBus hold it */
    BOOLEAN Removed;          /* an adapter SRB of removal came: nothing is held after it */
};

static VOID Finish(PVOID DeviceExtension, UCHAR status)
{
    struct adapter *a = DeviceExtension;
    PSCSI_REQUEST_BLOCK srb = a->Held;
    if (!srb)
        return;
    a->Held = NULL;
    srb->SrbStatus = status;
    StorPortNotification(RequestComplete, DeviceExtension, srb);
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        a->Removed = TRUE;
        Finish(DeviceExtension, SRB_STATUS_NO_DEVICE); /* removal: fail what is held */
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    if (a->Removed) { /* handed after removal began (ENV-R6 a): fail it at once */
        Srb->SrbStatus = SRB_STATUS_NO_DEVICE;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    a->Held = Srb; /* one at a time: Storport hands one SRB (--srbs 1) */
    return TRUE;
}

static BOOLEAN HwResetBus(PVOID DeviceExtension, ULONG PathId)
{
    (void)PathId;
#ifndef DEFECT_RESET_LEAVES_SRB
    Finish(DeviceExtension, SRB_STATUS_BUS_RESET); /* what HwStartIo received, during it */
#else
    (void)DeviceExtension;
#endif
    return TRUE;
}

#define MINIPORT_PLAIN_START 1
#define MINIPORT_OWN_RESET_BUS 1
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
