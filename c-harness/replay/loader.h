/* Loading an implementation library (dlopen) and checking its table. */
#ifndef STORK_REPLAY_LOADER_H
#define STORK_REPLAY_LOADER_H

#include <stddef.h>

#include "stork/impl_abi.h"

/* The table of the library at `path`, or NULL with a one-line reason in err.  *handle is the
 * dlopen handle (the library stays loaded for the life of the process). */
const struct stork_impl *load_impl(const char *path, void **handle, char *err, size_t size);

#endif
