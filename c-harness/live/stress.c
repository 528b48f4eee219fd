/*
 * Live stress test of an implementation on real threads (run under ThreadSanitizer by ctest):
 *
 *   stork-stress [--impl LIB.so] [--threads T] [--system S] [--workers W] [--rounds R]
 *
 * T miniport threads each initialise W workers per round and queue them; each callback
 * re-queues its own worker a few times and then frees it from inside the callback, while the
 * miniport threads also queue and free random workers of everyone (hitting BUSY, UNSUCCESSFUL
 * and INVALID_PARAMETER on freed handles).  S system worker threads run the callbacks.
 * Without --impl the reference, linked in, is tested.  Then the counts must balance:
 *   successful queues == callback runs == posts run; no callback overlapped itself; every
 *   callback got its own worker; no worker was freed twice; every status was an allowed one;
 *   after removal queue returns INVALID_DEVICE_STATE; every allocation was released.
 * Prints the figures; exit 0 if all hold, 1 if one does not, 2 on bad usage.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "stork/exit_status.h"

const struct stork_impl *stork_impl_get(void); /* the linked-in reference */

#define REQUEUES 3

struct stress;

struct job {
    _Atomic(void *) worker;  /* published once initialised */
    atomic_int inside;       /* its callback is running */
    atomic_int remaining;    /* re-queues left before the callback frees it */
    atomic_int frees;        /* successful frees: must end at 1 */
};

struct stress {
    struct pool pool;
    size_t threads, workers, rounds;
    struct job *jobs;        /* threads * rounds * workers, never freed during the run */
    atomic_size_t njobs;
    atomic_long queued, runs, overlaps, wrong_worker, bad_status, inits;
    atomic_long busy, unsuccessful, invalid;
};

struct miniport {
    struct stress *s;
    size_t id;
    unsigned seed;
};

