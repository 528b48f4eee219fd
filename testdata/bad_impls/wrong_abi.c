/* Wrong: built for another ABI version. */
#include "wrap.h"

const struct stork_impl *stork_impl_get(void)
{
    static struct stork_impl t;
    t = *reference_impl_get();
    t.abi_version = 99;
    return &t;
}
