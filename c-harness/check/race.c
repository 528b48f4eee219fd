/*
 * race.c -- the scenario's shared accesses and data races (WI-M11).
 *
 * Instrumentation.  The scenario's object (and only it: never the runtime, the reference or
 * stork's own code) is compiled with -fsanitize=thread and linked WITHOUT it: no TSan runtime
 * is linked, and the calls the compiler emits come here.  gcc 12 and clang 14 emit, for C:
 * __tsan_init (from a module constructor), __tsan_func_entry/exit, __tsan_read1/2/4/8/16,
 * __tsan_write1/2/4/8/16, __tsan_unaligned_read2/4/8/16 and _write2/4/8/16, the
 * __tsan_read_range/__tsan_write_range pair, __tsan_atomic{8,16,32,64}_* for the __atomic and
 * __sync builtins and C11 atomics, __tsan_atomic_thread_fence/_signal_fence, and for C++ the
 * __tsan_vptr_* pair; every one of them is defined below.  (128-bit atomics are not: a scenario
 * using them does not link, which is bad input, not a silent gap.)  Each access arrives with its
 * address and size, whether it writes, and the caller's return address, which is resolved to
 * the scenario's FILE:LINE by addr2line (binutils), once per address, only for the accesses a
 * finding names, after the run (on the scheduler's stack, not a fiber's).
 *
 * What is shared.  An access to the running context's own fiber stack is dropped: only that
 * context can reach it (a local whose address it hands to another context is a limit: the
 * owner's accesses are not seen).  Everything else (the HwDeviceExtension, globals, memory the
 * miniport allocated or was handed) is tracked, byte by byte, in a hash table kept from run to
 * run and emptied per run by a generation number.
 *
 * Happens-before.  Vector clocks (FastTrack-style epochs for accesses) over logical threads:
 * find-adapter, each routine and the remove handler are one each; each callback run is a new one
 * (Storport runs work items on a pool of system threads: two callbacks are not ordered because
 * the audit happened to run them on the same sysN).  The edges are Storport's and the
 * environment's (spec/environment.md as the checking runtime models it): find-adapter's end
 * before every routine's start (ENV-E2); every routine's end before the remove handler (WI-R4,
 * ENV-R5; callbacks run alongside everything, ENV-E21); a
 * successful queue before its callback's start (WI-C1); a callback's return before a successful
 * free of its worker by another context and before the worker's next callback (WI-C4); a
 * spinlock's release before its next acquisition (STORK_LOCK/UNLOCK; ENV-L1, ENV-L8, and
 * ENV-L5..L7 say which state needs which lock); the write that
 * made a STORK_WAIT_UNTIL condition true before the waiter's next step (an event set before the
 * wait that sees it: the condition's reads are the event's state, not data accesses);
 * every atomic operation both acquires and releases its variable's clock, whatever order it
 * asks for (stronger than C11, where a load does not release: it may hide a race, it never
 * makes one up).  Two accesses to the same byte, one at least a write, neither before the
 * other, are a race: a WI-M11 finding at the write (race_run_end), naming both.
 * STORK_BENIGN_RACE(&x, "why") exempts x's bytes for the run.
 * Not modelled: a DPC's issue before the DPC (ENV-E12): the checking runtime has no
 * StorPortIssueDpc; its routines all start after find-adapter, unordered with each other.
 */
#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "run.h"

#define MAX_LT 64      /* logical threads of one run (past it: see race_callback_start) */
#define MAX_READS 8    /* concurrent reads kept per byte (past it the oldest is dropped) */
#define MAX_SYNC 64    /* locks and atomics of one run */
#define MAX_RACES 16   /* distinct racing pairs kept per run */
#define MAX_BENIGN 32
#define MAX_LINES 1024 /* resolved sites kept per audit */

typedef uint32_t vclock[MAX_LT];

struct rd {
    int16_t lid, ctx;
    int worker;
    uint32_t clk;
    const void *pc;
};

struct cell {
    uintptr_t addr;
    unsigned gen;
    int16_t wlid, wctx; /* wlid < 0: never written this run */
    int wworker;
    uint32_t wclk;
    int wsnap;          /* the writer's clock then: snaps[wsnap], its own entry wclk */
    const void *wpc;
    int nr;
    struct rd r[MAX_READS];
};

struct race_rec {
    const void *pc1, *pc2;
    int ctx1, ctx2, w1, w2;
    bool write1, write2;
    uintptr_t addr;
    int ev;
};

struct pcline {
    const void *pc;
    char file[256];
    int line;
};

