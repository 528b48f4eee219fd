/*
 * run.h -- one run of a scenario under the checking runtime: its contexts, the reference
 * runtime's adapter with the environment this run controls, the checker's view of every
 * worker, the events (the run's trace) and the findings.  sched.c drives a run, runtime.c is
 * the Storport API and its checks, report.c prints a run as a trace and its findings.
 */
#ifndef STORK_CHECK_RUN_H
#define STORK_CHECK_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fiber.h"
#include "stork/check.h"

#if defined(__SANITIZE_ADDRESS__)
#define STORK_CHECK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STORK_CHECK_ASAN 1
#endif
#endif

#define MAX_ROUTINES 16
#define MAX_THREADS 4
#define MAX_CTX (MAX_ROUTINES + 2 + MAX_THREADS)
#define MAX_POSTED 64
#define MAX_NAMES 64
#define ACTOR_REMOVE 999
#define ACTOR_ITEM 1000 /* + the posted item's sequence number */

enum ctx_kind { K_FIND, K_ROUTINE, K_TEARDOWN, K_SYS };
enum ctx_state { C_UNBORN, C_READY, C_RUNNING, C_WAITING, C_BLOCKED, C_DONE, C_IDLE };

struct run;

/* A context: a miniport routine, the remove handler, or a system worker thread. */
struct ctx {
    struct run *run;
    int index;
    enum ctx_kind kind;
    enum ctx_state state;
    const char *name;
    char sysname[16];
    unsigned irql;
    stork_routine_fn *fn;
    struct fiber fiber;
    bool has_fiber;
    unsigned long wait_stamp; /* progress count when it last found its condition false */
    struct stork_lock *blocked_on;
    /* at the scheduling point of a miniport's take of this spinlock (stork_lock_at): enabled
     * only while the lock is free (or its own, a deadlock reported at the take), so that a take
     * never blocks there and the reduction sees no attempt (por.h POR_MAX_ACQ) */
    struct stork_lock *wants_lock;
    bool on_demand; /* a routine that runs when armed (a DPC issued, a timer requested), again */
    bool armed;     /* and it is armed */
    int locks_held;
    bool wants_main; /* NeptuneOS: it tried to go on while another held the main thread (ENV-H4) */
    int inits;           /* successful StorPortInitializeWorker calls it made (por_final_state) */
    bool before_queue;   /* suspended at the scheduling point of a StorPortQueueWorkItem */
    const char *at_file; /* where it is suspended */
    int at_line;
    /* a system thread running a callback */
    void *item;
    int worker; /* index in run->w */
    bool freed_own;
    /* another context's successful free of its worker while it ran: no finding by itself
     * (WI-M6's position), a WI-M6 at the callback's next use of the worker, naming this site */
    const char *freed_by, *freed_at_file;
    int freed_at_line;
};

/* The checker's view of one worker the runtime issued (named w<index+1>). */
struct wrec {
    void *handle;
    bool freed, queued;
    int running_on;   /* ctx index of the system thread running its callback, or -1 */
    int routine, context; /* names of the queued callback and context */
    const char *init_file;
    int init_line;
    const char *busy_file; /* the last free that returned BUSY while it stayed live */
    int busy_line;
    int overwritten_ev;   /* event whose init overwrote the variable holding it, or -1 */
    bool queue_failed;    /* its last queue failed and it was not queued after */
    const char *fail_file; /* that queue */
    int fail_line;
    const char *queue_file; /* its first successful queue: which callback it has */
    int queue_line;
    int runs;             /* callbacks started */
    int init_ctx, init_rank; /* its init's context, and how many inits that context made before */
    bool unlinked;        /* NeptuneOS freed it while queued (ENV-H3): its post is gone, and the
                           * reference, which still holds it queued, is not asked of it again */
};

enum ev_kind { EV_INIT, EV_QUEUE, EV_FREE, EV_START, EV_RETURN, EV_REMOVE_BEGIN, EV_REMOVE_END,
               EV_FAILALLOC, EV_LOOP, EV_END, EV_NOTE };
/* What an EV_NOTE says, a comment of the trace (a miniport audited as it is, driver.c), as the
 * Promela model prints it: "# request srbN handed to CTX", "... completed by CTX", "# adapter
 * paused by CTX", "# adapter resumed by CTX", and the removal, stop and restart steps
 * ("# removal: ...", "# adapter stopping: ...", "# adapter restarting: ..."), and the DPC and
 * HwStorTimer steps below. */
