/*
 * driver.c -- a miniport as it is: `stork audit miniport.c` for a file that defines DriverEntry
 * and no `stork_scenario`.  DriverEntry runs once, before the search; StorPortInitialize keeps
 * what it registers; the entry points become a scenario that the scheduler (sched.c) runs under
 * every schedule, in the environment of spec/environment.md:
 *
 *   findadapter  HwFindAdapter (PASSIVE), HwInitialize (DIRQL, under the interrupt lock for a
 *                physical miniport, ENV-E4), HwPassiveInitializeRoutine if HwInitialize enabled
 *                it (PASSIVE, ENV-E5), HwAdapterControl(ScsiQuerySupportedControlTypes)
 *                (ENV-E6).  A start that fails runs nothing more (ENV-R12).
 *   io1..ioN     one SRB each (ENV-E7..E9): HwBuildIo (physical, or any under NeptuneOS;
 *                DISPATCH, no lock), then
 *                HwStartIo under the StartIo lock (physical: DISPATCH in full duplex, DIRQL and
 *                the interrupt lock too in half duplex, ENV-L4) or with no lock (virtual); a
 *                pause holds an SRB not yet handed (ENV-Q9).
 *   isr          HwInterrupt at DIRQL under the interrupt lock (physical, ENV-E10): the HBA
 *                interrupts once at any moment from HwInitialize on (a shared line) and once
 *                after each HwStartIo, at any later moment, removal included.
 *   dpc1, dpc2   the routine of a STOR_DPC, once per StorPortIssueDpc that returned TRUE (and
 *                no StorPortCancelDpc took back), at DISPATCH with no Storport lock, never
 *                overlapping itself (ENV-E12).
 *   timer        the HwStorTimer of StorPortNotification(RequestTimerCall), at DISPATCH under
 *                the StartIo lock (ENV-E13); a request replaces a pending one, 0 cancels.
 *   xtimer       the callback of the StorPortInitializeTimer timer, once per SUCCESS request,
 *                at DISPATCH with no lock (ENV-E14).
 *   service      a virtual miniport's HwProcessServiceRequest, once, at PASSIVE (ENV-E19).
 *   pnp          the PnP manager: with --stop-restart, a stop and restart or not (ENV-R9, R11,
 *                E3); then the removal notifications in one of the orders of ENV-R3, while
 *                the routines above still run (ENV-R6 a).
 *   teardown     once the io, pnp and service routines returned: Storport waits for every SRB
 *                to complete (ENV-R5, ENV-Q6), then ScsiStopAdapter (DIRQL, ENV-E15), then,
 *                virtual, HwCompleteServiceIrp and HwFreeAdapterResources (PASSIVE, ENV-E18).
 *
 * The request obligations are checked at every RequestComplete and at the adapter's release,
 * with the rule ids the Promela model uses (model/contract.pml): a completion of an SRB not
 * outstanding (a second one, or one never handed) or with SrbStatus still PENDING is ENV-Q1; an
 * SRB or its extension read or written after its completion is ENV-Q2 (at the access; written,
 * at the release, without the instrumentation); an SRB never completed is ENV-Q6 (at the release,
 * or when removal or a stop waits for it for ever); a resume with no pause, or a pause never resumed, is
 * ENV-Q8.  Locks taken against ENV-L2 (one already held, out of order, or in a routine that may
 * take none) are ENV-L2.
 *
 * Bounds (docs/audit.md): N SRBs (--srbs, default 1) and the two adapter SRBs, two DPC objects,
 * one StorPortInitializeTimer timer, one service IRP; the ISR, each DPC and each timer run at
 * most N + 4 times per adapter life (a further run cuts the run: the search is then
 * incomplete, never clean).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <storport.h>

#include "driver.h"
#include "stork/exit_status.h"
#include "run.h"

#ifdef STORK_CHECK_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define DRV_MAGIC 0x53544f52u /* "STOR" */
#define DRV_NIO 1             /* SRBs handed by default (--srbs) */
#define DRV_MAX_IO 6
#define DRV_MAX_DPC 2
/* Runs of the ISR, of each DPC and of each timer per adapter life: the ISR's own (one at any
 * moment from HwInitialize on, one after each HwStartIo of the N SRBs and the two adapter SRBs)
 * and as many for each DPC and timer. */
#define DRV_RUNS(g) ((g)->nio + (g)->nioctl + 4)
#define DRV_MAX_IOCTL 2
#define DRV_IOCTL_SRB(j) (DRV_MAX_IO + (j)) /* the IOCTL SRBs (ENV-E20) */
/* the I/O SRBs, the IOCTL SRBs and the two adapter PnP SRBs */
#define DRV_NSRB (DRV_MAX_IO + DRV_MAX_IOCTL + 2)
/* the surprise-removal SRB (0), the remove SRB (1) */
#define DRV_PNP_SRB(k) (DRV_MAX_IO + DRV_MAX_IOCTL + (k))
#define DRV_DATA 512
#define DRV_MAX_POOL 16  /* StorPortAllocatePool calls per run (more: not modelled) */
#define DRV_BAR_SIZE 4096 /* StorPortGetDeviceBase's register space */
#define DRV_NULL_PAGE 4096 /* an access below this address is one through NULL */

enum role { R_IO, R_ISR, R_DPC, R_TIMER, R_PNP, R_XTIMER, R_SERVICE, R_RESET };

/* What DriverEntry registered: the process's, read-only once the search starts. */
struct drv_reg {
    unsigned magic;
    struct stork_scenario scn;
    HW_INITIALIZATION_DATA hw;
    bool virt;
    PVOID hw_context;
    const char *file; /* the StorPortInitialize call */
    int line;
    int calls;
    char why[240];    /* why StorPortInitialize refused */
    struct stork_routine routines[MAX_ROUTINES];
    char names[MAX_ROUTINES][24];
    enum role role[MAX_ROUTINES];
    int slot[MAX_ROUTINES]; /* SRB, DPC or 0 */
    bool on_demand[MAX_ROUTINES];
    int nio;
    int nioctl; /* --ioctls: SRB_FUNCTION_IO_CONTROL SRBs handed (ENV-E20) */
    UCHAR ioctl_signature[8];
    ULONG ioctl_code;
    int stops; /* --stop-restart, --stops N: stops and restarts before removal (ENV-R9) */
    bool reset; /* --reset-bus: a request times out and HwResetBus runs (ENV-E17, Q10) */
    bool early; /* --early-removal: a surprise removal during the start (ENV-R13) */
    int host;  /* --host: enum stork_host, the runtime and environment of ENV-H */
};

#define DRV_TIMERS 8 /* NeptuneOS's HwStorTimer runs pending at once, at most (ENV-H5) */

enum srb_state { S_NONE, S_HANDED, S_DONE };

struct drv_srb {
    union {
        SCSI_REQUEST_BLOCK scsi;
        SCSI_PNP_REQUEST_BLOCK pnp;
    } u;
    unsigned char snap[sizeof(SCSI_PNP_REQUEST_BLOCK) > sizeof(SCSI_REQUEST_BLOCK)
                           ? sizeof(SCSI_PNP_REQUEST_BLOCK) : sizeof(SCSI_REQUEST_BLOCK)];
    enum srb_state state;
    bool started;      /* HwStartIo received it (what HwResetBus must complete, ENV-Q10) */
    int number;        /* srbN in the trace's comments, in the order of handing */
    const char *what;  /* "io1", "the remove SRB": the kind of break of an ENV-Q6 finding */
    char label[64];    /* "srb1 (io1's)", for messages */
    const char *done_file;
    int done_line;
    void *extension;
    UCHAR data[DRV_DATA];
};

struct drv_run {
    const struct drv_reg *reg;
    PORT_CONFIGURATION_INFORMATION config;
    bool started;
    const char *entry[MAX_CTX]; /* the entry point each context is in, or NULL */
    PHW_PASSIVE_INITIALIZE_ROUTINE passive;
    BOOLEAN supported[ScsiAdapterControlMax];
    struct drv_srb srb[DRV_NSRB];
    int ndone;           /* SRBs completed: an access is looked up in them only if any is */
    struct stork_lock startio, interrupt;
    unsigned irq_saved[MAX_CTX];
    int irq_depth[MAX_CTX];
    struct {
        PSTOR_DPC obj;
        PHW_DPC_ROUTINE fn;
        PVOID a1, a2;
    } dpc[DRV_MAX_DPC];
    int ndpc;
    PHW_TIMER timer;
    bool timer_requested;  /* a RequestTimerCall is pending: no HwStorTimer has taken it yet */
    PHW_TIMER timers[DRV_TIMERS]; /* NeptuneOS: a timer of its own per request, pending in */
    int ntimers;                  /* request order, run one after another (ENV-H5) */
    bool timer_waiting;    /* the timer context waits for the StartIo lock, before taking it */
    struct {               /* the timer of StorPortInitializeTimer (ENV-E14): one per adapter */
        char handle;       /* its handle is this byte's address */
        bool issued, freed;
        PHW_TIMER_EX fn;
        PVOID context;
        const char *file;  /* its StorPortInitializeTimer */
        int line;
    } xt;
    struct {               /* the service IRP of a virtual miniport (ENV-E19) */
        char irp;          /* the IRP is this byte's address */
        enum srb_state state;
        const char *done_file;
        int done_line;
    } svc;
    int runs[MAX_CTX];
    bool waits_pause[MAX_CTX];
    int paused;
    const char *pause_file;
    int pause_line;
    bool pause_timed_out;
    bool removing_waits; /* the teardown waits for the outstanding SRBs */
    bool stop_waits;     /* a stop that is not a removal waits for them (ENV-R5, R9) */
    bool restarted;      /* a stop and restart (ENV-R9, R11) came and succeeded */
    bool stopped;        /* between ScsiStopAdapter and the restart (ENV-R9) */
    bool resetting;      /* HwResetBus runs: the device queues are paused (ENV-E17) */
    unsigned channels;   /* STOR_PERF_CONCURRENT_CHANNELS applied: HwStartIo without the
                          * StartIo lock, this many at once (ENV-E8); 0: under the lock */
    unsigned in_startio; /* the HwStartIo calls running now, while channels is set */
    int nhanded;
    int srb_sync;        /* an address for the order completion -> stop (data races) */
    int quiet_sync;      /* and for the orders: each io routine's end -> a stop, */
    int restart_sync;    /* the restart -> a later handing */
    struct {               /* StorPortAllocatePool's blocks (ENV-E22), freed ones kept */
        void *p;
        size_t bytes;
        bool freed;
        const char *file;  /* its StorPortAllocatePool */
        int line;
        const char *free_file; /* its StorPortFreePool, once freed */
        int free_line;
    } pool[DRV_MAX_POOL];
    int npool;
    int nfreed;            /* blocks freed: an access is looked up in them only if any is */
    void *uncached;        /* StorPortGetUncachedExtension's buffer: one per adapter */
    ULONG uncached_size;
    const char *failed_api; /* the last allocation refused in this run, or NULL (ENV-E22) */
    const char *failed_file;
    int failed_line;
    unsigned char *bar;    /* StorPortGetDeviceBase's register space (ENV-R14) */
    bool hw_gone;          /* a surprise removal took the HBA away: registers read all ones */
    /* NeptuneOS (ENV-H4): the main thread's owner (a context's index + 1, 0: none), which every
     * routine but the ISR needs to go on, given up at each wait and at its return; and the
     * StartIo and DPC locks each context holds as Windows would (bit 0 StartIo, bit 1 + k the
     * DPC lock of STOR_DPC k, bit 6 the interrupt lock with no interrupt connected, bit 7
     * another's), which exclude nothing there but still decide
     * ENV-L2 (a miniport ships to Windows, ENV-H2) */
    int main_owner;
    unsigned char nominal[MAX_CTX];
    /* NeptuneOS (ENV-H4): the interrupt is connected, before HwInitialize ([NEP] fdo.c
     * PortFdoStartMiniport): the ISR may run from then on, not only once the start is over */
    bool connected;
};

static void drv_start(void *ext);
enum notice { NT_END, NT_CONTROL, NT_SURPRISE_SRB, NT_REMOVE_SRB };
static bool notice_sent(const struct run *r, enum notice n);

/* The call site of what Storport itself does (its locks, its waits). */
static const char STORPORT_SITE[] = "(storport)";
#define STORPORT STORPORT_SITE

static bool driver_mode(const struct run *r)
{
    return r && r->scn && r->scn->find_adapter == drv_start && r->drv;
}

static const struct drv_reg *reg_of(const struct run *r)
{
    return (const struct drv_reg *)((const char *)r->scn - offsetof(struct drv_reg, scn));
}

static const char *base(const char *f)
{
    const char *s = f ? strrchr(f, '/') : NULL;
    return s ? s + 1 : f ? f : "?";
}

/* The running context of a driver-mode run, or NULL (a scenario error is then set). */
static struct ctx *current(const char *api, const char *file, int line)
{
    struct run *r = run_current();
    if (!r || r->cur < 0) {
        fprintf(stderr, "%s:%d: %s called outside a miniport routine\n", file, line, api);
        abort();
    }
    if (!driver_mode(r)) {
        run_error(r, "%s:%d: %s is modelled only for a miniport audited as it is (a file with "
                  "DriverEntry and no stork_scenario)", file, line, api);
        return NULL;
    }
    if ((r->outlived | r->markable) && strcmp(api, "StorPortStallExecution") != 0)
        driver_released_use(r, NULL, api, file, line); /* a call made after the release */
    return &r->ctx[r->cur];
}

static int ctx_role(const struct run *r, int ctx)
{
    int i = ctx - r->find_ctx - 1;
    return i >= 0 && i < (int)r->scn->nroutines ? i : -1;
}

bool driver_isr_dpc_or_timer(const struct run *r, int ctx)
{
    int i = driver_mode(r) ? ctx_role(r, ctx) : -1;
    if (i < 0)
        return false;
    enum role role = r->drv->reg->role[i];
    return role == R_ISR || role == R_DPC || role == R_TIMER || role == R_XTIMER; /* ENV-R7 */
}

bool driver_may_outlive(const struct run *r, int ctx)
{
    int i = driver_mode(r) ? ctx_role(r, ctx) : -1;
    if (i < 0)
        return false;
    enum role role = r->drv->reg->role[i];
    return role == R_DPC || role == R_TIMER || role == R_XTIMER; /* ENV-R7: what the release marks */
}

/* ---- NeptuneOS's main thread (ENV-H4) ---- */

/* [NEP] A driver is a process: its main thread runs the work items, the Storport DPCs and timers
 * (IO work items) and everything else of Storport's as coroutines, one at a time, each going on
 * until it waits or returns; only the ISR has a thread of its own (isr.c). */
bool driver_main_thread(const struct run *r, int ctx)
{
    if (!driver_mode(r) || r->drv->reg->host != STORK_HOST_NEPTUNE)
        return false;
    int i = ctx_role(r, ctx);
    return i < 0 || r->drv->reg->role[i] != R_ISR;
}

bool driver_isr_connected(const struct run *r, int ctx)
{
    if (!driver_mode(r) || !r->drv->connected)
        return false;
    int i = ctx_role(r, ctx);
    return i >= 0 && r->drv->reg->role[i] == R_ISR;
}

bool driver_main_may_run(const struct run *r, int ctx)
{
    return !driver_main_thread(r, ctx) || r->drv->main_owner == 0 ||
           r->drv->main_owner == ctx + 1;
}

/* c goes on: it takes the main thread if it has not (its step writes the owner), after the
 * accesses of whoever gave it up last (happens-before for the race check). */
void driver_main_take(struct run *r, struct ctx *c)
{
    if (!driver_main_thread(r, c->index) || r->drv->main_owner == c->index + 1)
        return;
    por_access(r, &r->drv->main_owner, sizeof r->drv->main_owner, true);
    r->drv->main_owner = c->index + 1;
    race_lock_acquired(r, c->index, &r->drv->main_owner);
}

/* c tries to go on while another holds the main thread: a read and write of the owner. */
void driver_main_wait(struct run *r, struct ctx *c)
{
    (void)c;
    por_access(r, &r->drv->main_owner, sizeof r->drv->main_owner, true);
}

/* c waits or returns: the main thread is free for the next coroutine. */
void driver_main_give(struct run *r, struct ctx *c)
{
    if (!driver_main_thread(r, c->index) || r->drv->main_owner != c->index + 1)
        return;
    por_access(r, &r->drv->main_owner, sizeof r->drv->main_owner, true);
    race_lock_released(r, c->index, &r->drv->main_owner);
    r->drv->main_owner = 0;
}