struct race {
    unsigned gen;
    vclock vc[MAX_CTX];
    vclock pending[MAX_CTX]; /* what a STORK_WAIT_UNTIL condition being evaluated saw */
    int lid[MAX_CTX];        /* the logical thread each context runs now (-1: none) */
    int snap[MAX_CTX];       /* its clock's last snapshot, valid unless dirty */
    bool dirty[MAX_CTX], in_cond[MAX_CTX], observing[MAX_CTX];
    int nlid;
    bool lid_overflow;
    vclock find_done, routines_done;
    vclock *snaps;
    int nsnaps, capsnaps;
    vclock *wq, *wret; /* per worker: its last successful queue; its callbacks' returns */
    int capw, usedw;   /* usedw: 1 + the highest worker index this run touched */
    struct { const void *addr; vclock vc; } sync[MAX_SYNC];
    int nsync;
    struct cell *tab;
    size_t cap, used;
    struct { uintptr_t lo, hi; } benign[MAX_BENIGN];
    int nbenign;
    struct race_rec rec[MAX_RACES];
    int nrec;
    struct pcline lines[MAX_LINES]; /* fixed: findings point into it */
    int nlines;
};

/* Set by __tsan_init, which the module constructor of an instrumented scenario calls before
 * main: the one fact about the program (not a run) that only a global can carry. */
static bool instrumented;

bool race_instrumented(void)
{
    return instrumented;
}

static void join(uint32_t *a, const uint32_t *b)
{
    for (int i = 0; i < MAX_LT; i++)
        if (b[i] > a[i])
            a[i] = b[i];
}

static void tick(struct race *x, int c)
{
    if (x->lid[c] >= 0)
        x->vc[c][x->lid[c]]++;
}

static void acquire(struct race *x, int c, const uint32_t *from)
{
    join(x->vc[c], from);
    x->dirty[c] = true;
}

static int new_lid(struct race *x)
{
    if (x->nlid == MAX_LT) {
        x->lid_overflow = true;
        return -1;
    }
    return x->nlid++;
}

void race_release(struct run *r)
{
    struct race *x = r->race;
    if (!x)
        return;
    free(x->snaps);
    free(x->wq);
    free(x->wret);
    free(x->tab);
    free(x);
    r->race = NULL;
}

void race_run_begin(struct run *r)
{
    if (!instrumented || r->limits.no_races)
        return;
    struct race *x = r->race;
    if (!x) {
        x = calloc(1, sizeof *x);
        if (!x) {
            run_error(r, "out of memory");
            return;
        }
        r->race = x;
    }
    r->races = true;
    x->gen++;
    x->used = 0;
    x->nlid = 0;
    x->lid_overflow = false;
    x->nsnaps = x->nsync = x->nbenign = x->nrec = 0;
    memset(x->vc, 0, (size_t)r->nctx * sizeof x->vc[0]);
    memset(x->find_done, 0, sizeof x->find_done);
    memset(x->routines_done, 0, sizeof x->routines_done);
    if (x->usedw) { /* only the workers the last run touched */
        memset(x->wq, 0, (size_t)x->usedw * sizeof *x->wq);
        memset(x->wret, 0, (size_t)x->usedw * sizeof *x->wret);
        x->usedw = 0;
    }
    for (int i = 0; i < MAX_CTX; i++) {
        x->lid[i] = -1;
        x->snap[i] = -1;
        x->dirty[i] = true;
        x->in_cond[i] = false;
        x->observing[i] = false;
    }
    for (int i = 0; i < r->nctx; i++)
        if (r->ctx[i].kind != K_SYS) {
            x->lid[i] = new_lid(x);
            x->vc[i][x->lid[i]] = 1;
        }
}

/* A context's first step: find-adapter before the routines; the routines before teardown. */
void race_ctx_start(struct run *r, const struct ctx *c)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x)
        return;
    if (c->kind == K_ROUTINE)
        acquire(x, c->index, x->find_done);
    else if (c->kind == K_TEARDOWN)
        acquire(x, c->index, x->routines_done);
}

void race_ctx_done(struct run *r, const struct ctx *c)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x)
        return;
    if (c->kind == K_FIND) {
        join(x->find_done, x->vc[c->index]);
        join(x->routines_done, x->vc[c->index]);
    } else if (c->kind == K_ROUTINE && !c->on_demand) { /* the teardown waits for no DPC */
        join(x->routines_done, x->vc[c->index]);
    } else if (c->kind == K_SYS && c->worker >= 0 && c->worker < x->capw) {
        join(x->wret[c->worker], x->vc[c->index]);
    }
    tick(x, c->index);
}

