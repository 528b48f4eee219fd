/* libFuzzer target: a pack's reader and the replay on arbitrary bytes.  Whatever the bytes,
 * opening them as a pack and replaying every trace that passes pack_trace against the
 * reference (linked in) must never crash, leak or read out of bounds: the range checks of
 * pack_verify and the order checks of the replay are what stand between a damaged pack and the
 * replay's tables.  A refusal must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "pack.h"

const struct stork_impl *stork_impl_get(void); /* the reference */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* The replay leaves an adapter it could not take to `end` (a trace that fails, stops inside a
 * callback or loops) undestroyed: stork-replay's child exits soon after.  Those blocks are the
 * implementation's, allocated through env_alloc; the harness's own are still leak-checked. */
const char *__lsan_default_suppressions(void)
{
    return "leak:env_alloc\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *copy = aligned_alloc(16, (size + 16) & ~(size_t)15); /* the reader needs alignment */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct pack p;
    char err[512] = "";
    if (!pack_from_memory(copy, size, "fuzz.pack", &p, err, sizeof err)) {
        if (!err[0])
            abort();
        free(copy);
        return 0;
    }
    struct replay_cache cache = {0};
    for (size_t i = 0; i < p.ntraces && i < 64; i++) {
        struct trace t;
        struct trace_error te;
        if (!pack_trace(&p, i, &t, &te)) {
            if (!te.message[0])
                abort();
            continue;
        }
        char *msg = NULL;
        enum replay_verdict v = replay_trace(stork_impl_get(), pack_path(&p, i), &t, &msg, NULL, &cache);
        if (v != REPLAY_PASS && !msg)
            abort(); /* a failure or an inconsistency always comes with its report */
        free(msg);
    }
    replay_cache_free(&cache);
    pack_close(&p);
    free(copy);
    return 0;
}
