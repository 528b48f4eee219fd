/*
 * miniport_isr_dpc -- a physical miniport as it is, audited from its own DriverEntry: the usual
 * completion path of a storage HBA.  HwStartIo "starts" each SRB on the HBA by putting it in a
 * slot of the adapter's active table under the interrupt lock it takes (full duplex: StartIo
 * lock, then interrupt, the documented order); the ISR, under the interrupt lock Storport holds,
 * moves what the HBA finished to the done table and issues the completion DPC (initialised in
 * HwPassiveInitializeRoutine, which HwInitialize enables); the DPC takes the interrupt lock,
 * empties the done table and completes each SRB.  The adapter SRBs (remove, surprise removal)
 * are completed in HwStartIo.  The HBA interrupts after each HwStartIo, and one interrupt may
 * stand for several.  It is clean with one SRB, not with two: the ISR may issue the DPC again
 * while it runs, the first run completes both SRBs, and the second, with nothing left to do,
 * may still be running at the adapter's release, which nothing makes wait for it (ENV-R7 in
 * CompletionDpc; `stork audit miniport_isr_dpc --sweep` shows it from srbs=2).
 *
 * Its variant (variants.txt):
 *   DEFECT_ONE_SLOT (miniport_isr_dpc_one_slot, with `audit: --srbs 2`): HwStartIo keeps one
 *     active command, as if the HBA took one at a time; with two SRBs handed before the HBA
 *     interrupts, the second overwrites the first, which is never completed (ENV-Q6).  It needs
 *     the second SRB: with one, the audit is clean.
 *   DEFECT_DPC_ON_EVERY_INTERRUPT (miniport_isr_dpc_dpc_after_release): the ISR issues the
 *     completion DPC for every interrupt, its HBA's or not; an interrupt after the remove SRB
 *     issues it when nothing is outstanding, and the DPC is queued or running at the adapter's
 *     release, or runs after it (ENV-R7: nothing cancels it).
 *   DEFECT_INIT_CLEARS_TABLES (miniport_isr_dpc_init_clears_tables, audited with --host
 *     neptune): HwInitialize clears the tables the ISR reads, without the interrupt lock.  On
 *     Windows Storport holds it around HwInitialize, and the HBA interrupts only once the start
 *     is over: clean; NeptuneOS connects the interrupt before HwInitialize and runs it without
 *     the lock (ENV-H4): the ISR may run meanwhile, a data race (WI-M11).
 *
 * expect: clean
 */
#include <storport.h>

#define SLOTS 4

struct adapter {
    STOR_DPC CompletionDpc;
    PSCSI_REQUEST_BLOCK Active[SLOTS]; /* under the interrupt lock */
    PSCSI_REQUEST_BLOCK Done[SLOTS];   /* under the interrupt lock */
};

static VOID CompletionDpc(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    struct adapter *a = DeviceExtension;
    PSCSI_REQUEST_BLOCK done[SLOTS];
    STOR_LOCK_HANDLE h;
    (void)Dpc;
    (void)Arg1;
    (void)Arg2;
    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
    for (int i = 0; i < SLOTS; i++) {
        done[i] = a->Done[i];
        a->Done[i] = NULL;
    }
    StorPortReleaseSpinLock(DeviceExtension, &h);
    for (int i = 0; i < SLOTS; i++)
        if (done[i]) {
            done[i]->SrbStatus = SRB_STATUS_SUCCESS;
            StorPortNotification(RequestComplete, DeviceExtension, done[i]);
        }
}

static BOOLEAN HwInterrupt(PVOID DeviceExtension)
{
    struct adapter *a = DeviceExtension;
    BOOLEAN ours = FALSE;
    for (int i = 0; i < SLOTS; i++) /* Storport holds the interrupt lock */
        if (a->Active[i]) {
            a->Done[i] = a->Active[i];
            a->Active[i] = NULL;
            ours = TRUE;
        }
#ifdef DEFECT_DPC_ON_EVERY_INTERRUPT
    ours = TRUE; /* the DPC is issued for a shared line's interrupts too, also at removal */
#endif
    if (ours)
        StorPortIssueDpc(DeviceExtension, &a->CompletionDpc, NULL, NULL);
    return ours; /* a shared line: not every interrupt is this HBA's */
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter *a = DeviceExtension;
    STOR_LOCK_HANDLE h;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
#ifdef DEFECT_ONE_SLOT
    a->Active[0] = Srb; /* one command at a time assumed: a second one overwrites the first */
#else
    for (int i = 0; i < SLOTS; i++)
        if (!a->Active[i] && !a->Done[i]) {
            a->Active[i] = Srb;
            break;
        }
#endif
    StorPortReleaseSpinLock(DeviceExtension, &h);
    return TRUE;
}

static BOOLEAN HwPassiveInitialize(PVOID DeviceExtension)
{
    struct adapter *a = DeviceExtension;
    StorPortInitializeDpc(DeviceExtension, &a->CompletionDpc, CompletionDpc);
    return TRUE;
}

static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
#ifdef DEFECT_INIT_CLEARS_TABLES
    struct adapter *a = DeviceExtension;
    for (int i = 0; i < SLOTS; i++) /* no lock: Windows's Storport holds the interrupt lock */
        a->Active[i] = a->Done[i] = NULL;
#endif
    return StorPortEnablePassiveInitialization(DeviceExtension, HwPassiveInitialize);
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
    ConfigInfo->InterruptSynchronizationMode = InterruptSynchronizeAll;
    return SP_RETURN_FOUND;
}

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
    init.HwInterrupt = HwInterrupt;
    init.HwResetBus = HwResetBus;
    init.HwAdapterControl = HwAdapterControl;
    init.DeviceExtensionSize = sizeof(struct adapter);
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
