/*
 * miniport_controls.h -- what the example miniports (miniport_*.c) share because it does
 * nothing of interest to them: HwAdapterControl, which reports ScsiQuerySupportedControlTypes,
 * ScsiStopAdapter and ScsiRestartAdapter (and ScsiAdapterSurpriseRemoval where
 * MINIPORT_SURPRISE_REMOVAL is defined) and has nothing to do on them (but ScsiStopAdapter
 * calls MINIPORT_ON_STOP(DeviceExtension) where the including file defines it), and, for a physical
 * miniport (MINIPORT_VIRTUAL not defined), HwResetBus, which has no bus to reset (unless
 * MINIPORT_OWN_RESET_BUS: the miniport writes its own), and HwBuildIo, which has nothing to
 * prepare and lets HwStartIo have every SRB: Windows needs neither, but NeptuneOS refuses a
 * registration without HwResetBus and calls HwBuildIo for every SRB whether or not it is
 * registered (ENV-H5), so a miniport audited there registers both.  With
 * MINIPORT_PLAIN_START defined, also a HwInitialize with nothing to do and a HwFindAdapter that
 * finds the adapter (full duplex, for a physical miniport); with MINIPORT_PASSIVE_DPC(ext) too,
 * an expression naming the STOR_DPC in the device extension ext, and MINIPORT_DPC_ROUTINE its
 * routine, HwInitialize enables passive initialisation instead, and HwPassiveInitializeRoutine
 * initialises that DPC (ENV-E5, E12).
 */
static SCSI_ADAPTER_CONTROL_STATUS HwAdapterControl(PVOID DeviceExtension,
                                                    SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                    PVOID Parameters)
{
    (void)DeviceExtension;
    if (ControlType == ScsiQuerySupportedControlTypes) {
        PSCSI_SUPPORTED_CONTROL_TYPE_LIST list = Parameters;
        for (ULONG t = 0; t < list->MaxControlType; t++)
            list->SupportedTypeList[t] = t == ScsiQuerySupportedControlTypes ||
                                         t == ScsiStopAdapter || t == ScsiRestartAdapter
#ifdef MINIPORT_SURPRISE_REMOVAL
                                         || t == ScsiAdapterSurpriseRemoval
#endif
                ;
    }
#ifdef MINIPORT_ON_STOP
    else if (ControlType == ScsiStopAdapter)
        MINIPORT_ON_STOP(DeviceExtension);
#endif
    return ScsiAdapterControlSuccess;
}

#if !defined(MINIPORT_VIRTUAL) && !defined(MINIPORT_OWN_RESET_BUS)
static BOOLEAN HwResetBus(PVOID DeviceExtension, ULONG PathId)
{
    (void)DeviceExtension;
    (void)PathId;
    return TRUE;
}
#endif

#ifndef MINIPORT_VIRTUAL
static BOOLEAN HwBuildIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
    (void)DeviceExtension;
    (void)Srb;
    return TRUE;
}
#endif

#ifdef MINIPORT_PLAIN_START
#ifdef MINIPORT_CONCURRENT_CHANNELS
/* HwInitialize applies STOR_PERF_CONCURRENT_CHANNELS with this many channels (ENV-E8): HwStartIo
 * then runs without the StartIo lock. */
static BOOLEAN ConcurrentChannels(PVOID DeviceExtension)
{
    PERF_CONFIGURATION_DATA perf;
    RtlZeroMemory(&perf, sizeof perf);
    perf.Version = STOR_PERF_VERSION;
    perf.Size = sizeof perf;
    perf.Flags = STOR_PERF_CONCURRENT_CHANNELS;
    perf.ConcurrentChannels = MINIPORT_CONCURRENT_CHANNELS;
    return StorPortInitializePerfOpts(DeviceExtension, FALSE, &perf) == STOR_STATUS_SUCCESS;
}
#define CHANNELS_APPLIED(ext) ConcurrentChannels(ext)
#else
#define CHANNELS_APPLIED(ext) TRUE
#endif
#ifdef MINIPORT_PASSIVE_DPC
static BOOLEAN HwPassiveInitialize(PVOID DeviceExtension)
{
    StorPortInitializeDpc(DeviceExtension, MINIPORT_PASSIVE_DPC(DeviceExtension),
                          MINIPORT_DPC_ROUTINE);
    return TRUE;
}

static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    return CHANNELS_APPLIED(DeviceExtension) &&
           StorPortEnablePassiveInitialization(DeviceExtension, HwPassiveInitialize);
}
#else
static BOOLEAN HwInitialize(PVOID DeviceExtension)
{
    (void)DeviceExtension;
    return TRUE;
}
#endif

#ifdef MINIPORT_VIRTUAL
static ULONG HwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                           PVOID LowerDevice, PCHAR ArgumentString,
                           PPORT_CONFIGURATION_INFORMATION ConfigInfo, PBOOLEAN Reserved3)
{
    (void)LowerDevice;
#else
static ULONG HwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                           PCHAR ArgumentString, PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                           PBOOLEAN Reserved3)
{
    ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
#endif
    (void)DeviceExtension;
    (void)HwContext;
    (void)BusInformation;
    (void)ArgumentString;
    (void)ConfigInfo;
    (void)Reserved3;
    return SP_RETURN_FOUND;
}
#endif
