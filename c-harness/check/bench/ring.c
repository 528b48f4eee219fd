/*
 * ring -- the benchmark's scenario for the partial-order reduction (bench_por.py): NSTARTIO
 * StartIo instances each put a request on a ring under the adapter's spinlock and queue a work
 * item for it; NDPC DPCs each take a completion off the ring under the lock and count it in a
 * field of their own; each callback works on its request's own slot (two steps), frees its
 * worker and marks the request done (an atomic flag); the remove handler waits for every
 * request to be done.  Correct (no finding): most steps touch what no other step touches, which is
 * what the reduction skips the orders of.  Variants (compile definitions, bench/CMake): NSTARTIO
 * and NDPC 1..3, NTHREADS system worker threads 1..3.
 */
#include <stdint.h>
#include <storport.h>

#ifndef NSTARTIO
#define NSTARTIO 2
#endif
#ifndef NDPC
#define NDPC 1
#endif
#ifndef NTHREADS
#define NTHREADS 1
#endif

struct ext {
    struct stork_lock lock;
    int ring[8];
    int head, tail;
    int slot[3];      /* a request's own: its StartIo's and then its callback's */
    int done[3];      /* its callback finished, or its queue failed */
    int completed[3]; /* a DPC's own */
    PVOID worker[3];
};

static VOID callback(PVOID e, PVOID context, PVOID worker)
{
    struct ext *x = e;
    int i = (int)(intptr_t)context;
    x->slot[i] += 1;
    STORK_YIELD(); /* the request's data transfer */
    x->slot[i] *= 2;
    StorPortFreeWorker(x, worker);
    __atomic_store_n(&x->done[i], 1, __ATOMIC_RELEASE);
}

static void startio(struct ext *x, int i)
{
    x->slot[i] = i + 1;
    STORK_YIELD(); /* building the request */
    x->slot[i] += 10;
    STORK_LOCK(&x->lock);
    x->ring[x->tail++ % 8] = i;
    STORK_UNLOCK(&x->lock);
    if (StorPortInitializeWorker(x, &x->worker[i]) != STOR_STATUS_SUCCESS) {
        __atomic_store_n(&x->done[i], 1, __ATOMIC_RELEASE);
        return;
    }
    if (StorPortQueueWorkItem(x, callback, x->worker[i], (PVOID)(intptr_t)i) != STOR_STATUS_SUCCESS) {
        StorPortFreeWorker(x, x->worker[i]);
        __atomic_store_n(&x->done[i], 1, __ATOMIC_RELEASE);
    }
}

static void dpc(struct ext *x, int j)
{
    x->completed[j] = 0;
    STORK_YIELD(); /* reading the completion queue */
    STORK_LOCK(&x->lock);
    int have = x->head != x->tail;
    if (have)
        x->head++;
    STORK_UNLOCK(&x->lock);
    x->completed[j] += have;
}

static void startio0(void *e) { startio(e, 0); }
static void dpc0(void *e) { dpc(e, 0); }
#if NSTARTIO > 1
static void startio1(void *e) { startio(e, 1); }
#endif
#if NSTARTIO > 2
static void startio2(void *e) { startio(e, 2); }
#endif
#if NDPC > 1
static void dpc1(void *e) { dpc(e, 1); }
#endif
#if NDPC > 2
static void dpc2(void *e) { dpc(e, 2); }
#endif

static void teardown(void *e)
{
    struct ext *x = e;
    for (int i = 0; i < NSTARTIO; i++)
        STORK_WAIT_UNTIL(__atomic_load_n(&x->done[i], __ATOMIC_ACQUIRE));
}

static const struct stork_routine routines[] = {
    {"startio0", STORK_DISPATCH_LEVEL, startio0},
#if NSTARTIO > 1
    {"startio1", STORK_DISPATCH_LEVEL, startio1},
#endif
#if NSTARTIO > 2
    {"startio2", STORK_DISPATCH_LEVEL, startio2},
#endif
    {"dpc0", STORK_DISPATCH_LEVEL, dpc0},
#if NDPC > 1
    {"dpc1", STORK_DISPATCH_LEVEL, dpc1},
#endif
#if NDPC > 2
    {"dpc2", STORK_DISPATCH_LEVEL, dpc2},
#endif
};

const struct stork_scenario stork_scenario = {
    .name = "ring",
    .extension_size = sizeof(struct ext),
    .routines = routines,
    .nroutines = sizeof routines / sizeof routines[0],
    .remove = teardown,
    .threads = NTHREADS,
};
