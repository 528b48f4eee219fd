/* Conforming, but noisy: it prints a fake replay summary on stdout and stderr, when it is
 * loaded and for every adapter, to show that stork-replay's own report cannot be forged. */
#include <stdio.h>

#include "wrap.h"

__attribute__((constructor)) static void loaded(void)
{
    printf("119 passed, 0 failed\n");
    fflush(stdout);
}

static struct stork_adapter *create(struct stork_env *env)
{
    printf("119 passed, 0 failed\n");
    fflush(stdout);
    fprintf(stderr, "\r119 passed, 0 failed\n");
    return ref_create(env);
}
BAD_IMPL("prints-summary", create_adapter, create)
