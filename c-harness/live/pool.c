/* The live system-worker pool (pool.h). */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct pool *of_env(struct stork_env *env)
{
    return (struct pool *)(void *)env;
}

static void env_post(struct stork_env *env, void *worker, void *item)
{
    struct pool *p = of_env(env);
    struct pool_item *it = malloc(sizeof *it);
    if (!it)
        abort(); /* post cannot fail: a live run without memory is over */
    *it = (struct pool_item){.worker = worker, .item = item};
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->next = it;
    else
        p->head = it;
    p->tail = it;
    atomic_fetch_add(&p->posts, 1);
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}

static unsigned env_irql(struct stork_env *env)
{
    (void)env;
    return STORK_PASSIVE_LEVEL;
}

static void *env_alloc(struct stork_env *env, size_t size)
{
    void *m = malloc(size ? size : 1);
    if (m)
        atomic_fetch_add(&of_env(env)->allocs, 1);
    return m;
}

static void env_free(struct stork_env *env, void *m)
{
    if (!m)
        return;
    atomic_fetch_add(&of_env(env)->frees, 1);
    free(m);
}

static void *system_thread(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break; /* stopping and nothing left */
        struct pool_item *it = p->head;
        p->head = it->next;
        if (!p->head)
            p->tail = NULL;
        p->executing++;
        pthread_mutex_unlock(&p->lock);
        p->impl->run_posted(p->adapter, it->item);
        atomic_fetch_add(&p->runs, 1);
        free(it);
        pthread_mutex_lock(&p->lock);
        p->executing--;
        if (!p->head && p->executing == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

bool pool_start(struct pool *p, const struct stork_impl *impl, size_t nthreads)
{
    memset(p, 0, sizeof *p);
    p->env = (struct stork_env){.post = env_post, .current_irql = env_irql,
                                .alloc = env_alloc, .free = env_free};
    p->impl = impl;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->adapter = impl->create_adapter(&p->env);
    p->threads = calloc(nthreads, sizeof *p->threads);
    if (!p->adapter || !p->threads)
        return false;
    for (; p->nthreads < nthreads; p->nthreads++)
        if (pthread_create(&p->threads[p->nthreads], NULL, system_thread, p) != 0)
            return false;
    return true;
}

bool pool_quiesce(struct pool *p, double seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)seconds;
    bool ok = true;
    pthread_mutex_lock(&p->lock);
    while (ok && (p->head || p->executing))
        ok = pthread_cond_timedwait(&p->idle, &p->lock, &until) != ETIMEDOUT;
    ok = !p->head && !p->executing;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    if (p->adapter)
        p->impl->destroy_adapter(p->adapter);
    p->adapter = NULL;
    free(p->threads);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->lock);
}