static bool grow_workers(struct run *r, struct race *x, int wi)
{
    if (wi >= x->usedw)
        x->usedw = wi + 1;
    if (wi < x->capw)
        return true;
    int cap = x->capw ? x->capw : 8;
    while (cap <= wi)
        cap *= 2;
    vclock *q = realloc(x->wq, (size_t)cap * sizeof *q);
    if (q)
        x->wq = q;
    vclock *t = q ? realloc(x->wret, (size_t)cap * sizeof *t) : NULL;
    if (!q || !t) {
        run_error(r, "out of memory");
        return false;
    }
    x->wret = t;
    memset(x->wq + x->capw, 0, (size_t)(cap - x->capw) * sizeof *q);
    memset(x->wret + x->capw, 0, (size_t)(cap - x->capw) * sizeof *t);
    x->capw = cap;
    return true;
}

/* A successful queue of worker wi by context c: before the callback's start. */
void race_queued(struct run *r, int c, int wi)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x || wi < 0 || !grow_workers(r, x, wi))
        return;
    memcpy(x->wq[wi], x->vc[c], sizeof(vclock));
    tick(x, c);
}

/* The callback of wi starts on system thread c: a new logical thread, after the queue and
 * after the worker's previous callbacks returned.  Past MAX_LT logical threads in one run, the
 * callback goes on as the thread's last one (ordered after it: races between the two are not
 * seen; the run says so in race_run_end). */
void race_callback_start(struct run *r, int c, int wi)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x || !grow_workers(r, x, wi))
        return;
    int lid = new_lid(x);
    if (lid >= 0) {
        memset(x->vc[c], 0, sizeof(vclock));
        x->lid[c] = lid;
        x->vc[c][lid] = 1;
    } else if (x->lid[c] < 0) {
        x->lid[c] = 0; /* cannot happen: a run starts with find/routines/teardown's lids */
    }
    acquire(x, c, x->wq[wi]);
    acquire(x, c, x->wret[wi]);
    tick(x, c);
}

/* A successful free of wi by context c: after its callbacks' returns. */
void race_freed(struct run *r, int c, int wi)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x || wi < 0 || wi >= x->capw)
        return;
    acquire(x, c, x->wret[wi]);
}

static uint32_t *sync_of(struct run *r, struct race *x, const void *addr)
{
    for (int i = 0; i < x->nsync; i++)
        if (x->sync[i].addr == addr)
            return x->sync[i].vc;
    if (x->nsync == MAX_SYNC) {
        run_error(r, "more than %d spinlocks and atomic variables in one run", MAX_SYNC);
        return NULL;
    }
    x->sync[x->nsync].addr = addr;
    memset(x->sync[x->nsync].vc, 0, sizeof(vclock));
    return x->sync[x->nsync++].vc;
}

void race_lock_acquired(struct run *r, int c, const void *lock)
{
    struct race *x = r->races ? r->race : NULL;
    uint32_t *v = x ? sync_of(r, x, lock) : NULL;
    if (v)
        acquire(x, c, v);
}

void race_lock_released(struct run *r, int c, const void *lock)
{
    struct race *x = r->races ? r->race : NULL;
    uint32_t *v = x ? sync_of(r, x, lock) : NULL;
    if (!v)
        return;
    join(v, x->vc[c]);
    tick(x, c);
}

void race_benign(struct run *r, const void *addr, size_t size)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x)
        return;
    if (x->nbenign == MAX_BENIGN) {
        run_error(r, "more than %d STORK_BENIGN_RACE in one run", MAX_BENIGN);
        return;
    }
    x->benign[x->nbenign].lo = (uintptr_t)addr;
    x->benign[x->nbenign].hi = (uintptr_t)addr + size;
    x->nbenign++;
}

/* The byte table. */
static struct cell *cell_of(struct race *x, uintptr_t a)
{
    if (x->used * 2 >= x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        struct cell *t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < x->cap; i++) {
            struct cell *o = &x->tab[i];
            if (o->gen != x->gen)
                continue;
            size_t h = (o->addr * 0x9E3779B97F4A7C15ull) >> 20;
            while (t[h & (cap - 1)].gen == x->gen)
                h++;
            t[h & (cap - 1)] = *o;
        }
        free(x->tab);
        x->tab = t;
        x->cap = cap;
    }
    size_t h = (a * 0x9E3779B97F4A7C15ull) >> 20;
    for (;; h++) {
        struct cell *e = &x->tab[h & (x->cap - 1)];
        if (e->gen != x->gen) {
            e->gen = x->gen;
            e->addr = a;
            e->wlid = -1;
            e->nr = 0;
            x->used++;
            return e;
        }
        if (e->addr == a)
            return e;
    }
}

