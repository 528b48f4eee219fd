/* Token classes of the trace grammar (internal to the trace reader). */
#ifndef STORK_TRACE_TOKENS_H
#define STORK_TRACE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct tok {
    const char *p;
    size_t len;
};

enum numtok { NUM_NO, NUM_OK, NUM_TOO_BIG };

bool tok_is(struct tok t, const char *s);
int tok_status(struct tok t); /* bit index, or -1 */
int tok_irql(struct tok t);   /* enum trace_irql, or -1 */
bool tok_is_keyword(struct tok t);
bool tok_is_name(struct tok t);
bool tok_is_meta_key(struct tok t);
enum numtok tok_number(struct tok t, const char *prefix, bool zero_ok, uint32_t *out);
void tok_show(struct tok t, char *buf, size_t size);

#endif
