/*
 * driver.h -- a miniport as it is (c-harness/check/driver.c): its DriverEntry run once, the
 * entry points it registers with StorPortInitialize made into a scenario, and the hooks the
 * scheduler and the checking runtime call for it.  A file that defines `stork_scenario` is
 * audited as before; these hooks then do nothing.
 */
#ifndef STORK_CHECK_DRIVER_H
#define STORK_CHECK_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run;
struct drv_run; /* one run's Storport state: SRBs, locks, DPCs, the timer, pauses */

/* The host a miniport is audited against (spec/environment.md ENV-H, --host): Windows's
 * runtime and environment (the contract), NeptuneOS's (ENV-H3, H5) or ReactOS's (ENV-H6). */
enum stork_host { STORK_HOST_WINDOWS, STORK_HOST_NEPTUNE, STORK_HOST_REACTOS };
#define STORK_STATUS_NOT_IMPLEMENTED 0xC0000002u /* ReactOS's answer: an NTSTATUS (ENV-H6) */

/* The scenario the audit runs: the file's `stork_scenario`, or the one its DriverEntry
 * registers, against `host`.  NULL, with the reason in err, if there is neither, DriverEntry
 * fails, or a host other than Windows is asked of a hand-made scenario. */
/* The IOCTL SRBs (ENV-E20, --ioctls, --ioctl): how many (default 0, also for -1) and the SRB_IO_CONTROL Signature and ControlCode. */
struct driver_ioctls {
    int count;
    bool given; /* --ioctls or --ioctl was given */
    unsigned char signature[8];
    unsigned long code;
};
/* stops (--stop-restart: 1, --stops N): stops and restarts explored before removal (ENV-R9);
 * reset_bus (--reset-bus): a request times out and Storport calls HwResetBus (ENV-E17);
 * early_removal (--early-removal): a surprise removal may take the hardware during the start
 * (ENV-R13); removal begins a step before its first notification with or without it (ENV-R4). */
const struct stork_scenario *driver_scenario(int srbs, int stops, bool reset_bus,
                                             bool early_removal,
                                             int host, const struct driver_ioctls *ioctls,
                                             char *err, size_t size);
/* The environment's bounds a miniport audited from its DriverEntry runs with, as one line for
 * the report ("" for a hand-made scenario), in at most DRIVER_BOUNDS_SIZE bytes with its NUL. */
enum { DRIVER_BOUNDS_SIZE = 1024 };
void driver_bounds(const struct stork_scenario *scn, char *out, size_t size);
/* The IOCTL SRBs a miniport audited from its DriverEntry is handed. */
int driver_ioctls(const struct stork_scenario *scn);
/* The host of this run (Windows for a hand-made scenario) and a host's name. */
int driver_host(const struct run *r);
const char *driver_host_name(int host);
void driver_free(const struct stork_scenario *scn);
/* The SRBs a miniport audited from its DriverEntry is handed (0 for a hand-made scenario). */
int driver_srbs(const struct stork_scenario *scn);
/* Routine i of scn runs when armed, any number of times (a DPC, the timer), not once. */
bool driver_on_demand(const struct stork_scenario *scn, size_t routine);

/* NeptuneOS's main thread (ENV-H4): whether context ctx runs on it (under --host neptune every
 * context but the ISR), whether it may go on now (the thread is free or its own), and its take
 * (as it goes on) and give (at a wait, StorPortStallExecution and its return). */
struct ctx;
bool driver_main_thread(const struct run *r, int ctx);
bool driver_main_may_run(const struct run *r, int ctx);
void driver_main_take(struct run *r, struct ctx *c);
void driver_main_give(struct run *r, struct ctx *c);
void driver_main_wait(struct run *r, struct ctx *c); /* a try while another holds it */
/* NeptuneOS (ENV-H4): context ctx is the ISR and the interrupt is connected, from before
 * HwInitialize: it may run before the start is over, which no other routine may. */
bool driver_isr_connected(const struct run *r, int ctx);

