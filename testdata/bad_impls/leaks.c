/* Wrong: destroy_adapter forgets the workers still allocated. */
#include "wrap.h"

static void destroy(struct stork_adapter *a)
{
    struct stork_env *env = a->env;
    env->free(env, a->slots);
    pthread_mutex_destroy(&a->lock);
    env->free(env, a);
}
BAD_IMPL("leaks", destroy_adapter, destroy)
