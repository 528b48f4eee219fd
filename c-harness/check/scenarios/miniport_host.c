/*
 * miniport_host -- a physical miniport whose interrupt routine hands its work to a worker of
 * its own: HwInterrupt (DIRQL) initialises a worker and queues it, which breaks WI-M1 under
 * every host (ENV-H2).  On Windows the init answers INVALID_IRQL and the ISR takes its failure
 * path, so nothing behind it runs; on NeptuneOS (`stork audit --host neptune`, ENV-H3), which
 * checks no IRQL, the init and the queue succeed and the callback runs: the code behind the
 * refused call is explored, as model/designs/dirql_init_behind_permissive_host.pml does for
 * the model.  HwStartIo completes each SRB at once.
 *
 * Its variants (variants.txt) each switch one defect on:
 *   DEFECT_REQUEUE_AFTER_FREE (miniport_host_requeue_after_free, audited with --host neptune):
 *     the callback frees its worker and then queues it again (WI-M4), a defect only a host
 *     that lets the ISR's init through reaches; under Windows the same code gives WI-M1 alone.
 *   DEFECT_STARTIO_FALSE (miniport_host_startio_false): HwStartIo answers FALSE for an I/O SRB
 *     and leaves it outstanding, as though Storport took it back.  Windows reads nothing from
 *     that answer: the SRB is stranded (ENV-Q6); NeptuneOS completes it with SRB_STATUS_ERROR
 *     (ENV-H5), so under --host neptune only WI-M1 remains.
 *
 * expect: WI-M1
 */
#include <storport.h>

struct adapter {
    ULONG Interrupts; /* under the interrupt lock Storport holds around HwInterrupt */
};

static VOID IsrWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    (void)Context;
    StorPortFreeWorker(DeviceExtension, Worker);
#ifdef DEFECT_REQUEUE_AFTER_FREE
    StorPortQueueWorkItem(DeviceExtension, IsrWorker, Worker, NULL); /* freed above: WI-M4 */
#endif
}

static BOOLEAN HwInterrupt(PVOID DeviceExtension)
{
    struct adapter *a = DeviceExtension;
    a->Interrupts++;
    PVOID worker = NULL;
    if (StorPortInitializeWorker(DeviceExtension, &worker) != STOR_STATUS_SUCCESS)
        return TRUE; /* Windows: INVALID_IRQL at DIRQL, and nothing more */
    if (StorPortQueueWorkItem(DeviceExtension, IsrWorker, worker, NULL) != STOR_STATUS_SUCCESS)
        StorPortFreeWorker(DeviceExtension, worker);
    return TRUE;
}

static BOOLEAN HwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb)
{
#ifdef DEFECT_STARTIO_FALSE
    if (Srb->Function != SRB_FUNCTION_PNP)
        return FALSE; /* not completed: Windows strands it (ENV-Q6), NeptuneOS fails it */
#endif
    Srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, DeviceExtension, Srb);
    return TRUE;
}

#define MINIPORT_PLAIN_START 1
#include "miniport_controls.h"

ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath);
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath)
{
    HW_INITIALIZATION_DATA init;
    memset(&init, 0, sizeof init);
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
