/* The environment both direct-call baselines (direct.c for bench_replay, corpus_direct.c for
 * bench_corpus) give the implementation: the caller's IRQL, allocations counted and failed on
 * request, and a post that is the baseline's own check.  One core, so the two baselines answer
 * the implementation alike and cost alike. */
#ifndef STORK_BENCH_DIRECT_ENV_H
#define STORK_BENCH_DIRECT_ENV_H

#include <stdbool.h>

#include "stork/impl_abi.h"

struct direct_env {
    struct stork_env env; /* first: env -> direct_env, and -> the baseline holding it first */
    unsigned irql;        /* what current_irql answers: set by the caller before each call */
    bool fail_alloc;      /* alloc returns NULL while set (a trace's fail-alloc) */
    long outstanding;     /* blocks allocated and not yet freed: 0 after destroy_adapter */
};

/* The environment at PASSIVE_LEVEL, nothing allocated, with `post` as its post. */
struct direct_env direct_env_make(void (*post)(struct stork_env *env, void *worker, void *item));

#endif
