/*
 * sched.c -- one run of a scenario: contexts on cooperative fibers (replay/fiber.c), one OS
 * thread, and a scheduler that asks a chooser, at every scheduling point, which enabled step
 * goes next.  Given the same choices a run is the same run: that is what makes exploration,
 * minimisation and --replay exact.
 *
 * The Storport API has no parameter that leads back to the audit, so the entry points find the
 * running audit through one thread-local pointer (set here for the length of a run); it is the
 * only global of the checking runtime.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "run.h"

#ifdef STORK_CHECK_ASAN
#include <sanitizer/asan_interface.h>
#endif

static _Thread_local struct run *current_run;

struct watch *run_watch;
FILE *run_stream;

void watch_phase(enum watch_phase phase, long number, uint64_t seed)
{
    if (!run_watch)
        return;
    run_watch->phase = phase;
    run_watch->number = number;
    run_watch->seed = seed;
}

struct run *run_current(void)
{
    return current_run;
}

void run_error(struct run *r, const char *fmt, ...)
{
    if (r->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
}

const char *preempt_name(enum preempt p)
{
    return p == PREEMPT_ACCESSES ? "accesses" : p == PREEMPT_WRITES ? "writes" : "calls";
}

unsigned ctx_irql(const struct ctx *c)
{
    unsigned l = c->kind == K_SYS ? STORK_PASSIVE_LEVEL : c->irql;
    if (c->locks_held && l < STORK_DISPATCH_LEVEL)
        l = STORK_DISPATCH_LEVEL; /* a spinlock raises to DISPATCH_LEVEL */
    return l;
}

static void *take_stack(struct run *r)
{
    if (*r->nstacks == 0)
        return NULL; /* fiber_create allocates one */
    void *s = r->stacks[--*r->nstacks];
#ifdef STORK_CHECK_ASAN
    /* A fiber cut off mid-run left its frames' redzones poisoned on this stack. */
    ASAN_UNPOISON_MEMORY_REGION(s, FIBER_STACK);
#endif
    return s;
}

static void give_stack(struct run *r, struct ctx *c)
{
    if (!c->has_fiber)
        return;
    void *s = fiber_take_stack(&c->fiber);
    c->has_fiber = false;
    if (s)
        r->stacks[(*r->nstacks)++] = s;
}

static void noop_remove(void *ext)
{
    (void)ext;
}

static void ctx_entry(void *arg)
{
    struct ctx *c = arg;
    struct run *r = c->run;
    fiber_started(&c->fiber, &r->main);
    if (c->kind == K_SYS)
        r->impl->run_posted(r->adapter, c->item);
    else
        c->fn(r->ext);
    c->state = C_DONE;
    fiber_switch(&c->fiber, &r->main);
    abort(); /* a finished context is never resumed */
}

void run_point(struct run *r, const char *file, int line)
{
    struct ctx *c = &r->ctx[r->cur];
    c->state = C_READY;
    c->at_file = file;
    c->at_line = line;
    fiber_switch(&c->fiber, &r->main);
}

void stork_yield_at(const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    run_point(r, file, line);
}

void stork_assert_failed_at(const char *expr, const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    struct ctx *c = &r->ctx[r->cur];
    run_finding(r, "STORK-ASSERT", file, line, c->kind == K_SYS ? c->worker : -1,
                "STORK_ASSERT(%s) fails in %s: the scenario's own assertion; the run stops here", expr,
                c->name);
    snprintf(r->stopped, sizeof r->stopped, "STORK_ASSERT(%.200s) failed here (%s:%d)", expr,
             strrchr(file, '/') ? strrchr(file, '/') + 1 : file, line);
    run_halt(r);
}

void run_halt(struct run *r)
{
    por_all(r);
    r->halted = true;
    fiber_switch(&r->ctx[r->cur].fiber, &r->main); /* never resumed: the run is over */
    abort();
}