void driver_run_begin(struct run *r);   /* each run's Storport state, after the run is reset */
void driver_check_end(struct run *r);   /* the adapter is released: ENV-Q1, Q2, Q6, Q8 */
void driver_release(struct run *r);     /* what the run's state holds */
/* Nothing can go on: Storport's own waits end here (a pause's timeout), or the wait is for
 * ever (ENV-Q6).  True if the run goes on or stopped with its finding made. */
bool driver_stalled(struct run *r);
const char *driver_fix_for(const char *rule);
/* Context ctx is the ISR, a DPC's routine or a timer routine: ENV-R7's routines, whose use of
 * what the miniport released is ENV-R7 (WI-M8 is a callback's), as model/contract.pml's
 * mon_use_resources names it.  False for a hand-made scenario. */
bool driver_isr_dpc_or_timer(const struct run *r, int ctx);
/* ENV-R7 [POS]: context ctx is a DPC's routine or a timer routine: the adapter's release may
 * find it running, and its next use of the extension is then the finding.  Its reads of the
 * extension get a scheduling point too (race.c), so that the release may come just before one
 * (a write has one anyway); before and after the release alike, so that where its steps end
 * does not depend on whether the release came, which the reduction could not see. */
bool driver_may_outlive(const struct run *r, int ctx);
/* ENV-R7 [POS]: the current context, a DPC's or timer routine running at the adapter's release
 * (run->outlived), uses the released HwDeviceExtension at file:line: addr in it, `what` a verb
 * ("writes", "reads", "takes a spinlock in"), or addr NULL and `what` the Storport call.  A
 * finding there, once per context and run; nothing for any other context or address. */
void driver_released_use(struct run *r, const void *addr, const char *what, const char *file,
                         int line);
/* For the partial-order reduction (por.c): where address a is in the run's Storport state (its
 * record and the SRB extensions, allocated afresh each run), as an offset that is the same in
 * every run; false if it is not there.  And a digest of that state at the run's end (the SRBs'
 * states and statuses, pauses, timers, stop and restart, runs of the on-demand routines). */
bool driver_por_offset(const struct run *r, uintptr_t a, uintptr_t *off);
unsigned long long driver_digest(const struct run *r);
/* A pointer to memory the environment gave this run (a pool block, the uncached extension, the
 * register space, an SRB) by a name that is the same in every run, for the final state's
 * digest (por.c); 0 if it is none. */
uint64_t driver_memory_name(const struct run *r, uintptr_t a);
/* The miniport's code accesses addr (race.c, an instrumented build): through NULL after an
 * allocation this run refused, an ENV-E22 finding at file:line, and the run stops there. */
void driver_null_access(struct run *r, const void *addr, bool write, const char *file, int line);
/* ENV-E22: the pool block StorPortFreePool freed that size bytes at addr overlap, or -1 (at
 * once while none is freed); and the current context's use of it, a finding at file:line (the
 * run goes on: the memory stays). */
int driver_freed_block(const struct run *r, const void *addr, size_t size);
void driver_freed_use(struct run *r, int block, const void *addr, bool write, const char *file,
                      int line);
/* ENV-Q2: likewise the SRB RequestComplete gave back that the bytes overlap (the SRB or its
 * SRB extension), or -1; and the current context's use of it, a finding at file:line. */
int driver_done_srb(const struct run *r, const void *addr, size_t size);
void driver_done_use(struct run *r, int srb, const void *addr, bool write, const char *file,
                     int line);
/* ENV-Q2, ENV-E22: the bytes overlap memory the miniport gives back while it still holds a
 * pointer to it, an SRB handed to it this run (or its SRB extension) or a pool block it was
 * given, whether completed or freed yet or not.  A read of it gets a scheduling point too
 * (race.c), so that the completion or the free may come just before it; decided by the address
 * alone, so that where a step ends does not depend on whether the give-back came. */
bool driver_may_give_back(const struct run *r, const void *addr, size_t size);

#endif
