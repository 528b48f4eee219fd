/*
 * spcnvme_frame.h -- what the SpcNvme DriverEntry forms (spcnvme_miniport.c and
 * spcnvme_miniport_as_published.c) share: the driver's registration and the paths around its
 * restart worker, as the driver has them (smokingpc/glendronach 84a0b1f24f4c, src/SpcNvme).
 * HwBuildIo tears down at the remove SRB; HwAdapterControl(ScsiRestartAdapter), at DIRQL, runs
 * RestartController: a pause and RestartDpc; HwFindAdapter initialises RestartDpc (InitDpcs).
 * The including file defines struct nvme_device (with RestartDpc, RestartWorker and
 * IsWorking), RestartAdapterDpc and Teardown, which differ between the two, and may define
 * RESTART_DPC_ISSUING(nvme) (just before RestartController issues RestartDpc) and
 * STOP_ADAPTER(nvme) (at ScsiStopAdapter), which the published driver does not have.
 */
#ifndef RESTART_DPC_ISSUING
#define RESTART_DPC_ISSUING(nvme) ((void)(nvme))
#endif
#ifndef STOP_ADAPTER
#define STOP_ADAPTER(nvme) ((void)(nvme))
#endif
/* HwBuildIo: the PnP SRBs are handled here, as the driver does (the remove SRB tears down). */
static BOOLEAN HwBuildIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    if (Srb->Function != SRB_FUNCTION_PNP)
        return TRUE;
    if (((PSCSI_PNP_REQUEST_BLOCK)Srb)->PnPAction == StorRemoveDevice)
        Teardown(DeviceExtension);
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return FALSE;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    Srb->SrbStatus = SRB_STATUS_SUCCESS; /* the NVMe I/O path, left out */
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}

/* CNvmeDevice::RestartController, from ScsiRestartAdapter at DIRQL. */
static void RestartController(struct nvme_device *nvme)
{
    if (!nvme->IsWorking)
        return;
    StorPortPause(nvme, 0xFFFFFFFF); /* MAXULONG */
    RESTART_DPC_ISSUING(nvme);
    StorPortIssueDpc(nvme, &nvme->RestartDpc, NULL, NULL); /* ASSERT(ok) */
}

static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    struct nvme_device *nvme = DeviceExtension;
    switch (ControlType) {
    case ScsiQuerySupportedControlTypes: {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiRestartAdapter;
        break;
    }
    case ScsiRestartAdapter:
        RestartController(nvme);
        break;
    case ScsiStopAdapter: /* the driver: nothing (its comment: BuildIo's PnP path tears down) */
        STOP_ADAPTER(nvme);
        break;
    default:
        break;
    }
    return ScsiAdapterControlSuccess;
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
    struct nvme_device *nvme = DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)ArgumentString;
    (void)Reserved3;
    nvme->IsWorking = TRUE;
    nvme->RestartWorker = NULL;
    StorPortInitializeDpc(nvme, &nvme->RestartDpc, RestartAdapterDpc); /* InitDpcs */
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    return SP_RETURN_FOUND;
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
    init.DeviceExtensionSize = sizeof(struct nvme_device);
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
