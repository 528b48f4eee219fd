/*
 * miniport_ioctl -- a virtual miniport with an IOCTL of its own (ENV-E20): IOCTL_SCSI_MINIPORT
 * reaches it as an SRB_FUNCTION_IO_CONTROL SRB through HwStartIo, whose DataBuffer begins with
 * an SRB_IO_CONTROL; it knows the signature "STORKVM" with ControlCode 1 (a "close": it marks
 * the adapter closed, and further reads fail with SRB_STATUS_NO_DEVICE) and fails any other
 * IOCTL with SRB_STATUS_INVALID_REQUEST.  Reads complete at once.  Its audit hands one IOCTL
 * SRB with that signature and code besides the read (` * audit:` below), so that the close
 * races the read's HwStartIo on another CPU (ENV-R8).
 *
 * Its variant (variants.txt):
 *   DEFECT_IOCTL_FALLS_THROUGH (miniport_ioctl_falls_through): the close completes its SRB and
 *     falls through to the read path, which completes it again (ENV-Q1) and writes its
 *     SrbStatus after the first completion (ENV-Q2).
 *
 * expect: clean
 * audit: --ioctls 1 --ioctl STORKVM:1
 */
#include <storport.h>

#define MINIPORT_VIRTUAL 1

struct adapter {
    LONG Closed;
};

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function == SRB_FUNCTION_IO_CONTROL) {
        PSRB_IO_CONTROL h = Srb->DataBuffer;
        if (Srb->DataTransferLength < sizeof *h || memcmp(h->Signature, "STORKVM", 7) != 0 ||
            h->ControlCode != 1) {
            Srb->SrbStatus = SRB_STATUS_INVALID_REQUEST;
            StorPortNotification(RequestComplete, DeviceExtension, Srb);
            return TRUE;
        }
        InterlockedExchange(&a->Closed, 1); /* other HwStartIo calls run meanwhile */
        h->ReturnCode = 0;
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
#ifndef DEFECT_IOCTL_FALLS_THROUGH
        return TRUE;
#endif
    }
    Srb->SrbStatus = InterlockedCompareExchange(&a->Closed, 1, 1) ? SRB_STATUS_NO_DEVICE
                                                                   : SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}

#define MINIPORT_PLAIN_START 1
#include "miniport_controls.h"

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    VIRTUAL_HW_INITIALIZATION_DATA init;
    memset(&init, 0, sizeof init);
    init.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
    init.AdapterInterfaceType = Internal;
    init.HwFindAdapter = HwFindAdapter;
    init.HwInitialize = HwInitialize;
    init.HwStartIo = HwStartIo;
    init.HwAdapterControl = HwAdapterControl;
    init.DeviceExtensionSize = sizeof(struct adapter);
    init.FeatureSupport = STOR_FEATURE_VIRTUAL_MINIPORT;
    return StorPortInitialize(DriverObject, RegistryPath, (PHW_INITIALIZATION_DATA)&init, NULL);
}