static void note_race(struct run *r, struct race *x, uintptr_t a, const void *pc1, int ctx1,
                      int w1, bool write1, const void *pc2, int ctx2, int w2, bool write2)
{
    for (int i = 0; i < x->nrec; i++)
        if (x->rec[i].pc1 == pc1 && x->rec[i].pc2 == pc2)
            return;
    if (x->nrec == MAX_RACES)
        return;
    x->rec[x->nrec++] = (struct race_rec){pc1, pc2, ctx1, ctx2, w1, w2, write1, write2, a,
                                          r->nev - 1};
}

static int snapshot(struct run *r, struct race *x, int c)
{
    if (!x->dirty[c] && x->snap[c] >= 0)
        return x->snap[c];
    if (x->nsnaps == x->capsnaps) {
        int cap = x->capsnaps ? x->capsnaps * 2 : 64;
        vclock *n = realloc(x->snaps, (size_t)cap * sizeof *n);
        if (!n) {
            run_error(r, "out of memory");
            return -1;
        }
        x->snaps = n;
        x->capsnaps = cap;
    }
    memcpy(x->snaps[x->nsnaps], x->vc[c], sizeof(vclock));
    x->snap[c] = x->nsnaps++;
    x->dirty[c] = false;
    return x->snap[c];
}

static const struct pcline *line_of(struct race *x, const void *pc);
static void resolve(struct race *x, const void *const *pcs, int n, const struct ev *run_ev,
                    int run_nev);

/* The FILE:LINE of the access at pc, resolved once per site (NULL if it cannot be). */
static const struct pcline *site_at(struct run *r, struct race *x, const void *pc)
{
    const struct pcline *l = line_of(x, pc);
    if (!l) {
        const void *one[1] = {pc};
        resolve(x, one, 1, r->ev, r->nev);
        l = line_of(x, pc);
    }
    return l;
}

/* A scheduling point before the access at pc, named by its FILE:LINE. */
static void preempt_at(struct run *r, struct race *x, const void *pc)
{
    const struct pcline *l = site_at(r, x, pc);
    run_point(r, l ? l->file : "(a shared access)", l ? l->line : 0);
}

/* addr is in the run's HwDeviceExtension. */
static bool in_extension(const struct run *r, const void *addr)
{
    uintptr_t a = (uintptr_t)addr, e = (uintptr_t)r->ext;
    return a >= e && a < e + r->scn->extension_size;
}

/* A DPC or timer routine that was running at the adapter's release accesses addr (ENV-R7's
 * position: a finding if it is in the released extension; driver.c decides). */
static void outlived_access(struct run *r, struct race *x, const void *addr, bool write,
                            const void *pc)
{
    if (!in_extension(r, addr))
        return; /* resolve the line only for the extension's bytes */
    /* only a marked routine's use is a finding: an unmarked one's reads the mark, at no line */
    const struct pcline *l = r->outlived & (1u << r->cur) ? site_at(r, x, pc) : NULL;
    driver_released_use(r, addr, write ? "writes" : "reads", l ? l->file : "(a shared access)",
                        l ? l->line : 0);
}

/* An access of what the miniport gave back: a pool block after its free (ENV-E22), an SRB
 * after its completion (ENV-Q2); driver.c decides, and the finding is named by its line. */
static void given_back_access(struct run *r, struct race *x, const void *addr, size_t size,
                              bool write, const void *pc)
{
    if (!r->drv)
        return;
    int block = driver_freed_block(r, addr, size), srb = driver_done_srb(r, addr, size);
    if (block < 0 && srb < 0)
        return;
    const struct pcline *l = x ? site_at(r, x, pc) : NULL;
    const char *file = l ? l->file : "(a shared access)";
    if (block >= 0)
        driver_freed_use(r, block, addr, write, file, l ? l->line : 0);
    if (srb >= 0)
        driver_done_use(r, srb, addr, write, file, l ? l->line : 0);
}

