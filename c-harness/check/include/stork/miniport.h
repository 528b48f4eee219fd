/*
 * stork/miniport.h -- what <storport.h> declares around the work-item calls, so that a real
 * miniport's entry points, DriverEntry included, compile against stork's stand-in unchanged:
 * HW_INITIALIZATION_DATA and VIRTUAL_HW_INITIALIZATION_DATA with StorPortInitialize, the
 * entry-point types, PORT_CONFIGURATION_INFORMATION (the fields a miniport sets in
 * HwFindAdapter), SCSI_REQUEST_BLOCK with the SRB_FUNCTION_* and SRB_STATUS_* values,
 * StorPortNotification (RequestComplete, RequestTimerCall, EnablePassiveInitialization,
 * InitializeDpc, IssueDpc), Storport's spin locks and StorPortSynchronizeAccess, DPCs
 * (StorPortCancelDpc too), one timer
 * of StorPortInitializeTimer / StorPortRequestTimer / StorPortFreeTimer, a virtual miniport's
 * service IRP (HwProcessServiceRequest, StorPortCompleteServiceIrp), pause and resume,
 * StorPortStallExecution, memory (StorPortAllocatePool, StorPortFreePool,
 * StorPortGetUncachedExtension: each may fail, ENV-E22) and the HBA's registers and ports
 * (StorPortGetDeviceBase, StorPortRead/WriteRegister/Port Uchar, Ushort, Ulong: all ones after a
 * surprise removal, ENV-R14), StorPortInitializePerfOpts (concurrent channels, ENV-E8), and
 * StorPortDebugPrint, StorPortCopyMemory and StorPortMoveMemory, which touch nothing of the
 * environment's.  Values and signatures are the WDK's (storport.h, srb.h).
 *
 * `stork audit` runs a file that defines DriverEntry and no `stork_scenario` as the miniport
 * itself: DriverEntry registers the entry points, and the checking runtime drives them as
 * spec/environment.md says (c-harness/check/driver.c; docs/audit.md, "A miniport as it is").
 *
 * Nothing here is silent.  A call that stork does not model is not declared, so a miniport
 * that makes one does not build (exit 2, cc's message names it).  A declared call whose
 * arguments stork does not model (a notification type other than those above, a lock kind
 * other than DpcLock, StartIoLock and InterruptLock) stops the audit with a scenario error.
 * A field of a structure that is not here is a compile error naming it.
 */
#ifndef STORK_MINIPORT_H
#define STORK_MINIPORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t USHORT;
typedef int32_t LONG;
typedef char CHAR, *PCHAR;
typedef unsigned char *PUCHAR;
typedef BOOLEAN *PBOOLEAN;
typedef ULONG *PULONG;
typedef USHORT *PUSHORT;
typedef uintptr_t ULONG_PTR;
typedef UCHAR KIRQL;
typedef LONG NTSTATUS;
typedef uint64_t ULONGLONG;
typedef int64_t LONGLONG;
typedef union {
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} STOR_PHYSICAL_ADDRESS, PHYSICAL_ADDRESS;
#ifndef NTAPI
#define NTAPI
#endif
#ifndef IN
#define IN
#define OUT
#define OPTIONAL
#endif

/* What the WDK's headers give a miniport for memory (the CRT's memset and memcpy as well), and
 * Storport's own copies (StorPortCopyMemory, StorPortMoveMemory): the scenario's accesses, seen
 * by the race check as any of its memcpy or memmove (stork/check.h). */
#define RtlZeroMemory(dst, len) memset((dst), 0, (len))
#define RtlCopyMemory(dst, src, len) memcpy((dst), (src), (len))
#define StorPortCopyMemory(dst, src, len) ((void)memcpy((dst), (src), (len)))
#define StorPortMoveMemory(dst, src, len) ((void)memmove((dst), (src), (len)))

/* The interlocked operations (full barriers, as the WDK's): C11-style atomics, which the data-race
 * check orders. */
#define InterlockedIncrement(p) __atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedDecrement(p) __atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define InterlockedExchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define InterlockedCompareExchange(p, v, cmp)                                             \
    __extension__({                                                                       \
        __typeof__(*(p)) stork_cmp_ = (cmp);                                              \
        __atomic_compare_exchange_n((p), &stork_cmp_, (v), 0, __ATOMIC_SEQ_CST,            \
                                    __ATOMIC_SEQ_CST);                                    \
        stork_cmp_;                                                                       \
    })

#define STATUS_SUCCESS           ((NTSTATUS)0x00000000)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_REVISION_MISMATCH ((NTSTATUS)0xC0000059)

/* ---- SRBs (srb.h) ---- */

