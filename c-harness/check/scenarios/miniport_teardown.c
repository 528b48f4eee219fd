/*
 * miniport_teardown -- a physical miniport as it is, whose removal races its own I/O path unless
 * it releases in the right place.  HwBuildIo (no lock, DISPATCH_LEVEL, ENV-E7) reads the
 * adapter's command ring to prepare each SRB and fails the SRB if the ring is gone; HwStartIo
 * runs the prepared command and completes the SRB (the ISR and DPC path of miniport_isr_dpc.c
 * is left out: it does not touch the ring, and would only multiply the schedules).  The ring is
 * released in ScsiStopAdapter, where no HwBuildIo or HwStartIo runs or will start (ENV-R5), and
 * set up again in ScsiRestartAdapter; the adapter SRBs (remove, surprise removal) and
 * ScsiAdapterSurpriseRemoval, which it marks, only complete or return: each of them may come
 * while other SRBs are outstanding and their HwBuildIo runs on another CPU (ENV-R6 a).
 *
 * Its variants (variants.txt), each releasing the ring where Storport quiesces nothing:
 *   DEFECT_FREE_AT_REMOVE_SRB (miniport_teardown_frees_at_remove_srb): the remove and
 *     surprise-removal SRBs release it in HwStartIo, while another SRB's HwBuildIo reads it
 *     (WI-M11: the ring pointer is written and read with nothing ordering the two).
 *   DEFECT_FREE_AT_SURPRISE_CONTROL (miniport_teardown_frees_at_surprise_control):
 *     HwAdapterControl(ScsiAdapterSurpriseRemoval) releases it, the same race (WI-M11).
 * Neither is reachable when removal comes only after every routine returned (the audit before
 * ENV-R6 was modelled): the release then follows every HwBuildIo.
 *
 * expect: clean
 */
#include <storport.h>

#define SLOTS 4

struct ring {
    ULONG Depth;
};

struct adapter {
    struct ring *Ring; /* NULL once released */
    struct ring RingMemory;
};

static VOID ReleaseRing(struct adapter *a)
{
    a->Ring = NULL; /* the ring's memory is given back to the HBA */
}

static BOOLEAN HwBuildIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_PNP)
        return TRUE;
    struct ring *ring = a->Ring;
    if (!ring) {
        Srb->SrbStatus = SRB_STATUS_NO_DEVICE;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return FALSE;
    }
    *(ULONG *)Srb->SrbExtension = ring->Depth; /* the command, prepared in the SRB's extension */
    return TRUE;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    if (Srb->Function == SRB_FUNCTION_PNP) {
#ifdef DEFECT_FREE_AT_REMOVE_SRB
        struct adapter *a = DeviceExtension;
        ReleaseRing(a); /* another SRB's HwBuildIo may be reading it (ENV-R6 a) */
#endif
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    Srb->SrbStatus = SRB_STATUS_SUCCESS; /* the HBA ran the command the extension holds */
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
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
    a->RingMemory.Depth = SLOTS;
    a->Ring = &a->RingMemory;
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    return SP_RETURN_FOUND;
}

static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    struct adapter *a = DeviceExtension;
    switch (ControlType) {
    case ScsiQuerySupportedControlTypes: {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiRestartAdapter ||
                                         t == ScsiAdapterSurpriseRemoval;
        break;
    }
    case ScsiStopAdapter:
        ReleaseRing(a); /* no HwBuildIo or HwStartIo runs now, nor before a restart (ENV-R5) */
        break;
    case ScsiRestartAdapter:
        a->Ring = &a->RingMemory;
        break;
    case ScsiAdapterSurpriseRemoval:
#ifdef DEFECT_FREE_AT_SURPRISE_CONTROL
        ReleaseRing(a); /* HwBuildIo may be reading it on another CPU (ENV-R6 a) */
#endif
        break;
    default:
        break;
    }
    return ScsiAdapterControlSuccess;
}

static BOOLEAN HwResetBus(PVOID DeviceExtension, ULONG PathId)
{
    (void)DeviceExtension;
    (void)PathId;
    return TRUE;
}

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    HW_INITIALIZATION_DATA init;
    RtlZeroMemory(&init, sizeof init);
    init.HwInitializationDataSize = sizeof init;
    init.AdapterInterfaceType = PCIBus;
    init.HwFindAdapter = HwFindAdapter;
    init.HwInitialize = HwInitialize;
    init.HwBuildIo = HwBuildIo;
    init.HwStartIo = HwStartIo;
    init.HwResetBus = HwResetBus;
    init.HwAdapterControl = HwAdapterControl;
    init.DeviceExtensionSize = sizeof(struct adapter);
    init.SrbExtensionSize = sizeof(ULONG);
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
