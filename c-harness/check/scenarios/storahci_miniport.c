/*
 * storahci_miniport -- case study 1 (conformance/case-studies/storahci.md) as the driver
 * registers itself: Microsoft's storahci (Windows-driver-samples 26a27df80772,
 * storage/miniports/storahci/src: entrypts.c for DriverEntry and the Hw* routines, pnppower.c
 * for the worker), audited from its own DriverEntry, no stork_scenario.  Only the paths that lead
 * to the work item are kept: DriverEntry fills HW_INITIALIZATION_DATA and calls
 * StorPortInitialize; HwFindAdapter chooses full duplex and marks the channel's log pages to be
 * cached (UpdateCachedLogPageInfo); HwInitialize enables HwPassiveInitializeRoutine (the DPC's
 * initialisation) and concurrent channels (one port); HwStartIo fills a slot under the interrupt
 * lock; the HBA interrupts, HwInterrupt moves the finished commands to the done table and issues
 * the completion DPC; the DPC (AhciPortSrbCompletionDpcRoutine, DISPATCH_LEVEL) completes each
 * SRB and, for the log-page read each SRB stands for here (storahci reads log pages with SRBs
 * of its own, completed on the same path; the audit's environment hands Storport's SRBs, so
 * two of them stand for the two reads of a discovery), runs the completion routine that
 * calls PreserveLogPageInformation (L758-790): a fresh worker into a local (L778), queued only
 * if that succeeded (L781), freed on the spot if the queue failed (L787-789).  The callback
 * AhciRegistryWriteWorker (L692-752) writes the registry, clears UpdateCachedLogPageInfo without
 * a lock (L741) and frees its own Worker (L751).  Two SRBs (`--srbs 2`), so that log-page
 * discovery completes twice and two workers may be in flight: their callbacks may run at once
 * (WI-C6), and both clear the flag: the data race of the case study (WI-M11), benign in effect.
 *
 * ENV-R7 too, as in storahci: nothing cancels the completion DPC or waits for it before the
 * release (storahci has no StorPortCancelDpc; AhciAdapterRemoval, from ScsiStopAdapter, frees the
 * channel extensions that hold the STOR_DPC), so a DPC issued for a command an earlier run
 * already completed is still queued at the release, and a run past its last RequestComplete takes
 * the interrupt lock and writes the extension after it (conformance/case-studies/storahci.md).
 * The design oneshot_free_in_callback.pml has no DPC (it is not on roles yet), so this form is
 * not its twin until it is.
 *
 * audit: --srbs 2
 * expect: WI-M11 ENV-R7
 */
#include <storport.h>

#define SLOTS 2

struct channel_extension {
    BOOLEAN UpdateCachedLogPageInfo;
};

struct adapter_extension {
    STOR_DPC CompletionDpc;
    PSCSI_REQUEST_BLOCK Active[SLOTS]; /* commands the HBA runs, under the interrupt lock */
    PSCSI_REQUEST_BLOCK Done[SLOTS];   /* commands it finished, under the interrupt lock */
    struct channel_extension Channel;
    ULONG DpcCompletions; /* LastTimeStampDpcCompletion's stand-in: written by the DPC only */
};

/* AhciRegistryWriteWorker (pnppower.c L692-752). */
static VOID AhciRegistryWriteWorker(PVOID AdapterExtension, PVOID Context, PVOID Worker)
{
    struct channel_extension *channel = Context;
    /* the registry writes (StorPortRegistryWrite: Storport's, no miniport state) */
    channel->UpdateCachedLogPageInfo = FALSE;     /* L741, no lock */
    StorPortFreeWorker(AdapterExtension, Worker); /* L751, status ignored */
}

/* PreserveLogPageInformation (L758-790), from the log-page read's completion routine. */
static VOID PreserveLogPageInformation(struct adapter_extension *adapter)
{
    PVOID worker = NULL;
    ULONG status = StorPortInitializeWorker(adapter, &worker);
    if (status == STOR_STATUS_SUCCESS)
        status = StorPortQueueWorkItem(adapter, AhciRegistryWriteWorker, worker, &adapter->Channel);
    if (status != STOR_STATUS_SUCCESS && worker != NULL)
        StorPortFreeWorker(adapter, worker);
}

/* AhciPortSrbCompletionDpcRoutine (io.c L1511-1671): at DISPATCH_LEVEL, takes the finished
 * commands one at a time under the interrupt lock (RemoveQueue, L1547-1549), runs the completion
 * routine before the completion (L1566, L1648) and loops until none is left; then stamps the
 * channel extension (LastTimeStampDpcCompletion, L1663).  So after its last RequestComplete it
 * still takes the interrupt lock, reads the table and writes the extension. */
