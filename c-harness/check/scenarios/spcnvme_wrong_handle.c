/*
 * spcnvme_wrong_handle -- the SpcNvme restart worker (case study 2) with one defect:
 * the callback frees &nvme->RestartWorker (NvmeDevice.cpp L61), the address of the field, a
 * value the runtime never issued, instead of its Worker parameter: the free fails and the real
 * worker leaks on every restart.
 * Everything else is as in spcnvme_fixed.c; the C twin of model/designs/spcnvme_wrong_handle.pml.
 *
 * expect: WI-M3 WI-M7
 */
#include <storport.h>

struct nvme_device {
    PVOID RestartWorker;
    BOOLEAN IsWorking;
    int pending;            /* RestartWorker queued, its callback not started */
    int inside;             /* restart callbacks running */
    struct stork_lock lock; /* the extension's spinlock */
};

/* RestartAdapterWorker (PASSIVE). */
static VOID RestartAdapterWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    (void)Context;
    struct nvme_device *nvme = DeviceExtension;
    STORK_LOCK(&nvme->lock);
    nvme->pending = 0;
    nvme->inside++;
    STORK_UNLOCK(&nvme->lock);
    if (nvme->IsWorking)
        STORK_USE_RESOURCES(); /* re-initialise the controller, resume the adapter */
    STORK_LOCK(&nvme->lock);
    (void)Worker;
    StorPortFreeWorker(nvme, &nvme->RestartWorker); /* L61 */
    nvme->RestartWorker = NULL;
    nvme->inside--; /* under the lock: outside it, a lost update with the next callback's ++ */
    STORK_UNLOCK(&nvme->lock);
}

/* RestartAdapterDpc (DISPATCH). */
static void RestartAdapterDpc(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
    STORK_LOCK(&nvme->lock);
    if (nvme->IsWorking && nvme->RestartWorker == NULL) {
        PVOID worker = NULL;
        if (StorPortInitializeWorker(nvme, &worker) == STOR_STATUS_SUCCESS) {
            if (StorPortQueueWorkItem(nvme, RestartAdapterWorker, worker, NULL) ==
                STOR_STATUS_SUCCESS) {
                nvme->RestartWorker = worker;
                nvme->pending = 1;
            } else {
                StorPortFreeWorker(nvme, worker);
            }
        }
    }
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
    STORK_WAIT_UNTIL(!nvme->pending && nvme->inside == 0);
    STORK_RELEASE_RESOURCES();
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
    {"dpc2", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
};

const struct stork_scenario stork_scenario = {
    .name = "spcnvme_wrong_handle",
    .extension_size = sizeof(struct nvme_device),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 2,
    .remove = teardown,
    .threads = 1,
    .alloc_fail = 1,
};