static void access_mem(const void *addr, size_t size, bool write, const void *pc)
{
    struct run *r = run_current();
    if (!r || r->cur < 0 || size == 0)
        return;
    int c = r->cur;
    const struct ctx *cx = &r->ctx[c];
    uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)cx->fiber.stack;
    if (cx->has_fiber && a >= lo && a < lo + cx->fiber.stack_size)
        return; /* its own stack */
    struct race *x = r->race;
    if (a < 4096 && r->drv) { /* through NULL: after a refused allocation, ENV-E22 (driver.c) */
        const struct pcline *l = x ? site_at(r, x, pc) : NULL;
        driver_null_access(r, addr, write, l ? l->file : "(an access through NULL)",
                           l ? l->line : 0);
    }
    if (!r->races || x->lid[c] < 0 || x->observing[c] || x->in_cond[c]) {
        por_access(r, addr, size, write); /* a condition's or an assertion's reads too */
        if (!r->races)
            given_back_access(r, NULL, addr, size, write, pc); /* the miniport's, at no line */
        if (!r->races || x->lid[c] < 0 || x->observing[c])
            return;
    }
    int lid = x->lid[c];
    uint32_t *now = x->vc[c];
    int worker = cx->kind == K_SYS ? cx->worker : -1;
    if ((r->outlived | r->markable) & (1u << c))
        outlived_access(r, x, addr, write, pc); /* the release came before it (no point left) */
    if (x->in_cond[c]) {
        /* A STORK_WAIT_UNTIL condition reads the event's state: what made it true happened
         * before the wait's end (acquired by race_cond_end if the condition holds). */
        for (size_t i = 0; i < size; i++) {
            struct cell *e = cell_of(x, a + i);
            if (!e || e->wlid < 0)
                continue;
            if (e->wsnap >= 0)
                join(x->pending[c], x->snaps[e->wsnap]);
            if (e->wclk > x->pending[c][e->wlid])
                x->pending[c][e->wlid] = e->wclk;
        }
        return;
    }
    /* A read whose meaning an event other than a write changes: ENV-R7 [POS], the release may
     * find this routine running, and then its first use of the extension is the finding; ENV-Q2
     * and ENV-E22, another context may complete this SRB or free this pool block just before
     * it.  Such a read can be the finding only with a point before it. */
    bool read_point = !write && r->limits.preempt == PREEMPT_WRITES &&
                      ((in_extension(r, addr) && driver_may_outlive(r, c)) ||
                       driver_may_give_back(r, addr, size));
    if (r->limits.preempt == PREEMPT_ACCESSES ||
        (r->limits.preempt == PREEMPT_WRITES && (write || read_point))) {
        /* Another context may run before this access (before each write, and each read_point:
         * the default; before each access: --preempt-at-accesses).
         * The point is named by the access's FILE:LINE (resolved once per site), as the other
         * points are. */
        preempt_at(r, x, pc);
        now = x->vc[c]; /* the same context, maybe with more order now: nothing else to redo */
        if ((r->outlived | r->markable) & (1u << c))
            outlived_access(r, x, addr, write, pc); /* the release came at this point */
    }
    por_access(r, addr, size, write);
    given_back_access(r, x, addr, size, write, pc); /* after the point: the free may come there */
    if (write)
        writes_note(r, c, addr, size, pc); /* a reported run's shared writes (writes.c) */
    bool raced = false;
    int wsnap = -1;
    if (write)
        wsnap = snapshot(r, x, c);
    for (size_t i = 0; i < size; i++) {
        struct cell *e = cell_of(x, a + i);
        if (!e)
            return;
        if (e->wlid >= 0 && e->wlid != lid && e->wclk > now[e->wlid] && !raced) {
            note_race(r, x, a + i, e->wpc, e->wctx, e->wworker, true, pc, c, worker, write);
            raced = true;
        }
        if (write) {
            for (int k = 0; k < e->nr && !raced; k++) {
                const struct rd *d = &e->r[k];
                if (d->lid != lid && d->clk > now[d->lid]) {
                    note_race(r, x, a + i, d->pc, d->ctx, d->worker, false, pc, c, worker, true);
                    raced = true;
                }
            }
            e->wlid = (int16_t)lid;
            e->wctx = (int16_t)c;
            e->wworker = worker;
            e->wclk = now[lid];
            e->wsnap = wsnap;
            e->wpc = pc;
            e->nr = 0;
        } else {
            /* drop the reads this one comes after: any write racing with them races with it */
            int k = 0;
            for (int j = 0; j < e->nr; j++)
                if (!(e->r[j].clk <= now[e->r[j].lid]))
                    e->r[k++] = e->r[j];
            e->nr = k;
            if (e->nr == MAX_READS) {
                memmove(e->r, e->r + 1, (MAX_READS - 1) * sizeof e->r[0]);
                e->nr--;
            }
            e->r[e->nr++] = (struct rd){(int16_t)lid, (int16_t)c, worker, now[lid], pc};
        }
    }
    if (write)
        tick(x, c); /* what this context does next is not seen by whoever sees this write */
}

/* STORK_WAIT_UNTIL: the condition's reads (see access_mem). */
void stork_wait_cond_begin(void)
{
    struct run *r = run_current();
    if (!r || r->cur < 0 || !r->races)
        return;
    r->race->in_cond[r->cur] = true;
    memset(r->race->pending[r->cur], 0, sizeof(vclock));
}

int stork_wait_cond_end(int holds)
{
    struct run *r = run_current();
    if (!r || r->cur < 0 || !r->races)
        return holds;
    r->race->in_cond[r->cur] = false;
    if (holds)
        acquire(r->race, r->cur, r->race->pending[r->cur]);
    return holds;
}