void stork_wait_at(const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    struct ctx *c = &r->ctx[r->cur];
    c->state = C_WAITING;
    c->wait_stamp = r->progress;
    c->at_file = file;
    c->at_line = line;
    driver_main_give(r, c); /* a coroutine that waits frees NeptuneOS's main thread (ENV-H4) */
    fiber_switch(&c->fiber, &r->main);
}

/* The scheduling point of a take, offered only while the lock is free (enabled_state, por.h):
 * the take that follows never waits. */
static void point_when_free(struct run *r, struct ctx *c, struct stork_lock *lock,
                            const char *file, int line)
{
    c->wants_lock = lock;
    run_point(r, file, line);
    c->wants_lock = NULL;
    por_gated(r, lock);
}

void stork_lock_at(struct stork_lock *lock, const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    struct ctx *c = &r->ctx[r->cur];
    point_when_free(r, c, lock, file, line);
    por_access(r, lock, sizeof *lock, true);
    if (r->outlived | r->markable) /* a lock in the released extension (ENV-R7) */
        driver_released_use(r, lock, "takes a spinlock in", file, line);
    if (lock->owner == c->index + 1) {
        run_error(r, "%s:%d: %s takes a spinlock it already holds (a deadlock on Windows)", file,
                  line, c->name);
        return;
    }
    run_acquire(r, c, lock, file, line);
}

void run_take(struct run *r, struct ctx *c, struct stork_lock *lock, const char *file, int line)
{
    point_when_free(r, c, lock, file, line);
    run_acquire(r, c, lock, file, line);
}

void run_acquire(struct run *r, struct ctx *c, struct stork_lock *lock, const char *file, int line)
{
    while (lock->owner) {
        /* only a re-take of a lock c holds, which never ends (a hang): every other take is
         * made at a point offered while the lock is free; a try that waits reads the lock */
        por_access(r, lock, sizeof *lock, false);
        c->state = C_BLOCKED;
        c->blocked_on = lock;
        c->at_file = file;
        c->at_line = line;
        fiber_switch(&c->fiber, &r->main);
    }
    c->blocked_on = NULL;
    por_access(r, lock, sizeof *lock, true); /* the step that takes it */
    por_acquired(r, lock);
    lock->owner = c->index + 1;
    c->locks_held++;
    race_lock_acquired(r, c->index, lock);
}

void stork_unlock_at(struct stork_lock *lock, const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    struct ctx *c = &r->ctx[r->cur];
    if (lock->owner != c->index + 1) {
        run_error(r, "%s:%d: %s releases a spinlock it does not hold", file, line, c->name);
        return;
    }
    por_access(r, lock, sizeof *lock, true);
    if (r->outlived | r->markable)
        driver_released_use(r, lock, "releases a spinlock in", file, line);
    race_lock_released(r, c->index, lock);
    lock->owner = 0;
    c->locks_held--;
}

void stork_benign_race_at(const void *addr, size_t size, const char *why, const char *file,
                          int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    if (!why || !why[0])
        run_error(r, "%s:%d: STORK_BENIGN_RACE without a reason", file, line);
    race_benign(r, addr, size);
}

void stork_release_resources_at(const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    run_point(r, file, line);
    por_object(r, POR_OBJ_RESOURCES, true);
    r->released = true;
    r->release_file = file;
    r->release_line = line;
}

void stork_use_resources_at(const char *file, int line)
{
    struct run *r = current_run;
    if (!r || r->cur < 0)
        abort();
    run_point(r, file, line);
    por_object(r, POR_OBJ_RESOURCES, false);
    if (r->released) {
        struct ctx *c = &r->ctx[r->cur];
        int before = r->nf;
        /* ENV-R7 for an ISR, DPC or timer routine, WI-M8 for the rest (model/contract.pml
         * mon_use_resources names them alike) */
        bool r7 = driver_isr_dpc_or_timer(r, r->cur);
        run_finding(r, r7 ? "ENV-R7" : "WI-M8", file, line, c->kind == K_SYS ? c->worker : -1,
                    "%s uses the miniport's resources, which the remove handler released at %s:%d "
                    "(%s)", c->kind == K_SYS ? "a callback" : c->name,
                    strrchr(r->release_file, '/') ? strrchr(r->release_file, '/') + 1 : r->release_file,
                    r->release_line,
                    r7 ? "cancel the DPCs and timers, disable the interrupts, and learn that a "
                         "running routine has ended before releasing what it uses"
                       : "the remove handler must drain the workers whose callbacks use them first");
        if (r->nf > before)
            r->f[r->nf - 1].ev = -1; /* a use, not a call: no event of the trace is it */
    }
}