typedef struct _SCSI_REQUEST_BLOCK {
    USHORT Length;
    UCHAR Function;
    UCHAR SrbStatus;
    UCHAR ScsiStatus;
    UCHAR PathId;
    UCHAR TargetId;
    UCHAR Lun;
    UCHAR QueueTag;
    UCHAR QueueAction;
    UCHAR CdbLength;
    UCHAR SenseInfoBufferLength;
    ULONG SrbFlags;
    ULONG DataTransferLength;
    ULONG TimeOutValue;
    PVOID DataBuffer;
    PVOID SenseInfoBuffer;
    struct _SCSI_REQUEST_BLOCK *NextSrb;
    PVOID OriginalRequest;
    PVOID SrbExtension;
    union {
        ULONG InternalStatus;
        ULONG QueueSortKey;
        ULONG LinkTimeoutValue;
    };
    ULONG Reserved;
    UCHAR Cdb[16];
} SCSI_REQUEST_BLOCK, *PSCSI_REQUEST_BLOCK;

typedef enum {
    StorStartDevice = 0x0,
    StorRemoveDevice = 0x2,
    StorStopDevice = 0x4,
    StorQueryCapabilities = 0x9,
    StorQueryResourceRequirements = 0xB,
    StorFilterResourceRequirements = 0xD,
    StorSurpriseRemoval = 0x17
} STOR_PNP_ACTION, *PSTOR_PNP_ACTION;

/* The remove and surprise-removal SRBs (ENV-R1, ENV-R3) come as this layout. */
typedef struct _SCSI_PNP_REQUEST_BLOCK {
    USHORT Length;
    UCHAR Function;
    UCHAR SrbStatus;
    UCHAR PnPSubFunction;
    UCHAR PathId;
    UCHAR TargetId;
    UCHAR Lun;
    STOR_PNP_ACTION PnPAction;
    ULONG SrbFlags;
    ULONG DataTransferLength;
    ULONG TimeOutValue;
    PVOID DataBuffer;
    PVOID SenseInfoBuffer;
    struct _SCSI_REQUEST_BLOCK *NextSrb;
    PVOID OriginalRequest;
    PVOID SrbExtension;
    ULONG SrbPnPFlags;
    ULONG Reserved;
    UCHAR Reserved4[16];
} SCSI_PNP_REQUEST_BLOCK, *PSCSI_PNP_REQUEST_BLOCK;
#define SRB_PNP_FLAGS_ADAPTER_REQUEST 0x00000001

/* The header of an SRB_FUNCTION_IO_CONTROL SRB's DataBuffer (IOCTL_SCSI_MINIPORT, ntddscsi.h):
 * the miniport tells its own IOCTLs by Signature and ControlCode; the data follow it. */
typedef struct _SRB_IO_CONTROL {
    ULONG HeaderLength;
    UCHAR Signature[8];
    ULONG Timeout;
    ULONG ControlCode;
    ULONG ReturnCode;
    ULONG Length;
} SRB_IO_CONTROL, *PSRB_IO_CONTROL;

#define SRB_FUNCTION_EXECUTE_SCSI    0x00
#define SRB_FUNCTION_CLAIM_DEVICE    0x01
#define SRB_FUNCTION_IO_CONTROL      0x02
#define SRB_FUNCTION_RECEIVE_EVENT   0x03
#define SRB_FUNCTION_RELEASE_QUEUE   0x04
#define SRB_FUNCTION_ATTACH_DEVICE   0x05
#define SRB_FUNCTION_RELEASE_DEVICE  0x06
#define SRB_FUNCTION_SHUTDOWN        0x07
#define SRB_FUNCTION_FLUSH           0x08
#define SRB_FUNCTION_ABORT_COMMAND   0x10
#define SRB_FUNCTION_RESET_BUS       0x12
#define SRB_FUNCTION_RESET_DEVICE    0x13
#define SRB_FUNCTION_POWER           0x24
#define SRB_FUNCTION_PNP             0x25

