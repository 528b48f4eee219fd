/* dlopen an implementation and check its table (impl_abi.h). */
#include "loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const struct stork_impl *load_impl(const char *path, void **handle, char *err, size_t size)
{
    char local[4096];
    *handle = NULL;
    if (access(path, R_OK) != 0) {
        snprintf(err, size, "cannot load %s: no such readable file", path);
        return NULL;
    }
    /* dlopen searches the library path for a bare name; a file argument means this file. */
    if (!strchr(path, '/')) {
        snprintf(local, sizeof local, "./%s", path);
        path = local;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, size, "cannot load %s: %s", path, why ? why : "unknown error");
        return NULL;
    }
    /* Converting a data pointer to a function pointer, as POSIX dlsym requires. */
    void *sym = dlsym(h, STORK_IMPL_SYMBOL);
    if (!sym) {
        snprintf(err, size, "%s does not export %s() (not a stork implementation)", path,
                 STORK_IMPL_SYMBOL);
        dlclose(h);
        return NULL;
    }
    stork_impl_get_fn *get;
    memcpy(&get, &sym, sizeof get);
    const struct stork_impl *impl = get();
    const char *missing = NULL;
    if (!impl) {
        snprintf(err, size, "%s: %s() returned NULL", path, STORK_IMPL_SYMBOL);
    } else if (impl->abi_version != STORK_ABI_VERSION) {
        snprintf(err, size, "%s implements stork ABI version %u; this harness needs version %u",
                 path, (unsigned)impl->abi_version, STORK_ABI_VERSION);
    } else {
        if (!impl->create_adapter)
            missing = "create_adapter";
        else if (!impl->destroy_adapter)
            missing = "destroy_adapter";
        else if (!impl->initialize_worker)
            missing = "initialize_worker";
        else if (!impl->queue_work_item)
            missing = "queue_work_item";
        else if (!impl->free_worker)
            missing = "free_worker";
        else if (!impl->begin_removal)
            missing = "begin_removal";
        else if (!impl->run_posted)
            missing = "run_posted";
        if (!missing) {
            *handle = h;
            return impl;
        }
        snprintf(err, size, "%s: entry point %s is NULL", path, missing);
    }
    dlclose(h);
    return NULL;
}
