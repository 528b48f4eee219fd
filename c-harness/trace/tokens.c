/* Token classes of the trace grammar, and status / IRQL names. */
#include "tokens.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool trace_fail(struct trace_error *err, int line, const char *fmt, ...)
{
    va_list ap;
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

static const char *const status_names[TRACE_NSTATUS] = {
    "SUCCESS", "UNSUCCESSFUL", "NOT_IMPLEMENTED", "INSUFFICIENT_RESOURCES",
    "BUFFER_TOO_SMALL", "ACCESS_DENIED", "INVALID_PARAMETER", "INVALID_DEVICE_REQUEST",
    "INVALID_IRQL", "INVALID_DEVICE_STATE", "INVALID_BUFFER_SIZE", "UNSUPPORTED_VERSION",
    "BUSY",
};
static const char *const irql_names[] = {"PASSIVE", "APC", "DISPATCH", "DIRQL"};
static const char *const keywords[] = {"meta", "call", "start", "return",
                                       "remove", "fail-alloc", "loop", "end"};

const char *trace_status_name(unsigned i)
{
    return i < TRACE_NSTATUS ? status_names[i] : "?";
}

const char *trace_irql_name(enum trace_irql irql)
{
    return irql_names[irql];
}

void trace_format_statuses(uint32_t allowed, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; i < TRACE_NSTATUS; i++) {
        if (!(allowed & (1u << i)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "|" : "", status_names[i]);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

int tok_status(struct tok t)
{
    /* Only the names that start with the token's first letter are compared (one or two,
     * six for INVALID_...): this runs once per status in every call line. */
    if (t.len == 0)
        return -1;
    for (unsigned i = 0; i < TRACE_NSTATUS; i++)
        if (status_names[i][0] == t.p[0] && tok_is(t, status_names[i]))
            return (int)i;
    return -1;
}

int tok_hex_status(struct tok t, uint32_t *out)
{
    if (t.len < 2 || t.p[0] != '0' || t.p[1] != 'x')
        return 0;
    if (t.len != 10)
        return -1;
    uint32_t v = 0;
    for (size_t i = 2; i < 10; i++) {
        char c = t.p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

int tok_irql(struct tok t)
{
    for (unsigned i = 0; i < sizeof irql_names / sizeof irql_names[0]; i++)
        if (tok_is(t, irql_names[i]))
            return (int)i;
    return -1;
}

bool tok_is_keyword(struct tok t)
{
    for (unsigned i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (tok_is(t, keywords[i]))
            return true;
    return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

bool tok_is_name(struct tok t)
{
    if (t.len == 0 || !is_lower(t.p[0]))
        return false;
    for (size_t i = 1; i < t.len; i++)
        if (!is_lower(t.p[i]) && !is_digit(t.p[i]) && t.p[i] != '_')
            return false;
    if (tok_is_keyword(t))
        return false;
    return !(t.len > 3 && memcmp(t.p, "sys", 3) == 0 && is_digit(t.p[3]));
}

bool tok_is_meta_key(struct tok t)
{
    if (t.len == 0 || !is_lower(t.p[0]))
        return false;
    for (size_t i = 1; i < t.len; i++)
        if (!is_lower(t.p[i]) && !is_digit(t.p[i]) && t.p[i] != '_' && t.p[i] != '-')
            return false;
    return true;
}

void tok_show(struct tok t, char *buf, size_t size)
{
    /* A bounded, printable rendering of a token for messages ("..." if cut). */
    size_t j = 0, i = 0;
    if (size < 8) {
        if (size)
            buf[0] = '\0';
        return;
    }
    for (; i < t.len && j + 4 < size; i++) {
        unsigned char c = (unsigned char)t.p[i];
        buf[j++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
    }
    if (i < t.len) {
        buf[j++] = '.';
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j] = '\0';
}
