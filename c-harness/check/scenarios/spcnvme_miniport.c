/*
 * spcnvme_miniport -- case study 2 (conformance/case-studies/spcnvme.md) as the driver registers
 * itself: the SpcNvme restart worker (smokingpc/glendronach 84a0b1f24f4c, src/SpcNvme:
 * NvmeDevice.cpp L15-63 and RestartController, HandleAdapterControl.cpp, the BuildIo PnP path),
 * with every defect fixed, audited from its own DriverEntry (no stork_scenario).  HwFindAdapter
 * sets the device up and initialises RestartDpc (InitDpcs, as the driver does there);
 * HwAdapterControl(ScsiRestartAdapter), at DIRQL, pauses the adapter and issues RestartDpc
 * (RestartController); the DPC (DISPATCH) creates a worker into a local under the extension's
 * spinlock unless a restart is pending, queues it, publishes it on success, and frees it and
 * resumes the adapter when the restart is dropped; the callback (PASSIVE) re-initialises the
 * controller if the device still runs (using the I/O queues Teardown deletes), resumes the
 * adapter and always frees its own Worker parameter.  Teardown runs where the driver runs it: in
 * HwBuildIo for the remove SRB (SRB_FUNCTION_PNP, StorRemoveDevice); it marks the device stopped and deletes the
 * queues at once only if no restart is out, else the last restart callback deletes them as it
 * leaves (neither place may wait for a PASSIVE callback: HwBuildIo runs at DISPATCH_LEVEL).
 * HwStartIo completes every other SRB at once (the NVMe I/O path is left out).  `--stop-restart`:
 * the PnP manager stops and restarts the adapter once, the only way to the restart worker.
 * Left out of the driver: its HwAdapterControl also marks ScsiAdapterSurpriseRemoval and tears
 * down there (its nine removal orders instead of three take the search past 3,000,000
 * schedules, when the audit had no reduction for a miniport run from its DriverEntry; with
 * it the variants give the same findings, tried); the surprise-removal SRB still comes.
 *
 * The published code (spcnvme_miniport_as_published.c) has every defect at once; each is a
 * switch here, as in spcnvme_fixed.c (the scenario form) and the design; variants.txt names the
 * variants and what each must give:
 *   DEFECT_WRONG_HANDLE         the callback frees &nvme->RestartWorker, the address of the
 *                               field, not its Worker (L61): the free fails, the worker leaks
 *   DEFECT_EARLY_RETURN         the callback returns at once, without the free and the resume,
 *                               when the device no longer runs (L48-49)
 *   DEFECT_QUEUE_STATUS_IGNORED the DPC only ASSERTs the queue's status (L34): a failed queue
 *                               (removal began) leaks the worker and leaves the adapter paused
 *   DEFECT_TEARDOWN_NO_DRAIN    Teardown deletes the queues at once: a restart callback that
 *                               found the device running re-initialises the controller with them
 * The fifth, DEFECT_OVERWRITTEN_HANDLE (L33), needs two RestartDpc runs in one adapter life: the
 * environment gives one stop and restart per life (ENV-R9), so it has no variant here (the case
 * study says why).
 *
 * RestartDpc is drained before the release (ENV-R7): RestartController counts the issue
 * (DpcOut, set before StorPortIssueDpc), the DPC clears it with an interlocked store as its last
 * use of the extension, and ScsiStopAdapter, the one removal step every removal kind reaches
 * (the surprise-removal SRB may come alone, and Teardown runs only for the remove SRB), cancels
 * RestartDpc, resumes the pause a cancelled restart held (ENV-Q8: no DPC or callback of it will),
 * and waits, spinning at DIRQL, for a DPC that was already running to signal (it runs on another
 * CPU: StorPortCancelDpc took it back if it was still queued).  Past its signal the DPC only
 * returns: under ENV-R7's position (spec/environment.md) that is not a use of the adapter.
 *   DEFECT_NO_DPC_DRAIN         nothing cancels RestartDpc or waits for it: a restart issued just
 *                               before removal runs its DPC after the adapter's release
 *
 * audit: --stop-restart
 * expect: clean
 */
#include <storport.h>

struct nvme_device {
    STOR_DPC RestartDpc;
    PVOID RestartWorker;
    BOOLEAN IsWorking;
    BOOLEAN TornDown;       /* Teardown ran: the queues go once no restart is out */
    BOOLEAN QueuesDeleted;
    int pending;            /* a successful queue whose callback has not started */
    int inside;             /* restart callbacks running */
    LONG DpcOut;            /* RestartDpc issued and not yet past its last use (interlocked) */
    struct stork_lock lock; /* the extension's spinlock */
};