/* STORK_ASSERT: the scenario's own check looks, it does not take part. */
void stork_observe_begin(void)
{
    struct run *r = run_current();
    if (r && r->cur >= 0 && r->race)
        r->race->observing[r->cur] = true;
}

int stork_observe_end(int holds)
{
    struct run *r = run_current();
    if (r && r->cur >= 0 && r->race)
        r->race->observing[r->cur] = false;
    return holds;
}

static const char *base_name(const char *f)
{
    const char *s = strrchr(f, '/');
    return s ? s + 1 : f;
}

/* Where the scenario's code is: FILE:LINE of return addresses, by addr2line, cached. */
static bool exe_is_pie(void)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    Elf64_Ehdr h;
    bool pie = true;
    if (f && fread(&h, sizeof h, 1, f) == 1)
        pie = h.e_type == ET_DYN;
    if (f)
        fclose(f);
    return pie;
}

static const struct pcline *line_of(struct race *x, const void *pc)
{
    for (int i = 0; i < x->nlines; i++)
        if (x->lines[i].pc == pc)
            return &x->lines[i];
    return NULL;
}

static void resolve(struct race *x, const void *const *pcs, int n, const struct ev *run_ev,
                    int run_nev)
{
    char cmd[8192], exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1); /* ours, not the shell's */
    if (len <= 0)
        return;
    exe[len] = 0;
    if (strchr(exe, '\''))
        return;
    int used = snprintf(cmd, sizeof cmd, "addr2line -e '%s'", exe);
    const void *asked[2 * MAX_RACES];
    int nasked = 0;
    bool pie = exe_is_pie();
    for (int i = 0; i < n; i++) {
        if (line_of(x, pcs[i]))
            continue;
        bool dup = false;
        for (int j = 0; j < nasked; j++)
            dup |= asked[j] == pcs[i];
        if (dup)
            continue;
        Dl_info info;
        uintptr_t at = (uintptr_t)pcs[i] - 1; /* the call, not the instruction after it */
        if (pie && dladdr(pcs[i], &info) && info.dli_fbase)
            at -= (uintptr_t)info.dli_fbase;
        used += snprintf(cmd + used, sizeof cmd - (size_t)used, " 0x%llx", (unsigned long long)at);
        asked[nasked++] = pcs[i];
    }
    if (!nasked)
        return;
    if (x->nlines + nasked > MAX_LINES)
        return;
    fflush(NULL);
    FILE *p = popen(cmd, "r");
    char buf[512];
    for (int i = 0; i < nasked; i++) {
        struct pcline *l = &x->lines[x->nlines++];
        l->pc = asked[i];
        snprintf(l->file, sizeof l->file, "?");
        l->line = 0;
        if (!p || !fgets(buf, sizeof buf, p))
            continue;
        buf[strcspn(buf, "\n")] = 0;
        char *d = strstr(buf, " (discriminator");
        if (d)
            *d = 0;
        char *colon = strrchr(buf, ':');
        if (!colon || buf[0] == '?')
            continue;
        *colon = 0;
        l->line = atoi(colon + 1);
        snprintf(l->file, sizeof l->file, "%.255s", buf);
        for (int e = 0; e < run_nev; e++)
            if (run_ev[e].file && strcmp(base_name(run_ev[e].file), base_name(buf)) == 0 &&
                strlen(run_ev[e].file) < sizeof l->file) {
                snprintf(l->file, sizeof l->file, "%s", run_ev[e].file);
                break;
            }
    }
    if (p)
        pclose(p);
}

static void who(const struct run *r, int ctx, int worker, char *buf, size_t size)
{
    if (r->ctx[ctx].kind == K_SYS && worker >= 0)
        snprintf(buf, size, "%s (the callback of w%d)", r->ctx[ctx].name, worker + 1);
    else
        snprintf(buf, size, "%s", r->ctx[ctx].name);
}

