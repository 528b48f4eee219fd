/*
 * spcnvme_miniport_as_published -- case study 2 (conformance/case-studies/spcnvme.md): the
 * SpcNvme restart worker as published (smokingpc/glendronach 84a0b1f24f4c, src/SpcNvme:
 * NvmeDevice.cpp L15-63, RestartController, HandleAdapterControl.cpp, the BuildIo PnP path),
 * every defect at once, audited from its own DriverEntry: the code of spcnvme_as_published.c
 * (its scenario form) where the driver registers and calls it.  HwAdapterControl
 * (ScsiRestartAdapter, DIRQL) pauses the adapter and issues RestartDpc; the DPC returns if the
 * device is not running, else initialises into the extension's field with the status dropped
 * (L33) and queues the field, checking only with an ASSERT (L34); the callback returns early
 * when the device no longer runs (L48-49), else re-initialises the controller, resumes (L60)
 * and frees the address of the field (L61); Teardown, from HwBuildIo's remove SRB, deletes the
 * queues without draining or freeing the worker.  As in spcnvme_miniport.c, the
 * ScsiAdapterSurpriseRemoval handler is left out (the search's size); `--stop-restart`.
 *
 * audit: --stop-restart --max-schedules 1000000
 * expect: WI-M11 WI-M3 WI-M7 WI-M8 ENV-Q8
 * WI-M11: IsWorking and the restart field are shared by the DPC, the callback and Teardown
 * without a lock
 * ENV-Q8: the DPC's and the callback's early returns leave RestartController's pause unresumed
 */
#include <storport.h>

struct nvme_device {
    STOR_DPC RestartDpc;
    PVOID RestartWorker;
    BOOLEAN IsWorking;
};

/* RestartAdapterWorker (L37-63, PASSIVE). */
static VOID RestartAdapterWorker(PVOID DevExt, PVOID Context, PVOID Worker)
{
    (void)Context;
    (void)Worker;
    struct nvme_device *nvme = DevExt;
    if (!nvme->IsWorking)
        return;                                     /* L48-49 */
    STORK_USE_RESOURCES();                          /* re-initialise the controller */
    StorPortResume(nvme);                           /* L60 */
    StorPortFreeWorker(nvme, &nvme->RestartWorker); /* L61 */
    nvme->RestartWorker = NULL;                     /* L62 */
}

/* RestartAdapterDpc (L15-36, DISPATCH). */
static VOID RestartAdapterDpc(PSTOR_DPC Dpc, PVOID DevExt, PVOID Arg1, PVOID Arg2)
{
    (void)Dpc;
    (void)Arg1;
    (void)Arg2;
    struct nvme_device *nvme = DevExt;
    if (!nvme->IsWorking)
        return;
    StorPortInitializeWorker(nvme, &nvme->RestartWorker); /* L33, status dropped */
    ULONG status = StorPortQueueWorkItem(nvme, RestartAdapterWorker, nvme->RestartWorker, NULL);
    (void)status;                                         /* L34: ASSERT only */
}

/* CNvmeDevice::Teardown: the device stops and its I/O queues are deleted. */
static void Teardown(struct nvme_device *nvme)
{
    nvme->IsWorking = FALSE;
    STORK_RELEASE_RESOURCES();
}

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

/* CNvmeDevice::RestartController. */
static void RestartController(struct nvme_device *nvme)
{
    if (!nvme->IsWorking)
        return;
    StorPortPause(nvme, 0xFFFFFFFF); /* MAXULONG */
    StorPortIssueDpc(nvme, &nvme->RestartDpc, NULL, NULL);
}

static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    if (ControlType == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiRestartAdapter;
    } else if (ControlType == ScsiRestartAdapter) {
        RestartController(DeviceExtension);
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
    StorPortInitializeDpc(nvme, &nvme->RestartDpc, RestartAdapterDpc);
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
