/*
 * The shipped corpus as direct calls: what bench_corpus measures `stork-replay` against.
 *
 * bench/corpus_direct.py writes, at build time, one C function per trace of the corpus
 * (conformance/traces): the trace's calls made straight to the implementation, with literal
 * arguments, each status checked against the trace's allowed set; a callback's calls are a
 * function of their own, run by the routine the implementation calls. This header is the
 * small runtime those functions share, written the way a hand-written test of the same traces
 * would be (corpus_direct.c says what it checks and why that is the fair amount of work).
 */
#ifndef STORK_BENCH_CORPUS_DIRECT_H
#define STORK_BENCH_CORPUS_DIRECT_H

#include <stdbool.h>
#include <stddef.h>

#include "direct_env.h"
#include "fiber.h"
#include "stork/impl_abi.h"

#define CD_MAXW 8      /* workers per trace */
#define CD_NSYS 4      /* system worker threads per trace */
#define CD_NREF 16     /* routines cb0..cb15, contexts ctx0..ctx15, bad0..bad15 */

struct cd;
typedef void cd_body(struct cd *d);

/* Stacks for the system-worker fibers, allocated once and reused by every trace. */
struct cd_stacks {
    void *stack[CD_NSYS];
};

struct cd_sys {
    struct cd *d;
    struct fiber fiber;
    void *item;          /* the item it runs */
    unsigned worker, routine, context; /* what its callback must be handed */
    cd_body *body;       /* the callback's calls */
    bool started;        /* run_posted was entered for this start */
    bool called;         /* the routine was called for this start */
    bool done;           /* run_posted returned */
};

struct cd {
    struct direct_env core; /* first: env -> cd; the IRQL, allocations (core.fail_alloc
                             * during a call after a fail-alloc), the outstanding count */
    const struct stork_impl *impl;
    struct stork_adapter *ad;
    bool fail_next;       /* fail-alloc: the next call's allocations fail */
    int post_ok;          /* during a call: the worker it may post (0 none); -1 outside calls */
    int cur;              /* the system thread whose start is running run_posted, or -1 */
    void *w[CD_MAXW + 1];
    unsigned nw;
    void *posted[CD_MAXW + 1];
    bool running[CD_MAXW + 1];
    int bad;
    struct fiber main;
    struct cd_sys sys[CD_NSYS];  /* a fiber made at its first start that needs one */
    struct cd_stacks *stacks;
    unsigned char ext[64];
    unsigned char ctx[CD_NREF];
    unsigned char badh[CD_NREF];
    void *sentinel;
};

/* The routines cb0..cb15 a trace names. */
extern HW_WORKITEM *const cd_routine[CD_NREF];

/* One generated trace: run it on `impl`; returns its unexpected outcomes (0: as the trace says). */
struct cd_trace {
    const char *path;
    unsigned events;
    void (*run)(struct cd *d);
};
extern const struct cd_trace cd_traces[];
extern const size_t cd_ntraces;

bool cd_stacks_init(struct cd_stacks *s);
void cd_stacks_free(struct cd_stacks *s);

/* A trace's frame: the adapter made before run, released and checked after. */
int cd_run_trace(const struct stork_impl *impl, const struct cd_trace *t, struct cd_stacks *st);

/* ---- what the generated functions call ---- */

/* A call, made at that IRQL, its status checked against the allowed set (STOR_STATUS bits, bit
 * i for 0xC10000ii, bit 0 SUCCESS).  queue: post_ok is the worker it may post (the one it
 * queues, if SUCCESS is allowed; else 0).  init: n > 0, the trace's SUCCESS wN; n == 0, a
 * failure that must leave *Worker unchanged. */
void cd_init(struct cd *d, unsigned irql, unsigned n, unsigned mask);
void cd_queue(struct cd *d, unsigned irql, int post_ok, HW_WORKITEM *routine, void *worker,
              void *context, unsigned mask);
void cd_free(struct cd *d, unsigned irql, void *worker, unsigned mask);
void cd_start(struct cd *d, unsigned sys, unsigned n, unsigned routine, unsigned context,
              cd_body *body, bool inline_run);               /* start sysK wN cbR ctxC */
void cd_yield(struct cd *d, unsigned sys);                   /* a callback's calls pause */
void cd_resume(struct cd *d, unsigned sys);                  /* ... and go on */
void cd_returned(struct cd *d, unsigned sys);                /* return sysK wN */

#endif