/* ---- footprints (por.h): what each of Storport's own steps and calls reads and writes ---- */

/* Storport's state by its bytes (SP_DRV: r->drv by offset, driver_por_offset). */
static void fp_state(struct run *r, const void *p, size_t n, bool write)
{
    por_access(r, p, n, write);
}

/* An on-demand routine armed or not, running or not; an io routine started, held or ended. */
static void fp_ctx(struct run *r, int ctx, bool write)
{
    if (ctx >= 0)
        por_object(r, POR_OBJ_CTX + ctx, write);
}

/* ---- Storport's locks ---- */

static void raise_to(struct run *r, struct ctx *c, unsigned irql)
{
    if (r->drv->irq_depth[c->index]++ == 0)
        r->drv->irq_saved[c->index] = c->irql;
    if (c->irql < irql)
        c->irql = irql;
}

static void lower(struct run *r, struct ctx *c)
{
    if (--r->drv->irq_depth[c->index] == 0)
        c->irql = r->drv->irq_saved[c->index];
}

static bool neptune(const struct run *r)
{
    return r->drv->reg->host == STORK_HOST_NEPTUNE;
}

/* On NeptuneOS the StartIo and DPC locks take nothing ([NEP] storport.c PortAcquireSpinLock,
 * ENV-H4), nor does the interrupt lock when no interrupt is connected: its bit in d->nominal,
 * or 0 for a lock that is real there (the interrupt mutex of the connected interrupt).  [POS]
 * NeptuneOS connects an interrupt for each one the adapter's resources list (fdo.c
 * PortFdoConnectInterrupt); stork gives an adapter an interrupt when the miniport registers
 * HwInterrupt (a physical one: the isr role), and none otherwise. */
static unsigned nominal_bit(const struct run *r, const struct stork_lock *l)
{
    if (!neptune(r))
        return 0;
    if (l == &r->drv->interrupt)
        return r->drv->reg->virt || !r->drv->reg->hw.HwInterrupt ? 0x40u : 0;
    if (l == &r->drv->startio)
        return 1u;
    for (int k = 0; k < r->drv->ndpc; k++)
        if (l == &r->drv->dpc[k].obj->Lock)
            return 2u << k;
    return 0x80u;
}

/* Whether c holds l, as Windows would have it (ENV-L2). */
static bool holds(const struct run *r, const struct ctx *c, const struct stork_lock *l)
{
    unsigned bit = nominal_bit(r, l);
    return bit ? (r->drv->nominal[c->index] & bit) != 0 : l->owner == c->index + 1;
}

/* Take a lock: the miniport's call and Storport's own take around a routine are each a
 * scheduling point offered only while the lock is free (stork_lock_at, run_take; por.h). */
static void take(struct run *r, struct ctx *c, struct stork_lock *l, const char *file, int line)
{
    unsigned bit = nominal_bit(r, l);
    if (bit) { /* NeptuneOS: no exclusion, no IRQL raise; only the call's scheduling point */
        if (file != STORPORT_SITE)
            run_point(r, file, line);
        r->drv->nominal[c->index] |= (unsigned char)bit;
        if (l == &r->drv->interrupt) /* Windows's DIRQL, for WI-M1 (ENV-L3, ENV-H2) */
            raise_to(r, c, STORK_DIRQL);
        return;
    }
    if (file != STORPORT_SITE)
        stork_lock_at(l, file, line);
    else
        run_take(r, c, l, file, line);
    if (l == &r->drv->interrupt)
        raise_to(r, c, STORK_DIRQL);
}

static void give(struct run *r, struct ctx *c, struct stork_lock *l, const char *file, int line)
{
    unsigned bit = nominal_bit(r, l);
    if (bit) {
        r->drv->nominal[c->index] &= (unsigned char)~bit;
        if (l == &r->drv->interrupt)
            lower(r, c);
        return;
    }
    stork_unlock_at(l, file, line);
    if (l == &r->drv->interrupt)
        lower(r, c);
}


