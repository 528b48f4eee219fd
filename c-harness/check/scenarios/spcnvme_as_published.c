/*
 * spcnvme_as_published -- case study 2 (conformance/case-studies/spcnvme.md): the SpcNvme
 * restart worker as published (smokingpc/glendronach 84a0b1f24f4c, src/SpcNvme/NvmeDevice.cpp
 * L15-63; the same code is in kenkenful/WinNVMe winnvme.cpp L2258-2297), every defect at once.
 * HwAdapterControl(ScsiRestartAdapter) pauses the adapter and issues the DPC; two restart
 * requests may arrive; initialisation may fail for lack of memory.  The DPC initialises into
 * the extension's field with the status dropped and queues the field, checking only with an
 * ASSERT; the callback returns early when the device no longer runs, else re-initialises the
 * controller, resumes and frees the address of the field; the remove handler deletes the queues
 * without draining or freeing the worker.
 *
 * expect: WI-M11 WI-M3 WI-M7 WI-M8
 * WI-M11: IsWorking and the restart fields are shared by the DPCs, the callback and the remove handler
 * without the lock
 */
#include <storport.h>

struct nvme_device {
    PVOID RestartWorker;
    BOOLEAN IsWorking;
};

/* RestartAdapterWorker (L37-63, PASSIVE). */
static VOID RestartAdapterWorker(PVOID DeviceExtension, PVOID Context, PVOID Worker)
{
    (void)Context;
    (void)Worker;
    struct nvme_device *nvme = DeviceExtension;
    if (!nvme->IsWorking)
        return;                                     /* L48-49 */
    STORK_USE_RESOURCES();                          /* re-initialise the controller, resume (L60) */
    StorPortFreeWorker(nvme, &nvme->RestartWorker); /* L61 */
    nvme->RestartWorker = NULL;                     /* L62 */
}

/* RestartAdapterDpc (L15-36, DISPATCH). */
static void RestartAdapterDpc(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
    if (!nvme->IsWorking)
        return;
    StorPortInitializeWorker(nvme, &nvme->RestartWorker); /* L33, status dropped */
    ULONG status = StorPortQueueWorkItem(nvme, RestartAdapterWorker, nvme->RestartWorker, NULL);
    (void)status;                                         /* L34: ASSERT only */
}

static void find_adapter(void *DeviceExtension)
{
    ((struct nvme_device *)DeviceExtension)->IsWorking = TRUE;
}

/* The remove path: the device stops and its I/O queues are deleted; the worker is forgotten. */
static void teardown(void *DeviceExtension)
{
    struct nvme_device *nvme = DeviceExtension;
    nvme->IsWorking = FALSE;
    STORK_RELEASE_RESOURCES();
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
    {"dpc2", STORK_DISPATCH_LEVEL, RestartAdapterDpc},
};

const struct stork_scenario stork_scenario = {
    .name = "spcnvme_as_published",
    .extension_size = sizeof(struct nvme_device),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 2,
    .remove = teardown,
    .threads = 1,
    .alloc_fail = 1,
};
