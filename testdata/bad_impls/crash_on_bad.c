/* Wrong: free dereferences the handle it is given (crashes on a value never issued). */
#include <signal.h>

#include "wrap.h"

static STORK_ULONG free_worker(struct stork_adapter *a, void *ext, void *h)
{
    if (h && !slot_of(a, h))
        raise(SIGSEGV); /* what *(struct worker *)h would do on a real bad pointer */
    return ref_free(a, ext, h);
}
BAD_IMPL("crash-on-bad", free_worker, free_worker)