static bool arm(struct run *r, struct ctx *c, int ctx);
static void srb_finding(struct run *r, const char *rule, const char *file, int line,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int ctx_of_role(const struct run *r, enum role role, int slot);

/* The HBA interrupts (ENV-E10): once at any moment from HwInitialize on (a shared line), and
 * after each HwStartIo, at any later moment; one pending interrupt stands for several. */
static void interrupt(struct run *r, struct ctx *c)
{
    int t = ctx_of_role(r, R_ISR, 0);
    if (t >= 0)
        arm(r, c, t);
}

static void note(struct run *r, const struct ctx *c, enum note_kind kind, int srb,
                 const char *file, int line)
{
    run_event(r, (struct ev){.kind = EV_NOTE, .ctx = c->index, .note = kind, .srb = srb,
                             .file = file, .line = line});
}

/* ---- SRBs ---- */

static struct drv_srb *new_srb(struct run *r, int slot, UCHAR function, const char *what)
{
    struct drv_srb *s = &r->drv->srb[slot];
    memset(&s->u, 0, sizeof s->u);
    SCSI_REQUEST_BLOCK *srb = &s->u.scsi;
    srb->Length = function == SRB_FUNCTION_PNP ? sizeof(SCSI_PNP_REQUEST_BLOCK)
                                                : sizeof(SCSI_REQUEST_BLOCK);
    srb->Function = function;
    srb->SrbStatus = SRB_STATUS_PENDING;
    srb->TimeOutValue = 10;
    ULONG ext = r->drv->reg->hw.SrbExtensionSize;
    if (ext && !s->extension)
        s->extension = calloc(1, ext);
    if (ext && !s->extension) {
        run_error(r, "out of memory");
        return NULL;
    }
    srb->SrbExtension = ext ? s->extension : NULL;
    if (function == SRB_FUNCTION_IO_CONTROL) { /* IOCTL_SCSI_MINIPORT (ENV-E20) */
        const struct drv_reg *g = r->drv->reg;
        SRB_IO_CONTROL *h = (SRB_IO_CONTROL *)(void *)s->data;
        memset(s->data, 0, sizeof s->data);
        h->HeaderLength = sizeof *h;
        memcpy(h->Signature, g->ioctl_signature, sizeof h->Signature);
        h->Timeout = 10;
        h->ControlCode = g->ioctl_code;
        h->Length = DRV_DATA - sizeof *h;
        srb->DataBuffer = s->data;
        srb->DataTransferLength = DRV_DATA;
    }
    if (function == SRB_FUNCTION_EXECUTE_SCSI) {
        srb->CdbLength = 10;
        srb->Cdb[0] = 0x28; /* READ(10) */
        srb->Cdb[8] = 1;
        srb->DataBuffer = s->data;
        srb->DataTransferLength = DRV_DATA;
    }
    s->state = S_HANDED;
    s->started = false;
    s->number = ++r->drv->nhanded;
    s->what = what;
    if (function == SRB_FUNCTION_PNP)
        snprintf(s->label, sizeof s->label, "srb%d (%s)", s->number, what);
    else
        snprintf(s->label, sizeof s->label, "srb%d (%s's)", s->number, what);
    s->done_file = NULL;
    fp_state(r, s, sizeof *s, true); /* handed: its state and the SRB itself, written here */
    return s;
}

static int srb_index(const struct run *r, const void *p)
{
    for (int i = 0; i < DRV_NSRB; i++)
        if (p == &r->drv->srb[i].u)
            return i;
    return -1;
}

/* HwStartIo returned `took`: Windows reads nothing from it; NeptuneOS completes an SRB it
 * answered FALSE for with SRB_STATUS_ERROR (ENV-H5), as though the miniport had. */
static void host_started(struct run *r, struct drv_srb *s, BOOLEAN took)
{
    if (r->drv->reg->host != STORK_HOST_NEPTUNE || took || s->state != S_HANDED)
        return;
    fp_state(r, s, sizeof *s, true);
    s->u.scsi.SrbStatus = SRB_STATUS_ERROR;
    s->state = S_DONE;
    s->done_file = STORPORT_SITE;
    s->done_line = 0;
    memcpy(s->snap, &s->u, sizeof s->snap);
    race_lock_released(r, r->cur, &r->drv->srb_sync);
}

static void wait_until(struct run *r, bool (*holds)(const struct run *r), const char *file);

/* A channel is free for one more HwStartIo (STOR_PERF_CONCURRENT_CHANNELS, ENV-E8). */
static bool channel_free(const struct run *r)
{
    fp_state((struct run *)r, &r->drv->in_startio, sizeof r->drv->in_startio, false);
    return r->drv->in_startio < r->drv->channels;
}

/* Hand an SRB to HwBuildIo and HwStartIo as Storport does (ENV-E7, E8, E9, L4). */
static void hand(struct run *r, struct ctx *c, struct drv_srb *s)
{
    const struct drv_reg *g = r->drv->reg;
    note(r, c, N_HANDED, s->number, NULL, 0);
    void *ext = r->ext;
    PSCSI_REQUEST_BLOCK srb = &s->u.scsi;
    unsigned was = c->irql;
    /* NeptuneOS: on the main thread, PASSIVE_LEVEL, no interrupt lock (ENV-H4) */
    unsigned at = neptune(r) ? STORK_PASSIVE_LEVEL : STORK_DISPATCH_LEVEL;
    c->irql = at;
    /* Windows calls no HwBuildIo of a virtual miniport (ENV-E7); NeptuneOS calls it for every
     * SRB, reading no STOR_FEATURE_VIRTUAL_MINIPORT ([NEP] pdo.c PortStartMiniportIo, ENV-H5) */
    if (g->hw.HwBuildIo && (!g->virt || neptune(r))) {
        r->drv->entry[c->index] = "HwBuildIo";
        if (!g->hw.HwBuildIo(ext, srb)) {
            c->irql = was;
            r->drv->entry[c->index] = NULL;
            return; /* the miniport completes it itself (ENV-E7) */
        }
    }
    if (g->virt) {
        r->drv->entry[c->index] = "HwStartIo";
        s->started = true;
        host_started(r, s, g->hw.HwStartIo(ext, srb));
    } else {
        struct drv_run *d = r->drv;
        fp_state(r, &d->config, sizeof d->config, false);
        fp_state(r, &d->channels, sizeof d->channels, false);
        bool half = d->config.SynchronizationModel != StorSynchronizeFullDuplex && !neptune(r);
        /* concurrent channels: no StartIo lock but Storport's own count of the calls running,
         * a semaphore: a call that ended is ordered before one that starts later, two that
         * overlap are not (ENV-E8) */
        bool channels = d->channels > 0;
        if (channels) {
            wait_until(r, channel_free, "(storport: HwStartIo waits for a channel)");
            fp_state(r, &d->in_startio, sizeof d->in_startio, true);
            d->in_startio++;
            race_lock_acquired(r, c->index, &d->in_startio);
        } else
            take(r, c, &d->startio, STORPORT, 0);
        if (half)
            take(r, c, &d->interrupt, STORPORT, 0);
        d->entry[c->index] = "HwStartIo";
        s->started = true;
        BOOLEAN took = g->hw.HwStartIo(ext, srb);
        host_started(r, s, took);
        if (half)
            give(r, c, &d->interrupt, STORPORT, 0);
        if (channels) {
            fp_state(r, &d->in_startio, sizeof d->in_startio, true);
            d->in_startio--;
            race_lock_released(r, c->index, &d->in_startio);
        } else
            give(r, c, &d->startio, STORPORT, 0);
        interrupt(r, c);
    }
    r->drv->entry[c->index] = NULL;
    c->irql = was;
}

static bool outstanding(const struct run *r)
{
    for (int i = 0; i < DRV_NSRB; i++) {
        fp_state((struct run *)r, &r->drv->srb[i].state, sizeof r->drv->srb[i].state, false);
        if (r->drv->srb[i].state == S_HANDED)
            return true;
    }
    return false;
}

/* ---- the contexts ---- */

static SCSI_ADAPTER_CONTROL_STATUS control(struct run *r, struct ctx *c,
                                           SCSI_ADAPTER_CONTROL_TYPE type, PVOID parameters,
                                           unsigned irql)
{
    unsigned was = c->irql;
    c->irql = irql;
    r->drv->entry[c->index] = "HwAdapterControl";
    SCSI_ADAPTER_CONTROL_STATUS st = r->drv->reg->hw.HwAdapterControl(r->ext, type, parameters);
    r->drv->entry[c->index] = NULL;
    c->irql = was;
    return st;
}

/* With --early-removal, a surprise removal may take the hardware away during the first start
 * (ENV-R13): after HwFindAdapter returned FOUND, before HwInitialize, and before
 * HwPassiveInitializeRoutine; a data choice at each.  Removal begins there (queueing fails,
 * WI-R1) and the registers read all ones (ENV-R14); [POS] the notifications come after the
 * start (the PnP manager serialises its requests), and only a surprise kind of ENV-R3. */
static void gone_during_start(struct run *r, struct ctx *c, unsigned find_irql)
{
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    if (!g->early || g->virt || g->host == STORK_HOST_NEPTUNE || find_irql != STORK_PASSIVE_LEVEL ||
        (por_object(r, POR_OBJ_REMOVAL, false), r->removal_begun) || run_decide(r, 2, NULL) != 1)
        return;
    run_begin_removal(r);
    fp_state(r, &d->hw_gone, sizeof d->hw_gone, true);
    d->hw_gone = true;
    note(r, c, N_HW_GONE, 0, NULL, 0);
}

/* HwFindAdapter, HwInitialize, HwPassiveInitializeRoutine and the control-type query: a start
 * (ENV-E2, E4, E5, E6), at PASSIVE_LEVEL, or a re-initialisation after a stop when the miniport
 * has no ScsiRestartAdapter (ENV-R11: HwFindAdapter at DISPATCH_LEVEL).  False if it fails. */
static bool start(struct run *r, struct ctx *c, void *ext, unsigned find_irql)
{
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    PORT_CONFIGURATION_INFORMATION *ci = &d->config;
    fp_state(r, ci, sizeof *ci, true);
    fp_state(r, d->supported, sizeof d->supported, true);
    memset(ci, 0, sizeof *ci);
    ci->Length = sizeof *ci;
    ci->AdapterInterfaceType = g->hw.AdapterInterfaceType;
    ci->NumberOfBuses = 1;
    ci->MaximumNumberOfTargets = 1;
    ci->VirtualDevice = g->virt;
    ci->SynchronizationModel = StorSynchronizeHalfDuplex;
    ci->DeviceExtensionSize = g->hw.DeviceExtensionSize;
    ci->SrbExtensionSize = g->hw.SrbExtensionSize;
    BOOLEAN again = FALSE;
    char args[1] = "";
    unsigned was = c->irql;
    c->irql = find_irql;
    d->entry[c->index] = "HwFindAdapter";
    ULONG found;
    if (g->virt)
        found = ((PVIRTUAL_HW_FIND_ADAPTER)(void *)g->hw.HwFindAdapter)(ext, g->hw_context, NULL,
                                                                         NULL, args, ci, &again);
    else
        found = g->hw.HwFindAdapter(ext, g->hw_context, NULL, args, ci, &again);
    d->entry[c->index] = NULL;
    c->irql = was;
    if (found != SP_RETURN_FOUND)
        return false; /* the start fails (ENV-E2, ENV-R12) */
    if (g->host == STORK_HOST_NEPTUNE && ci->SynchronizationModel != StorSynchronizeFullDuplex) {
        /* [NEP] miniport.c MiniportFindAdapter: the start fails, nothing of the adapter runs */
        run_error(r, "%s:%d: HwFindAdapter found the adapter in half duplex "
                  "(SynchronizationModel %d): NeptuneOS fails the start "
                  "(STATUS_DEVICE_CONFIGURATION_ERROR; a debug build asserts), nothing of the "
                  "adapter runs there (ENV-H5): choose StorSynchronizeFullDuplex",
                  base(g->file), g->line, (int)ci->SynchronizationModel);
        return false;
    }
    gone_during_start(r, c, find_irql);
    /* DIRQL, Windows's, on every host: WI-M1 there is the miniport's on NeptuneOS too (ENV-H2),
     * which runs it on the main thread without the interrupt lock (ENV-H4) */
    raise_to(r, c, STORK_DIRQL);
    bool locked = !g->virt && !neptune(r);
    if (locked)
        take(r, c, &d->interrupt, STORPORT, 0);
    if (neptune(r) && !g->virt) {
        /* NeptuneOS connects the interrupt before HwInitialize and calls HwInitialize without
         * its mutex ([NEP] fdo.c PortFdoStartMiniport, PortFdoConnectInterrupt; isr.c): the
         * ISR, on its own thread, may run during HwInitialize (ENV-H4) */
        fp_state(r, &d->connected, sizeof d->connected, true);
        d->connected = true;
        interrupt(r, c);
    }
    d->entry[c->index] = "HwInitialize";
    d->passive = NULL;
    BOOLEAN ok = g->hw.HwInitialize(ext);
    d->entry[c->index] = NULL;
    if (locked)
        give(r, c, &d->interrupt, STORPORT, 0);
    lower(r, c);
    if (!ok)
        return false;
    if (d->passive)
        gone_during_start(r, c, find_irql);
    if (d->passive) {
        d->entry[c->index] = "HwPassiveInitializeRoutine";
        ok = d->passive(ext);
        d->entry[c->index] = NULL;
        if (!ok)
            return false;
    }
    if (g->hw.HwAdapterControl && g->host != STORK_HOST_NEPTUNE) { /* ENV-H5: never called */
        union {
            SCSI_SUPPORTED_CONTROL_TYPE_LIST list;
            unsigned char bytes[sizeof(ULONG) + ScsiAdapterControlMax + 8];
        } q;
        memset(&q, 0, sizeof q);
        q.list.MaxControlType = ScsiAdapterControlMax;
        control(r, c, ScsiQuerySupportedControlTypes, &q.list, STORK_PASSIVE_LEVEL);
        memcpy(d->supported, q.list.SupportedTypeList, sizeof d->supported);
    }
    return true;
}

static void drv_start(void *ext)
{
    struct run *r = run_current();
    struct ctx *c = &r->ctx[r->cur];
    if (!start(r, c, ext, STORK_PASSIVE_LEVEL))
        return;
    struct drv_run *d = r->drv;
    fp_state(r, &d->started, sizeof d->started, true);
    d->started = true;
    interrupt(r, c);
    const struct drv_reg *g = d->reg;
    if (g->host != STORK_HOST_NEPTUNE &&
        (!g->virt || (g->stops && g->hw.HwAdapterControl) || notice_sent(r, NT_CONTROL)))
        return;
    /* Nothing of the PnP manager's reaches this miniport before the teardown (a virtual
     * miniport that does not mark ScsiAdapterSurpriseRemoval, and no stop; any miniport on
     * NeptuneOS, which sends no PnP SRB and calls no HwAdapterControl, ENV-H5): pnp has nothing
     * to do, and removal begins where the scheduler places it, as for a hand-made scenario. */
    r->ctx[ctx_of_role(r, R_PNP, 0)].state = C_DONE;
    r->nroutines_left--;
}

/* Wait (a scheduling point, as STORK_WAIT_UNTIL) until `holds` says so, and still says so when
 * the waiter goes on: another context may undo it at the point after the wait (a second stop,
 * a new pause), and then the wait goes on. */
static void wait_until(struct run *r, bool (*holds)(const struct run *r), const char *file)
{
    while (!holds(r)) {
        do
            stork_wait_at(file, 0);
        while (!holds(r));
        stork_yield_at(file, 0);
    }
}

static bool not_paused(const struct run *r)
{
    fp_state((struct run *)r, &r->drv->paused, sizeof r->drv->paused, false);
    fp_state((struct run *)r, &r->drv->stopped, sizeof r->drv->stopped, false);
    fp_state((struct run *)r, &r->drv->resetting, sizeof r->drv->resetting, false);
    return r->drv->paused == 0 && !r->drv->stopped && !r->drv->resetting;
}

static bool all_completed(const struct run *r)
{
    return !outstanding(r);
}

static bool io_quiet(const struct run *r)
{
    const struct drv_reg *g = r->drv->reg;
    for (size_t i = 0; i < g->scn.nroutines; i++) {
        const struct ctx *t = &r->ctx[r->find_ctx + 1 + (int)i];
        if (g->role[i] == R_IO)
            fp_ctx((struct run *)r, t->index, false);
        if (g->role[i] == R_IO && t->state != C_UNBORN && t->state != C_DONE &&
            !r->drv->waits_pause[t->index])
            return false;
    }
    return !outstanding(r);
}

/* A stop that is not a removal (ENV-R9), once no HwBuildIo or HwStartIo runs and no SRB is
 * outstanding (ENV-R5), then the restart (ENV-R11): ScsiSetRunningConfig (if marked) and
 * ScsiRestartAdapter, or, for a miniport that does not mark ScsiRestartAdapter, HwFindAdapter
 * (at DISPATCH_LEVEL) and HwInitialize again, whose re-run must keep what the first set up
 * (ENV-E3).  The ISR, DPCs, the timer and callbacks go on meanwhile.  False if the restart
 * fails: the adapter runs nothing more. */
static bool stop_and_restart(struct run *r, struct ctx *c, void *ext)
{
    struct drv_run *d = r->drv;
    fp_state(r, &d->stopped, sizeof d->stopped, true);
    d->stopped = true; /* no SRB is handed from now on */
    d->stop_waits = true;
    wait_until(r, io_quiet, "(storport: the stop waits for the SRBs)");
    d->stop_waits = false;
    race_lock_acquired(r, c->index, &d->srb_sync);
    race_lock_acquired(r, c->index, &d->quiet_sync);
    note(r, c, N_STOPPING, 0, NULL, 0);
    control(r, c, ScsiStopAdapter, NULL, STORK_DIRQL);
    run_point(r, STORPORT, 0);
    bool ok = true;
    note(r, c, d->supported[ScsiRestartAdapter] ? N_RESTART : N_RESTART_FIND, 0, NULL, 0);
    if (d->supported[ScsiRestartAdapter]) {
        if (d->supported[ScsiSetRunningConfig])
            control(r, c, ScsiSetRunningConfig, NULL, STORK_PASSIVE_LEVEL);
        ok = control(r, c, ScsiRestartAdapter, NULL, STORK_DIRQL) == ScsiAdapterControlSuccess;
    } else {
        ok = start(r, c, ext, STORK_DISPATCH_LEVEL);
    }
    race_lock_released(r, c->index, &d->restart_sync);
    fp_state(r, &d->stopped, sizeof d->stopped, true);
    d->stopped = false;
    d->restarted = ok;
    return ok;
}

/* The removal notifications (ENV-R1, R3) in one of the orders ENV-R3 allows: orderly, the
 * remove SRB alone; surprise, ScsiAdapterSurpriseRemoval (C) and the surprise-removal SRB (S)
 * in either order or either alone, the remove SRB (R) after or not.  A virtual miniport is sent
 * no adapter SRB; C only if the miniport marked it (ENV-E6). */
#define C_ NT_CONTROL
#define S_ NT_SURPRISE_SRB
#define R_ NT_REMOVE_SRB
static const enum notice removal_kinds[][4] = {
    {R_}, {C_, S_}, {S_, C_}, {C_}, {S_}, {C_, S_, R_}, {S_, C_, R_}, {C_, R_}, {S_, R_},
};
#undef C_
#undef S_
#undef R_
#define NKINDS (sizeof removal_kinds / sizeof removal_kinds[0])

static bool notice_sent(const struct run *r, enum notice n)
{
    const struct drv_reg *g = r->drv->reg;
    if (n == NT_CONTROL)
        return g->hw.HwAdapterControl && r->drv->supported[ScsiAdapterSurpriseRemoval];
    return !g->virt;
}

/* Kinds a and b reach the miniport alike: the same notifications sent, in the same order, and
 * both surprises (the hardware gone) or neither. */
static bool same_reach(const struct run *r, size_t a, size_t b)
{
    if ((removal_kinds[a][0] == NT_REMOVE_SRB) != (removal_kinds[b][0] == NT_REMOVE_SRB))
        return false;
    for (int i = 0, j = 0;; i++, j++) {
        while (i < 4 && removal_kinds[a][i] != NT_END && !notice_sent(r, removal_kinds[a][i]))
            i++;
        while (j < 4 && removal_kinds[b][j] != NT_END && !notice_sent(r, removal_kinds[b][j]))
            j++;
        bool ea = i == 4 || removal_kinds[a][i] == NT_END;
        bool eb = j == 4 || removal_kinds[b][j] == NT_END;
        if (ea || eb)
            return ea && eb;
        if (removal_kinds[a][i] != removal_kinds[b][j])
            return false;
    }
}

static void notify(struct run *r, struct ctx *c, enum notice n)
{
    note(r, c, n == NT_CONTROL ? N_SURPRISE_CONTROL : n == NT_SURPRISE_SRB ? N_SURPRISE_SRB
                                                                          : N_REMOVE_SRB,
         0, NULL, 0);
    if (n == NT_CONTROL) {
        control(r, c, ScsiAdapterSurpriseRemoval, NULL, STORK_PASSIVE_LEVEL);
        return;
    }
    bool surprise = n == NT_SURPRISE_SRB;
    struct drv_srb *s = new_srb(r, DRV_PNP_SRB(surprise ? 0 : 1), SRB_FUNCTION_PNP,
                                surprise ? "the surprise-removal SRB" : "the remove SRB");
    if (!s)
        return;
    s->u.pnp.PnPAction = surprise ? StorSurpriseRemoval : StorRemoveDevice;
    s->u.pnp.SrbPnPFlags = SRB_PNP_FLAGS_ADAPTER_REQUEST;
    hand(r, c, s);
}

/* The PnP manager's side: up to --stops stops and restarts (each a data choice), then removal, whose notifications reach
 * the miniport while the io routines, the ISR, DPCs, the timer and callbacks may still run
 * (ENV-R6 a); removal begins at the first of them if it has not yet (ENV-R4).  ScsiStopAdapter
 * and the rest come in the teardown, once every routine has returned (ENV-R5). */
static void pnp(struct run *r, struct ctx *c, void *ext)
{
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    /* Its data choices (a stop or not, the removal's kind) make its steps' footprints differ
     * with the value chosen: the reduction takes the union of them (reduce.c). */
    for (int k = 0; k < g->stops && g->hw.HwAdapterControl &&
                    (fp_state(r, &d->hw_gone, sizeof d->hw_gone, false), !d->hw_gone);
         k++) {
        if (run_decide(r, 2, NULL) != 1)
            break; /* no (further) stop before removal */
        if (!stop_and_restart(r, c, ext)) {
            fp_state(r, &d->started, sizeof d->started, true);
            d->started = false; /* the restart failed: nothing more runs (ENV-R12) */
            return;
        }
        run_point(r, STORPORT, 0); /* the restarted adapter runs before the next stop or removal
                                      (ENV-R11; the model's removal is a step of its own) */
    }
    int kinds[NKINDS], nk = 0;
    fp_state(r, d->supported, sizeof d->supported, false);
    fp_state(r, &d->hw_gone, sizeof d->hw_gone, false); /* gone during the start: a surprise */
    for (size_t k = 0; k < NKINDS; k++) {
        bool all = true;
        for (int j = 0; j < 4 && removal_kinds[k][j] != NT_END && all; j++)
            all = notice_sent(r, removal_kinds[k][j]) || (k == 0 && g->virt);
        if (all && !(d->hw_gone && removal_kinds[k][0] == NT_REMOVE_SRB))
            kinds[nk++] = (int)k; /* the hardware gone during the start: a surprise removal */
    }
    /* ENV-R3 [POS]: either surprise notification may come alone, so a physical miniport that
     * does not mark ScsiAdapterSurpriseRemoval has surprise removals of its own: the control
     * alone reaches nothing (the hardware goes, no notification), the control and the remove
     * SRB reach it with the remove SRB alone, the hardware gone.  Each such order once, after
     * the orders above (whose choices keep their numbers). */
    for (size_t k = 0; k < NKINDS && !g->virt && !notice_sent(r, NT_CONTROL); k++) {
        bool known = removal_kinds[k][0] == NT_REMOVE_SRB; /* orderly: above */
        for (int i = 0; i < nk && !known; i++)
            known = same_reach(r, k, (size_t)kinds[i]);
        if (!known)
            kinds[nk++] = (int)k;
    }
    const enum notice *kind = removal_kinds[kinds[run_decide(r, nk, NULL)]];
    por_object(r, POR_OBJ_REMOVAL, false); /* whether removal has begun */
    bool begins = !r->removal_begun;
    if (begins)
        run_begin_removal(r);
    fp_state(r, &d->hw_gone, sizeof d->hw_gone, true);
    if (kind[0] != NT_REMOVE_SRB && !d->hw_gone) {
        /* A surprise removal: the hardware is gone before the first notification (ENV-R3),
         * whether removal began here or a step before (the scheduler's beginning of removal);
         * from here its registers read all ones and writes go nowhere (ENV-R14). */
        d->hw_gone = true;
        note(r, c, N_HW_GONE, 0, NULL, 0);
    }
    /* Removal has begun, no notification yet (ENV-R4): a routine may run, an SRB complete, in
     * between.  Where no notification follows (a virtual miniport's orderly removal, the
     * unmarked control alone) only the pnp routine's end does, which no step but a wait reads:
     * a step put before it commutes with it, so no point there (fewer schedules, the same
     * states). */
    bool notified = false;
    for (int j = 0; j < 4 && kind[j] != NT_END; j++)
        notified |= notice_sent(r, kind[j]);
    if (begins && notified)
        run_point(r, STORPORT, 0);
    for (int j = 0; j < 4 && kind[j] != NT_END; j++) {
        if (!notice_sent(r, kind[j]))
            continue; /* a virtual miniport's orderly removal: nothing before the stop */
        if (j > 0)
            run_point(r, STORPORT, 0);
        notify(r, c, kind[j]);
    }
}

/* ENV-R7: a DPC's routine or the HwStorTimer that starts after the adapter's release.  Named
 * at the StorPortInitialize call, as ENV-Q6 is: no line of the miniport is the missing cancel.
 * One running at the release is no finding by itself (ENV-R7 [POS]): drv_remove marks it in
 * r->outlived, and its next use of what was released is the finding, at that use
 * (driver_released_use). */
static void after_release(struct run *r, const char *what, const char *api, int ctx)
{
    (void)ctx;
    por_object(r, POR_OBJ_RELEASED, false);
    if (r->remove_ended && r->drv->reg->host != STORK_HOST_NEPTUNE)
        run_finding_why(r, "ENV-R7", "runs after the release", r->drv->reg->file,
                        r->drv->reg->line, -1,
                        "%s runs after the adapter's release: cancel it (%s) and learn that it "
                        "has ended before releasing what it uses", what,
                        strcmp(api, "StorPortInitializeDpc") == 0 ? "StorPortCancelDpc"
                                                                  : "RequestTimerCall with 0");
}

/* ENV-R7 [POS]: the current context, a DPC's routine or a timer routine that was running at the
 * adapter's release, uses what was released at file:line: the HwDeviceExtension (addr inside
 * it: an access or a spinlock there; NULL: a Storport call, every one of which is given the
 * extension).  Reported once per context and run, where the use is. */
void driver_released_use(struct run *r, const void *addr, const char *what, const char *file,
                         int line)
{
    if (!r || r->cur < 0 || !((r->outlived | r->markable) & (1u << r->cur)) || !driver_mode(r))
        return;
    uintptr_t a = (uintptr_t)addr, e = (uintptr_t)r->ext;
    if (addr && (a < e || a >= e + r->scn->extension_size))
        return; /* not the extension: a global, an SRB (ENV-Q2's), its own stack */
    /* A use reads the mark, whether set or not: the release's step that sets it is ordered with
     * this step, and with no other of this routine's (por.h POR_OBJ_OUTLIVED); the first use
     * after the mark clears it. */
    bool marked = r->outlived & (1u << r->cur);
    por_object(r, POR_OBJ_OUTLIVED + r->cur, marked);
    if (!marked)
        return;
    r->outlived &= ~(1u << r->cur);
    const struct drv_reg *g = r->drv->reg;
    int i = ctx_role(r, r->cur);
    const char *who = i < 0 ? "a routine" : g->role[i] == R_DPC ? "the routine of a STOR_DPC"
                      : g->role[i] == R_TIMER ? "the HwStorTimer of RequestTimerCall"
                                              : "the callback of the StorPortInitializeTimer timer";
    char use[120];
    if (addr)
        snprintf(use, sizeof use, "%s the released HwDeviceExtension (ext+0x%lx)", what,
                 (unsigned long)(a - e));
    else
        snprintf(use, sizeof use, "calls %s with the released HwDeviceExtension", what);
    int before = r->nf;
    run_finding_why(r, "ENV-R7", "uses the released extension", file, line, -1,
                    "%s (%s) was still running at the adapter's release, and here it %s: "
                    "every use must come before the release (cancel it; if it runs, have it "
                    "signal its end as its last use of the adapter, and wait for the signal "
                    "before releasing)", who, r->ctx[r->cur].name, use);
    if (r->nf > before && addr)
        r->f[r->nf - 1].ev = -1; /* an access, not a call: no event of the trace is it */
}

/* A StorPort call's scheduling point, then the call, which is a use of the extension. */
static void call_point(struct run *r, const char *api, const char *file, int line)
{
    run_point(r, file, line);
    if (r->outlived | r->markable)
        driver_released_use(r, NULL, api, file, line);
}

/* An SRB HwStartIo received is outstanding: it may time out (ENV-E17). */
static bool started_outstanding(const struct run *r)
{
    for (int i = 0; i < DRV_NSRB; i++) {
        const struct drv_srb *s = &r->drv->srb[i];
        fp_state((struct run *)r, &s->state, sizeof s->state, false);
        fp_state((struct run *)r, &s->started, sizeof s->started, false);
        if (s->state == S_HANDED && s->started)
            return true;
    }
    return false;
}

/* Whether the reset is due: a request may time out, or none ever will (every io and pnp routine
 * has returned, so no SRB will be handed again). */
static bool reset_due(const struct run *r)
{
    if (started_outstanding(r))
        return true;
    const struct drv_reg *g = r->drv->reg;
    for (size_t i = 0; i < g->scn.nroutines; i++) {
        const struct ctx *t = &r->ctx[r->find_ctx + 1 + (int)i];
        if (g->role[i] == R_IO || g->role[i] == R_PNP)
            fp_ctx((struct run *)r, t->index, false); /* ended or not (their ends write it) */
        if ((g->role[i] == R_IO || g->role[i] == R_PNP) && t->state != C_DONE)
            return false;
    }
    return true;
}

/* A request times out and Storport resets the bus (ENV-E17): stork models no time, so
 * [POS] any SRB HwStartIo received may time out while it is outstanding; once per adapter life.
 * Storport pauses the device queues, takes the StartIo lock (the interrupt lock too in half
 * duplex) and calls HwResetBus(PathId 0) at DISPATCH_LEVEL; the miniport completes, during it,
 * every SRB HwStartIo received that is still outstanding (ENV-Q10). */
static void reset_bus(struct run *r, struct ctx *c, void *ext)
{
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    wait_until(r, reset_due, "(storport: waits for a request to time out)");
    fp_state(r, &d->started, sizeof d->started, false);
    if (!started_outstanding(r) || !d->started)
        return; /* none timed out: no reset */
    fp_state(r, &d->resetting, sizeof d->resetting, true);
    d->resetting = true; /* no SRB is handed from now on until it returns */
    bool half = d->config.SynchronizationModel != StorSynchronizeFullDuplex;
    unsigned was = c->irql;
    c->irql = STORK_DISPATCH_LEVEL;
    take(r, c, &d->startio, STORPORT, 0);
    if (half)
        take(r, c, &d->interrupt, STORPORT, 0);
    bool held[DRV_NSRB];
    for (int i = 0; i < DRV_NSRB; i++) {
        fp_state(r, &d->srb[i].state, sizeof d->srb[i].state, false);
        fp_state(r, &d->srb[i].started, sizeof d->srb[i].started, false);
        held[i] = d->srb[i].state == S_HANDED && d->srb[i].started;
    }
    note(r, c, N_RESET_BUS, 0, NULL, 0);
    d->entry[c->index] = "HwResetBus";
    g->hw.HwResetBus(ext, 0);
    d->entry[c->index] = NULL;
    if (half)
        give(r, c, &d->interrupt, STORPORT, 0);
    give(r, c, &d->startio, STORPORT, 0);
    c->irql = was;
    fp_state(r, &d->resetting, sizeof d->resetting, true);
    d->resetting = false;
    for (int i = 0; i < DRV_NSRB; i++)
        if (held[i] && (fp_state(r, &d->srb[i].state, sizeof d->srb[i].state, false),
                        d->srb[i].state == S_HANDED))
            run_finding_why(r, "ENV-Q10", d->srb[i].what, g->file, g->line, -1,
                            "%s, outstanding when HwResetBus began, is still outstanding when it "
                            "returns: HwResetBus completes every SRB HwStartIo received (with "
                            "SRB_STATUS_BUS_RESET)", d->srb[i].label);
}

/* A DPC or timer routine's run: the release may mark it (ENV-R7 [POS]), so each of its uses of
 * the extension reads the mark (driver_released_use), in a reduced search with the
 * instrumentation; without it, nothing is marked. */
static void markable(struct run *r, int ctx)
{
    if (r->races && r->footprints)
        r->markable |= 1u << ctx;
}

static void drv_routine(void *ext)
{
    (void)ext;
    struct run *r = run_current();
    struct ctx *c = &r->ctx[r->cur];
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    int i = ctx_role(r, c->index);
    fp_state(r, &d->started, sizeof d->started, false);
    if (i >= 0 && g->role[i] == R_ISR)
        fp_state(r, &d->connected, sizeof d->connected, false);
    if (i < 0 || !(d->started || (g->role[i] == R_ISR && d->connected)))
        return;
    switch (g->role[i]) {
    case R_IO: {
        fp_ctx(r, c->index, true); /* started, held by a pause: the stop's wait reads it */
        d->waits_pause[c->index] = true;
        wait_until(r, not_paused, "(storport: adapter paused or stopped)");
        d->waits_pause[c->index] = false;
        race_lock_acquired(r, c->index, &d->restart_sync); /* after a restart, if one came */
        fp_state(r, &d->started, sizeof d->started, false);
        if (!d->started)
            break; /* held across a stop whose restart failed: nothing more runs (ENV-R12) */
        struct drv_srb *s = new_srb(r, g->slot[i], g->slot[i] >= DRV_MAX_IO
                                                       ? SRB_FUNCTION_IO_CONTROL
                                                       : SRB_FUNCTION_EXECUTE_SCSI, g->names[i]);
        if (s)
            hand(r, c, s);
        race_lock_released(r, c->index, &d->quiet_sync); /* before a stop, if one comes */
        fp_ctx(r, c->index, true); /* its end, in this step: quiet for the stop */
        break;
    }
    case R_ISR:
        take(r, c, &d->interrupt, STORPORT, 0);
        d->entry[c->index] = "HwInterrupt";
        g->hw.HwInterrupt(ext);
        d->entry[c->index] = NULL;
        give(r, c, &d->interrupt, STORPORT, 0);
        break;
    case R_DPC: {
        int k = g->slot[i];
        markable(r, c->index);
        fp_state(r, &d->dpc[k], sizeof d->dpc[k], false);
        race_lock_acquired(r, c->index, d->dpc[k].obj); /* its issue comes before it */
        after_release(r, "the routine of this STOR_DPC", "StorPortInitializeDpc", c->index);
        note(r, c, N_DPC_RUNS, k + 1, NULL, 0);
        d->entry[c->index] = "HwStorDpcRoutine";
        d->dpc[k].fn(d->dpc[k].obj, ext, d->dpc[k].a1, d->dpc[k].a2);
        d->entry[c->index] = NULL;
        r->outlived &= ~(1u << c->index); /* returned: what it did after the release is known */
        por_object(r, POR_OBJ_OUTLIVED + c->index, true);
        break;
    }
    case R_TIMER: {
        /* [POS] ENV-E13, as model/lifecycle.pml StorTimer: Storport takes the request once it
         * holds the StartIo lock, so a RequestTimerCall made holding that lock (HwStartIo, an
         * adapter SRB, a DPC or callback that took it) replaces or cancels a run not yet begun. */
        markable(r, c->index);
        fp_state(r, &d->config, sizeof d->config, false);
        bool half = !g->virt && d->config.SynchronizationModel != StorSynchronizeFullDuplex &&
                    !neptune(r);
        fp_ctx(r, c->index, true); /* waiting, then not: the release's check reads it */
        d->timer_waiting = true;
        if (!g->virt)
            take(r, c, &d->startio, STORPORT, 0);
        if (half)
            take(r, c, &d->interrupt, STORPORT, 0);
        fp_ctx(r, c->index, true); /* and the request it takes, or finds cancelled */
        d->timer_waiting = false;
        if (!d->timer_requested) { /* cancelled, or taken by the run before, while this waited */
            if (half)
                give(r, c, &d->interrupt, STORPORT, 0);
            if (!g->virt)
                give(r, c, &d->startio, STORPORT, 0);
            break;
        }
        d->timer_requested = false;
        note(r, c, N_STOR_TIMER_RUNS, 0, NULL, 0);
        fp_state(r, &d->timer, sizeof d->timer, false);
        PHW_TIMER fn = d->timer;
        if (neptune(r)) { /* the oldest of its pending timers; the next run is armed for the rest */
            fp_state(r, d->timers, sizeof d->timers, true);
            fp_state(r, &d->ntimers, sizeof d->ntimers, true);
            fn = d->timers[0];
            memmove(d->timers, d->timers + 1, (size_t)--d->ntimers * sizeof d->timers[0]);
            d->timers[d->ntimers] = NULL;
            d->timer_requested = d->ntimers > 0;
            if (d->ntimers)
                arm(r, c, c->index);
        }
        race_lock_acquired(r, c->index, &d->timer);
        after_release(r, "the HwStorTimer of RequestTimerCall", "StorPortNotification", c->index);
        d->entry[c->index] = "HwStorTimer";
        fn(ext);
        d->entry[c->index] = NULL;
        r->outlived &= ~(1u << c->index);
        por_object(r, POR_OBJ_OUTLIVED + c->index, true);
        if (half)
            give(r, c, &d->interrupt, STORPORT, 0);
        if (!g->virt)
            give(r, c, &d->startio, STORPORT, 0);
        break;
    }
    case R_PNP:
        pnp(r, c, ext);
        fp_ctx(r, c->index, true); /* its end, in this step: the reset's wait reads it */
        break;
    case R_RESET:
        reset_bus(r, c, ext);
        break;
    case R_SERVICE:
        fp_state(r, &d->svc, sizeof d->svc, true);
        d->svc.state = S_HANDED; /* IOCTL_MINIPORT_PROCESS_SERVICE_IRP, at PASSIVE_LEVEL */
        d->entry[c->index] = "HwProcessServiceRequest";
        g->hw.HwProcessServiceRequest(ext, &d->svc.irp);
        d->entry[c->index] = NULL;
        break;
    case R_XTIMER:
        markable(r, c->index);
        fp_state(r, &d->xt, sizeof d->xt, false);
        race_lock_acquired(r, c->index, &d->xt.handle); /* its request comes before it */
        por_object(r, POR_OBJ_RELEASED, false);
        if (r->remove_ended)
            srb_finding(r, "ENV-R7", d->xt.file, d->xt.line, "the callback of the timer this "
                        "StorPortInitializeTimer issued runs after the adapter's release");
        d->entry[c->index] = "the StorPortRequestTimer callback";
        d->xt.fn(ext, d->xt.context);
        d->entry[c->index] = NULL;
        r->outlived &= ~(1u << c->index);
        por_object(r, POR_OBJ_OUTLIVED + c->index, true);
        break;
    }
}

static void drv_remove(void *ext)
{
    struct run *r = run_current();
    struct ctx *c = &r->ctx[r->cur];
    struct drv_run *d = r->drv;
    const struct drv_reg *g = d->reg;
    fp_state(r, &d->started, sizeof d->started, false);
    if (!d->started)
        return;
    d->removing_waits = true;
    wait_until(r, all_completed, "(storport: removal waits for the SRBs)");
    d->removing_waits = false;
    race_lock_acquired(r, c->index, &d->srb_sync);
    if (g->host == STORK_HOST_NEPTUNE)
        return; /* no removal step reaches the miniport (ENV-H5): nothing is released */
    if (g->hw.HwAdapterControl)
        control(r, c, ScsiStopAdapter, NULL, STORK_DIRQL); /* ENV-E15: DIRQL */
    if (g->virt && g->hw.HwCompleteServiceIrp) {
        d->entry[c->index] = "HwCompleteServiceIrp";
        g->hw.HwCompleteServiceIrp(ext);
    }
    fp_state(r, &d->svc, sizeof d->svc, false);
    if (d->svc.state == S_HANDED)
        srb_finding(r, "ENV-E19", g->file, g->line, "the service IRP handed to "
                    "HwProcessServiceRequest is never completed%s", g->hw.HwCompleteServiceIrp
                    ? ", not even by HwCompleteServiceIrp at removal"
                    : " (and no HwCompleteServiceIrp is registered)");
    if (g->virt && g->hw.HwFreeAdapterResources) {
        d->entry[c->index] = "HwFreeAdapterResources";
        g->hw.HwFreeAdapterResources(ext);
    }
    d->entry[c->index] = NULL;
    /* ENV-R7: a DPC or the HwStorTimer queued at the release runs on the released adapter.
     * One running at it is a finding only at its next use of the extension (ENV-R7 [POS]):
     * marked here, found by driver_released_use.  Without the instrumentation (r->races) the
     * audit does not see its accesses, so running at the release stays the finding. */
    fp_state(r, &d->ndpc, sizeof d->ndpc, false);
    for (int k = 0; k < d->ndpc + 1; k++) {
        bool dpc = k < d->ndpc;
        int qi = dpc ? ctx_of_role(r, R_DPC, k) : ctx_of_role(r, R_TIMER, 0);
        fp_ctx(r, qi, false);
        const struct ctx *q = &r->ctx[qi];
        bool cancelled = !dpc && d->timer_waiting && !d->timer_requested; /* ENV-E13 [POS] */
        bool running = q->state != C_UNBORN && q->state != C_DONE && !cancelled;
        if (running && !q->armed && r->races) {
            r->outlived |= 1u << qi; /* its next use is a finding: that step reads the mark */
            por_object(r, POR_OBJ_OUTLIVED + qi, true);
            continue;
        }
        if (q->armed || running)
            run_finding_why(r, "ENV-R7", q->armed ? "pending at the release"
                                                  : "running at the release", g->file, g->line,
                            -1, "%s is %s at the adapter's release (%s, and learn that it has "
                            "ended, before releasing what it uses)%s",
                            dpc ? "the routine of a STOR_DPC" : "the HwStorTimer of RequestTimerCall",
                            q->armed ? "still queued" : "still running",
                            dpc ? "cancel it with StorPortCancelDpc"
                                : "cancel it with RequestTimerCall and 0",
                            q->armed ? "" : "; this build does not see its accesses, so its "
                                            "running is the finding");
    }
    int ti = ctx_of_role(r, R_XTIMER, 0);
    fp_ctx(r, ti, false);
    const struct ctx *t = &r->ctx[ti];
    if (t->state != C_UNBORN && t->state != C_DONE) {
        if (r->races) {
            r->outlived |= 1u << ti;
            por_object(r, POR_OBJ_OUTLIVED + ti, true);
        } else {
            srb_finding(r, "ENV-R7", d->xt.file, d->xt.line, "the callback of the timer this "
                        "StorPortInitializeTimer issued is still running at the adapter's "
                        "release (StorPortFreeTimer does not wait for it; this build does not see "
                        "its accesses, so its running is the finding)");
        }
    }
}

/* ---- registration ---- */

extern const struct stork_scenario stork_scenario __attribute__((weak));
extern ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath) __attribute__((weak));