#define SRB_STATUS_PENDING                0x00
#define SRB_STATUS_SUCCESS                0x01
#define SRB_STATUS_ABORTED                0x02
#define SRB_STATUS_ABORT_FAILED           0x03
#define SRB_STATUS_ERROR                  0x04
#define SRB_STATUS_BUSY                   0x05
#define SRB_STATUS_INVALID_REQUEST        0x06
#define SRB_STATUS_INVALID_PATH_ID        0x07
#define SRB_STATUS_NO_DEVICE              0x08
#define SRB_STATUS_TIMEOUT                0x09
#define SRB_STATUS_SELECTION_TIMEOUT      0x0A
#define SRB_STATUS_COMMAND_TIMEOUT        0x0B
#define SRB_STATUS_MESSAGE_REJECTED       0x0D
#define SRB_STATUS_BUS_RESET              0x0E
#define SRB_STATUS_PARITY_ERROR           0x0F
#define SRB_STATUS_REQUEST_SENSE_FAILED   0x10
#define SRB_STATUS_NO_HBA                 0x11
#define SRB_STATUS_DATA_OVERRUN           0x12
#define SRB_STATUS_UNEXPECTED_BUS_FREE    0x13
#define SRB_STATUS_PHASE_SEQUENCE_FAILURE 0x14
#define SRB_STATUS_BAD_SRB_BLOCK_LENGTH   0x15
#define SRB_STATUS_REQUEST_FLUSHED        0x16
#define SRB_STATUS_INVALID_LUN            0x20
#define SRB_STATUS_INVALID_TARGET_ID      0x21
#define SRB_STATUS_BAD_FUNCTION           0x22
#define SRB_STATUS_ERROR_RECOVERY         0x23
#define SRB_STATUS_NOT_POWERED            0x24
#define SRB_STATUS_LINK_DOWN              0x25
#define SRB_STATUS_INSUFFICIENT_RESOURCES 0x26
#define SRB_STATUS_THROTTLED_REQUEST      0x27
#define SRB_STATUS_INTERNAL_ERROR         0x30
#define SRB_STATUS_QUEUE_FROZEN           0x40
#define SRB_STATUS_AUTOSENSE_VALID        0x80
#define SRB_STATUS(Status) ((Status) & ~(SRB_STATUS_AUTOSENSE_VALID | SRB_STATUS_QUEUE_FROZEN))

/* ---- configuration (storport.h) ---- */

typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal = 0,
    Isa,
    Eisa,
    MicroChannel,
    TurboChannel,
    PCIBus,
} INTERFACE_TYPE;

typedef enum _INTERRUPT_SYNCHRONIZATION_MODE {
    InterruptSupportNone,
    InterruptSynchronizeAll,
    InterruptSynchronizePerMessage,
} INTERRUPT_SYNCHRONIZATION_MODE;

#define STOR_FEATURE_VIRTUAL_MINIPORT 0x00000001
#define STOR_FEATURE_FULL_PNP_DEVICE_CAPABILITIES 0x00000004

/* StorPortInitializePerfOpts (ENV-E8): each flag with the version of PERF_CONFIGURATION_DATA
 * from which it is valid; STOR_PERF_CONCURRENT_CHANNELS is the one the audit acts on (HwStartIo
 * of a physical miniport without the StartIo lock, up to ConcurrentChannels at once). */
#define STOR_PERF_DPC_REDIRECTION 0x00000001                  /* version 2 */
#define STOR_PERF_CONCURRENT_CHANNELS 0x00000002              /* version 2 */
#define STOR_PERF_INTERRUPT_MESSAGE_RANGES 0x00000004         /* version 2 */
#define STOR_PERF_ADV_CONFIG_LOCALITY 0x00000008              /* version 3 */
#define STOR_PERF_OPTIMIZE_FOR_COMPLETION_DURING_STARTIO 0x00000010 /* version 3 */
#define STOR_PERF_DPC_REDIRECTION_CURRENT_CPU 0x00000020      /* version 4 */
#define STOR_PERF_VERSION_2 0x00000002
#define STOR_PERF_VERSION_3 0x00000003
#define STOR_PERF_VERSION_4 0x00000004
#define STOR_PERF_VERSION STOR_PERF_VERSION_4