enum note_kind { N_HANDED, N_COMPLETED, N_PAUSED, N_RESUMED, N_REMOVE_SRB, N_SURPRISE_CONTROL,
                 N_SURPRISE_SRB, N_STOPPING, N_RESTART, N_RESTART_FIND,
                 /* the entry points' objects (ENV-E12, E13), of DPC object srb: "# dpc object N
                  * issued by CTX: TRUE|FALSE", "... runs", "# RequestTimerCall requested|requested
                  * again (replaces the pending one)|cancelled by CTX", "# HwStorTimer runs" */
                 N_DPC_ISSUED, N_DPC_NOT_ISSUED, N_DPC_RUNS, N_TIMER_REQUESTED, N_TIMER_REPLACED,
                 N_TIMER_CANCELLED, N_STOR_TIMER_RUNS,
                 /* NeptuneOS (ENV-H5): "# RequestTimerCall requested (a timer of its own: N
                  * pending, NeptuneOS) by CTX", "... with interval 0: nothing cancelled
                  * (NeptuneOS) by CTX", as model/storport.pml prints them */
                 N_TIMER_OWN, N_TIMER_ZERO,
                 /* "# StorPortSynchronizeAccess by CTX runs no routine (neptune, ENV-H4)" */
                 N_SYNC_NOT_RUN,
                 /* the environment's resources: an allocation refused, the hardware gone */
                 N_ALLOC_FAILED, N_HW_GONE, N_RESET_BUS };

/* A handle as the trace names it: worker > 0 is wN, bad > 0 is badN, both 0 is null. */
struct ev {
    enum ev_kind kind;
    int ctx;
    unsigned irql;
    int worker, bad;
    int routine, context; /* cbN / ctxN, 0 = null */
    unsigned allowed;     /* bit i: status with index i (0 SUCCESS, 1.. 0xC100000i) */
    STORK_ULONG status;
    int new_worker;
    bool null_out; /* init with a NULL Worker pointer, which trace v1 cannot express */
    enum note_kind note; /* EV_NOTE: what it says, of SRB srb */
    int srb;
    const char *file;
    int line;
};

struct finding {
    const char *rule;
    const char *why; /* "" or which kind of break of the rule (one leak is not another) */
    char msg[400];
    const char *file;
    int line;
    int worker; /* index in run->w, or -1 */
    int ev;     /* the event it happened at */
};

/* Who decides at each scheduling point.  pick() returns an index in 0..n-1 of the options,
 * whose actors (stable ids within a run: a context index, ACTOR_REMOVE, ACTOR_ITEM + seq) are
 * given; option 0 is "the context that ran last goes on" whenever that is possible. */
struct footprint;
struct chooser {
    int (*pick)(struct chooser *self, int n, const int *actors, int step);
    /* Partial-order reduction (explore.c), or both NULL: whether a step of this actor may be
     * skipped here (a run where every step on offer may is over: pruned); after each step, who
     * took it and what it touched (por.h). */
    bool (*asleep)(struct chooser *self, int actor);
    void (*stepped)(struct chooser *self, int actor, const struct footprint *fp);
};

/* Every decision of a run with more than one option: what was chosen, out of how many. */
struct choices {
    int *pick, *n;
    int len, cap;
};

/* The scheduling points at the scenario's shared accesses (race.c): none (--preempt-at-calls,
 * and any build without the instrumentation), before each write and atomic (the default), or
 * before each access, reads too (--preempt-at-accesses). */
enum preempt { PREEMPT_CALLS, PREEMPT_WRITES, PREEMPT_ACCESSES };
const char *preempt_name(enum preempt p);

struct run_limits {
    int max_steps; /* scheduling steps after which a run is cut (the search is then incomplete) */
    unsigned threads; /* system worker threads, overriding the scenario's (0: the scenario's) */
    bool no_races;    /* no data-race check even if the scenario is instrumented (the bench) */
    enum preempt preempt; /* where, besides the StorPort calls and STORK_* points, it may switch */
    bool writes;      /* record the shared memory each step wrote (writes.c): a reported run */
};