static void add_routine(struct drv_reg *g, enum role role, int slot, const char *name,
                        unsigned irql, int on_demand)
{
    size_t n = g->scn.nroutines++;
    snprintf(g->names[n], sizeof g->names[n], "%s", name);
    g->role[n] = role;
    g->slot[n] = slot;
    g->routines[n] = (struct stork_routine){.name = g->names[n], .irql = irql, .fn = drv_routine,
                                            };
    g->on_demand[n] = on_demand;
}

void driver_bounds(const struct stork_scenario *scn, char *out, size_t size)
{
    out[0] = '\0';
    if (!scn || scn->find_adapter != drv_start)
        return;
    const struct drv_reg *g = (const struct drv_reg *)((const char *)scn -
                                                        offsetof(struct drv_reg, scn));
    bool reset = false;
    for (size_t i = 0; i < g->scn.nroutines; i++)
        reset |= g->role[i] == R_RESET;
    int n = snprintf(out, size, "%d SRB(s) (--srbs) and the adapter SRBs, %d IOCTL SRB(s) (--ioctls), "
             "at most %d stop(s) and restart(s) (--stop-restart, --stops), %s; the ISR, each DPC "
             "and each timer at most %d runs; every removal order of ENV-R3, %s; every "
             "allocation refused or not, of pool (ENV-E22) and of a worker (WI-I4)", g->nio,
             g->nioctl, g->stops,
             reset ? "one bus reset while a request is outstanding (--reset-bus)"
                   : "no bus reset (--reset-bus)", DRV_RUNS(g),
             g->early ? "removal begun a step before its first notification, and also during "
                        "the start (--early-removal)"
                      : "removal begun a step before its first notification, not during the "
                        "start (--early-removal)");
    if (n < 0 || (size_t)n >= size) {  /* a line cut short would misstate what was covered */
        fprintf(stderr, "stork: internal error: the bounds line needs %d bytes, has %zu\n", n, size);
        exit(STORK_EXIT_INTERNAL_ERROR);
    }
}