typedef struct _GROUP_AFFINITY {
    ULONG_PTR Mask;
    USHORT Group;
    USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

typedef struct _PERF_CONFIGURATION_DATA {
    ULONG Version;
    ULONG Size;
    ULONG Flags;
    ULONG ConcurrentChannels;
    ULONG FirstRedirectionMessageNumber;
    ULONG LastRedirectionMessageNumber;
    ULONG DeviceNode;
    ULONG Reserved;
    PGROUP_AFFINITY MessageTargets;
} PERF_CONFIGURATION_DATA, *PPERF_CONFIGURATION_DATA;

/* SynchronizationModel (ENV-L4): half-duplex is the default. */
#define StorSynchronizeHalfDuplex 0
#define StorSynchronizeFullDuplex 1

#define SP_RETURN_NOT_FOUND  0
#define SP_RETURN_FOUND      1
#define SP_RETURN_ERROR      2
#define SP_RETURN_BAD_CONFIG 3

typedef BOOLEAN NTAPI HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE(PVOID DeviceExtension, ULONG MessageId);
typedef HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE *PHW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE;

/* The fields a miniport reads or sets in HwFindAdapter; the others of the WDK's structure are not
 * modelled, and using one is a compile error. */
typedef struct _PORT_CONFIGURATION_INFORMATION {
    ULONG Length;
    ULONG SystemIoBusNumber;
    INTERFACE_TYPE AdapterInterfaceType;
    ULONG BusInterruptLevel;
    ULONG BusInterruptVector;
    ULONG MaximumTransferLength;
    ULONG NumberOfPhysicalBreaks;
    ULONG AlignmentMask;
    ULONG NumberOfAccessRanges;
    UCHAR NumberOfBuses;
    UCHAR InitiatorBusId[8];
    BOOLEAN ScatterGather;
    BOOLEAN Master;
    BOOLEAN CachesData;
    BOOLEAN Dma32BitAddresses;
    BOOLEAN MapBuffers;
    BOOLEAN NeedPhysicalAddresses;
    BOOLEAN TaggedQueuing;
    BOOLEAN AutoRequestSense;
    BOOLEAN MultipleRequestPerLu;
    BOOLEAN ReceiveEvent;
    BOOLEAN RealModeInitialized;
    BOOLEAN BufferAccessScsiPortControlled;
    UCHAR MaximumNumberOfTargets;
    UCHAR SrbType;
    UCHAR AddressType;
    ULONG SlotNumber;
    ULONG DeviceExtensionSize;
    ULONG SpecificLuExtensionSize;
    ULONG SrbExtensionSize;
    UCHAR Dma64BitAddresses;
    BOOLEAN ResetTargetSupported;
    UCHAR MaximumNumberOfLogicalUnits;
    BOOLEAN WmiDataProvider;
    ULONG SynchronizationModel;
    PHW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE HwMSInterruptRoutine;
    INTERRUPT_SYNCHRONIZATION_MODE InterruptSynchronizationMode;
    ULONG RequestedDumpBufferSize;
    BOOLEAN VirtualDevice;
    UCHAR DumpMode;
    ULONG ExtendedFlags1;
    ULONG MaxNumberOfIO;
    ULONG MaxIOsPerLun;
    ULONG InitialLunQueueDepth;
    ULONG BusResetHoldTime;
    ULONG FeatureSupport;
} PORT_CONFIGURATION_INFORMATION, *PPORT_CONFIGURATION_INFORMATION;

/* ---- adapter control ---- */

typedef enum _SCSI_ADAPTER_CONTROL_TYPE {
    ScsiQuerySupportedControlTypes = 0,
    ScsiStopAdapter,
    ScsiRestartAdapter,
    ScsiSetBootConfig,
    ScsiSetRunningConfig,
    ScsiPowerSettingNotification,
    ScsiAdapterPower,
    ScsiAdapterPoFxPowerRequired,
    ScsiAdapterPoFxPowerActive,
    ScsiAdapterPoFxPowerSetFState,
    ScsiAdapterPoFxPowerControl,
    ScsiAdapterPrepareForBusReScan,
    ScsiAdapterSystemPowerHints,
    ScsiAdapterFilterResourceRequirements,
    ScsiAdapterPoFxMaxOperationalPower,
    ScsiAdapterPoFxSetPerfState,
    ScsiAdapterSurpriseRemoval,
    ScsiAdapterSerialNumber,
    ScsiAdapterCryptoOperation,
    ScsiAdapterQueryFruId,
    ScsiAdapterSetEventLogging,
    ScsiAdapterReportInternalData,
    ScsiAdapterResetBusSynchronous,
    ScsiAdapterPostHwInitialize,
    ScsiAdapterPrepareEarlyDumpData,
    ScsiAdapterRestoreEarlyDumpData,
    ScsiAdapterKsrPowerDown,
    ScsiAdapterPreparePLDR,
    ScsiNvmeofAdapterOperation,
    ScsiAdapterControlMax,
    MakeAdapterControlTypeSizeOfUlong = 0xffffffff
} SCSI_ADAPTER_CONTROL_TYPE, *PSCSI_ADAPTER_CONTROL_TYPE;

typedef enum _SCSI_ADAPTER_CONTROL_STATUS {
    ScsiAdapterControlSuccess = 0,
    ScsiAdapterControlUnsuccessful,
    ScsiAdapterControlRetryNeeded,
    ScsiAdapterControlBufferTooSmall
} SCSI_ADAPTER_CONTROL_STATUS, *PSCSI_ADAPTER_CONTROL_STATUS;

typedef struct _SCSI_SUPPORTED_CONTROL_TYPE_LIST {
    ULONG MaxControlType;
    BOOLEAN SupportedTypeList[];
} SCSI_SUPPORTED_CONTROL_TYPE_LIST, *PSCSI_SUPPORTED_CONTROL_TYPE_LIST;

/* ---- DPCs and locks ---- */

/* Storport's DPC object: the miniport provides the memory; stork keeps its DpcLock in it. */
typedef struct _STOR_DPC {
    PVOID Dpc[10];
    struct stork_lock Lock;
} STOR_DPC, *PSTOR_DPC;

typedef enum _STOR_SPINLOCK {
    InvalidLock = 0,
    DpcLock = 1,
    StartIoLock,
    InterruptLock,
    ThreadedDpcLock,
    DpcLevelLock
} STOR_SPINLOCK;

typedef struct _STOR_LOCK_HANDLE {
    STOR_SPINLOCK Lock;
    struct {
        struct {
            PVOID Next;
            PVOID Lock;
        } LockQueue;
        KIRQL OldIrql;
    } Context;
} STOR_LOCK_HANDLE, *PSTOR_LOCK_HANDLE;

/* ---- entry points ---- */

typedef BOOLEAN NTAPI HW_INITIALIZE(PVOID DeviceExtension);
typedef HW_INITIALIZE *PHW_INITIALIZE;
typedef BOOLEAN NTAPI HW_BUILDIO(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb);
typedef HW_BUILDIO *PHW_BUILDIO;
typedef BOOLEAN NTAPI HW_STARTIO(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb);
typedef HW_STARTIO *PHW_STARTIO;
typedef BOOLEAN NTAPI HW_INTERRUPT(PVOID DeviceExtension);
typedef HW_INTERRUPT *PHW_INTERRUPT;
typedef VOID NTAPI HW_TIMER(PVOID DeviceExtension);
typedef HW_TIMER *PHW_TIMER;
typedef VOID NTAPI HW_TIMER_EX(PVOID DeviceExtension, PVOID Context);
typedef HW_TIMER_EX *PHW_TIMER_EX;
typedef VOID NTAPI HW_DMA_STARTED(PVOID DeviceExtension);
typedef HW_DMA_STARTED *PHW_DMA_STARTED;
typedef ULONG NTAPI HW_FIND_ADAPTER(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                                    PCHAR ArgumentString, PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                    PBOOLEAN Reserved3);
typedef HW_FIND_ADAPTER *PHW_FIND_ADAPTER;
typedef ULONG NTAPI VIRTUAL_HW_FIND_ADAPTER(PVOID DeviceExtension, PVOID HwContext,
                                            PVOID BusInformation, PVOID LowerDevice,
                                            PCHAR ArgumentString,
                                            PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                            PBOOLEAN Again);
typedef VIRTUAL_HW_FIND_ADAPTER *PVIRTUAL_HW_FIND_ADAPTER;
typedef BOOLEAN NTAPI HW_RESET_BUS(PVOID DeviceExtension, ULONG PathId);
typedef HW_RESET_BUS *PHW_RESET_BUS;
typedef BOOLEAN NTAPI HW_ADAPTER_STATE(PVOID DeviceExtension, PVOID Context, BOOLEAN SaveState);
typedef HW_ADAPTER_STATE *PHW_ADAPTER_STATE;
typedef SCSI_ADAPTER_CONTROL_STATUS NTAPI HW_ADAPTER_CONTROL(PVOID DeviceExtension,
                                                             SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                             PVOID Parameters);
typedef HW_ADAPTER_CONTROL *PHW_ADAPTER_CONTROL;
typedef BOOLEAN NTAPI HW_PASSIVE_INITIALIZE_ROUTINE(PVOID DeviceExtension);
typedef HW_PASSIVE_INITIALIZE_ROUTINE *PHW_PASSIVE_INITIALIZE_ROUTINE;
typedef VOID NTAPI HW_DPC_ROUTINE(PSTOR_DPC Dpc, PVOID HwDeviceExtension, PVOID SystemArgument1,
                                  PVOID SystemArgument2);
typedef HW_DPC_ROUTINE *PHW_DPC_ROUTINE;
typedef VOID NTAPI HW_FREE_ADAPTER_RESOURCES(PVOID DeviceExtension);
typedef HW_FREE_ADAPTER_RESOURCES *PHW_FREE_ADAPTER_RESOURCES;
typedef VOID NTAPI HW_PROCESS_SERVICE_REQUEST(PVOID DeviceExtension, PVOID Irp);
typedef HW_PROCESS_SERVICE_REQUEST *PHW_PROCESS_SERVICE_REQUEST;
typedef VOID NTAPI HW_COMPLETE_SERVICE_IRP(PVOID DeviceExtension);
typedef HW_COMPLETE_SERVICE_IRP *PHW_COMPLETE_SERVICE_IRP;
typedef VOID NTAPI HW_INITIALIZE_TRACING(PVOID Arg1, PVOID Arg2);
typedef HW_INITIALIZE_TRACING *PHW_INITIALIZE_TRACING;
typedef VOID NTAPI HW_CLEANUP_TRACING(PVOID Arg1);
typedef HW_CLEANUP_TRACING *PHW_CLEANUP_TRACING;
typedef VOID NTAPI HW_TRACING_ENABLED(PVOID HwDeviceExtension, BOOLEAN Enabled);
typedef HW_TRACING_ENABLED *PHW_TRACING_ENABLED;
typedef PVOID PHW_UNIT_CONTROL; /* unit control is not modelled: leave it NULL */
typedef ULONG sp_DRIVER_INITIALIZE(PVOID DriverObject, PVOID RegistryPath);

/* The WDK's HW_INITIALIZATION_DATA (Windows 8 on); the virtual one differs in HwFindAdapter. */
#define STORK_HW_INITIALIZATION_DATA_FIELDS(find_adapter_type) \
    ULONG HwInitializationDataSize; \
    INTERFACE_TYPE AdapterInterfaceType; \
    PHW_INITIALIZE HwInitialize; \
    PHW_STARTIO HwStartIo; \
    PHW_INTERRUPT HwInterrupt; \
    find_adapter_type HwFindAdapter; \
    PHW_RESET_BUS HwResetBus; \
    PHW_DMA_STARTED HwDmaStarted; \
    PHW_ADAPTER_STATE HwAdapterState; \
    ULONG DeviceExtensionSize; \
    ULONG SpecificLuExtensionSize; \
    ULONG SrbExtensionSize; \
    ULONG NumberOfAccessRanges; \
    PVOID Reserved; \
    UCHAR MapBuffers; \
    BOOLEAN NeedPhysicalAddresses; \
    BOOLEAN TaggedQueuing; \
    BOOLEAN AutoRequestSense; \
    BOOLEAN MultipleRequestPerLu; \
    BOOLEAN ReceiveEvent; \
    USHORT VendorIdLength; \
    PVOID VendorId; \
    union { \
        USHORT ReservedUshort; \
        USHORT PortVersionFlags; \
    }; \
    USHORT DeviceIdLength; \
    PVOID DeviceId; \
    PHW_ADAPTER_CONTROL HwAdapterControl; \
    PHW_BUILDIO HwBuildIo; \
    PHW_FREE_ADAPTER_RESOURCES HwFreeAdapterResources; \
    PHW_PROCESS_SERVICE_REQUEST HwProcessServiceRequest; \
    PHW_COMPLETE_SERVICE_IRP HwCompleteServiceIrp; \
    PHW_INITIALIZE_TRACING HwInitializeTracing; \
    PHW_CLEANUP_TRACING HwCleanupTracing; \
    PHW_TRACING_ENABLED HwTracingEnabled; \
    ULONG FeatureSupport; \
    ULONG SrbTypeFlags; \
    ULONG AddressTypeFlags; \
    ULONG Reserved1; \
    PHW_UNIT_CONTROL HwUnitControl;

typedef struct _HW_INITIALIZATION_DATA {
    STORK_HW_INITIALIZATION_DATA_FIELDS(PHW_FIND_ADAPTER)
} HW_INITIALIZATION_DATA, *PHW_INITIALIZATION_DATA;

/* A virtual miniport's: the same layout, its HwFindAdapter with the LowerDevice parameter; it
 * sets STOR_FEATURE_VIRTUAL_MINIPORT in FeatureSupport and passes it to StorPortInitialize cast
 * to PHW_INITIALIZATION_DATA. */
typedef struct _VIRTUAL_HW_INITIALIZATION_DATA {
    STORK_HW_INITIALIZATION_DATA_FIELDS(PVIRTUAL_HW_FIND_ADAPTER)
} VIRTUAL_HW_INITIALIZATION_DATA, *PVIRTUAL_HW_INITIALIZATION_DATA;

typedef enum _SCSI_NOTIFICATION_TYPE {
    RequestComplete,
    NextRequest,
    NextLuRequest,
    ResetDetected,
    _obsolete1,
    _obsolete2,
    RequestTimerCall,
    BusChangeDetected,
    WMIEvent,
    WMIReregister,
    LinkUp,
    LinkDown,
    QueryTickCount,
    BufferOverrunDetected,
    TraceNotification,
    GetExtendedFunctionTable,
    EnablePassiveInitialization = 0x1000,
    InitializeDpc,
    IssueDpc,
    AcquireSpinLock,
    ReleaseSpinLock,
} SCSI_NOTIFICATION_TYPE, *PSCSI_NOTIFICATION_TYPE;

/* ---- the calls (c-harness/check/driver.c); each passes its call site ---- */

ULONG stork_port_initialize_at(PVOID Argument1, PVOID Argument2,
                               struct _HW_INITIALIZATION_DATA *HwInitializationData,
                               PVOID HwContext, const char *file, int line);
VOID stork_notification_at(const char *file, int line, SCSI_NOTIFICATION_TYPE NotificationType,
                           PVOID HwDeviceExtension, ...);
BOOLEAN stork_enable_passive_initialization_at(PVOID HwDeviceExtension,
                                               PHW_PASSIVE_INITIALIZE_ROUTINE Routine,
                                               const char *file, int line);
VOID stork_initialize_dpc_at(PVOID HwDeviceExtension, PSTOR_DPC Dpc, PHW_DPC_ROUTINE Routine,
                             const char *file, int line);
BOOLEAN stork_issue_dpc_at(PVOID HwDeviceExtension, PSTOR_DPC Dpc, PVOID SystemArgument1,
                           PVOID SystemArgument2, const char *file, int line);
VOID stork_acquire_spin_lock_at(PVOID HwDeviceExtension, STOR_SPINLOCK SpinLock,
                                PVOID LockContext, PSTOR_LOCK_HANDLE LockHandle,
                                const char *file, int line);
VOID stork_release_spin_lock_at(PVOID HwDeviceExtension, PSTOR_LOCK_HANDLE LockHandle,
                                const char *file, int line);
/* StorPortSynchronizeAccess (ENV-L1, L3, L4): the routine under the interrupt lock. */
typedef BOOLEAN NTAPI STOR_SYNCHRONIZED_ACCESS(PVOID HwDeviceExtension, PVOID Context);
typedef STOR_SYNCHRONIZED_ACCESS *PSTOR_SYNCHRONIZED_ACCESS;
BOOLEAN stork_synchronize_access_at(PVOID HwDeviceExtension,
                                    PSTOR_SYNCHRONIZED_ACCESS SynchronizedAccessRoutine,
                                    PVOID Context, const char *file, int line);
BOOLEAN stork_pause_at(PVOID HwDeviceExtension, ULONG Timeout, const char *file, int line);
BOOLEAN stork_resume_at(PVOID HwDeviceExtension, const char *file, int line);
VOID stork_stall_execution_at(ULONG Delay, const char *file, int line);
/* StorPortCancelDpc as the WDK declares it (ENV-E12, [D-CANCELDPC]): a STOR_STATUS, the answer in
 * *ReturnValue (TRUE: taken off the DPC queue; FALSE: running or run, and no wait). */
/* StorPortDebugPrint: a checked build's debug output; stork prints nothing (the format is
 * checked by the compiler, the arguments are evaluated at the call, as the miniport's reads). */
void stork_debug_print(unsigned long DebugPrintLevel, const char *DebugMessage, ...)
    __attribute__((format(printf, 2, 3)));
#define StorPortDebugPrint stork_debug_print
/* StorPortInitializePerfOpts (ENV-E8): from HwInitialize or HwPassiveInitializeRoutine only. */
ULONG stork_initialize_perf_opts_at(PVOID HwDeviceExtension, BOOLEAN Query,
                                    PPERF_CONFIGURATION_DATA PerfConfigData, const char *file,
                                    int line);
ULONG stork_cancel_dpc_at(PVOID HwDeviceExtension, PSTOR_DPC Dpc, PBOOLEAN ReturnValue,
                          const char *file, int line);
ULONG stork_initialize_timer_at(PVOID HwDeviceExtension, PVOID *TimerHandle, const char *file,
                                int line);
ULONG stork_request_timer_at(PVOID HwDeviceExtension, PVOID TimerHandle, PHW_TIMER_EX Callback,
                             PVOID CallbackContext, ULONGLONG TimerValue, ULONGLONG TolerableDelay,
                             const char *file, int line);
ULONG stork_free_timer_at(PVOID HwDeviceExtension, PVOID TimerHandle, const char *file, int line);
VOID stork_complete_service_irp_at(PVOID HwDeviceExtension, PVOID Irp, const char *file, int line);
/* Memory (ENV-E22): each allocation may fail, as for lack of memory. */
ULONG stork_allocate_pool_at(PVOID HwDeviceExtension, ULONG NumberOfBytes, ULONG Tag,
                             PVOID *BufferPointer, const char *file, int line);
ULONG stork_free_pool_at(PVOID HwDeviceExtension, PVOID BufferPointer, const char *file, int line);
PVOID stork_get_uncached_extension_at(PVOID HwDeviceExtension,
                                      PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                      ULONG NumberOfBytes, const char *file, int line);
/* The HBA's registers and ports (ENV-R14): memory that holds what was last written to it, all
 * ones once a surprise removal took the hardware away; each read is a scheduling point. */
PVOID stork_get_device_base_at(PVOID HwDeviceExtension, INTERFACE_TYPE BusType,
                               ULONG SystemIoBusNumber, STOR_PHYSICAL_ADDRESS IoAddress,
                               ULONG NumberOfBytes, BOOLEAN InIoSpace, const char *file,
                               int line);
ULONG stork_read_register_at(PVOID HwDeviceExtension, const volatile void *Register, size_t size,
                             const char *file, int line);
VOID stork_write_register_at(PVOID HwDeviceExtension, volatile void *Register, size_t size,
                             ULONG Value, const char *file, int line);

#define StorPortInitialize(a1, a2, data, hwcontext) \
    stork_port_initialize_at((a1), (a2), (data), (hwcontext), __FILE__, __LINE__)
#define StorPortNotification(...) stork_notification_at(__FILE__, __LINE__, __VA_ARGS__)
#define StorPortEnablePassiveInitialization(ext, routine) \
    stork_enable_passive_initialization_at((ext), (routine), __FILE__, __LINE__)
#define StorPortInitializeDpc(ext, dpc, routine) \
    stork_initialize_dpc_at((ext), (dpc), (routine), __FILE__, __LINE__)
#define StorPortIssueDpc(ext, dpc, arg1, arg2) \
    stork_issue_dpc_at((ext), (dpc), (arg1), (arg2), __FILE__, __LINE__)
#define StorPortAcquireSpinLock(ext, lock, context, handle) \
    stork_acquire_spin_lock_at((ext), (lock), (context), (handle), __FILE__, __LINE__)
#define StorPortReleaseSpinLock(ext, handle) \
    stork_release_spin_lock_at((ext), (handle), __FILE__, __LINE__)
#define StorPortSynchronizeAccess(ext, routine, context) \
    stork_synchronize_access_at((ext), (routine), (context), __FILE__, __LINE__)
#define StorPortPause(ext, timeout) stork_pause_at((ext), (timeout), __FILE__, __LINE__)
#define StorPortResume(ext) stork_resume_at((ext), __FILE__, __LINE__)
#define StorPortStallExecution(delay) stork_stall_execution_at((delay), __FILE__, __LINE__)
#define StorPortCancelDpc(ext, dpc, rv) stork_cancel_dpc_at((ext), (dpc), (rv), __FILE__, __LINE__)
#define StorPortInitializePerfOpts(ext, query, data) \
    stork_initialize_perf_opts_at((ext), (query), (data), __FILE__, __LINE__)
#define StorPortInitializeTimer(ext, handle) \
    stork_initialize_timer_at((ext), (handle), __FILE__, __LINE__)
#define StorPortRequestTimer(ext, handle, callback, context, value, delay) \
    stork_request_timer_at((ext), (handle), (callback), (context), (value), (delay), __FILE__, \
                           __LINE__)
#define StorPortFreeTimer(ext, handle) stork_free_timer_at((ext), (handle), __FILE__, __LINE__)
#define StorPortCompleteServiceIrp(ext, irp) \
    stork_complete_service_irp_at((ext), (irp), __FILE__, __LINE__)
#define StorPortAllocatePool(ext, bytes, tag, buffer) \
    stork_allocate_pool_at((ext), (bytes), (tag), (buffer), __FILE__, __LINE__)
#define StorPortFreePool(ext, buffer) stork_free_pool_at((ext), (buffer), __FILE__, __LINE__)
#define StorPortGetUncachedExtension(ext, config, bytes) \
    stork_get_uncached_extension_at((ext), (config), (bytes), __FILE__, __LINE__)
#define StorPortGetDeviceBase(ext, bus, number, address, bytes, io) \
    stork_get_device_base_at((ext), (bus), (number), (address), (bytes), (io), __FILE__, __LINE__)
#define StorPortReadRegisterUchar(ext, reg) \
    ((UCHAR)stork_read_register_at((ext), (PUCHAR)(reg), 1, __FILE__, __LINE__))
#define StorPortReadRegisterUshort(ext, reg) \
    ((USHORT)stork_read_register_at((ext), (PUSHORT)(reg), 2, __FILE__, __LINE__))
#define StorPortReadRegisterUlong(ext, reg) \
    ((ULONG)stork_read_register_at((ext), (PULONG)(reg), 4, __FILE__, __LINE__))
#define StorPortWriteRegisterUchar(ext, reg, value) \
    stork_write_register_at((ext), (PUCHAR)(reg), 1, (UCHAR)(value), __FILE__, __LINE__)
#define StorPortWriteRegisterUshort(ext, reg, value) \
    stork_write_register_at((ext), (PUSHORT)(reg), 2, (USHORT)(value), __FILE__, __LINE__)
#define StorPortWriteRegisterUlong(ext, reg, value) \
    stork_write_register_at((ext), (PULONG)(reg), 4, (ULONG)(value), __FILE__, __LINE__)
/* I/O ports: the same (a port is a register in I/O space). */
#define StorPortReadPortUchar StorPortReadRegisterUchar
#define StorPortReadPortUshort StorPortReadRegisterUshort
#define StorPortReadPortUlong StorPortReadRegisterUlong
#define StorPortWritePortUchar StorPortWriteRegisterUchar
#define StorPortWritePortUshort StorPortWriteRegisterUshort
#define StorPortWritePortUlong StorPortWriteRegisterUlong

#ifdef __cplusplus
}
#endif

#endif /* STORK_MINIPORT_H */
