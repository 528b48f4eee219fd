/*
 * miniport_registers -- a physical miniport as it is, which drives its HBA through registers
 * (StorPortGetDeviceBase, StorPortReadRegisterUlong, StorPortWriteRegisterUlong).  HwStartIo
 * rings the doorbell and completes the SRB; ScsiStopAdapter, which comes at removal, resets the
 * HBA and waits for the reset to finish, polling the status register's BUSY bit a bounded
 * number of times and taking a status of all ones as the HBA gone.  After a surprise removal the
 * hardware is gone (ENV-R3): every register reads all ones (ENV-R14), so BUSY reads as set.
 *
 * Its variant (variants.txt):
 *   DEFECT_UNBOUNDED_RESET_WAIT (miniport_registers_unbounded_reset_wait): ScsiStopAdapter waits
 *     for BUSY to clear with no bound and no all-ones check: after a surprise removal it polls
 *     for ever, removal never completes (WI-M9, the audit's hang: a livelock of the poll).
 *
 * expect: clean
 */
#include <storport.h>

#define CONTROL_ENABLE 0x1u
#define CONTROL_RESET 0x2u
#define STATUS_BUSY 0x1u
#define RESET_POLLS 4 /* each after 10 us */

struct regs {
    ULONG Control;
    ULONG Status;
    ULONG Doorbell;
};

struct adapter {
    struct regs *Regs;
};

static VOID ResetHba(struct adapter *a)
{
    StorPortWriteRegisterUlong(a, &a->Regs->Control, CONTROL_RESET);
#ifdef DEFECT_UNBOUNDED_RESET_WAIT
    while (StorPortReadRegisterUlong(a, &a->Regs->Status) & STATUS_BUSY)
        StorPortStallExecution(10); /* all ones after a surprise removal: for ever */
#else
    for (int i = 0; i < RESET_POLLS; i++) {
        ULONG status = StorPortReadRegisterUlong(a, &a->Regs->Status);
        if (status == 0xFFFFFFFFu || !(status & STATUS_BUSY))
            break; /* the HBA is gone (all ones), or the reset is done */
        StorPortStallExecution(10);
    }
#endif
}

static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    struct adapter *a = DeviceExtension;
    StorPortWriteRegisterUlong(a, &a->Regs->Control, CONTROL_ENABLE);
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
    STOR_PHYSICAL_ADDRESS bar = {.QuadPart = 0xFE000000};
    a->Regs = StorPortGetDeviceBase(a, ConfigInfo->AdapterInterfaceType,
                                    ConfigInfo->SystemIoBusNumber, bar, sizeof(struct regs),
                                    FALSE);
    if (!a->Regs)
        return SP_RETURN_ERROR;
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    return SP_RETURN_FOUND;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function != SRB_FUNCTION_PNP)
        StorPortWriteRegisterUlong(a, &a->Regs->Doorbell, 1); /* goes nowhere once it is gone */
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}

static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    if (ControlType == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiAdapterSurpriseRemoval;
    } else if (ControlType == ScsiStopAdapter) {
        ResetHba(DeviceExtension); /* at removal, also with the hardware gone (ENV-R3) */
    }
    return ScsiAdapterControlSuccess;
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
    init.HwStartIo = HwStartIo;
    init.HwAdapterControl = HwAdapterControl;
    init.DeviceExtensionSize = sizeof(struct adapter);
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
