/* Deliberately wrong implementations are the reference with one thing changed: each includes
 * reference.c (renaming its entry point) and exports a table with one entry replaced. */
#define stork_impl_get reference_impl_get
#include "../../c-harness/impl/reference/reference.c"
#undef stork_impl_get

#define BAD_IMPL(NAME, FIELD, FN)                                  \
    const struct stork_impl *stork_impl_get(void)                  \
    {                                                              \
        static struct stork_impl t;                                \
        t = *reference_impl_get();                                 \
        t.name = NAME;                                             \
        t.FIELD = FN;                                              \
        return &t;                                                 \
    }