static VOID CompletionDpc(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    struct adapter_extension *adapter = DeviceExtension;
    PSCSI_REQUEST_BLOCK srb;
    STOR_LOCK_HANDLE h;
    (void)Dpc;
    (void)Arg1;
    (void)Arg2;
    do {
        srb = NULL;
        StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
        for (int i = 0; i < SLOTS && !srb; i++)
            if (adapter->Done[i]) {
                srb = adapter->Done[i];
                adapter->Done[i] = NULL;
            }
        StorPortReleaseSpinLock(DeviceExtension, &h);
        if (srb) {
            PreserveLogPageInformation(adapter); /* the log-page read's completion routine */
            srb->SrbStatus = SRB_STATUS_SUCCESS;
            StorPortNotification(RequestComplete, DeviceExtension, srb);
        }
    } while (srb);
    adapter->DpcCompletions++; /* StorPortQuerySystemTime(&...->LastTimeStampDpcCompletion) */
}

/* AhciHwInterrupt: Storport holds the interrupt lock. */
static BOOLEAN HwInterrupt(PVOID DeviceExtension)
{
    struct adapter_extension *adapter = DeviceExtension;
    BOOLEAN ours = FALSE;
    for (int i = 0; i < SLOTS; i++)
        if (adapter->Active[i]) {
            adapter->Done[i] = adapter->Active[i];
            adapter->Active[i] = NULL;
            ours = TRUE;
        }
    if (ours)
        StorPortIssueDpc(DeviceExtension, &adapter->CompletionDpc, NULL, NULL);
    return ours; /* a shared line: not every interrupt is this HBA's */
}

/* AhciHwStartIo: the adapter SRBs (remove, surprise removal) are completed at once. */
static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    struct adapter_extension *adapter = DeviceExtension;
    STOR_LOCK_HANDLE h;
    if (Srb->Function == SRB_FUNCTION_PNP) {
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        StorPortNotification(RequestComplete, DeviceExtension, Srb);
        return TRUE;
    }
    StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &h);
    for (int i = 0; i < SLOTS; i++)
        if (!adapter->Active[i] && !adapter->Done[i]) {
            adapter->Active[i] = Srb;
            break;
        }
    StorPortReleaseSpinLock(DeviceExtension, &h);
    return TRUE;
}

/* AhciHwPassiveInitialize: the completion DPC. */
static BOOLEAN HwPassiveInitialize(PVOID DeviceExtension)
{
    struct adapter_extension *adapter = DeviceExtension;
    StorPortInitializeDpc(DeviceExtension, &adapter->CompletionDpc, CompletionDpc);
    return TRUE;
}

/* AhciHwInitialize: the passive routine, then the performance options: DPC redirection if
 * Storport supports it, and with it concurrent channels, one per port implemented (one here), so
 * that HwStartIo runs without the StartIo lock (ENV-E8); the status is asserted, not handled. */
static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    PERF_CONFIGURATION_DATA perf;
    StorPortEnablePassiveInitialization(DeviceExtension, HwPassiveInitialize);
    RtlZeroMemory(&perf, sizeof perf);
    perf.Version = STOR_PERF_VERSION;
    perf.Size = sizeof perf;
    if (StorPortInitializePerfOpts(DeviceExtension, TRUE, &perf) == STOR_STATUS_SUCCESS &&
        (perf.Flags & STOR_PERF_DPC_REDIRECTION)) {
        RtlZeroMemory(&perf, sizeof perf);
        perf.Version = STOR_PERF_VERSION;
        perf.Size = sizeof perf;
        perf.Flags = STOR_PERF_DPC_REDIRECTION | STOR_PERF_CONCURRENT_CHANNELS;
        perf.ConcurrentChannels = 1;
        StorPortInitializePerfOpts(DeviceExtension, FALSE, &perf);
    }
    return TRUE;
}

/* AhciHwFindAdapter: full duplex (HwStartIo at DISPATCH_LEVEL), the log pages to be cached. */
static ULONG HwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                           PCHAR ArgumentString, PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                           PBOOLEAN Reserved3)
{
    struct adapter_extension *adapter = DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)ArgumentString;
    (void)Reserved3;
    adapter->Channel.UpdateCachedLogPageInfo = TRUE;
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
    ConfigInfo->InterruptSynchronizationMode = InterruptSynchronizeAll;
    return SP_RETURN_FOUND;
}

#include "miniport_controls.h"

/* DriverEntry (entrypts.c): AHCI is a PCI HBA. */
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
    init.DeviceExtensionSize = sizeof(struct adapter_extension);
    init.MultipleRequestPerLu = TRUE;
    return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}