static bool enabled_state(const struct run *r, const struct ctx *c)
{
    switch (c->state) {
    case C_UNBORN:
        if (c->kind == K_FIND)
            return true;
        if (c->kind == K_ROUTINE) /* an on-demand one (a DPC, a timer) once it is armed */
            return (!c->on_demand || c->armed) &&
                   (r->find_ctx < 0 || r->ctx[r->find_ctx].state == C_DONE ||
                    driver_isr_connected(r, c->index)); /* NeptuneOS: in HwInitialize */
        if (c->kind == K_TEARDOWN)
            return r->removal_begun && r->nroutines_left == 0;
        return false;
    case C_READY: /* before a take of a spinlock (stork_lock_at): once it is free */
        return !c->wants_lock || !c->wants_lock->owner || c->wants_lock->owner == c->index + 1;
    case C_BLOCKED:
        return c->blocked_on->owner == 0;
    default:
        return false;
    }
}

/* Enabled, and on NeptuneOS not waiting for its main thread, which another holds (ENV-H4): its
 * first try while it is held is a step of its own that writes the owner (as a spinlock's), so
 * that the reduction sees the two orders of the thread's takes. */
static bool enabled(const struct run *r, const struct ctx *c)
{
    return enabled_state(r, c) && (!c->wants_main || driver_main_may_run(r, c->index));
}

void run_begin_removal(struct run *r)
{
    por_object(r, POR_OBJ_REMOVAL, true); /* read by a queue and the remove handler's start */
    r->removal_begun = true;
    run_event(r, (struct ev){.kind = EV_REMOVE_BEGIN, .ctx = -1});
    if (driver_host(r) != STORK_HOST_NEPTUNE) /* NeptuneOS refuses no queue at removal (ENV-H3) */
        r->impl->begin_removal(r->adapter);
}

static int idle_threads(const struct run *r)
{
    int n = 0;
    for (int i = r->first_sys; i < r->nctx; i++)
        n += r->ctx[i].state == C_IDLE;
    return n;
}

enum opt_kind { O_STEP, O_START, O_REMOVE };
struct opt {
    enum opt_kind kind;
    int arg; /* ctx index, or posted position */
};

/* NeptuneOS: the system threads' callbacks are coroutines of the main thread, which another
 * context holds now (ENV-H4), so no callback starts. */
static bool callbacks_wait_for_main(const struct run *r)
{
    return r->first_sys < r->nctx && !driver_main_may_run(r, r->first_sys);
}

