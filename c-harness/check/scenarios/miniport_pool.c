/*
 * miniport_pool -- a physical miniport as it is, whose start allocates: HwFindAdapter takes a
 * command table from StorPortAllocatePool and a DMA ring from StorPortGetUncachedExtension.
 * Either may be refused for lack of memory (ENV-E22: the audit explores each allocation both
 * ways); this miniport checks both, and when the ring is refused it frees the table and fails
 * the start (SP_RETURN_ERROR), since no later routine would free it (ENV-R12).  HwStartIo
 * counts each SRB in the table and completes it; ScsiStopAdapter, which comes at removal once
 * no HwStartIo runs (ENV-R5), frees the table.  Storport frees the uncached extension itself.
 *
 * Its variants (variants.txt), one ENV-E22 break each:
 *   DEFECT_POOL_UNCHECKED (miniport_pool_unchecked): HwFindAdapter uses the table without
 *     checking StorPortAllocatePool's answer: when it is refused, the write goes through NULL.
 *   DEFECT_LEAK_ON_FAILED_START (miniport_pool_leaks_on_failed_start): when the ring is refused
 *     HwFindAdapter fails the start without freeing the table: nothing frees it after.
 *   DEFECT_USE_AFTER_FREE (miniport_pool_used_after_free): ScsiStopAdapter clears a count in
 *     the table after it freed it.
 *
 * expect: clean
 */
#include <storport.h>

#define SLOTS 4
#define RING_BYTES 4096

struct table {
    ULONG Issued[SLOTS];
};

struct adapter {
    struct table *Table; /* StorPortAllocatePool's */
    PVOID Ring;          /* StorPortGetUncachedExtension's */
    ULONG Next;          /* under the StartIo lock Storport holds around HwStartIo */
};

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
    PVOID table = NULL;
    ULONG st = StorPortAllocatePool(a, sizeof(struct table), 0x6C626154 /* 'Tabl' */, &table);
#ifndef DEFECT_POOL_UNCHECKED
    if (st != STOR_STATUS_SUCCESS)
        return SP_RETURN_ERROR; /* nothing allocated yet: nothing to free */
#else
    (void)st;
#endif
    a->Table = table;
    a->Table->Issued[0] = 0; /* through NULL when the allocation was refused and not checked */
    a->Ring = StorPortGetUncachedExtension(a, ConfigInfo, RING_BYTES);
    if (!a->Ring) {
#ifndef DEFECT_LEAK_ON_FAILED_START
        StorPortFreePool(a, a->Table); /* the start fails: nothing later frees it (ENV-R12) */
#endif
        a->Table = NULL;
        return SP_RETURN_ERROR;
    }
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    return SP_RETURN_FOUND;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    if (Srb->Function != SRB_FUNCTION_PNP)
        a->Table->Issued[a->Next++ % SLOTS]++;
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}

static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    struct adapter *a = DeviceExtension;
    if (ControlType == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter;
    } else if (ControlType == ScsiStopAdapter && a->Table) {
        StorPortFreePool(a, a->Table); /* at removal: no HwStartIo runs or will (ENV-R5) */
#ifdef DEFECT_USE_AFTER_FREE
        a->Table->Issued[0] = 0; /* the counts cleared for a next start, after the free */
#endif
        a->Table = NULL;
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