/* The run is over: each race it showed is a finding, at its later access. */
void race_run_end(struct run *r)
{
    struct race *x = r->races ? r->race : NULL;
    if (!x || !x->nrec || r->error[0])
        return;
    const void *pcs[2 * MAX_RACES];
    int n = 0;
    for (int i = 0; i < x->nrec; i++) {
        pcs[n++] = x->rec[i].pc1;
        pcs[n++] = x->rec[i].pc2;
    }
    resolve(x, pcs, n, r->ev, r->nev);
    for (int i = 0; i < x->nrec; i++) {
        const struct race_rec *k = &x->rec[i];
        bool benign = false;
        for (int b = 0; b < x->nbenign; b++)
            benign |= k->addr >= x->benign[b].lo && k->addr < x->benign[b].hi;
        if (benign)
            continue;
        const struct pcline *l1 = line_of(x, k->pc1), *l2 = line_of(x, k->pc2);
        if (!l1 || !l2)
            continue;
        /* The finding is at the write (of two, the first by file and line), whichever of the two
         * accesses this schedule ran first: one race, one finding. */
        int c1 = k->ctx1, c2 = k->ctx2, w1i = k->w1, w2i = k->w2;
        bool wr1 = k->write1, wr2 = k->write2;
        int cmp = strcmp(l1->file, l2->file);
        if ((wr1 && !wr2) || (wr1 == wr2 && (cmp < 0 || (cmp == 0 && l1->line < l2->line)))) {
            const struct pcline *t = l1;
            l1 = l2;
            l2 = t;
            c1 = k->ctx2, c2 = k->ctx1, w1i = k->w2, w2i = k->w1;
            wr1 = k->write2, wr2 = k->write1;
        }
        char where[80], w1[64], w2[64];
        uintptr_t e = (uintptr_t)r->ext;
        if (k->addr >= e && k->addr < e + (r->scn->extension_size ? r->scn->extension_size : 1))
            snprintf(where, sizeof where, "the HwDeviceExtension's byte at offset %zu",
                     (size_t)(k->addr - e));
        else
            snprintf(where, sizeof where, "%p", (void *)k->addr);
        who(r, c1, w1i, w1, sizeof w1);
        who(r, c2, w2i, w2, sizeof w2);
        int before = r->nf;
        run_finding(r, "WI-M11", l2->file, l2->line, w2i,
                    "data race on %s: %s %s it here and %s %s it at %s:%d, with nothing ordering "
                    "the two (no spinlock, no event, no Storport ordering)%s",
                    where, w2, wr2 ? "writes" : "reads", w1, wr1 ? "writes" : "reads",
                    base_name(l1->file), l1->line,
                    x->lid_overflow ? " [past 64 callbacks in this run, later ones were taken "
                                      "as ordered after their thread's previous one]" : "");
        if (r->nf > before)
            r->f[r->nf - 1].ev = k->ev;
    }
}

/* The sites of a reported run's writes (writes.c), leaving room for its races'. */
void race_resolve_sites(struct run *r, const void *const *pcs, int n)
{
    struct race *x = r->races ? r->race : NULL;
    if (x && x->nlines + n <= MAX_LINES - 2 * MAX_RACES)
        resolve(x, pcs, n, r->ev, r->nev);
}

bool race_site(const struct run *r, const void *pc, const char **file, int *line)
{
    const struct pcline *l = r->race ? line_of(r->race, pc) : NULL;
    if (!l || !l->line)
        return false;
    *file = l->file;
    *line = l->line;
    return true;
}

/* The compiler's calls.  The caller's return address is the access's site. */
#define PC __builtin_return_address(0)

void __tsan_init(void);
void __tsan_init(void)
{
    instrumented = true;
}

void __tsan_func_entry(void *pc);
void __tsan_func_entry(void *pc)
{
    (void)pc;
}

void __tsan_func_exit(void);
void __tsan_func_exit(void)
{
}

#define RW(n)                                                     \
    void __tsan_read##n(void *a);                                 \
    void __tsan_read##n(void *a) { access_mem(a, n, false, PC); } \
    void __tsan_write##n(void *a);                                \
    void __tsan_write##n(void *a) { access_mem(a, n, true, PC); }
#define URW(n)                                                              \
    void __tsan_unaligned_read##n(void *a);                                 \
    void __tsan_unaligned_read##n(void *a) { access_mem(a, n, false, PC); } \
    void __tsan_unaligned_write##n(void *a);                                \
    void __tsan_unaligned_write##n(void *a) { access_mem(a, n, true, PC); }
RW(1)
RW(2)
RW(4)
RW(8)
RW(16)
URW(2)
URW(4)
URW(8)
URW(16)

void __tsan_read_range(void *a, unsigned long size);
void __tsan_read_range(void *a, unsigned long size)
{
    access_mem(a, size, false, PC);
}

void __tsan_write_range(void *a, unsigned long size);
void __tsan_write_range(void *a, unsigned long size)
{
    access_mem(a, size, true, PC);
}

void __tsan_vptr_update(void **vptr, void *value);
void __tsan_vptr_update(void **vptr, void *value)
{
    if (*vptr != value)
        access_mem(vptr, sizeof *vptr, true, PC);
}

void __tsan_vptr_read(void **vptr);
void __tsan_vptr_read(void **vptr)
{
    access_mem(vptr, sizeof *vptr, false, PC);
}

/* The scenario's memset, memcpy and memmove (stork/check.h renames them to these). */
void *stork_memset(void *d, int c, size_t n)
{
    access_mem(d, n, true, PC);
    return memset(d, c, n);
}

