/*
 * miniport_virtual -- a virtual miniport as it is (STOR_FEATURE_VIRTUAL_MINIPORT, a
 * VIRTUAL_HW_INITIALIZATION_DATA, a HwFindAdapter with LowerDevice, HwFreeAdapterResources),
 * audited from its DriverEntry with two SRBs (--srbs 2).  Storport takes no lock around a
 * virtual HwStartIo, so both run at once (ENV-E9); each defers its SRB to a work item of its
 * own, whose callback completes the SRB and frees its worker, and counts the SRBs out with
 * InterlockedIncrement/Decrement (ENV-L7: the miniport orders what its HwStartIo calls share).
 * A queue that fails (removal) frees the worker and completes the SRB with SRB_STATUS_NO_DEVICE.
 *
 * Its variant (variants.txt):
 *   DEFECT_UNLOCKED_COUNT (miniport_virtual_unlocked_count): the count of SRBs out is kept with
 *     plain ++ and --, as if Storport serialised a virtual miniport's HwStartIo; it does not
 *     (ENV-E9), so two HwStartIo, or a HwStartIo and a callback, race on it (WI-M11, ENV-L7).
 *
 * expect: clean
 * audit: --srbs 2
 */
#include <storport.h>

struct adapter {
    LONG Outstanding;
};

static VOID Complete(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb, UCHAR Status)
{
    struct adapter *a = DeviceExtension;
#ifdef DEFECT_UNLOCKED_COUNT
    a->Outstanding--; /* two callbacks, or a callback and a HwStartIo, at once: WI-M11 */
#else
    InterlockedDecrement(&a->Outstanding);
#endif
    Srb->SrbStatus = Status;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
}

static VOID Worker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    Complete(DeviceExtension, Context, SRB_STATUS_SUCCESS);
    StorPortFreeWorker(DeviceExtension, Worker);
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
#ifdef DEFECT_UNLOCKED_COUNT
    a->Outstanding++;
#else
    InterlockedIncrement(&a->Outstanding);
#endif
    PVOID worker = NULL;
    if (StorPortInitializeWorker(DeviceExtension, &worker) != STOR_STATUS_SUCCESS) {
        Complete(DeviceExtension, Srb, SRB_STATUS_BUSY);
        return TRUE;
    }
    if (StorPortQueueWorkItem(DeviceExtension, Worker, worker, Srb) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(DeviceExtension, worker);
        Complete(DeviceExtension, Srb, SRB_STATUS_NO_DEVICE);
    }
    return TRUE;
}

static ULONG HwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                           PVOID LowerDevice, PCHAR ArgumentString,
                           PPORT_CONFIGURATION_INFORMATION ConfigInfo, PBOOLEAN Again)
{
    (void)DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)LowerDevice;
    (void)ArgumentString;
    (void)Again;
    ConfigInfo->VirtualDevice = TRUE;
    ConfigInfo->MaxNumberOfIO = 16;
    return SP_RETURN_FOUND;
}

static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    (void)DeviceExtension;
    return TRUE;
}

static VOID HwFreeAdapterResources(PVOID DeviceExtension)
{
    (void)DeviceExtension; /* the workers are the callbacks' to free */
}

#define MINIPORT_VIRTUAL 1
#include "miniport_controls.h"

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    VIRTUAL_HW_INITIALIZATION_DATA init;
    RtlZeroMemory(&init, sizeof init);
    init.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
    init.AdapterInterfaceType = Internal;
    init.HwFindAdapter = HwFindAdapter;
    init.HwInitialize = HwInitialize;
    init.HwStartIo = HwStartIo;
    init.HwAdapterControl = HwAdapterControl;
    init.HwFreeAdapterResources = HwFreeAdapterResources;
    init.DeviceExtensionSize = sizeof(struct adapter);
    init.MultipleRequestPerLu = TRUE;
    init.FeatureSupport = STOR_FEATURE_VIRTUAL_MINIPORT;
    return StorPortInitialize(DriverObject, RegistryPath, (PHW_INITIALIZATION_DATA)&init, NULL);
}