static int options(const struct run *r, struct opt *o, int *actors)
{
    int n = 0;
    if (r->last >= 0 && enabled(r, &r->ctx[r->last])) {
        o[n] = (struct opt){O_STEP, r->last};
        actors[n++] = r->last;
    }
    for (int i = 0; i < r->nctx; i++)
        if (i != r->last && enabled(r, &r->ctx[i])) {
            o[n] = (struct opt){O_STEP, i};
            actors[n++] = i;
        }
    int startable = idle_threads(r);
    /* NeptuneOS: a callback is a coroutine of the main thread; while another holds it, a start
     * is tried once (a step that writes the owner, the item stays queued), then waits (ENV-H4) */
    bool held = callbacks_wait_for_main(r);
    for (int i = 0; i < r->nposted && i < startable; i++) {
        if (held && r->posted[i].wants_main)
            continue;
        o[n] = (struct opt){O_START, i};
        actors[n++] = ACTOR_ITEM + r->posted[i].seq;
    }
    /* The beginning of removal is seen only by a queue (INVALID_DEVICE_STATE) and by the remove
     * handler, which it lets start once the routines have returned.  Any other step gives the
     * same result before or after it, so it is offered only where it can matter: when a step
     * on offer is a queue, when the routines are done, or when nothing else can go on.  Each
     * schedule left out is one of these with removal moved later past steps it commutes with. */
    bool found = r->find_ctx < 0 || r->ctx[r->find_ctx].state == C_DONE;
    if (!r->removal_begun && found) {
        bool matters = n == 0 || r->nroutines_left == 0;
        for (int i = 0; i < n && !matters; i++)
            matters = o[i].kind == O_STEP && r->ctx[o[i].arg].state == C_READY &&
                      r->ctx[o[i].arg].before_queue;
        if (matters) {
            o[n] = (struct opt){O_REMOVE, 0};
            actors[n++] = ACTOR_REMOVE;
        }
    }
    return n;
}

int run_decide(struct run *r, int n, const int *actors)
{
    if (n <= 1)
        return 0;
    int k = r->chooser->pick(r->chooser, n, actors, r->steps);
    if (k < 0 || k >= n)
        k = 0;
    choices_push(r->made, k, n);
    if (run_watch) {
        if (run_watch->len < WATCH_PICKS)
            run_watch->pick[run_watch->len++] = k;
        else
            run_watch->overflow = 1;
    }
    return k;
}

/* A callback's entry has no call site of its own: the queue that queued it stands for it. */
static void stream_resume(const struct run *r, const struct ctx *c)
{
    for (int i = r->nev - 1; c->kind == K_SYS && c->at_line == 0 && i >= 0; i--) {
        const struct ev *e = &r->ev[i];
        if (e->kind == EV_QUEUE && e->worker == c->worker + 1 && e->status == STOR_STATUS_SUCCESS) {
            fprintf(run_stream, "#q %s:%d\n", e->file, e->line);
            break;
        }
    }
    fprintf(run_stream, "#@ %s %s:%d\n", c->name, c->at_file ? c->at_file : "(its start)",
            c->at_line);
}