int driver_host(const struct run *r)
{
    return driver_mode(r) ? r->drv->reg->host : STORK_HOST_WINDOWS;
}

const char *driver_host_name(int host)
{
    return host == STORK_HOST_NEPTUNE ? "neptune" : host == STORK_HOST_REACTOS ? "reactos"
                                                                               : "windows";
}

const struct stork_scenario *driver_scenario(int srbs, int stops, bool reset_bus,
                                             bool early_removal, int host,
                                             const struct driver_ioctls *ioctls, char *err,
                                             size_t size)
{
    bool has_scenario = &stork_scenario != NULL, has_entry = DriverEntry != NULL;
    if (has_scenario && has_entry) {
        snprintf(err, size, "the file defines both stork_scenario and DriverEntry: keep one (a "
                 "stork_scenario names the routines by hand; DriverEntry registers them)");
        return NULL;
    }
    if (has_scenario &&
        (srbs || stops || reset_bus || early_removal || host != STORK_HOST_WINDOWS ||
         ioctls->given)) {
        snprintf(err, size, "%s is for a miniport audited from its DriverEntry; this file's "
                 "stork_scenario names its routines itself",
                 srbs ? "--srbs" : stops ? "--stop-restart" : reset_bus ? "--reset-bus"
                 : early_removal ? "--early-removal"
                 : ioctls->given ? "--ioctls" : "--host");
        return NULL;
    }
    if (has_scenario)
        return &stork_scenario;
    if (!has_entry) {
        snprintf(err, size, "the file defines neither DriverEntry (a miniport) nor "
                 "stork_scenario (a hand-made scenario)");
        return NULL;
    }
    struct drv_reg *g = calloc(1, sizeof *g); /* the registration: given back by driver_free */
    if (!g) {
        snprintf(err, size, "out of memory");
        return NULL;
    }
    g->magic = DRV_MAGIC;
    g->host = host; /* StorPortInitialize's checks are the host's (ENV-H5) */
    static char registry_path[] = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\stork";
    ULONG st = DriverEntry(g, registry_path);
    if (st != (ULONG)STATUS_SUCCESS || g->why[0]) {
        snprintf(err, size, "DriverEntry returned 0x%08X%s%s", (unsigned)st,
                 g->why[0] ? ": " : "", g->why);
        free(g);
        return NULL;
    }
    if (!g->calls) {
        snprintf(err, size, "DriverEntry returned STATUS_SUCCESS but never called "
                 "StorPortInitialize: it registers nothing to audit");
        free(g);
        return NULL;
    }
    g->nio = srbs ? srbs : DRV_NIO;
    g->stops = stops;
    g->reset = reset_bus;
    g->early = early_removal;
    g->host = host;
    /* NeptuneOS runs every routine but the ISR on its main thread, at PASSIVE_LEVEL (ENV-H4) */
    unsigned dispatch = host == STORK_HOST_NEPTUNE ? STORK_PASSIVE_LEVEL : STORK_DISPATCH_LEVEL;
    for (int i = 0; i < g->nio; i++) {
        char name[24];
        snprintf(name, sizeof name, "io%d", i + 1);
        add_routine(g, R_IO, i, name, dispatch, 0);
    }
    /* IOCTL SRBs (ENV-E20), none by default: one more io context multiplies the schedules
     * (miniport_virtual, --srbs 2, goes from 12,590 past the 200,000 of the default budget). */
    g->nioctl = ioctls->count > 0 ? ioctls->count : 0;
    memcpy(g->ioctl_signature, ioctls->signature, sizeof g->ioctl_signature);
    g->ioctl_code = ioctls->code;
    for (int j = 0; j < g->nioctl; j++) {
        char name[24];
        snprintf(name, sizeof name, "ioctl%d", j + 1);
        add_routine(g, R_IO, DRV_IOCTL_SRB(j), name, dispatch, 0);
    }
    if (!g->virt && g->hw.HwInterrupt)
        add_routine(g, R_ISR, 0, "isr", STORK_DIRQL, 1);
    for (int k = 0; k < DRV_MAX_DPC; k++) {
        char name[24];
        snprintf(name, sizeof name, "dpc%d", k + 1);
        add_routine(g, R_DPC, k, name, dispatch, 1);
    }
    add_routine(g, R_TIMER, 0, "timer", dispatch, 1);
    add_routine(g, R_PNP, 0, "pnp", STORK_PASSIVE_LEVEL, 0);
    add_routine(g, R_XTIMER, 0, "xtimer", dispatch, 1);
    if (g->virt && g->hw.HwProcessServiceRequest)
        add_routine(g, R_SERVICE, 0, "service", STORK_PASSIVE_LEVEL, 0);
    if (reset_bus && !g->virt && g->hw.HwResetBus && host == STORK_HOST_WINDOWS)
        add_routine(g, R_RESET, 0, "reset", STORK_DISPATCH_LEVEL, 0);
    g->scn.name = "miniport";
    g->scn.extension_size = g->hw.DeviceExtensionSize ? g->hw.DeviceExtensionSize : 1;
    g->scn.find_adapter = drv_start;
    g->scn.routines = g->routines;
    g->scn.remove = drv_remove;
    g->scn.threads = 1;
    g->scn.alloc_fail = 1; /* each StorPortInitializeWorker may be refused too (WI-I4) */
    return &g->scn;
}

bool driver_on_demand(const struct stork_scenario *scn, size_t routine)
{
    if (!scn || scn->find_adapter != drv_start || routine >= scn->nroutines)
        return false;
    return ((const struct drv_reg *)((const char *)scn - offsetof(struct drv_reg, scn)))
        ->on_demand[routine];
}

int driver_ioctls(const struct stork_scenario *scn)
{
    if (!scn || scn->find_adapter != drv_start)
        return 0;
    return ((const struct drv_reg *)((const char *)scn - offsetof(struct drv_reg, scn)))->nioctl;
}

int driver_srbs(const struct stork_scenario *scn)
{
    if (!scn || scn->find_adapter != drv_start)
        return 0;
    return ((const struct drv_reg *)((const char *)scn - offsetof(struct drv_reg, scn)))->nio;
}

void driver_free(const struct stork_scenario *scn)
{
    if (scn && scn->find_adapter == drv_start)
        free((void *)((const char *)scn - offsetof(struct drv_reg, scn)));
}

ULONG stork_port_initialize_at(PVOID Argument1, PVOID Argument2,
                               struct _HW_INITIALIZATION_DATA *data, PVOID HwContext,
                               const char *file, int line)
{
    struct drv_reg *g = Argument1;
    if (!g || g->magic != DRV_MAGIC || run_current()) {
        fprintf(stderr, "%s:%d: StorPortInitialize called other than from DriverEntry with its "
                "first argument\n", file, line);
        abort();
    }
    g->calls++;
    g->file = file;
    g->line = line;
    const char *why = NULL;
    NTSTATUS st = STATUS_INVALID_PARAMETER;
    if (g->calls > 1)
        why = "StorPortInitialize is called more than once (stork models one adapter type)";
    else if (!Argument2 || !data)
        why = "StorPortInitialize: Argument2 and HwInitializationData must not be NULL";
    else if (data->HwInitializationDataSize != sizeof(HW_INITIALIZATION_DATA)) {
        why = "HwInitializationDataSize is not sizeof(HW_INITIALIZATION_DATA)";
        st = STATUS_REVISION_MISMATCH;
    } else if (!data->HwFindAdapter || !data->HwInitialize || !data->HwStartIo) {
        why = g->host == STORK_HOST_NEPTUNE
                  ? "HW_INITIALIZATION_DATA lacks HwFindAdapter, HwInitialize or HwStartIo: "
                    "NeptuneOS refuses the registration too (STATUS_REVISION_MISMATCH, ENV-H5)"
                  : "HW_INITIALIZATION_DATA lacks HwFindAdapter, HwInitialize or HwStartIo";
        if (g->host == STORK_HOST_NEPTUNE)
            st = STATUS_REVISION_MISMATCH;
    } else if (g->host == STORK_HOST_NEPTUNE && !data->HwResetBus) {
        /* [NEP] storport.c StorPortInitialize: HwResetBus is required there */
        why = "HW_INITIALIZATION_DATA lacks HwResetBus: NeptuneOS refuses the registration "
              "(StorPortInitialize returns STATUS_REVISION_MISMATCH, ENV-H5), so the driver "
              "never loads there; register HwResetBus";
        st = STATUS_REVISION_MISMATCH;
    } else if (g->host == STORK_HOST_NEPTUNE && !data->HwBuildIo) {
        /* [NEP] pdo.c PortStartMiniportIo, miniport.c MiniportBuildIo: called for every SRB,
         * a virtual miniport's too (NeptuneOS reads no STOR_FEATURE_VIRTUAL_MINIPORT), asserted
         * registered in a debug build only */
        why = "HW_INITIALIZATION_DATA lacks HwBuildIo: NeptuneOS accepts the registration but "
              "calls HwBuildIo for every SRB without checking that it is registered (ENV-H5), so "
              "the driver faults at its first request there; register HwBuildIo";
    }
    else if (data->DeviceExtensionSize > (1u << 20) || data->SrbExtensionSize > (1u << 20))
        why = "DeviceExtensionSize or SrbExtensionSize above 1 MiB";
    if (why) {
        snprintf(g->why, sizeof g->why, "%s:%d: %s", base(file), line, why);
        return (ULONG)st;
    }
    g->hw = *data;
    g->virt = (data->FeatureSupport & STOR_FEATURE_VIRTUAL_MINIPORT) != 0;
    g->hw_context = HwContext;
    return (ULONG)STATUS_SUCCESS;
}

/* ---- the per-run hooks ---- */

void driver_run_begin(struct run *r)
{
    if (!r->scn || r->scn->find_adapter != drv_start)
        return;
    r->drv = calloc(1, sizeof *r->drv);
    if (!r->drv) {
        run_error(r, "out of memory");
        return;
    }
    r->drv->reg = reg_of(r);
}

void driver_release(struct run *r)
{
    if (!r->drv)
        return;
    for (int i = 0; i < DRV_NSRB; i++)
        free(r->drv->srb[i].extension);
    for (int i = 0; i < r->drv->npool; i++) {
#ifdef STORK_CHECK_ASAN
        ASAN_UNPOISON_MEMORY_REGION(r->drv->pool[i].p, r->drv->pool[i].bytes);
#endif
        free(r->drv->pool[i].p);
    }
    free(r->drv->uncached);
    free(r->drv->bar);
    free(r->drv);
    r->drv = NULL;
}

static void srb_finding(struct run *r, const char *rule, const char *file, int line,
                        const char *fmt, ...)
{
    char msg[360];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    run_finding(r, rule, file, line, -1, "%s", msg);
}

static void q6(struct run *r, const char *when)
{
    const struct drv_reg *g = r->drv->reg;
    for (int i = 0; i < DRV_NSRB; i++) {
        struct drv_srb *s = &r->drv->srb[i];
        if (s->state == S_HANDED)
            run_finding_why(r, "ENV-Q6", s->what, g->file, g->line, -1,
                            "%s is never completed (it was handed to the HwStartIo registered here): %s",
                            s->label, when);
    }
}

void driver_check_end(struct run *r)
{
    if (!driver_mode(r))
        return;
    struct drv_run *d = r->drv;
    q6(r, "at the adapter's release it is still outstanding (complete each SRB on every path, "
          "and fail the outstanding ones at removal)");
    for (int i = 0; i < DRV_NSRB && !race_instrumented(); i++) { /* else seen at the access */
        struct drv_srb *s = &d->srb[i];
        if (s->state == S_DONE && memcmp(s->snap, &s->u, sizeof s->snap) != 0)
            srb_finding(r, "ENV-Q2", s->done_file, s->done_line,
                        "%s is written after this RequestComplete gave it back to Storport",
                        s->label);
    }
    if (d->paused > 0 || d->pause_timed_out)
        srb_finding(r, "ENV-Q8", d->pause_file, d->pause_line,
                    "this StorPortPause is never resumed%s: the adapter's requests are held until "
                    "its timeout", d->pause_timed_out ? " (the SRBs waited for its timeout)" : "");
    /* ENV-E22: pool is the miniport's to free, by the release or before a failed start
     * returns (ENV-R12); NeptuneOS never asks it to (ENV-H5), so there it is no leak. */
    fp_state(r, &d->npool, sizeof d->npool, false);
    fp_state(r, d->pool, sizeof d->pool, false);
    for (int i = 0; i < d->npool && d->reg->host != STORK_HOST_NEPTUNE; i++)
        if (!d->pool[i].freed)
            run_finding_why(r, "ENV-E22", d->started ? "never freed" : "failed start",
                            d->pool[i].file, d->pool[i].line, -1,
                            "the block this StorPortAllocatePool gave is never freed%s",
                            d->started ? " (free it with StorPortFreePool by the adapter's "
                                         "release: Storport frees only the extensions)"
                                       : ": the start failed, and what it allocated is freed by "
                                         "no later routine (ENV-R12)");
}

bool driver_stalled(struct run *r)
{
    if (!driver_mode(r))
        return false;
    struct drv_run *d = r->drv;
    for (int i = 0; i < r->nctx; i++)
        if (d->waits_pause[i] && r->ctx[i].state == C_WAITING && d->paused > 0) {
            /* Storport's own step, taken when nothing else can go on: the waiter that goes on
               next carries it, dependent on every step (por.h) */
            for (int j = 0; j < r->nctx; j++)
                if (r->ctx[j].state == C_WAITING) {
                    por_probe(r, j, true);
                    por_all(r);
                    por_probe(r, j, false);
                }
            d->paused = 0; /* nothing resumes it: the pause ends by its timeout */
            d->pause_timed_out = true;
            r->progress++;
            return true;
        }
    if (d->removing_waits && r->teardown_ctx >= 0 && r->ctx[r->teardown_ctx].state == C_WAITING) {
        q6(r, "removal waits for it for ever (Storport sends ScsiStopAdapter only once every SRB "
              "is completed)");
        snprintf(r->stopped, sizeof r->stopped, "removal waits for ever for an SRB never completed");
        return true;
    }
    /* The same wait in a stop that is not a removal: nothing can run, so an SRB outstanding is
     * never completed (what else waits, an SRB held while stopped, waits for the stop) */
    int pnp = ctx_of_role(r, R_PNP, 0);
    if (d->stop_waits && pnp >= 0 && r->ctx[pnp].state == C_WAITING && outstanding(r)) {
        q6(r, "the stop waits for it for ever (Storport sends ScsiStopAdapter only once every SRB "
              "is completed, ENV-R5)");
        snprintf(r->stopped, sizeof r->stopped, "the stop waits for ever for an SRB never completed");
        return true;
    }
    return false;
}