struct run {
    const struct stork_scenario *scn;
    const struct stork_impl *impl;
    struct stork_env env;
    struct stork_adapter *adapter;
    void *ext;
    struct ctx ctx[MAX_CTX];
    int nctx, nroutines_left;
    int find_ctx, teardown_ctx, first_sys;
    int cur, last;
    struct fiber main;
    void **stacks; /* stack pool (owned by the caller) */
    int *nstacks;
    /* wants_main: NeptuneOS, its start was tried while the main thread was held (ENV-H4) */
    struct { void *worker, *item; int seq; bool wants_main; } posted[MAX_POSTED];
    int nposted, post_seq;
    bool fail_alloc_now;
    long live_blocks;
    bool removal_begun, remove_ended, released;
    unsigned outlived; /* contexts (bits) of DPC and timer routines running at the adapter's
                          release: their next use of the extension is ENV-R7 (driver.c) */
    unsigned markable; /* contexts (bits) the release may mark so, in a reduced search with the
                          instrumentation: each of their uses reads the mark (por.h) */
    const char *release_file;
    int release_line;
    struct wrec *w;
    int nw, capw;
    void *bad[MAX_NAMES];
    int nbad;
    void *cbs[MAX_NAMES];
    int ncbs;
    void *ctxv[MAX_NAMES];
    int nctxv;
    struct entry **entries; /* what each queue passed, for the callback's entry (runtime.c) */
    int nentries, capentries;
    struct ev *ev;
    int nev, capev;
    struct finding *f;
    int nf, capf;
    unsigned long progress;
    int steps;
    bool cut; /* stopped at limits.max_steps: its end is unknown (the trace has no `end`) */
    int threads_busy; /* the most system threads running a callback at once so far */
    char stopped[300]; /* why the run stopped early (a failed STORK_ASSERT), or "" */
    struct step *st;   /* every scheduling step so far (livelock.c) */
    int capst;
    int *offers;       /* the actors each step offered, one after the other */
    int noffers, capoffers;
    bool looped;       /* ended in a livelock: its cycle is in the trace once, after `loop` */
    bool halted;       /* stopped in the middle of a step (a failed STORK_ASSERT, an access
                          through NULL): run_halt */
    struct drv_run *drv; /* a miniport audited as it is: this run's Storport state (driver.c) */
    struct race *race; /* happens-before and the shared bytes (race.c), kept from run to run */
    bool races;        /* this run checks data races (race_run_begin) */
    struct por *por;   /* the steps' footprints (por.c), kept from run to run */
    bool footprints;   /* this run records them (its chooser reduces) */
    bool pruned;       /* stopped where every step on offer was asleep (explore.c) */
    struct chooser *chooser;
    struct choices *made;
    struct writes *writes; /* with limits.writes (writes.c) */
    struct run_limits limits;
    char error[300]; /* a scenario error (bad input) or an internal one: the run is void */
};

/* What the process that watches an audit (supervise.c) can read of the run in progress: memory
 * shared with it, written as the run goes, so that a run that never comes back (exit, a crash, a
 * loop with no scheduling point) is still known by its schedule. */
#define WATCH_PICKS (1 << 16)
enum watch_phase { PH_NONE, PH_EXHAUSTIVE, PH_PCT, PH_MINIMISE, PH_REPORT, PH_REPLAY };
struct watch {
    int done, rc;    /* the audit wrote its whole report and exits with rc */
    int sanitizer;   /* the sanitizer stopped the run */
    int running;     /* a run is in progress */
    int phase;       /* enum watch_phase, with the run's number in it and its PCT seed */
    long number;
    unsigned long long seed;
    int threads;     /* system worker threads of the run */
    long steps;      /* scheduling steps of the run in progress */
    unsigned long long total_steps; /* of every run: the audit is making progress */
    int len, overflow; /* the decisions of the run in progress */
    int pick[WATCH_PICKS];
};
extern struct watch *run_watch;  /* NULL: not watched */
extern FILE *run_stream;         /* non-NULL: every event and resumption is written here at once */
void watch_phase(enum watch_phase phase, long number, uint64_t seed);

/* sched.c */
bool run_once(struct run *r, const struct stork_scenario *scn, struct chooser *ch,
              struct choices *made, struct run_limits limits, void **stacks, int *nstacks);
void run_release(struct run *r);
struct run *run_current(void);
/* A scheduling point of the current context: suspend it; the scheduler picks who goes on. */
void run_point(struct run *r, const char *file, int line);
/* Take `lock` for c, after the point of the take (offered only while it is free): no wait. */
void run_acquire(struct run *r, struct ctx *c, struct stork_lock *lock, const char *file, int line);
/* Storport's own take of `lock` for c: at a scheduling point offered only while it is free, as
 * the miniport's (stork_lock_at), then run_acquire, which does not wait. */
void run_take(struct run *r, struct ctx *c, struct stork_lock *lock, const char *file, int line);
/* A decision that is not a schedule (an injected allocation failure): n options. */
int run_decide(struct run *r, int n, const int *actors);
/* Removal begins (WI-R1: queueing fails from now on): a scheduler step of its own, or the first
 * removal notification of a miniport audited as it is (ENV-R4, driver.c). */
