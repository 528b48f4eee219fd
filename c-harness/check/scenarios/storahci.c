/*
 * storahci -- case study 1 (conformance/case-studies/storahci.md): Microsoft's storahci,
 * Windows-driver-samples 26a27df80772, storage/miniports/storahci/src/pnppower.c.  An SRB
 * completion routine (the port's completion DPC, DISPATCH_LEVEL) initialises a fresh worker
 * into a local (L778), queues it only if that succeeded (L781), and frees it on the spot if the
 * queue failed (L787-789); the callback AhciRegistryWriteWorker (L692) writes the registry,
 * clears UpdateCachedLogPageInfo without a lock (L741) and frees its own Worker (L751).  Log-page
 * discovery may complete twice, so two workers may be in flight; initialisation may fail.
 * The two callbacks may run at once on two system threads, and both clear the flag: a data race
 * (WI-M11), benign in its effect (the case study says why, and which race on the flag is not).
 *
 * expect: WI-M11
 * design: model/designs/oneshot_free_in_callback.pml
 */
#include <storport.h>

struct channel_extension {
    BOOLEAN UpdateCachedLogPageInfo;
};

struct adapter_extension {
    struct channel_extension Channel;
};

/* AhciRegistryWriteWorker (pnppower.c L692-752). */
static VOID AhciRegistryWriteWorker(PVOID AdapterExtension, PVOID Context, PVOID Worker)
{
    struct channel_extension *channel = Context;
    /* the registry writes (StorPortRegistryWrite: Storport's, no miniport state) */
    channel->UpdateCachedLogPageInfo = FALSE;  /* L741, no lock */
    StorPortFreeWorker(AdapterExtension, Worker);   /* L751, status ignored */
}

/* PreserveLogPageInformation (L758-790), from the SRB completion routine. */
static void completion_dpc(void *ext)
{
    struct adapter_extension *adapter = ext;
    PVOID worker = NULL;
    ULONG status = StorPortInitializeWorker(adapter, &worker);
    if (status == STOR_STATUS_SUCCESS)
        status = StorPortQueueWorkItem(adapter, AhciRegistryWriteWorker, worker, &adapter->Channel);
    if (status != STOR_STATUS_SUCCESS && worker != NULL)
        StorPortFreeWorker(adapter, worker);
}

static void find_adapter(void *ext)
{
    struct adapter_extension *adapter = ext;
    adapter->Channel.UpdateCachedLogPageInfo = TRUE;
}

static const struct stork_routine routines[] = {
    {"dpc", STORK_DISPATCH_LEVEL, completion_dpc},
    {"dpc2", STORK_DISPATCH_LEVEL, completion_dpc},
};

const struct stork_scenario stork_scenario = {
    .name = "storahci",
    .extension_size = sizeof(struct adapter_extension),
    .find_adapter = find_adapter,
    .routines = routines,
    .nroutines = 2,
    .remove = NULL,
    .threads = 1,
    .alloc_fail = 1,
};