const char *driver_fix_for(const char *rule)
{
    static const struct {
        const char *rule, *fix;
    } fixes[] = {
        {"ENV-Q1", "complete each SRB exactly once, with SrbStatus set: on every path of "
                   "HwStartIo, and in whichever DPC, timer or callback finishes it"},
        {"ENV-Q2", "after StorPortNotification(RequestComplete, ...) the SRB is Storport's: "
                   "clear the pointer you kept before completing it"},
        {"ENV-Q6", "complete every SRB you were handed on every path, also when a queue fails or "
                   "a callback returns early; at surprise removal fail the outstanding ones (mark "
                   "ScsiAdapterSurpriseRemoval in ScsiQuerySupportedControlTypes: the one surprise "
                   "removal that sends no SRB tells only that control, ENV-R3)"},
        {"ENV-Q8", "resume every pause once, on every path (early returns and failed queues too)"},
        {"ENV-Q10", "in HwResetBus complete every SRB HwStartIo received that is still "
                    "outstanding, with SRB_STATUS_BUS_RESET, and forget it (what was to complete "
                    "it later must not complete it again)"},
        {"ENV-L2", "take Storport's locks only in the order DPC or StartIo, then interrupt, never "
                   "one already held (Storport holds the StartIo lock around HwStartIo and the "
                   "interrupt lock around HwInterrupt and HwInitialize)"},
        {"ENV-E5", "call StorPortEnablePassiveInitialization only from HwInitialize"},
        {"ENV-E14", "call StorPortRequestTimer and StorPortFreeTimer only with the handle "
                    "StorPortInitializeTimer gave and before it is freed, at DISPATCH_LEVEL at "
                    "most for the initialisation and the free"},
        {"ENV-R7", "before releasing what they use, free the timers (StorPortFreeTimer; "
                   "RequestTimerCall with 0), cancel the DPCs (StorPortCancelDpc), disable the "
                   "HBA's interrupts, and learn that each has ended (a flag it sets)"},
        {"ENV-E19", "complete each service IRP once with StorPortCompleteServiceIrp, and the "
                    "ones still held in HwCompleteServiceIrp at removal"},
        {"ENV-E12", "initialise each STOR_DPC with StorPortInitializeDpc (in "
                    "HwPassiveInitializeRoutine) before issuing it"},
        {"ENV-E22", "check each StorPortAllocatePool and StorPortGetUncachedExtension: on "
                    "failure fail the start (freeing what it got) or the request; free each pool "
                    "block once, at DISPATCH_LEVEL at most, after every use of it"},
    };
    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
        if (strcmp(fixes[i].rule, rule) == 0)
            return fixes[i].fix;
    return "";
}

/* ---- the calls ---- */

static void complete(struct run *r, struct ctx *c, PSCSI_REQUEST_BLOCK srb, const char *file,
                     int line)
{
    int i = srb_index(r, srb);
    if (i < 0) {
        int before = r->nf;
        srb_finding(r, "ENV-Q1", file, line, "%s completes %p, which is no SRB Storport handed "
                    "it", c->name, (void *)srb);
        if (r->nf > before)
            r->f[r->nf - 1].ev = -1; /* no event of the trace is it */
        return;
    }
    struct drv_srb *s = &r->drv->srb[i];
    fp_state(r, s, sizeof *s, true); /* its state; the SRB read for the ENV-Q2 snapshot */
    note(r, c, N_COMPLETED, s->number, file, line); /* the finding's event, as in the model */
    if (s->state == S_DONE) {
        srb_finding(r, "ENV-Q1", file, line, "%s completes %s a second time (first at %s:%d)",
                    c->name, s->label, base(s->done_file), s->done_line);
        return;
    }
    if (s->state != S_HANDED) {
        srb_finding(r, "ENV-Q1", file, line, "%s completes %s, which is not outstanding", c->name,
                    s->label);
        return;
    }
    if (s->u.scsi.SrbStatus == SRB_STATUS_PENDING)
        srb_finding(r, "ENV-Q1", file, line, "%s completes %s with SrbStatus still "
                    "SRB_STATUS_PENDING: set it before completing", c->name, s->label);
    s->state = S_DONE;
    s->done_file = file;
    s->done_line = line;
    r->drv->ndone++;
    ULONG ext = r->drv->reg->hw.SrbExtensionSize;
    if (s->extension && ext) /* given back with it: a later use is ordered with this (ENV-Q2) */
        fp_state(r, s->extension, ext, true);
    memcpy(s->snap, &s->u, sizeof s->snap);
    race_lock_released(r, c->index, &r->drv->srb_sync);
}

static bool arm(struct run *r, struct ctx *c, int ctx)
{
    struct ctx *t = &r->ctx[ctx];
    fp_ctx(r, ctx, true); /* armed, and its runs counted */
    if (t->armed)
        return false;
    if (r->drv->runs[ctx] >= DRV_RUNS(r->drv->reg)) {
        r->cut = true; /* past the bound: this run is not explored further */
        return false;
    }
    r->drv->runs[ctx]++;
    t->armed = true;
    (void)c;
    return true;
}

static int ctx_of_role(const struct run *r, enum role role, int slot)
{
    const struct drv_reg *g = r->drv->reg;
    for (size_t i = 0; i < g->scn.nroutines; i++)
        if (g->role[i] == role && g->slot[i] == slot)
            return r->find_ctx + 1 + (int)i;
    return -1;
}

static void request_timer(struct run *r, struct ctx *c, PHW_TIMER fn, ULONG us)
{
    int t = ctx_of_role(r, R_TIMER, 0);
    struct ctx *tc = &r->ctx[t];
    fp_ctx(r, t, true);
    fp_state(r, &r->drv->timer, sizeof r->drv->timer, true);
    if (neptune(r)) {
        /* [NEP] storport.c StorPortNotification, StorExtRequestTimer: each request a timer of
         * its own, none replaced; an interval of 0 arms one that never fires, cancelling none */
        struct drv_run *d = r->drv;
        fp_state(r, d->timers, sizeof d->timers, true);
        fp_state(r, &d->ntimers, sizeof d->ntimers, true);
        if (us == 0 || !fn) {
            note(r, c, N_TIMER_ZERO, 0, NULL, 0);
            return;
        }
        if (d->ntimers == DRV_TIMERS) {
            run_error(r, "more than %d HwStorTimer runs pending at once", DRV_TIMERS);
            return;
        }
        d->timers[d->ntimers++] = fn;
        note(r, c, N_TIMER_OWN, d->ntimers, NULL, 0);
        d->timer_requested = true;
        race_lock_released(r, c->index, &r->drv->timer);
        arm(r, c, t);
        return;
    }
    if (us == 0 || !fn) {
        tc->armed = false; /* cancelled, if not yet running */
        r->drv->timer_requested = false;
        note(r, c, N_TIMER_CANCELLED, 0, NULL, 0);
        return;
    }
    r->drv->timer = fn; /* a pending request is replaced (ENV-E13) */
    note(r, c, r->drv->timer_requested ? N_TIMER_REPLACED : N_TIMER_REQUESTED, 0, NULL, 0);
    r->drv->timer_requested = true;
    race_lock_released(r, c->index, &r->drv->timer);
    arm(r, c, t);
}

static bool in_entry(const struct run *r, const struct ctx *c, const char *name)
{
    const char *e = r->drv->entry[c->index];
    return e && strcmp(e, name) == 0;
}

BOOLEAN stork_enable_passive_initialization_at(PVOID ext, PHW_PASSIVE_INITIALIZE_ROUTINE routine,
                                               const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortEnablePassiveInitialization", file, line);
    if (!c)
        return FALSE;
    struct run *r = c->run;
    if (!in_entry(r, c, "HwInitialize")) {
        srb_finding(r, "ENV-E5", file, line, "StorPortEnablePassiveInitialization is called from "
                    "%s, not HwInitialize: it returns FALSE and nothing is enabled",
                    r->drv->entry[c->index] ? r->drv->entry[c->index] : c->name);
        return FALSE;
    }
    r->drv->passive = routine;
    return TRUE;
}

VOID stork_initialize_dpc_at(PVOID ext, PSTOR_DPC dpc, PHW_DPC_ROUTINE routine, const char *file,
                             int line)
{
    (void)ext;
    struct ctx *c = current("StorPortInitializeDpc", file, line);
    if (!c)
        return;
    struct drv_run *d = c->run->drv;
    fp_state(c->run, d->dpc, sizeof d->dpc, true);
    fp_state(c->run, &d->ndpc, sizeof d->ndpc, true);
    for (int k = 0; k < d->ndpc; k++)
        if (d->dpc[k].obj == dpc) {
            d->dpc[k].fn = routine;
            return;
        }
    if (d->ndpc == DRV_MAX_DPC) {
        run_error(c->run, "%s:%d: more than %d STOR_DPC objects: not modelled", file, line,
                  DRV_MAX_DPC);
        return;
    }
    d->dpc[d->ndpc].obj = dpc;
    d->dpc[d->ndpc++].fn = routine;
}

/* The context of an initialised STOR_DPC, or -1 after an ENV-E12 finding at the call. */
static int dpc_ctx(struct run *r, PSTOR_DPC dpc, const char *api, const char *file, int line)
{
    fp_state(r, r->drv->dpc, sizeof r->drv->dpc, false);
    fp_state(r, &r->drv->ndpc, sizeof r->drv->ndpc, false);
    for (int k = 0; k < r->drv->ndpc; k++)
        if (r->drv->dpc[k].obj == dpc)
            return ctx_of_role(r, R_DPC, k);
    srb_finding(r, "ENV-E12", file, line, "%s on a STOR_DPC that StorPortInitializeDpc never "
                "initialised", api);
    return -1;
}

BOOLEAN stork_issue_dpc_at(PVOID ext, PSTOR_DPC dpc, PVOID a1, PVOID a2, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortIssueDpc", file, line);
    if (!c)
        return FALSE;
    struct run *r = c->run;
    call_point(r, "StorPortIssueDpc", file, line);
    int t = dpc_ctx(r, dpc, "StorPortIssueDpc", file, line);
    fp_ctx(r, t, false);
    if (t < 0)
        return FALSE;
    int k = r->drv->reg->slot[ctx_role(r, t)];
    if (r->ctx[t].armed) {
        note(r, c, N_DPC_NOT_ISSUED, k + 1, NULL, 0);
        return FALSE; /* already queued: nothing done (ENV-E12) */
    }
    fp_state(r, &r->drv->dpc[k], sizeof r->drv->dpc[k], true);
    r->drv->dpc[k].a1 = a1;
    r->drv->dpc[k].a2 = a2;
    race_lock_released(r, c->index, dpc);
    BOOLEAN ok = arm(r, c, t) ? TRUE : FALSE;
    note(r, c, ok ? N_DPC_ISSUED : N_DPC_NOT_ISSUED, k + 1, NULL, 0);
    return ok;
}

static struct stork_lock *lock_of(struct run *r, STOR_SPINLOCK kind, PVOID context)
{
    switch (kind) {
    case DpcLock:
        return context ? &((PSTOR_DPC)context)->Lock : NULL;
    case StartIoLock:
        return &r->drv->startio;
    case InterruptLock:
        return &r->drv->interrupt;
    default:
        return NULL;
    }
}

static const char *lock_name(STOR_SPINLOCK kind)
{
    return kind == DpcLock ? "DpcLock" : kind == StartIoLock ? "StartIoLock" : "InterruptLock";
}

/* ENV-L2, on every host (ENV-H2): the miniport's take of lock l (of kind `kind`) from c.  False
 * for a re-take of one c holds, a deadlock on Windows: not taken again. */
static bool lock_checks(struct run *r, struct ctx *c, const struct stork_lock *l,
                        STOR_SPINLOCK kind, const char *file, int line)
{
    const char *e = r->drv->entry[c->index];
    if (holds(r, c, l)) { /* NeptuneOS's StartIo and DPC locks take nothing: judged as Windows's */
        srb_finding(r, "ENV-L2", file, line, "%s takes the %s it already holds%s: a deadlock",
                    e ? e : c->name, lock_name(kind),
                    e && (strcmp(e, "HwStartIo") == 0 || strcmp(e, "HwInterrupt") == 0 ||
                          strcmp(e, "HwInitialize") == 0 || strcmp(e, "HwStorTimer") == 0)
                        ? " (Storport holds it around this routine)" : "");
        return false;
    }
    if (e && (strcmp(e, "HwFindAdapter") == 0 || strcmp(e, "HwInitialize") == 0 ||
              strcmp(e, "HwInterrupt") == 0 || strcmp(e, "HwPassiveInitializeRoutine") == 0))
        srb_finding(r, "ENV-L2", file, line, "%s takes the %s: no Storport lock may be taken there",
                    e, lock_name(kind));
    else if (kind != InterruptLock && holds(r, c, &r->drv->interrupt))
        srb_finding(r, "ENV-L2", file, line, "%s takes the %s while holding the interrupt lock: "
                    "the order is DPC or StartIo, then interrupt", e ? e : c->name,
                    lock_name(kind));
    return true;
}

VOID stork_acquire_spin_lock_at(PVOID ext, STOR_SPINLOCK kind, PVOID context,
                                PSTOR_LOCK_HANDLE handle, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortAcquireSpinLock", file, line);
    if (!c)
        return;
    struct run *r = c->run;
    struct stork_lock *l = lock_of(r, kind, context);
    if (!handle) {
        run_error(r, "%s:%d: StorPortAcquireSpinLock with a NULL LockHandle", file, line);
        return;
    }
    memset(handle, 0, sizeof *handle);
    handle->Lock = kind;
    if (!l) {
        run_error(r, "%s:%d: StorPortAcquireSpinLock: lock kind %d%s is not modelled (DpcLock "
                  "with its STOR_DPC, StartIoLock and InterruptLock are)", file, line, (int)kind,
                  kind == DpcLock ? " without a STOR_DPC" : "");
        return;
    }
    if (!lock_checks(r, c, l, kind, file, line))
        return; /* not taken: its release does nothing */
    take(r, c, l, file, line);
    if (r->outlived | r->markable) /* its point came first: the release may have come at it */
        driver_released_use(r, NULL, "StorPortAcquireSpinLock", file, line);
    handle->Context.LockQueue.Lock = l;
}

VOID stork_release_spin_lock_at(PVOID ext, PSTOR_LOCK_HANDLE handle, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortReleaseSpinLock", file, line);
    if (!c || !handle)
        return;
    struct stork_lock *l = handle->Context.LockQueue.Lock;
    if (l)
        give(c->run, c, l, file, line);
    handle->Context.LockQueue.Lock = NULL;
}

/* StorPortSynchronizeAccess (ENV-L1, L3): the routine runs holding the interrupt lock, so at
 * DIRQL, with the checks of StorPortAcquireSpinLock (ENV-L2: not from HwFindAdapter,
 * HwInitialize, HwInterrupt or HwPassiveInitializeRoutine, not holding it already).  [POS]
 * ENV-L4, as model/storport.pml: from a half-duplex HwStartIo or HwStorTimer, around which
 * Storport already holds the interrupt lock, the routine runs at once.  Under --host neptune
 * (ENV-H4) no routine runs: what only the routine would have done is never done. */
BOOLEAN stork_synchronize_access_at(PVOID ext, PSTOR_SYNCHRONIZED_ACCESS routine, PVOID context,
                                    const char *file, int line)
{
    struct ctx *c = current("StorPortSynchronizeAccess", file, line);
    if (!c)
        return FALSE;
    struct run *r = c->run;
    if (!routine) {
        run_error(r, "%s:%d: StorPortSynchronizeAccess with a NULL SynchronizedAccessRoutine",
                  file, line);
        return FALSE;
    }
    const char *e = r->drv->entry[c->index];
    if (holds(r, c, &r->drv->interrupt) && e &&
        (strcmp(e, "HwStartIo") == 0 || strcmp(e, "HwStorTimer") == 0))
        return routine(ext, context);
    if (neptune(r)) {
        /* [NEP] storport.c StorPortSynchronizeAccess: unimplemented (a VOID that prints a
         * warning in a debug build, asserts nothing): no lock, no routine (ENV-H4).  [POS] a
         * miniport built against the WDK reads a BOOLEAN NeptuneOS never sets: FALSE here, the
         * answer of a routine that did not run.  Judged as Windows's take of the interrupt lock
         * would be (ENV-L2, ENV-H2). */
        lock_checks(r, c, &r->drv->interrupt, InterruptLock, file, line);
        call_point(r, "StorPortSynchronizeAccess", file, line);
        note(r, c, N_SYNC_NOT_RUN, 0, file, line);
        return FALSE;
    }
    STOR_LOCK_HANDLE h;
    stork_acquire_spin_lock_at(ext, InterruptLock, NULL, &h, file, line);
    BOOLEAN ok = routine(ext, context);
    stork_release_spin_lock_at(ext, &h, file, line);
    return ok;
}

