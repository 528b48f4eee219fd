/*
 * spcnvme_fixed -- case study 2 (conformance/case-studies/spcnvme.md), the SpcNvme restart
 * worker (smokingpc/glendronach 84a0b1f24f4c, src/SpcNvme/NvmeDevice.cpp L15-63) with every
 * defect fixed; the C twin of model/designs/spcnvme_fixed.pml.  A restart request pauses the
 * adapter and issues a DPC; the DPC (DISPATCH) creates a worker into the extension's field
 * unless a restart is already pending, queues it and frees it if the queue fails; the callback
 * (PASSIVE) re-initialises the controller if the device still runs (using the queues the remove
 * handler deletes) and always frees its own Worker parameter.  The remove handler marks the
 * device stopped, drains the restart worker, and only then deletes the queues.  Two restart
 * requests may arrive; any initialisation may fail for lack of memory.
 *
 * Each defect of the published code (spcnvme_as_published.c, verbatim) is a switch, the same
 * as the design's (-D DEFECT_...=1); variants.txt names the variants and what each must give:
 *   DEFECT_WRONG_HANDLE         the callback frees &nvme->RestartWorker, the address of the
 *                               field, not its Worker (L61): the free fails, the worker leaks
 *   DEFECT_EARLY_RETURN         the callback returns at once, without the free (and the
 *                               resume), when the device no longer runs (L48-49)
 *   DEFECT_OVERWRITTEN_HANDLE   the DPC initialises straight into the field, with no check
 *                               that a restart is pending and no lock (L33), and queues the
 *                               field (L34): a second restart overwrites the first handle,
 *                               which leaks, and both DPCs then act on the same worker
 *   DEFECT_QUEUE_STATUS_IGNORED the DPC only ASSERTs the queue's status (L34): in a free build
 *                               a failed queue (removal began) leaks the worker
 *   DEFECT_TEARDOWN_NO_DRAIN    the remove handler deletes the queues without draining the
 *                               restart worker: a callback that found the device running
 *                               re-initialises the controller with the deleted queues
 *
 * expect: clean
 */
#include <storport.h>

struct nvme_device {
    PVOID RestartWorker;
    BOOLEAN IsWorking;
    int pending;            /* successful queues whose callback has not started */
    int inside;             /* restart callbacks running */
    struct stork_lock lock; /* the extension's spinlock */
};

/* RestartAdapterWorker (PASSIVE). */
static VOID RestartAdapterWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    (void)Context;
    struct nvme_device *nvme = DeviceExtension;
    STORK_LOCK(&nvme->lock);
#if DEFECT_OVERWRITTEN_HANDLE
    nvme->pending--;
#else
    nvme->pending = 0;
#endif
    nvme->inside++;
    STORK_UNLOCK(&nvme->lock);
#if DEFECT_EARLY_RETURN
    if (!nvme->IsWorking) { /* L48-49: early return, no free */
        nvme->inside--;
        return;
    }
    STORK_USE_RESOURCES(); /* re-initialise the controller, resume the adapter */
#else
    if (nvme->IsWorking)
        STORK_USE_RESOURCES(); /* re-initialise the controller, resume the adapter */
#endif
    STORK_LOCK(&nvme->lock);
#if DEFECT_WRONG_HANDLE
    (void)Worker;
    StorPortFreeWorker(nvme, &nvme->RestartWorker); /* L61 */
#else
    StorPortFreeWorker(nvme, Worker);
#endif
    nvme->RestartWorker = NULL;
    nvme->inside--; /* under the lock: outside it, a lost update with the next callback's ++ */
    STORK_UNLOCK(&nvme->lock);
}

/* RestartAdapterDpc (DISPATCH). */
static void RestartAdapterDpc(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
#if DEFECT_OVERWRITTEN_HANDLE
    if (!nvme->IsWorking)
        return;
    if (StorPortInitializeWorker(nvme, &nvme->RestartWorker) != STOR_STATUS_SUCCESS) /* L33 */
        return;
    STORK_LOCK(&nvme->lock);
    if (StorPortQueueWorkItem(nvme, RestartAdapterWorker, nvme->RestartWorker, NULL) ==
        STOR_STATUS_SUCCESS)
        nvme->pending++;
    else
        StorPortFreeWorker(nvme, nvme->RestartWorker);
#else
    STORK_LOCK(&nvme->lock);
    if (nvme->IsWorking && nvme->RestartWorker == NULL) {
        PVOID worker = NULL;
        if (StorPortInitializeWorker(nvme, &worker) == STOR_STATUS_SUCCESS) {
            if (StorPortQueueWorkItem(nvme, RestartAdapterWorker, worker, NULL) ==
                STOR_STATUS_SUCCESS) {
                nvme->RestartWorker = worker;
                nvme->pending = 1;
            }
#if DEFECT_QUEUE_STATUS_IGNORED
            /* else: ASSERT(status == STOR_STATUS_SUCCESS) only (L34) */
#else
            else {
                StorPortFreeWorker(nvme, worker);
            }
#endif
        }
    }
#endif
    STORK_UNLOCK(&nvme->lock);
}

static void find_adapter(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
    nvme->IsWorking = TRUE;
    /* The stop flag (one byte, read and written whole) is read by the callback without the
     * lock: one that sees a stale TRUE restarts the controller once more, and the remove
     * handler releases the queues only after it has drained that callback. */
    STORK_BENIGN_RACE(&nvme->IsWorking, "a stop flag; the remove handler drains before it releases");
}

/* The remove path: stop, drain the restart worker, then delete the I/O queues. */
static void teardown(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
    nvme->IsWorking = FALSE;
#if !DEFECT_TEARDOWN_NO_DRAIN
    STORK_WAIT_UNTIL(!nvme->pending && nvme->inside == 0);
#endif
    STORK_RELEASE_RESOURCES();
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
    {"dpc2", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
};

const struct stork_scenario stork_scenario = {
    .name = STORK_SCENARIO_NAME("spcnvme_fixed"),
    .extension_size = sizeof(struct nvme_device),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 2,
    .remove = teardown,
    .threads = 1,
    .alloc_fail = 1,
};
