/* Wrong: its constructor never returns, so the library never finishes loading. */
#include <stdio.h>

#include "wrap.h"

__attribute__((constructor)) static void loading(void)
{
    volatile int forever = 1;
    printf("loading, forever\n");
    fflush(stdout);
    while (forever)
        ;
}
BAD_IMPL("hang-on-load", name, "hang-on-load")