static void resume(struct run *r, struct ctx *c)
{
    if (!c->has_fiber) {
        if (!fiber_create(&c->fiber, &r->main, ctx_entry, c, take_stack(r))) {
            run_error(r, "out of memory for a fiber stack");
            return;
        }
        c->has_fiber = true;
        if (c->on_demand) /* its run has begun: it may be armed again */
            por_object(r, POR_OBJ_CTX + c->index, true);
        c->armed = false; /* an on-demand routine's run has begun: it may be armed again */
        if (c->kind != K_SYS) {
            /* what enabled it: a routine, findadapter's end; the remove handler, removal's
             * beginning and every routine's end (a write of what they read) */
            if (c->kind == K_TEARDOWN) {
                por_object(r, POR_OBJ_ROUTINES, true);
                por_object(r, POR_OBJ_REMOVAL, false);
            } else {
                por_object(r, POR_OBJ_FOUND, false);
            }
            race_ctx_start(r, c);
        }
    }
    if (!driver_main_may_run(r, c->index)) { /* NeptuneOS: another coroutine has the thread */
        driver_main_wait(r, c);
        c->state = C_READY;
        c->wants_main = true;
        return;
    }
    c->wants_main = false;
    c->state = C_RUNNING;
    c->before_queue = false;
    r->cur = c->index;
    r->last = c->index;
    driver_main_take(r, c);
    if (run_stream) /* where it goes on from: the last thing known if it never comes back */
        stream_resume(r, c);
    fiber_switch(&r->main, &c->fiber);
    r->cur = -1;
    writes_settle(r); /* what its step wrote is in memory now, and nothing else ran */
    if (c->state != C_DONE)
        return;
    if (c->kind == K_SYS) { /* its worker, its thread */
        por_object(r, POR_OBJ_WORKER + c->worker, true);
        if (r->w[c->worker].queued) /* re-queued while it ran: the reference posts it now */
            por_object(r, POR_OBJ_POSTQ, true);
        por_object(r, POR_OBJ_THREADS, true);
    } else if (c->kind == K_FIND) {
        por_object(r, POR_OBJ_FOUND, true); /* the routines may start */
    } else if (c->kind == K_ROUTINE && !c->on_demand) {
        /* one fewer left (the remove handler starts after the last): two routines' ends commute,
         * each is ordered with the remove handler's start */
        por_object(r, POR_OBJ_ROUTINES, false);
    } else if (c->kind == K_ROUTINE) {
        /* an on-demand routine's end: it may run again once armed; the release's ENV-R7 check
         * (driver.c) reads whether it runs */
        por_object(r, POR_OBJ_CTX + c->index, true);
    } else {
        /* the remove handler's end, the adapter's release: what reads that it came (driver.c: a
         * DPC or timer routine's start, ENV-R7) reads this object; the obligations checked at
         * the release are checked at the run's end (runtime_check_end), after every step */
        por_object(r, POR_OBJ_RELEASED, true);
    }
    driver_main_give(r, c); /* its return frees NeptuneOS's main thread (ENV-H4) */
    race_ctx_done(r, c);
    give_stack(r, c);
    if (c->kind == K_SYS) {
        struct wrec *w = &r->w[c->worker];
        if (w->running_on == c->index)
            w->running_on = -1;
        run_event(r, (struct ev){.kind = EV_RETURN, .ctx = c->index, .worker = c->worker + 1});
        c->state = C_IDLE;
        c->item = NULL;
        r->last = -1;
    } else if (c->kind == K_ROUTINE && c->on_demand) {
        c->state = C_UNBORN; /* it runs again if it is armed again */
    } else if (c->kind == K_ROUTINE) {
        r->nroutines_left--;
    } else if (c->kind == K_TEARDOWN) {
        r->remove_ended = true;
        run_event(r, (struct ev){.kind = EV_REMOVE_END, .ctx = -1});
    }
}

static void start_item(struct run *r, int pos)
{
    void *handle = r->posted[pos].worker, *item = r->posted[pos].item;
    memmove(&r->posted[pos], &r->posted[pos + 1], (size_t)(r->nposted - pos - 1) * sizeof r->posted[0]);
    r->nposted--;
    struct ctx *c = NULL;
    for (int i = r->first_sys; i < r->nctx; i++)
        if (r->ctx[i].state == C_IDLE) {
            c = &r->ctx[i];
            break;
        }
    int wi = wrec_of(r, handle);
    if (!c || wi < 0) {
        run_error(r, "internal: no idle thread or unknown posted worker");
        return;
    }
    por_object(r, POR_OBJ_WORKER + wi, true);
    struct wrec *w = &r->w[wi];
    w->queued = false;
    w->runs++;
    w->running_on = c->index;
    c->item = item;
    c->worker = wi;
    c->freed_own = false;
    c->freed_by = c->freed_at_file = NULL;
    c->freed_at_line = 0;
    c->state = C_READY;
    int busy = r->nctx - r->first_sys - idle_threads(r);
    if (busy > r->threads_busy)
        r->threads_busy = busy;
    race_callback_start(r, c->index, wi);
    run_event(r, (struct ev){.kind = EV_START, .ctx = c->index, .worker = wi + 1,
                             .routine = w->routine, .context = w->context});
    resume(r, c);
}

static bool all_done(const struct run *r)
{
    if (!r->remove_ended || r->nposted)
        return false;
    for (int i = 0; i < r->nctx; i++) {
        enum ctx_state s = r->ctx[i].state;
        bool idle_on_demand = r->ctx[i].on_demand && s == C_UNBORN && !r->ctx[i].armed;
        if (s != C_DONE && s != C_IDLE && !idle_on_demand)
            return false;
    }
    return true;
}