void run_begin_removal(struct run *r);
unsigned ctx_irql(const struct ctx *c);
void run_error(struct run *r, const char *fmt, ...);

/* runtime.c */
struct entry;
void runtime_env_init(struct run *r);
void runtime_check_end(struct run *r);
/* The context running now stops the run in the middle of its step (why: r->stopped, set).  That
 * step disables every other context's next one, so it is dependent on every step (por.h), and
 * the reduction takes the run as a cut one (the steps it never ran raced with nothing it saw:
 * reduce.h).  Does not return. */
void run_halt(struct run *r);
void runtime_release(struct run *r); /* what the run's calls allocated */
int run_event(struct run *r, struct ev e);
void run_finding(struct run *r, const char *rule, const char *file, int line, int worker,
                 const char *fmt, ...);
void run_finding_why(struct run *r, const char *rule, const char *why, const char *file, int line,
                     int worker, const char *fmt, ...);
int wrec_of(const struct run *r, const void *handle);

/* livelock.c: a run that repeats the same steps, fairly to every context that could go on
 * instead, never ends (WI-M9).  After each step, what it was; then whether the run is now in
 * such a cycle: if so, its findings are made, its events become the prefix, `loop` and one pass
 * of the cycle, and the run is over. */
struct step {
    uint64_t sig;        /* what happened (computed when the run is checked) */
    int ev;              /* events before it */
    int actor;           /* who went on */
    int offer, noffer;   /* who could have, in run->offers */
    const char *at_file; /* where the context that went on stopped */
    int at_line;
};
void step_record(struct run *r, int actor, const int *actors, int n, int ev_before);
bool livelock_found(struct run *r);
void steps_release(struct run *r);

/* race.c: the scenario's instrumented accesses and data races (WI-M11). */
struct race;
bool race_instrumented(void); /* the scenario was compiled with -fsanitize=thread */
void race_run_begin(struct run *r);
void race_run_end(struct run *r); /* its races become findings */
void race_release(struct run *r);
void race_ctx_start(struct run *r, const struct ctx *c);
void race_ctx_done(struct run *r, const struct ctx *c);
void race_queued(struct run *r, int ctx, int worker);
void race_callback_start(struct run *r, int ctx, int worker);
void race_freed(struct run *r, int ctx, int worker);
void race_lock_acquired(struct run *r, int ctx, const void *lock);
void race_lock_released(struct run *r, int ctx, const void *lock);
void race_benign(struct run *r, const void *addr, size_t size);

/* race.c: where the scenario's code is (addr2line, cached for the audit): resolve a batch of
 * return addresses of instrumented accesses, then look one up (false: not resolved). */
void race_resolve_sites(struct run *r, const void *const *pcs, int n);
bool race_site(const struct run *r, const void *pc, const char **file, int *line);

/* writes.c: with limits.writes, the shared memory (the extension, the program's globals) each
 * step wrote, read when the step ends, and after the run, named for the trace and history:
 * "PREFIX CTX FILE:LINE [TARGET ][ext+0xN] = VALUE" lines (CTX "sys0(w2)" in w2's callback) for
 * the writes between event nev-1 and event nev, all or (worker >= 0) those of that worker's
 * callback, at most WRITES_PER_STEP of them, and, in a trace, of a run with more than
 * 2 * WRITES_KEPT, the first and the last WRITES_KEPT only (a history is compressed instead:
 * defects.h); returns the lines written. */
#define WRITES_PER_STEP 8
#define WRITES_KEPT 50
struct writes;
void writes_note(struct run *r, int ctx, const void *addr, size_t size, const void *pc);
void writes_settle(struct run *r); /* the step is over: what it left */
void writes_resolve(struct run *r); /* the run is over: the lines of its writes */
int writes_after(const struct run *r, int nev, int worker, bool trace, const char *prefix,
                 FILE *out);
void writes_release(struct run *r);

/* por.c */
#include "por.h"

/* report.c */
const char *irql_name(unsigned irql);
void write_event(FILE *out, const struct run *r, const struct ev *e);
void write_trace(FILE *out, const struct run *r, const char *const *meta, int nmeta);
/* One event as write_trace writes it, with its call site as a comment. */
void write_trace_event(FILE *out, const struct run *r, const struct ev *e);
/* The events of `worker` (or none: -1; all: HISTORY_ALL), and event `here`, one a line with its
 * call site. */
#define HISTORY_ALL (-2)
void write_history(FILE *out, const struct run *r, int worker, int here, const char *indent);
void choices_push(struct choices *c, int pick, int n);

#endif