BOOLEAN stork_pause_at(PVOID ext, ULONG timeout, const char *file, int line)
{
    (void)ext;
    (void)timeout;
    struct ctx *c = current("StorPortPause", file, line);
    if (!c)
        return FALSE;
    call_point(c->run, "StorPortPause", file, line);
    if (c->run->drv->reg->host == STORK_HOST_NEPTUNE)
        return FALSE; /* NeptuneOS: does nothing (ENV-H5) */
    struct drv_run *d = c->run->drv;
    fp_state(c->run, &d->paused, sizeof d->paused, true);
    note(c->run, c, N_PAUSED, 0, file, line);
    if (d->paused++ == 0) {
        d->pause_file = file;
        d->pause_line = line;
    }
    return TRUE;
}

BOOLEAN stork_resume_at(PVOID ext, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortResume", file, line);
    if (!c)
        return FALSE;
    struct run *r = c->run;
    call_point(r, "StorPortResume", file, line);
    if (r->drv->reg->host == STORK_HOST_NEPTUNE)
        return FALSE; /* NeptuneOS: does nothing (ENV-H5); no pause holds, none is resumed */
    fp_state(r, &r->drv->paused, sizeof r->drv->paused, true);
    if (r->drv->paused == 0) {
        srb_finding(r, "ENV-Q8", file, line, "%s resumes an adapter that no pause holds", c->name);
        return FALSE;
    }
    r->drv->paused--;
    note(r, c, N_RESUMED, 0, file, line);
    return TRUE;
}

VOID stork_stall_execution_at(ULONG delay, const char *file, int line)
{
    (void)delay;
    struct ctx *c = current("StorPortStallExecution", file, line);
    if (!c)
        return;
    /* On NeptuneOS's main thread it is a wait (KeDelayExecutionThread, [NEP] storport.c
     * StorPortStallExecution): another coroutine may run meanwhile, locks or not (ENV-H4). */
    driver_main_give(c->run, c);
    run_point(c->run, file, line); /* time passes: anything else may run meanwhile */
}

VOID stork_notification_at(const char *file, int line, SCSI_NOTIFICATION_TYPE type, PVOID ext, ...)
{
    struct ctx *c = current("StorPortNotification", file, line);
    if (!c)
        return;
    struct run *r = c->run;
    va_list ap;
    va_start(ap, ext);
    switch (type) {
    case RequestComplete: {
        PSCSI_REQUEST_BLOCK srb = va_arg(ap, PSCSI_REQUEST_BLOCK);
        call_point(r, "StorPortNotification", file, line);
        complete(r, c, srb, file, line);
        break;
    }
    case RequestTimerCall: {
        PHW_TIMER fn = va_arg(ap, PHW_TIMER);
        ULONG us = va_arg(ap, ULONG);
        call_point(r, "StorPortNotification", file, line);
        request_timer(r, c, fn, us);
        break;
    }
    case EnablePassiveInitialization: {
        PHW_PASSIVE_INITIALIZE_ROUTINE fn = va_arg(ap, PHW_PASSIVE_INITIALIZE_ROUTINE);
        BOOLEAN *result = va_arg(ap, BOOLEAN *);
        BOOLEAN ok = stork_enable_passive_initialization_at(ext, fn, file, line);
        if (result)
            *result = ok;
        break;
    }
    case InitializeDpc: {
        PSTOR_DPC dpc = va_arg(ap, PSTOR_DPC);
        PHW_DPC_ROUTINE fn = va_arg(ap, PHW_DPC_ROUTINE);
        stork_initialize_dpc_at(ext, dpc, fn, file, line);
        break;
    }
    case IssueDpc: {
        PSTOR_DPC dpc = va_arg(ap, PSTOR_DPC);
        PVOID a1 = va_arg(ap, PVOID), a2 = va_arg(ap, PVOID);
        BOOLEAN *result = va_arg(ap, BOOLEAN *);
        BOOLEAN ok = stork_issue_dpc_at(ext, dpc, a1, a2, file, line);
        if (result)
            *result = ok;
        break;
    }
    case AcquireSpinLock: {
        STOR_SPINLOCK kind = (STOR_SPINLOCK)va_arg(ap, int);
        PVOID context = va_arg(ap, PVOID);
        PSTOR_LOCK_HANDLE handle = va_arg(ap, PSTOR_LOCK_HANDLE);
        stork_acquire_spin_lock_at(ext, kind, context, handle, file, line);
        break;
    }
    case ReleaseSpinLock: {
        PSTOR_LOCK_HANDLE handle = va_arg(ap, PSTOR_LOCK_HANDLE);
        stork_release_spin_lock_at(ext, handle, file, line);
        break;
    }
    default:
        run_error(r, "%s:%d: StorPortNotification type %d is not modelled (RequestComplete, "
                  "RequestTimerCall, EnablePassiveInitialization, InitializeDpc, IssueDpc, "
                  "AcquireSpinLock and ReleaseSpinLock are)", file, line, (int)type);
        break;
    }
    va_end(ap);
}

ULONG stork_cancel_dpc_at(PVOID ext, PSTOR_DPC dpc, PBOOLEAN rv, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortCancelDpc", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    call_point(r, "StorPortCancelDpc", file, line);
    if (!rv)
        return STOR_STATUS_INVALID_PARAMETER; /* [D-CANCELDPC] Return value */
    *rv = FALSE;
    int t = dpc_ctx(r, dpc, "StorPortCancelDpc", file, line);
    fp_ctx(r, t, true);
    if (t < 0)
        return dpc ? STOR_STATUS_UNSUCCESSFUL : STOR_STATUS_INVALID_PARAMETER;
    if (!r->ctx[t].armed)
        return STOR_STATUS_SUCCESS; /* not queued: running or run; no wait (ENV-E12) */
    r->ctx[t].armed = false;
    *rv = TRUE;
    return STOR_STATUS_SUCCESS;
}

/* ---- StorPortDebugPrint: no output, no state ---- */

void stork_debug_print(unsigned long level, const char *message, ...)
{
    (void)level;
    (void)message;
}

/* ---- StorPortInitializePerfOpts (ENV-E8) ---- */

/* The flags valid at a PERF_CONFIGURATION_DATA version ([D-PERF] Flags), 0 for none known. */
static ULONG perf_flags(ULONG version)
{
    ULONG f = 0;
    if (version >= STOR_PERF_VERSION_2 && version <= STOR_PERF_VERSION)
        f |= STOR_PERF_DPC_REDIRECTION | STOR_PERF_CONCURRENT_CHANNELS |
             STOR_PERF_INTERRUPT_MESSAGE_RANGES;
    if (version >= STOR_PERF_VERSION_3 && version <= STOR_PERF_VERSION)
        f |= STOR_PERF_ADV_CONFIG_LOCALITY | STOR_PERF_OPTIMIZE_FOR_COMPLETION_DURING_STARTIO;
    if (version == STOR_PERF_VERSION_4)
        f |= STOR_PERF_DPC_REDIRECTION_CURRENT_CPU;
    return f;
}

/* Windows's answer ([D-PERFOPTS], [D-PERF]); with Query FALSE and SUCCESS, *channels is what it
 * applies (0: no concurrent channels), and with Query TRUE, *flags what it answers. */
static ULONG perf_windows(struct run *r, struct ctx *c, BOOLEAN query,
                          const PERF_CONFIGURATION_DATA *data, ULONG *flags, unsigned *channels)
{
    if (!in_entry(r, c, "HwInitialize") && !in_entry(r, c, "HwPassiveInitializeRoutine"))
        return STOR_STATUS_UNSUCCESSFUL; /* [D-PERFOPTS] Return value, Remarks */
    ULONG valid = perf_flags(data->Version);
    if (!valid) /* [POS]: a version Storport does not know, as a flag it does not recognise */
        return STOR_STATUS_UNSUCCESSFUL;
    if (query) {
        *flags = valid;
        return STOR_STATUS_SUCCESS;
    }
    ULONG f = data->Flags;
    /* each flag that needs another, without it ([D-PERF] Flags); [POS]: refused as unrecognised */
    bool redirect = f & STOR_PERF_DPC_REDIRECTION;
    if ((f & ~valid) ||
        ((f & (STOR_PERF_INTERRUPT_MESSAGE_RANGES | STOR_PERF_OPTIMIZE_FOR_COMPLETION_DURING_STARTIO |
               STOR_PERF_DPC_REDIRECTION_CURRENT_CPU)) && !redirect) ||
        ((f & STOR_PERF_ADV_CONFIG_LOCALITY) &&
         (!redirect || !(f & STOR_PERF_INTERRUPT_MESSAGE_RANGES))))
        return STOR_STATUS_UNSUCCESSFUL;
    /* [POS]: ConcurrentChannels 0 with the flag is one channel (no two HwStartIo at once) */
    *channels = f & STOR_PERF_CONCURRENT_CHANNELS
                    ? (data->ConcurrentChannels ? data->ConcurrentChannels : 1) : 0;
    return STOR_STATUS_SUCCESS;
}

ULONG stork_initialize_perf_opts_at(PVOID ext, BOOLEAN query, PPERF_CONFIGURATION_DATA data,
                                    const char *file, int line)
{
    struct ctx *c = current("StorPortInitializePerfOpts", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortInitializePerfOpts", file, line);
    ULONG flags = 0;
    unsigned channels = d->channels;
    ULONG windows = !ext || !data ? STOR_STATUS_INVALID_PARAMETER
                                  : perf_windows(r, c, query, data, &flags, &channels);
    fp_state(r, &d->channels, sizeof d->channels, true);
    d->channels = windows == STOR_STATUS_SUCCESS && !query ? channels : d->channels;
    /* NeptuneOS implements nothing and answers SUCCESS, the data untouched ([NEP] storport.c
     * StorExtInitializePerfOpts); its HwStartIo calls run on the main thread one at a time
     * anyway (ENV-H4), and what Windows would apply only stops the StartIo lock being held
     * nominally around them, as Windows would not hold it (ENV-H2, for ENV-L2) */
    if (neptune(r))
        return STOR_STATUS_SUCCESS;
    if (windows == STOR_STATUS_SUCCESS && query)
        data->Flags = flags;
    return windows;
}

/* ---- the timer of StorPortInitializeTimer (ENV-E14) ---- */

/* Above DISPATCH_LEVEL the timer and pool calls fail, but in HwAdapterControl: ScsiStopAdapter's
 * IRQL is disputed (ENV-E15), and storahci frees its timers and pool there, so the audit does
 * not refuse it.  `rule`: ENV-E14 (timers) or ENV-E22 (pool). */
static bool dispatch_at_most(struct run *r, struct ctx *c, const char *rule, const char *api,
                             const char *file, int line)
{
    if (ctx_irql(c) <= STORK_DISPATCH_LEVEL || in_entry(r, c, "HwAdapterControl"))
        return true;
    srb_finding(r, rule, file, line, "%s is called at %s: it is callable at DISPATCH_LEVEL "
                "at most (it returns STOR_STATUS_INVALID_IRQL)", api, irql_name(ctx_irql(c)));
    return false;
}

static bool timer_handle(struct run *r, PVOID handle, const char *api, const char *file, int line)
{
    struct drv_run *d = r->drv;
    if (handle == &d->xt.handle && d->xt.issued && !d->xt.freed)
        return true;
    srb_finding(r, "ENV-E14", file, line, "%s with a timer handle %s", api,
                handle == &d->xt.handle && d->xt.issued ? "already freed"
                                                        : "StorPortInitializeTimer never gave");
    return false;
}

ULONG stork_initialize_timer_at(PVOID ext, PVOID *handle, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortInitializeTimer", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortInitializeTimer", file, line);
    fp_state(r, &d->xt, sizeof d->xt, true);
    if (!handle) {
        run_error(r, "%s:%d: StorPortInitializeTimer with a NULL TimerHandle", file, line);
        return STOR_STATUS_INVALID_PARAMETER;
    }
    if (!dispatch_at_most(r, c, "ENV-E14", "StorPortInitializeTimer", file, line))
        return STOR_STATUS_INVALID_IRQL;
    if (d->xt.issued && !d->xt.freed) {
        run_error(r, "%s:%d: a second live StorPortInitializeTimer timer: not modelled (one per "
                  "adapter is)", file, line);
        return STOR_STATUS_UNSUCCESSFUL;
    }
    d->xt.issued = true;
    d->xt.freed = false;
    d->xt.file = file;
    d->xt.line = line;
    *handle = &d->xt.handle;
    return STOR_STATUS_SUCCESS;
}

ULONG stork_request_timer_at(PVOID ext, PVOID handle, PHW_TIMER_EX callback, PVOID context,
                             ULONGLONG value, ULONGLONG delay, const char *file, int line)
{
    (void)ext;
    (void)delay;
    struct ctx *c = current("StorPortRequestTimer", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortRequestTimer", file, line);
    fp_state(r, &d->xt, sizeof d->xt, true);
    if (!timer_handle(r, handle, "StorPortRequestTimer", file, line))
        return STOR_STATUS_INVALID_PARAMETER;
    struct ctx *t = &r->ctx[ctx_of_role(r, R_XTIMER, 0)];
    fp_ctx(r, t->index, true);
    if (value == 0) {
        t->armed = false; /* cancelled, if its callback has not begun; no wait */
        return STOR_STATUS_SUCCESS;
    }
    if (t->armed)
        return STOR_STATUS_BUSY; /* a request is pending whose callback has not been called */
    if (!callback) {
        run_error(r, "%s:%d: StorPortRequestTimer with a NULL TimerCallback", file, line);
        return STOR_STATUS_INVALID_PARAMETER;
    }
    d->xt.fn = callback;
    d->xt.context = context;
    race_lock_released(r, c->index, &d->xt.handle);
    arm(r, c, t->index); /* past the runs' bound the run is cut */
    return STOR_STATUS_SUCCESS;
}

ULONG stork_free_timer_at(PVOID ext, PVOID handle, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortFreeTimer", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortFreeTimer", file, line);
    fp_state(r, &d->xt, sizeof d->xt, true);
    fp_ctx(r, ctx_of_role(r, R_XTIMER, 0), true);
    if (!dispatch_at_most(r, c, "ENV-E14", "StorPortFreeTimer", file, line))
        return STOR_STATUS_INVALID_IRQL;
    if (handle == &d->xt.handle && d->xt.issued && d->xt.freed)
        return STOR_STATUS_UNSUCCESSFUL; /* already free (ENV-E14) */
    if (!timer_handle(r, handle, "StorPortFreeTimer", file, line))
        return STOR_STATUS_INVALID_PARAMETER;
    d->xt.freed = true;
    r->ctx[ctx_of_role(r, R_XTIMER, 0)].armed = false; /* a pending request goes; no wait */
    return STOR_STATUS_SUCCESS;
}

VOID stork_complete_service_irp_at(PVOID ext, PVOID irp, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortCompleteServiceIrp", file, line);
    if (!c)
        return;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortCompleteServiceIrp", file, line);
    fp_state(r, &d->svc, sizeof d->svc, true);
    if (irp != &d->svc.irp || d->svc.state == S_NONE)
        srb_finding(r, "ENV-E19", file, line, "StorPortCompleteServiceIrp with %p, which is no "
                    "service IRP HwProcessServiceRequest was handed", irp);
    else if (d->svc.state == S_DONE)
        srb_finding(r, "ENV-E19", file, line, "StorPortCompleteServiceIrp completes the service "
                    "IRP a second time (first at %s:%d)", base(d->svc.done_file),
                    d->svc.done_line);
    else {
        d->svc.state = S_DONE;
        d->svc.done_file = file;
        d->svc.done_line = line;
    }
}

/* ---- the partial-order reduction's view of the run's Storport state (por.c) ---- */

bool driver_por_offset(const struct run *r, uintptr_t a, uintptr_t *off)
{
    const struct drv_run *d = r->drv;
    uintptr_t b = (uintptr_t)d;
    if (a >= b && a < b + sizeof *d) {
        *off = a - b;
        return true;
    }
    ULONG ext = d->reg->hw.SrbExtensionSize;
    for (int i = 0; ext && i < DRV_NSRB; i++) {
        uintptr_t e = (uintptr_t)d->srb[i].extension;
        if (e && a >= e && a < e + ext) { /* slot i's SRB extension, after the record */
            *off = sizeof *d + (uintptr_t)i * ext + (a - e);
            return true;
        }
    }
    /* The environment's memory (ENV-E22, ENV-R14), allocated afresh each run: each region far
     * past the record and the SRB extensions, by its name (the i-th pool block) and offset. */
    const uintptr_t region = (uintptr_t)1 << 32;
    for (int i = 0; i < d->npool; i++) {
        uintptr_t p = (uintptr_t)d->pool[i].p;
        if (a >= p && a < p + d->pool[i].bytes) {
            *off = region * (uintptr_t)(1 + i) + (a - p);
            return true;
        }
    }
    uintptr_t u = (uintptr_t)d->uncached;
    if (u && a >= u && a < u + (d->uncached_size ? d->uncached_size : 1)) {
        *off = region * (DRV_MAX_POOL + 1) + (a - u);
        return true;
    }
    uintptr_t bar = (uintptr_t)d->bar;
    if (bar && a >= bar && a < bar + DRV_BAR_SIZE) {
        *off = region * (DRV_MAX_POOL + 2) + (a - bar);
        return true;
    }
    return false;
}

