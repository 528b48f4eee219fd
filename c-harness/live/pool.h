/*
 * Live mode: an implementation on real threads.  A pool of system worker threads takes the
 * items the implementation posts and runs them (impl->run_posted) in FIFO order, any thread
 * taking the next item, as Windows' system worker threads do.  The environment's IRQL is
 * always PASSIVE_LEVEL (live callers make their calls at PASSIVE or DISPATCH only).
 */
#ifndef STORK_LIVE_POOL_H
#define STORK_LIVE_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "stork/impl_abi.h"

struct pool_item {
    void *worker, *item;
    struct pool_item *next;
};

struct pool {
    struct stork_env env; /* first: env -> pool */
    const struct stork_impl *impl;
    struct stork_adapter *adapter;
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    struct pool_item *head, *tail;
    size_t executing;     /* threads inside run_posted */
    bool stopping;
    pthread_t *threads;
    size_t nthreads;
    atomic_long allocs, frees, posts, runs;
};

/* Start `nthreads` system worker threads and create the adapter; false on failure. */
bool pool_start(struct pool *p, const struct stork_impl *impl, size_t nthreads);
/* Wait until no item is queued and no thread is in run_posted (or `seconds` passed: false). */
bool pool_quiesce(struct pool *p, double seconds);
/* Destroy the adapter and join the threads (call after pool_quiesce). */
void pool_stop(struct pool *p);

#endif