static void add_ctx(struct run *r, enum ctx_kind kind, const char *name, unsigned irql,
                    stork_routine_fn *fn)
{
    struct ctx *c = &r->ctx[r->nctx];
    memset(c, 0, sizeof *c);
    c->run = r;
    c->index = r->nctx++;
    c->kind = kind;
    c->name = name;
    c->irql = irql;
    c->fn = fn;
    c->state = kind == K_SYS ? C_IDLE : C_UNBORN;
    c->worker = -1;
}

/* No context can go on and the run is not over: each one still waiting is a finding. */
static void hang(struct run *r, const char *why)
{
    for (int i = 0; i < r->nctx; i++) {
        struct ctx *c = &r->ctx[i];
        if (c->state == C_WAITING || c->state == C_BLOCKED || c->state == C_READY ||
            c->state == C_RUNNING)
            run_finding(r, "WI-M9", c->at_file, c->at_line, c->kind == K_SYS ? c->worker : -1,
                        "%s %s at this line: %s", c->name,
                        c->state == C_BLOCKED || c->wants_lock ? "waits for a spinlock" : "waits",
                        why);
    }
    run_event(r, (struct ev){.kind = EV_LOOP, .ctx = -1});
}

/* A waiter whose condition may have changed (another context made progress since it last
 * looked) evaluates it again: no step, no decision, nothing else runs.  If it holds, the
 * waiter stops at the scheduling point after its wait and is runnable like any other. */
static void probe_waiters(struct run *r)
{
    for (int i = 0; i < r->nctx; i++) {
        struct ctx *c = &r->ctx[i];
        if (c->state != C_WAITING || r->progress <= c->wait_stamp)
            continue;
        c->state = C_RUNNING;
        r->cur = i;
        por_probe(r, i, true);
        fiber_switch(&r->main, &c->fiber);
        por_probe(r, i, false);
        r->cur = -1;
    }
}

static bool schedule(struct run *r)
{
    struct opt o[MAX_CTX + MAX_POSTED + 1];
    int actors[MAX_CTX + MAX_POSTED + 1];
    while (!r->error[0] && !r->stopped[0] && !r->cut) {
        probe_waiters(r);
        int n = options(r, o, actors);
        if (n == 0) {
            if (all_done(r))
                return true;
            if (driver_stalled(r)) /* Storport ends a wait of its own, or reports it */
                continue;
            hang(r, "no other context can make it go on (a hang)");
            return false;
        }
        if (r->steps >= r->limits.max_steps) {
            r->cut = true; /* not a finding: a livelock, or only an unfair schedule */
            return false;
        }
        struct chooser *ch = r->chooser;
        bool asleep = ch->asleep != NULL;
        for (int i = 0; i < n && asleep; i++)
            asleep = ch->asleep(ch, actors[i]);
        if (asleep) {
            r->pruned = true; /* an equivalent run was explored already */
            return false;
        }
        por_step_begin(r);
        int k = run_decide(r, n, actors), ev_before = r->nev;
        r->steps++;
        if (run_watch) {
            run_watch->steps = r->steps;
            run_watch->total_steps++;
        }
        switch (o[k].kind) {
        case O_STEP:
            resume(r, &r->ctx[o[k].arg]);
            break;
        case O_START: /* its worker, the first idle thread (not the post queue's tail) */
            if (callbacks_wait_for_main(r)) {
                r->posted[o[k].arg].wants_main = true; /* NeptuneOS: the thread is held */
                driver_main_wait(r, &r->ctx[r->first_sys]);
                break;
            }
            por_object(r, POR_OBJ_THREADS, true);
            start_item(r, o[k].arg);
            break;
        case O_REMOVE:
            run_begin_removal(r);
            r->last = -1;
            break;
        }
        r->progress++;
        if (ch->stepped)
            ch->stepped(ch, actors[k], por_step_done(r, o[k].kind == O_STEP ? o[k].arg : -1));
        step_record(r, actors[k], actors, n, ev_before);
        if (livelock_found(r))
            return false;
    }
    return false;
}