unsigned long long driver_digest(const struct run *r)
{
    const struct drv_run *d = r->drv;
    uint64_t h = 0xCBF29CE484222325ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 0x100000001B3ull)
    for (int i = 0; i < DRV_NSRB; i++) { /* by slot: not by srbN, which is the handing order */
        MIX(d->srb[i].state);
        MIX(d->srb[i].state == S_NONE ? 0 : d->srb[i].u.scsi.SrbStatus);
    }
    MIX(d->started);
    MIX(d->paused);
    MIX(d->pause_timed_out);
    MIX(d->restarted);
    MIX(d->stopped);
    MIX(d->svc.state);
    MIX(d->xt.issued);
    MIX(d->xt.freed);
    MIX(d->timer_requested);
    for (int i = 0; i < r->nctx; i++)
        MIX(d->runs[i]);
    MIX(d->channels);
    MIX(d->hw_gone); /* envgaps' state: the hardware, memory, the reset */
    MIX(d->resetting);
    MIX(d->npool);
    for (int i = 0; i < d->npool; i++)
        MIX(d->pool[i].freed);
    MIX(d->uncached != NULL);
    MIX(d->failed_api != NULL);
    MIX(d->failed_line);
    for (int i = 0; d->bar && i < DRV_BAR_SIZE; i++) /* the registers' last writes */
        MIX(d->bar[i]);
#undef MIX
    return h;
}

/* ---- memory (ENV-E22) ---- */

/* Whether this allocation fails: a data choice of its own (as a worker's initialisation may
 * fail for memory), noted in the trace at the call. */
static bool refuse(struct run *r, struct ctx *c, const char *api, const char *file, int line)
{
    if (run_decide(r, 2, NULL) != 1)
        return false;
    struct drv_run *d = r->drv;
    fp_state(r, &d->failed_api, sizeof d->failed_api, true); /* read at an access through NULL */
    d->failed_api = api;
    d->failed_file = file;
    d->failed_line = line;
    note(r, c, N_ALLOC_FAILED, 0, file, line);
    return true;
}

ULONG stork_allocate_pool_at(PVOID ext, ULONG bytes, ULONG tag, PVOID *buffer, const char *file,
                             int line)
{
    (void)ext;
    (void)tag;
    struct ctx *c = current("StorPortAllocatePool", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortAllocatePool", file, line);
    if (!buffer) {
        srb_finding(r, "ENV-E22", file, line, "StorPortAllocatePool with a NULL BufferPointer "
                    "(it returns STOR_STATUS_INVALID_PARAMETER)");
        return STOR_STATUS_INVALID_PARAMETER;
    }
    *buffer = NULL; /* "NULL if not successful" */
    if (!dispatch_at_most(r, c, "ENV-E22", "StorPortAllocatePool", file, line))
        return STOR_STATUS_INVALID_IRQL;
    fp_state(r, &d->npool, sizeof d->npool, true); /* the i-th block: its name (por.c) */
    if (d->npool == DRV_MAX_POOL) {
        run_error(r, "%s:%d: more than %d StorPortAllocatePool calls in one adapter life: not "
                  "modelled", file, line, DRV_MAX_POOL);
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (refuse(r, c, "StorPortAllocatePool", file, line))
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p) {
        run_error(r, "%s:%d: StorPortAllocatePool of %u bytes: out of memory", file, line,
                  (unsigned)bytes);
        return STOR_STATUS_INSUFFICIENT_RESOURCES;
    }
    fp_state(r, &d->pool[d->npool], sizeof d->pool[d->npool], true);
    d->pool[d->npool].p = p;
    d->pool[d->npool].bytes = bytes ? bytes : 1;
    d->pool[d->npool].freed = false;
    d->pool[d->npool].file = file;
    d->pool[d->npool++].line = line;
    *buffer = p;
    return STOR_STATUS_SUCCESS;
}

ULONG stork_free_pool_at(PVOID ext, PVOID buffer, const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortFreePool", file, line);
    if (!c)
        return STOR_STATUS_UNSUCCESSFUL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortFreePool", file, line);
    if (!buffer)
        return STOR_STATUS_INVALID_PARAMETER; /* documented: nothing is freed */
    if (!dispatch_at_most(r, c, "ENV-E22", "StorPortFreePool", file, line))
        return STOR_STATUS_INVALID_IRQL;
    fp_state(r, &d->npool, sizeof d->npool, false);
    fp_state(r, d->pool, sizeof d->pool, true); /* which block, and its freed */
    for (int i = 0; i < d->npool; i++) {
        if (d->pool[i].p != buffer)
            continue;
        if (d->pool[i].freed) {
            srb_finding(r, "ENV-E22", file, line, "StorPortFreePool frees the block of %s:%d a "
                        "second time", base(d->pool[i].file), d->pool[i].line);
            return STOR_STATUS_INVALID_PARAMETER;
        }
        /* Its memory stays until the run ends, so that a use after it is a finding at the
         * use (driver_freed_use), not a crash; under ASan, without that instrumentation, the
         * use is ASan's fault (a STORK-CRASH of the schedule).  The free writes the whole
         * block, for the reduction: an access of it by another context is ordered with it
         * both ways. */
        fp_state(r, d->pool[i].p, d->pool[i].bytes, true);
#ifdef STORK_CHECK_ASAN
        ASAN_POISON_MEMORY_REGION(d->pool[i].p, d->pool[i].bytes);
#endif
        d->pool[i].freed = true;
        d->pool[i].free_file = file;
        d->pool[i].free_line = line;
        d->nfreed++;
        return STOR_STATUS_SUCCESS;
    }
    srb_finding(r, "ENV-E22", file, line, "StorPortFreePool with %p, which no StorPortAllocatePool "
                "gave", buffer);
    return STOR_STATUS_INVALID_PARAMETER;
}

PVOID stork_get_uncached_extension_at(PVOID ext, PPORT_CONFIGURATION_INFORMATION config,
                                      ULONG bytes, const char *file, int line)
{
    (void)ext;
    (void)config;
    struct ctx *c = current("StorPortGetUncachedExtension", file, line);
    if (!c)
        return NULL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    call_point(r, "StorPortGetUncachedExtension", file, line);
    fp_state(r, &d->uncached, sizeof d->uncached, true);
    fp_state(r, &d->uncached_size, sizeof d->uncached_size, true);
    if (d->uncached) {
        if (bytes > d->uncached_size) {
            run_error(r, "%s:%d: StorPortGetUncachedExtension of %u bytes after one of %u: not "
                      "modelled (the page gives back the current one)", file, line,
                      (unsigned)bytes, (unsigned)d->uncached_size);
            return NULL;
        }
        return d->uncached; /* "If the memory was previously allocated", the current one */
    }
    if (refuse(r, c, "StorPortGetUncachedExtension", file, line))
        return NULL;
    d->uncached = calloc(1, bytes ? bytes : 1);
    if (!d->uncached) {
        run_error(r, "%s:%d: StorPortGetUncachedExtension of %u bytes: out of memory", file, line,
                  (unsigned)bytes);
        return NULL;
    }
    d->uncached_size = bytes;
    return d->uncached;
}

uint64_t driver_memory_name(const struct run *r, uintptr_t a)
{
    if (!driver_mode(r))
        return 0;
    const struct drv_run *d = r->drv;
    for (int i = 0; i < d->npool; i++)
        if (a == (uintptr_t)d->pool[i].p)
            return 0xC000000000000000ull + (uint64_t)i; /* the i-th StorPortAllocatePool's */
    if (d->uncached && a == (uintptr_t)d->uncached)
        return 0xC100000000000000ull;
    if (d->bar && a >= (uintptr_t)d->bar && a < (uintptr_t)d->bar + DRV_BAR_SIZE)
        return 0xC200000000000000ull + (uint64_t)(a - (uintptr_t)d->bar);
    for (int i = 0; i < DRV_NSRB; i++)
        if (a == (uintptr_t)&d->srb[i].u)
            return 0xC300000000000000ull + (uint64_t)i;
    return 0;
}

/* Who does what a message tells: the entry point the context is in, a callback by its worker,
 * or the context's name. */
static const char *doer(const struct run *r, const struct ctx *c, char *buf, size_t size)
{
    if (r->drv->entry[c->index])
        return r->drv->entry[c->index];
    if (c->kind == K_SYS && c->worker >= 0)
        snprintf(buf, size, "%s (the callback of w%d)", c->name, c->worker + 1);
    else
        snprintf(buf, size, "%s", c->name);
    return buf;
}

/* A finding at an access, which no event of the trace is: "WHO reads|writes REST". */
static void access_finding(struct run *r, const char *rule, const char *why, bool write,
                           const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void access_finding(struct run *r, const char *rule, const char *why, bool write,
                           const char *file, int line, const char *fmt, ...)
{
    char who[64], rest[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof rest, fmt, ap);
    va_end(ap);
    int before = r->nf;
    run_finding_why(r, rule, why, file, line, -1, "%s %s %s",
                    doer(r, &r->ctx[r->cur], who, sizeof who), write ? "writes" : "reads", rest);
    if (r->nf > before)
        r->f[r->nf - 1].ev = -1;
}

/* The size bytes at a overlap pool block i (given or refused: a refused one has no bytes). */
static bool in_block(const struct drv_run *d, int i, uintptr_t a, size_t size)
{
    uintptr_t p = (uintptr_t)d->pool[i].p;
    return a < p + d->pool[i].bytes && a + size > p;
}

/* The size bytes at a overlap SRB i or its SRB extension. */
static bool in_srb(const struct drv_run *d, int i, uintptr_t a, size_t size)
{
    const struct drv_srb *s = &d->srb[i];
    ULONG ext = d->reg->hw.SrbExtensionSize;
    uintptr_t u = (uintptr_t)&s->u, e = (uintptr_t)s->extension;
    return (a < u + sizeof s->u && a + size > u) || (e && ext && a < e + ext && a + size > e);
}

int driver_freed_block(const struct run *r, const void *addr, size_t size)
{
    const struct drv_run *d = r->drv;
    if (!d || !d->nfreed)
        return -1;
    for (int i = 0; i < d->npool; i++)
        if (d->pool[i].freed && in_block(d, i, (uintptr_t)addr, size))
            return i;
    return -1;
}

void driver_freed_use(struct run *r, int block, const void *addr, bool write, const char *file,
                      int line)
{
    const struct drv_run *d = r->drv;
    uintptr_t at = (uintptr_t)addr, p = (uintptr_t)d->pool[block].p;
    access_finding(r, "ENV-E22", "used after its free", write, file, line,
                   "the pool block of the StorPortAllocatePool at %s:%d (+0x%zx) after the "
                   "StorPortFreePool at %s:%d freed it: that memory is the pool's again",
                   base(d->pool[block].file), d->pool[block].line, (size_t)(at > p ? at - p : 0),
                   base(d->pool[block].free_file), d->pool[block].free_line);
}

int driver_done_srb(const struct run *r, const void *addr, size_t size)
{
    const struct drv_run *d = r->drv;
    if (!d || !d->ndone)
        return -1;
    for (int i = 0; i < DRV_NSRB; i++)
        if (d->srb[i].state == S_DONE && in_srb(d, i, (uintptr_t)addr, size))
            return i;
    return -1;
}

bool driver_may_give_back(const struct run *r, const void *addr, size_t size)
{
    const struct drv_run *d = r->drv;
    if (!d)
        return false;
    for (int i = 0; i < d->npool; i++)
        if (in_block(d, i, (uintptr_t)addr, size))
            return true;
    for (int i = 0; i < DRV_NSRB; i++)
        if (d->srb[i].state != S_NONE && in_srb(d, i, (uintptr_t)addr, size))
            return true;
    return false;
}

void driver_done_use(struct run *r, int srb, const void *addr, bool write, const char *file,
                     int line)
{
    const struct drv_srb *s = &r->drv->srb[srb];
    uintptr_t a = (uintptr_t)addr, u = (uintptr_t)&s->u;
    char part[48];
    if (a >= u && a < u + sizeof s->u)
        snprintf(part, sizeof part, "+0x%zx", (size_t)(a - u));
    else
        snprintf(part, sizeof part, "its SRB extension, +0x%zx",
                 (size_t)(a > (uintptr_t)s->extension ? a - (uintptr_t)s->extension : 0));
    access_finding(r, "ENV-Q2", "used after its completion", write, file, line,
                   "%s (%s) after the RequestComplete at %s:%d gave it back to Storport: from "
                   "then on it is Storport's", s->label, part, base(s->done_file), s->done_line);
}

void driver_null_access(struct run *r, const void *addr, bool write, const char *file, int line)
{
    if (!driver_mode(r) || (uintptr_t)addr >= DRV_NULL_PAGE)
        return;
    fp_state(r, &r->drv->failed_api, sizeof r->drv->failed_api, false);
    if (!r->drv->failed_api)
        return;
    struct drv_run *d = r->drv;
    char who[64];
    run_finding(r, "ENV-E22", file, line, -1, "%s %s through NULL (address %p): the %s at %s:%d "
                "was refused for lack of memory and its answer is not checked; the run stops "
                "here", doer(r, &r->ctx[r->cur], who, sizeof who),
                write ? "writes" : "reads", addr, d->failed_api, base(d->failed_file),
                d->failed_line);
    snprintf(r->stopped, sizeof r->stopped, "an access through NULL after a refused allocation "
             "(%s:%d)", base(file), line);
    run_halt(r);
}

/* ---- the HBA's registers and ports (ENV-R14) ---- */

PVOID stork_get_device_base_at(PVOID ext, INTERFACE_TYPE bus, ULONG number,
                               STOR_PHYSICAL_ADDRESS address, ULONG bytes, BOOLEAN io,
                               const char *file, int line)
{
    (void)ext;
    (void)bus;
    (void)number;
    (void)address;
    (void)io;
    struct ctx *c = current("StorPortGetDeviceBase", file, line);
    if (!c)
        return NULL;
    struct run *r = c->run;
    struct drv_run *d = r->drv;
    if (bytes > DRV_BAR_SIZE) {
        run_error(r, "%s:%d: StorPortGetDeviceBase of %u bytes: at most %d are modelled", file,
                  line, (unsigned)bytes, DRV_BAR_SIZE);
        return NULL;
    }
    fp_state(r, &d->bar, sizeof d->bar, true);
    if (!d->bar && !(d->bar = calloc(1, DRV_BAR_SIZE))) {
        run_error(r, "out of memory");
        return NULL;
    }
    return d->bar; /* one HBA, one range: every mapping of it is the same registers */
}

ULONG stork_read_register_at(PVOID ext, const volatile void *reg, size_t size, const char *file,
                             int line)
{
    (void)ext;
    struct ctx *c = current("StorPortReadRegister", file, line);
    if (!c)
        return 0;
    struct run *r = c->run;
    call_point(r, "StorPortReadRegister", file, line); /* a poll goes round through here: a loop on it is seen */
    fp_state(r, &r->drv->hw_gone, sizeof r->drv->hw_gone, false);
    por_access(r, (const void *)reg, size, false); /* by its offset in the BAR (driver_por_offset) */
    if (r->drv->hw_gone)
        return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu; /* no device answers */
    ULONG v = 0;
    memcpy(&v, (const void *)reg, size); /* what was last written: the HBA stands still */
    return v;
}

VOID stork_write_register_at(PVOID ext, volatile void *reg, size_t size, ULONG value,
                             const char *file, int line)
{
    (void)ext;
    struct ctx *c = current("StorPortWriteRegister", file, line);
    if (!c)
        return;
    struct run *r = c->run;
    fp_state(r, &r->drv->hw_gone, sizeof r->drv->hw_gone, false);
    if (r->drv->hw_gone)
        return; /* goes nowhere */
    por_access(r, (const void *)reg, size, true);
    memcpy((void *)reg, &value, size);
}
