/* Wrong: its constructor crashes (a NULL store), so the library cannot be loaded. */
#include <stdio.h>

#include "wrap.h"

__attribute__((constructor)) static void loading(void)
{
    volatile int *nowhere = NULL;
    printf("loading, about to crash\n");
    fflush(stdout);
    *nowhere = 1;
}
BAD_IMPL("crash-on-load", name, "crash-on-load")