bool run_once(struct run *r, const struct stork_scenario *scn, struct chooser *ch,
              struct choices *made, struct run_limits limits, void **stacks, int *nstacks)
{
    struct step *st = r->st; /* the step buffers are kept from run to run */
    struct race *race = r->race;
    struct por *por = r->por;
    int *offers = r->offers, capst = r->capst, capoffers = r->capoffers;
    memset(r, 0, sizeof *r);
    r->st = st;
    r->offers = offers;
    r->capst = capst;
    r->capoffers = capoffers;
    r->race = race;
    r->por = por;
    r->scn = scn;
    r->chooser = ch;
    r->made = made;
    made->len = 0;
    r->limits = limits;
    r->stacks = stacks;
    r->nstacks = nstacks;
    r->cur = r->last = -1;
    r->find_ctx = r->teardown_ctx = -1;
    r->impl = stork_impl_get();
    runtime_env_init(r);
    r->adapter = r->impl->create_adapter(&r->env);
    r->ext = calloc(1, scn->extension_size ? scn->extension_size : 1);
    if (!r->adapter || !r->ext) {
        run_error(r, "out of memory");
        return false;
    }
    if (scn->find_adapter) {
        r->find_ctx = r->nctx;
        add_ctx(r, K_FIND, "findadapter", STORK_PASSIVE_LEVEL, scn->find_adapter);
    }
    for (size_t i = 0; i < scn->nroutines; i++) {
        add_ctx(r, K_ROUTINE, scn->routines[i].name, scn->routines[i].irql, scn->routines[i].fn);
        bool on_demand = driver_on_demand(scn, i);
        r->ctx[r->nctx - 1].on_demand = on_demand;
        r->nroutines_left += !on_demand; /* the teardown does not wait for those */
    }
    r->teardown_ctx = r->nctx;
    add_ctx(r, K_TEARDOWN, "teardown", STORK_PASSIVE_LEVEL, scn->remove ? scn->remove : noop_remove);
    r->first_sys = r->nctx;
    unsigned threads = limits.threads ? limits.threads : scn->threads ? scn->threads : 1;
    for (unsigned t = 0; t < threads; t++) {
        add_ctx(r, K_SYS, NULL, STORK_PASSIVE_LEVEL, NULL);
        struct ctx *c = &r->ctx[r->nctx - 1];
        snprintf(c->sysname, sizeof c->sysname, "sys%u", t);
        c->name = c->sysname;
    }
    if (run_watch) {
        run_watch->len = run_watch->overflow = 0;
        run_watch->steps = 0;
        run_watch->threads = (int)threads;
        run_watch->running = 1;
    }
    race_run_begin(r);
    if (ch->stepped)
        por_begin(r);
    current_run = r;
    bool ended = schedule(r);
    current_run = NULL;
    race_run_end(r);
    if (run_watch)
        run_watch->running = 0;
    if (ended && !r->error[0]) {
        run_event(r, (struct ev){.kind = EV_END, .ctx = -1});
        runtime_check_end(r);
    }
    for (int i = 0; i < r->nctx; i++)
        give_stack(r, &r->ctx[i]);
    r->impl->destroy_adapter(r->adapter);
    r->adapter = NULL;
    if (r->live_blocks != 0)
        run_error(r, "internal: the runtime left %ld block(s) allocated", r->live_blocks);
    return !r->error[0];
}

/* Give back everything a run holds (its trace and findings go with it). */
void run_release(struct run *r)
{
    for (int i = 0; i < r->nctx; i++)
        give_stack(r, &r->ctx[i]);
    if (r->adapter)
        r->impl->destroy_adapter(r->adapter);
    r->adapter = NULL;
    runtime_release(r);
    free(r->ext);
    free(r->w);
    free(r->ev);
    free(r->f);
    r->ext = NULL;
    r->w = NULL;
    r->ev = NULL;
    r->f = NULL;
}