void *stork_memcpy(void *d, const void *s, size_t n)
{
    access_mem(s, n, false, PC);
    access_mem(d, n, true, PC);
    return memcpy(d, s, n);
}

void *stork_memmove(void *d, const void *s, size_t n)
{
    access_mem(s, n, false, PC);
    access_mem(d, n, true, PC);
    return memmove(d, s, n);
}

/* Atomics: done at once (one OS thread runs every context), never a race, and at least
 * sequentially consistent whatever order they ask for: each one acquires and releases the
 * variable's clock (a load that releases is more order than C11 gives: it can only hide a race).
 * Each is a synchronisation, so a scheduling point before it unless --preempt-at-calls; the
 * operation itself comes after this call. */
static void atomic_sync(const volatile void *a, const void *pc)
{
    struct run *r = run_current();
    if (r && r->cur >= 0 && r->race && r->races && r->race->lid[r->cur] >= 0 &&
        r->limits.preempt != PREEMPT_CALLS && !r->race->in_cond[r->cur] &&
        !r->race->observing[r->cur])
        preempt_at(r, r->race, pc);
    if (r && r->cur >= 0)
        por_access(r, (const void *)a, 8, true); /* a read-modify-write, whatever it does */
    if (!r || r->cur < 0 || !r->races || r->race->lid[r->cur] < 0)
        return;
    if (!r->race->observing[r->cur])
        given_back_access(r, r->race, (const void *)a, 8, true, pc);
    if ((r->outlived | r->markable) & (1u << r->cur) && !r->race->observing[r->cur])
        outlived_access(r, r->race, (const void *)a, true, pc); /* ENV-R7 (driver.c) */
    uint32_t *v = sync_of(r, r->race, (const void *)a);
    if (!v)
        return;
    acquire(r->race, r->cur, v);
    join(v, r->race->vc[r->cur]);
    tick(r->race, r->cur);
}

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
    (void)mo;
}

void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_signal_fence(int mo)
{
    (void)mo;
}

#define ATOMIC_RMW(n, T, name, expr)                                         \
    T __tsan_atomic##n##_##name(volatile T *a, T v, int mo);                 \
    T __tsan_atomic##n##_##name(volatile T *a, T v, int mo)                  \
    {                                                                        \
        (void)mo;                                                            \
        atomic_sync(a, PC);                                                  \
        T old = *a;                                                          \
        *a = (T)(expr);                                                      \
        return old;                                                          \
    }
#define ATOMICS(n, T)                                                                   \
    T __tsan_atomic##n##_load(const volatile T *a, int mo);                             \
    T __tsan_atomic##n##_load(const volatile T *a, int mo)                              \
    {                                                                                   \
        (void)mo;                                                                       \
        atomic_sync(a, PC);                                                             \
        return *a;                                                                      \
    }                                                                                   \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo);                          \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo)                           \
    {                                                                                   \
        (void)mo;                                                                       \
        atomic_sync(a, PC);                                                             \
        *a = v;                                                                         \
    }                                                                                   \
    ATOMIC_RMW(n, T, exchange, v)                                                       \
    ATOMIC_RMW(n, T, fetch_add, old + v)                                                \
    ATOMIC_RMW(n, T, fetch_sub, old - v)                                                \
    ATOMIC_RMW(n, T, fetch_and, old & v)                                                \
    ATOMIC_RMW(n, T, fetch_or, old | v)                                                 \
    ATOMIC_RMW(n, T, fetch_xor, old ^ v)                                                \
    ATOMIC_RMW(n, T, fetch_nand, ~(old & v))                                            \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,    \
                                                   int fmo);                            \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,    \
                                                   int fmo)                             \
    {                                                                                   \
        (void)mo;                                                                       \
        (void)fmo;                                                                      \
        atomic_sync(a, PC);                                                                 \
        if (*a == *c) {                                                                 \
            *a = v;                                                                     \
            return 1;                                                                   \
        }                                                                               \
        *c = *a;                                                                        \
        return 0;                                                                       \
    }                                                                                   \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,      \
                                                 int fmo);                              \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,      \
                                                 int fmo)                               \
    {                                                                                   \
        return __tsan_atomic##n##_compare_exchange_strong(a, c, v, mo, fmo);            \
    }                                                                                   \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo); \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo)  \
    {                                                                                   \
        (void)mo;                                                                       \
        (void)fmo;                                                                      \
        atomic_sync(a, PC);                                                                 \
        T old = *a;                                                                     \
        if (old == c)                                                                   \
            *a = v;                                                                     \
        return old;                                                                     \
    }
ATOMICS(8, uint8_t)
ATOMICS(16, uint16_t)
ATOMICS(32, uint32_t)
ATOMICS(64, uint64_t)
