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
 * expect: WI-M11 WI-M3 WI-M7 WI-M8 ENV-Q8 ENV-R7
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

#include "spcnvme_frame.h"