/* Under the lock: delete the I/O queues, once, when no restart callback can use them. */
static void DeleteQueuesIfIdle(struct nvme_device *nvme)
{
#if !DEFECT_TEARDOWN_NO_DRAIN
    if (nvme->pending || nvme->inside)
        return; /* the last restart callback deletes them */
#endif
    if (!nvme->QueuesDeleted) {
        nvme->QueuesDeleted = TRUE;
        STORK_RELEASE_RESOURCES();
    }
}

/* RestartAdapterWorker (PASSIVE). */
static VOID RestartAdapterWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    (void)Context;
    struct nvme_device *nvme = DeviceExtension;
    STORK_LOCK(&nvme->lock);
    nvme->pending = 0;
    nvme->inside++;
    BOOLEAN working = nvme->IsWorking;
    STORK_UNLOCK(&nvme->lock);
#if DEFECT_EARLY_RETURN
    if (!working) { /* L48-49: early return, no free, no resume */
        STORK_LOCK(&nvme->lock);
        nvme->inside--;
        if (nvme->TornDown)
            DeleteQueuesIfIdle(nvme);
        STORK_UNLOCK(&nvme->lock);
        return;
    }
#endif
    if (working)
        STORK_USE_RESOURCES(); /* re-initialise the controller with its I/O queues */
    StorPortResume(nvme);      /* L60 */
    STORK_LOCK(&nvme->lock);
#if DEFECT_WRONG_HANDLE
    (void)Worker;
    StorPortFreeWorker(nvme, &nvme->RestartWorker); /* L61 */
#else
    StorPortFreeWorker(nvme, Worker);
#endif
    nvme->RestartWorker = NULL;
    nvme->inside--;
    if (nvme->TornDown)
        DeleteQueuesIfIdle(nvme);
    STORK_UNLOCK(&nvme->lock);
}

/* RestartAdapterDpc (DISPATCH). */
static VOID RestartAdapterDpc(PSTOR_DPC Dpc, PVOID DeviceExtension, PVOID Arg1, PVOID Arg2)
{
    struct nvme_device *nvme = DeviceExtension;
    BOOLEAN queued = FALSE;
    (void)Dpc;
    (void)Arg1;
    (void)Arg2;
    STORK_LOCK(&nvme->lock);
    if (nvme->IsWorking && nvme->RestartWorker == NULL) {
        PVOID worker = NULL;
        if (StorPortInitializeWorker(nvme, &worker) == STOR_STATUS_SUCCESS) {
            if (StorPortQueueWorkItem(nvme, RestartAdapterWorker, worker, NULL) ==
                STOR_STATUS_SUCCESS) {
                nvme->RestartWorker = worker;
                nvme->pending = 1;
                queued = TRUE;
            }
#if DEFECT_QUEUE_STATUS_IGNORED
            else {
                queued = TRUE; /* ASSERT(status == STOR_STATUS_SUCCESS) only (L34) */
            }
#else
            else {
                StorPortFreeWorker(nvme, worker);
            }
#endif
        }
    }
    STORK_UNLOCK(&nvme->lock);
    if (!queued)
        StorPortResume(nvme); /* the restart is dropped: end the pause RestartController made */
#if !DEFECT_NO_DPC_DRAIN
    InterlockedExchange(&nvme->DpcOut, 0); /* its last use of the extension */
#endif
}

/* CNvmeDevice::Teardown: the device stops; the I/O queues are deleted when no restart is out. */
static void Teardown(struct nvme_device *nvme)
{
    STORK_LOCK(&nvme->lock);
    nvme->IsWorking = FALSE;
    nvme->TornDown = TRUE;
    DeleteQueuesIfIdle(nvme);
    STORK_UNLOCK(&nvme->lock);
}

#if !DEFECT_NO_DPC_DRAIN
/* RestartController, before its StorPortIssueDpc: a DPC is out (cleared by it, or below). */
#define RESTART_DPC_ISSUING(nvme) ((nvme)->DpcOut = 1)

/* ScsiStopAdapter (DIRQL): no restart DPC is queued or running past it. */
static void DrainRestartDpc(struct nvme_device *nvme)
{
    BOOLEAN cancelled = FALSE;
    if (StorPortCancelDpc(nvme, &nvme->RestartDpc, &cancelled) == STOR_STATUS_SUCCESS && cancelled) {
        nvme->DpcOut = 0;     /* taken back: it will not run */
        StorPortResume(nvme); /* the pause the cancelled restart held */
    }
    STORK_WAIT_UNTIL(nvme->DpcOut == 0); /* a DPC already running, on another CPU */
}
#define STOP_ADAPTER(nvme) DrainRestartDpc(nvme)
#endif

#include "spcnvme_frame.h"
