/* Token classes of the trace grammar (internal to the trace reader). */
#ifndef STORK_TRACE_TOKENS_H
#define STORK_TRACE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* Record a reader error (file line and message) in *err; returns false, for `return trace_fail(...)`. */
bool trace_fail(struct trace_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct tok {
    const char *p;
    size_t len;
};

enum numtok { NUM_NO, NUM_OK, NUM_TOO_BIG };

/* tok_is and tok_number are on the reader's per-token path: inline, and comparing as they
 * go, so that a mismatch costs one compare (no strlen, no memcmp call). */
static inline bool tok_is(struct tok t, const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (i == t.len || t.p[i] != s[i])
            return false;
    return i == t.len;
}

/* prefix then (0|[1-9][0-9]*), or [1-9][0-9]* if !zero_ok; *out gets the number. */
static inline enum numtok tok_number(struct tok t, const char *prefix, bool zero_ok, uint32_t *out)
{
    size_t pl = 0;
    for (; prefix[pl]; pl++)
        if (pl == t.len || t.p[pl] != prefix[pl])
            return NUM_NO;
    if (t.len == pl)
        return NUM_NO;
    const char *d = t.p + pl;
    size_t n = t.len - pl;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)d[i] - '0';
        if (c > 9)
            return NUM_NO;
        if (i < 9)
            v = v * 10 + c;
    }
    if (d[0] == '0' && (n > 1 || !zero_ok))
        return NUM_NO;
    if (n > 9)
        return NUM_TOO_BIG;
    *out = v;
    return NUM_OK;
}

int tok_status(struct tok t); /* bit index, or -1 */
/* A hex status "0x" + 8 hex digits: 1 with *out, -1 if it starts "0x" but is malformed, 0 if
 * it does not start "0x". */
int tok_hex_status(struct tok t, uint32_t *out);
int tok_irql(struct tok t);   /* enum trace_irql, or -1 */
bool tok_is_keyword(struct tok t);
bool tok_is_name(struct tok t);
bool tok_is_meta_key(struct tok t);
void tok_show(struct tok t, char *buf, size_t size);

#endif
