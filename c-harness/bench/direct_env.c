/* The direct-call baselines' environment (direct_env.h). */
#include "direct_env.h"

#include <stdlib.h>

static struct direct_env *of_env(struct stork_env *env)
{
    return (struct direct_env *)(void *)env;
}

static unsigned e_irql(struct stork_env *env)
{
    return of_env(env)->irql;
}

static void *e_alloc(struct stork_env *env, size_t n)
{
    struct direct_env *e = of_env(env);
    if (e->fail_alloc)
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        e->outstanding++;
    return p;
}

static void e_free(struct stork_env *env, void *p)
{
    if (!p)
        return;
    of_env(env)->outstanding--;
    free(p);
}

struct direct_env direct_env_make(void (*post)(struct stork_env *env, void *worker, void *item))
{
    return (struct direct_env){.env = {post, e_irql, e_alloc, e_free},
                               .irql = STORK_PASSIVE_LEVEL};
}