static unsigned next(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static const struct stork_impl *impl_of(struct stress *s)
{
    return s->pool.impl;
}

static void count(struct stress *s, STORK_ULONG st, STORK_ULONG a, STORK_ULONG b, STORK_ULONG c)
{
    if (st != a && st != b && st != c)
        atomic_fetch_add(&s->bad_status, 1);
    if (st == STOR_STATUS_BUSY)
        atomic_fetch_add(&s->busy, 1);
    else if (st == STOR_STATUS_UNSUCCESSFUL)
        atomic_fetch_add(&s->unsuccessful, 1);
    else if (st == STOR_STATUS_INVALID_PARAMETER)
        atomic_fetch_add(&s->invalid, 1);
}

static void callback(void *ext, void *context, void *worker);

static STORK_ULONG queue(struct stress *s, struct job *j)
{
    STORK_ULONG st = impl_of(s)->queue_work_item(s->pool.adapter, s, callback,
                                                 atomic_load(&j->worker), j);
    if (st == STOR_STATUS_SUCCESS)
        atomic_fetch_add(&s->queued, 1);
    return st;
}

static STORK_ULONG free_job(struct stress *s, struct job *j)
{
    STORK_ULONG st = impl_of(s)->free_worker(s->pool.adapter, s, atomic_load(&j->worker));
    if (st == STOR_STATUS_SUCCESS)
        atomic_fetch_add(&j->frees, 1);
    return st;
}

static void callback(void *ext, void *context, void *worker)
{
    struct stress *s = ext;
    struct job *j = context;
    if (atomic_exchange(&j->inside, 1))
        atomic_fetch_add(&s->overlaps, 1);
    atomic_fetch_add(&s->runs, 1);
    if (worker != atomic_load(&j->worker))
        atomic_fetch_add(&s->wrong_worker, 1);
    STORK_ULONG st;
    if (atomic_fetch_sub(&j->remaining, 1) > 0) {
        /* re-queue from inside: SUCCESS, or BUSY if a miniport thread queued it meanwhile,
         * or INVALID_PARAMETER if one freed it meanwhile */
        st = queue(s, j);
        count(s, st, STOR_STATUS_SUCCESS, STOR_STATUS_BUSY, STOR_STATUS_INVALID_PARAMETER);
    } else {
        /* free itself: SUCCESS, BUSY (queued again meanwhile) or UNSUCCESSFUL (freed) */
        st = free_job(s, j);
        count(s, st, STOR_STATUS_SUCCESS, STOR_STATUS_BUSY, STOR_STATUS_UNSUCCESSFUL);
    }
    atomic_store(&j->inside, 0);
}

static void *miniport(void *arg)
{
    struct miniport *m = arg;
    struct stress *s = m->s;
    for (size_t r = 0; r < s->rounds; r++) {
        for (size_t w = 0; w < s->workers; w++) {
            size_t k = atomic_fetch_add(&s->njobs, 1);
            struct job *j = &s->jobs[k];
            void *handle = NULL;
            atomic_store(&j->remaining, REQUEUES);
            STORK_ULONG st = impl_of(s)->initialize_worker(s->pool.adapter, s, &handle);
            if (st != STOR_STATUS_SUCCESS) {
                atomic_fetch_add(&s->bad_status, 1);
                continue;
            }
            atomic_store(&j->worker, handle);
            atomic_fetch_add(&s->inits, 1);
            /* others may already have queued (BUSY) or freed (INVALID_PARAMETER) it */
            count(s, queue(s, j), STOR_STATUS_SUCCESS, STOR_STATUS_BUSY, STOR_STATUS_INVALID_PARAMETER);
        }
        /* Poke random workers of everyone, issued so far (jobs below the counter have a
         * worker, or were never issued if init failed: skipped by the NULL check). */
        for (size_t i = 0; i < s->workers * 2; i++) {
            size_t n = atomic_load(&s->njobs);
            struct job *j = &s->jobs[next(&m->seed) % n];
            if (!atomic_load(&j->worker))
                continue;
            if (next(&m->seed) % 4 == 0)
                count(s, free_job(s, j), STOR_STATUS_SUCCESS, STOR_STATUS_BUSY, STOR_STATUS_UNSUCCESSFUL);
            else
                count(s, queue(s, j), STOR_STATUS_SUCCESS, STOR_STATUS_BUSY, STOR_STATUS_INVALID_PARAMETER);
        }
    }
    return NULL;
}

static size_t arg(int argc, char **argv, const char *name, size_t dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return (size_t)strtoul(argv[i + 1], NULL, 10);
    return dflt;
}

static const char *sarg(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int check(const char *what, long got, long want, int *failures)
{
    bool ok = got == want;
    printf("  %-44s %10ld %s\n", what, got, ok ? "ok" : "MISMATCH");
    if (!ok) {
        printf("    expected %ld\n", want);
        (*failures)++;
    }
    return ok;
}

int main(int argc, char **argv)
{
    struct stress *s = calloc(1, sizeof *s);
    if (!s)
        return STORK_EXIT_BAD_INPUT;
    s->threads = arg(argc, argv, "--threads", 4);
    s->workers = arg(argc, argv, "--workers", 50);
    s->rounds = arg(argc, argv, "--rounds", 20);
    size_t system = arg(argc, argv, "--system", 3);
    const char *lib = sarg(argc, argv, "--impl");
    if (!s->threads || !s->workers || !s->rounds || !system || s->threads > 256) {
        fprintf(stderr, "stork-stress: bad arguments\n");
        return STORK_EXIT_BAD_INPUT;
    }
    const struct stork_impl *impl = stork_impl_get();
    if (lib) {
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        void *sym = h ? dlsym(h, STORK_IMPL_SYMBOL) : NULL;
        stork_impl_get_fn *get;
        if (!sym) {
            fprintf(stderr, "stork-stress: cannot use %s: %s\n", lib, dlerror());
            return STORK_EXIT_BAD_INPUT;
        }
        memcpy(&get, &sym, sizeof get);
        impl = get();
        if (!impl || impl->abi_version != STORK_ABI_VERSION) {
            fprintf(stderr, "stork-stress: %s: no usable table\n", lib);
            return STORK_EXIT_BAD_INPUT;
        }
    }
    size_t total = s->threads * s->workers * s->rounds;
    s->jobs = calloc(total, sizeof *s->jobs);
    struct miniport *m = calloc(s->threads, sizeof *m);
    pthread_t *t = calloc(s->threads, sizeof *t);
    if (!s->jobs || !m || !t || !pool_start(&s->pool, impl, system)) {
        fprintf(stderr, "stork-stress: cannot start (out of memory or threads)\n");
        return STORK_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < s->threads; i++) {
        m[i] = (struct miniport){.s = s, .id = i, .seed = (unsigned)(i * 7919 + 1)};
        if (pthread_create(&t[i], NULL, miniport, &m[i]) != 0) {
            fprintf(stderr, "stork-stress: pthread_create failed\n");
            return STORK_EXIT_BAD_INPUT;
        }
    }
    for (size_t i = 0; i < s->threads; i++)
        pthread_join(t[i], NULL);
    int failures = 0;
    if (!pool_quiesce(&s->pool, 60)) {
        printf("stork-stress: callbacks still queued or running after 60 s (hang)\n");
        return STORK_EXIT_VIOLATED;
    }
    /* Free what is left (callbacks freed most); then removal and the end. */
    long leftover = 0;
    for (size_t i = 0; i < total; i++) {
        struct job *j = &s->jobs[i];
        if (atomic_load(&j->worker) && atomic_load(&j->frees) == 0) {
            STORK_ULONG st = free_job(s, j);
            leftover++;
            count(s, st, STOR_STATUS_SUCCESS, STOR_STATUS_SUCCESS, STOR_STATUS_SUCCESS);
        }
    }
    long freed_twice = 0, freed_once = 0;
    for (size_t i = 0; i < total; i++) {
        int f = atomic_load(&s->jobs[i].frees);
        freed_once += f == 1;
        freed_twice += f > 1;
    }
    impl->begin_removal(s->pool.adapter);
    void *w = NULL;
    STORK_ULONG st = impl->initialize_worker(s->pool.adapter, s, &w);
    STORK_ULONG after = st == STOR_STATUS_SUCCESS
                            ? impl->queue_work_item(s->pool.adapter, s, callback, w, &s->jobs[0])
                            : st;
    if (st == STOR_STATUS_SUCCESS)
        impl->free_worker(s->pool.adapter, s, w);
    pool_stop(&s->pool);
    printf("stork-stress: %s, %zu miniport threads x %zu rounds x %zu workers, %zu system threads\n",
           impl->name, s->threads, s->rounds, s->workers, system);
    printf("  successful queues %ld, callbacks %ld, BUSY %ld, UNSUCCESSFUL %ld, INVALID_PARAMETER %ld,"
           " freed by the end %ld\n",
           atomic_load(&s->queued), atomic_load(&s->runs), atomic_load(&s->busy),
           atomic_load(&s->unsuccessful), atomic_load(&s->invalid), leftover);
    check("callbacks run - successful queues", atomic_load(&s->runs) - atomic_load(&s->queued), 0, &failures);
    check("items run - items posted", atomic_load(&s->pool.runs) - atomic_load(&s->pool.posts), 0, &failures);
    check("callbacks - items run", atomic_load(&s->runs) - atomic_load(&s->pool.runs), 0, &failures);
    check("workers freed exactly once - inits", freed_once - atomic_load(&s->inits), 0, &failures);
    check("workers freed twice", freed_twice, 0, &failures);
    check("callbacks overlapping themselves", atomic_load(&s->overlaps), 0, &failures);
    check("callbacks given another worker", atomic_load(&s->wrong_worker), 0, &failures);
    check("statuses outside the allowed set", atomic_load(&s->bad_status), 0, &failures);
    check("queue after removal is INVALID_DEVICE_STATE", after == STOR_STATUS_INVALID_DEVICE_STATE, 1, &failures);
    check("allocations not released", atomic_load(&s->pool.allocs) - atomic_load(&s->pool.frees), 0, &failures);
    check("callbacks seen (must be > successful inits)", atomic_load(&s->runs) > atomic_load(&s->inits), 1, &failures);
    printf("%s\n", failures ? "FAILED" : "all balanced");
    free(s->jobs);
    free(m);
    free(t);
    free(s);
    return failures ? STORK_EXIT_VIOLATED : STORK_EXIT_OK;
}
