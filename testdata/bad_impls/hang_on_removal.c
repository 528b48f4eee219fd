/* Wrong: begin_removal waits forever (for callbacks that only the caller could run). */
#include "wrap.h"

static void begin_removal(struct stork_adapter *a)
{
    volatile int forever = 1;
    ref_begin_removal(a);
    while (forever)
        ;
}
BAD_IMPL("hang-on-removal", begin_removal, begin_removal)
