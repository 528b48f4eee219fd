/* Wrong: run_posted calls the routine a second time after it returned. */
#include "wrap.h"

static void run_posted(struct stork_adapter *a, void *item)
{
    struct worker *w = item;
    HW_WORKITEM *routine = w->routine;
    void *ext = w->ext, *context = w->context;
    size_t index = w->index;
    ref_run_posted(a, item);
    routine(ext, context, handle_of(index));
}
BAD_IMPL("runs-twice", run_posted, run_posted)
