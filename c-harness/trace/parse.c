/* The syntax of trace format versions 1 to 3: header, meta, events, loop, end (spec/trace-format.md).
 * Messages follow the Python reader's wording (conformance/stork/trace.py) so both name the
 * same line for the same file (the golden files check this). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tokens.h"
#include "trace.h"

#define MAX_FIELDS 12

struct line {
    struct tok f[MAX_FIELDS];
    size_t n;      /* fields stored */
    size_t nfield; /* fields present (may exceed MAX_FIELDS) */
    int version;   /* the trace's (1 to 3): a hex status needs 2, a re-issued handle 3 */
};

static bool is_blank(char c)
{
    /* All blanks are <= ' ', so most characters are decided by the first compare. */
    return (unsigned char)c <= ' ' &&
           (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f');
}

/* The first blank or '\n' at or after p (or end).  Eight bytes at a time where the byte order
 * allows: a word with no byte below 0x21 holds neither, so it is skipped whole; otherwise the
 * lowest such byte is looked at (a control character that is not a blank is part of a token). */
static const char *token_end(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t below21 = (w - 0x2121212121212121ull) & ~w & 0x8080808080808080ull;
        if (!below21) {
            p += 8;
            continue;
        }
        p += __builtin_ctzll(below21) / 8;
        if (is_blank(*p) || *p == '\n')
            return p;
        p++;
    }
#endif
    while (p < end && !is_blank(*p) && *p != '\n')
        p++;
    return p;
}

#if defined(__SSE2__)
/* Bit i: byte p[i] is a blank or '\n' (' ' or 9..13: \t \n \v \f \r); *nl: it is '\n'. */
static uint32_t separators16(const char *p, uint32_t *nl)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8(9));
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(4)), t);
    __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    *nl = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(ctl, sp));
}

/* split() for a line that ends within the next 64 bytes (most trace lines), with no loop per
 * character: a bit mask of the line's non-blank bytes, whose runs are the fields.  NULL if
 * the line is longer or the text ends within 64 bytes (then split() goes byte by byte). */
static const char *split64(const char *p, const char *end, struct line *l)
{
    if (end - p < 64)
        return NULL;
    uint64_t sep = 0, nl = 0;
    for (unsigned k = 0; k < 64; k += 16) {
        uint32_t n;
        sep |= (uint64_t)separators16(p + k, &n) << k;
        nl |= (uint64_t)n << k;
    }
    if (!nl)
        return NULL;
    unsigned len = (unsigned)__builtin_ctzll(nl); /* < 64 */
    uint64_t field = ~sep & ((1ull << len) - 1);
    l->n = l->nfield = 0;
    while (field) {
        unsigned at = (unsigned)__builtin_ctzll(field);
        unsigned n = (unsigned)__builtin_ctzll(~(field >> at));
        if (l->n < MAX_FIELDS)
            l->f[l->n++] = (struct tok){p + at, n};
        l->nfield++;
        field &= field + (field & (~field + 1)); /* clears the lowest run of ones */
    }
    return p + len;
}
#endif

/* The number of '\n' in text[0..len), sixteen bytes at a time with SSE2 (memchr per line
 * cost a call per line). */
static size_t count_newlines(const char *text, size_t len)
{
    size_t n = 0, i = 0;
#if defined(__SSE2__)
    for (; len - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        n += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
    }
#endif
    for (; i < len; i++)
        n += text[i] == '\n';
    return n;
}

/* Split the line starting at p into fields; returns where it ends (its '\n', or end). */
static const char *split(const char *p, const char *end, struct line *l)
{
#if defined(__SSE2__)
    const char *fast = split64(p, end, l);
    if (fast)
        return fast;
#endif
    l->n = l->nfield = 0;
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end || *p == '\n')
            return p;
        const char *s = p;
        p = token_end(p, end);
        if (l->n < MAX_FIELDS)
            l->f[l->n++] = (struct tok){s, (size_t)(p - s)};
        l->nfield++;
    }
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = p[0] & 0x07;
    } else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static bool check_utf8(const char *data, size_t len, struct trace_error *err)
{
    for (size_t i = 0; i < len;) {
        /* ASCII, the usual case, eight bytes at a time */
        uint64_t word;
        if (len - i >= 8) {
            memcpy(&word, data + i, 8);
            if (!(word & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        size_t n = utf8_len((const unsigned char *)data + i, len - i);
        if (n == 0) {
            int line = 1; /* counted only for the message */
            for (size_t j = 0; j < i; j++)
                line += data[j] == '\n';
            return trace_fail(err, line, "not UTF-8 text (invalid byte 0x%02x)",
                        (unsigned char)data[i]);
        }
        i += n;
    }
    return true;
}

static bool expect(bool ok, struct trace_error *err, int n, const char *what, struct tok t)
{
    char shown[64];
    if (ok)
        return true;
    tok_show(t, shown, sizeof shown);
    return trace_fail(err, n, "expected %s, got '%s'", what, shown);
}

/* Inlined at each use (GCC and clang): the prefix is then a constant and its comparison a
 * couple of instructions; as a call, with seven arguments, it cost 7% of reading a trace. */
__attribute__((always_inline)) static inline bool number(struct tok t, const char *prefix,
                                                         bool zero_ok, uint32_t *out,
                                                         struct trace_error *err, int n,
                                                         const char *what)
{
    enum numtok r = tok_number(t, prefix, zero_ok, out);
    if (r == NUM_TOO_BIG)
        return trace_fail(err, n, "number too large in '%.*s' (at most %u)", (int)(t.len > 40 ? 40 : t.len),
                    t.p, TRACE_MAX_NUMBER);
    return expect(r == NUM_OK, err, n, what, t);
}

static bool is_ctx(struct tok t)
{
    uint32_t v;
    return tok_number(t, "sys", true, &v) != NUM_NO || tok_is_name(t);
}

/* Part `part` of a set is a hex status equal to one of the earlier parts t[0..before). */
static bool hex_repeated(struct tok t, size_t before, uint32_t v)
{
    size_t i = 0;
    while (i < before) {
        size_t s = i;
        while (i < before && t.p[i] != '|')
            i++;
        uint32_t w;
        if (tok_hex_status((struct tok){t.p + s, i - s}, &w) == 1 && w == v)
            return true;
        i++;
    }
    return false;
}

static bool statuses(struct tok t, int version, uint32_t *set, struct trace_error *err, int n)
{
    char shown[64];
    *set = 0;
    size_t i = 0;
    for (;;) {
        size_t s = i;
        while (i < t.len && t.p[i] != '|')
            i++;
        struct tok part = {t.p + s, i - s};
        int b = tok_status(part);
        bool other = false;
        if (b < 0) {
            uint32_t v;
            int h = tok_hex_status(part, &v);
            tok_show(part, shown, sizeof shown);
            if (h < 0)
                return trace_fail(err, n, "malformed hex status '%s' (expected 0x and 8 hex digits)", shown);
            if (h == 0)
                return trace_fail(err, n, "unknown status '%s' (expected a STOR_STATUS name without the prefix)",
                            shown);
            if (version < 2)
                return trace_fail(err, n, "hex status '%s' needs trace version 2 (header 'stork-trace 2')", shown);
            b = trace_status_bit(v);
            if (b < 0) {
                other = true;
                if (hex_repeated(t, s, v)) {
                    tok_show(t, shown, sizeof shown);
                    return trace_fail(err, n, "status repeated in the allowed set '%s'", shown);
                }
                *set |= TRACE_STATUS_OTHER;
            }
        }
        if (!other) {
            if (*set & (1u << b)) {
                tok_show(t, shown, sizeof shown);
                return trace_fail(err, n, "status repeated in the allowed set '%s'", shown);
            }
            *set |= 1u << b;
        }
        if (i == t.len)
            return true;
        i++;
    }
}

/* A handle: its kind into *ref, its N into *num. */
static bool handle(struct tok t, uint8_t *ref, uint32_t *num, struct trace_error *err, int n)
{
    const char *what = "a handle (wN, null or badN)";
    if (tok_is(t, "null")) {
        *ref = REF_NULL;
        return true;
    }
    if (tok_number(t, "bad", true, num) != NUM_NO) {
        *ref = REF_BAD;
        return number(t, "bad", true, num, err, n, what);
    }
    *ref = REF_NUM;
    return number(t, "w", false, num, err, n, what);
}

static bool nullable(struct tok t, const char *prefix, uint8_t *ref, uint32_t *num,
                     struct trace_error *err, int n, const char *what)
{
    if (tok_is(t, "null")) {
        *ref = REF_NULL;
        return true;
    }
    *ref = REF_NUM;
    return number(t, prefix, true, num, err, n, what);
}

static bool allowed(struct tok t, int version, struct trace_event *e, struct trace_error *err, int n)
{
    uint32_t set;
    if (!statuses(t, version, &set, err, n))
        return false;
    e->allowed = (uint16_t)set;
    return true;
}

/* "SUCCESS wN = wM" (version 3): the init issues, as wN, the handle of the earlier worker wM
 * again.  Kept as the event's handle (an init has no handle argument), so a pack holds it. */
static bool reissued(const struct line *l, struct trace_event *e, struct trace_source *s,
                     struct trace_error *err, int n)
{
    char shown[64];
    tok_show(l->f[8], shown, sizeof shown);
    if (l->version < 3)
        return trace_fail(err, n, "a re-issued handle ('= %s') needs trace version 3 (header 'stork-trace 3')",
                          shown);
    if (!number(l->f[8], "w", false, &s->handle, err, n, "the earlier worker wM whose handle is issued again"))
        return false;
    if (s->handle >= s->new_worker)
        return trace_fail(err, n, "'w%u = %s': the re-issued handle must be an earlier worker's (wM with M < %u)",
                          s->new_worker, shown, s->new_worker);
    e->handle_ref = REF_NUM;
    return true;
}

static bool parse_call(const struct line *l, struct trace_event *e, struct trace_source *s,
                       struct trace_error *err, int n)
{
    if (l->nfield < 4)
        return trace_fail(err, n, "expected 'call CTX IRQL init|queue|free ...'");
    struct tok ctx = l->f[1], irql = l->f[2], api = l->f[3];
    if (!expect(is_ctx(ctx), err, n, "a context name (a miniport routine or sysN)", ctx))
        return false;
    if (tok_number(ctx, "sys", true, &s->thread) != NUM_NO) {
        e->ctx_sys = 1;
        if (!number(ctx, "sys", true, &s->thread, err, n, "a system thread sysN"))
            return false;
    }
    int q = tok_irql(irql);
    if (!expect(q >= 0, err, n, "an IRQL (PASSIVE, APC, DISPATCH, DIRQL)", irql))
        return false;
    e->irql = (uint8_t)q;
    if (tok_is(api, "init")) {
        e->api = API_INIT;
        bool reissue = l->nfield == 9 && tok_is(l->f[5], "SUCCESS") && tok_is(l->f[7], "=");
        if ((l->nfield != 6 && l->nfield != 7 && !reissue) || !tok_is(l->f[4], "->"))
            return trace_fail(err, n, "expected 'call CTX IRQL init -> SUCCESS wN' or 'init -> STATUS[|STATUS...]'");
        if (tok_is(l->f[5], "SUCCESS")) {
            if (l->nfield == 6)
                return trace_fail(err, n, "expected the new worker's name after 'init -> SUCCESS'");
            e->allowed = 1;
            if (!number(l->f[6], "w", false, &s->new_worker, err, n, "a worker name wN"))
                return false;
            return !reissue || reissued(l, e, s, err, n);
        }
        if (l->nfield != 6)
            return trace_fail(err, n, "expected nothing after a failed init's statuses");
        if (!allowed(l->f[5], l->version, e, err, n))
            return false;
        if (e->allowed & 1)
            return trace_fail(err, n, "SUCCESS in an init error set (a successful init is 'SUCCESS wN')");
        return true;
    }
    if (tok_is(api, "queue")) {
        e->api = API_QUEUE;
        if (l->nfield != 9 || !tok_is(l->f[7], "->"))
            return trace_fail(err, n, "expected 'call CTX IRQL queue HANDLE ROUTINE CONTEXT -> STATUSES'");
        return handle(l->f[4], &e->handle_ref, &s->handle, err, n) &&
               nullable(l->f[5], "cb", &e->routine_ref, &s->routine, err, n, "a routine (cbN or null)") &&
               nullable(l->f[6], "ctx", &e->context_ref, &s->context, err, n, "a context (ctxN or null)") &&
               allowed(l->f[8], l->version, e, err, n);
    }
    if (tok_is(api, "free")) {
        e->api = API_FREE;
        if (l->nfield != 7 || !tok_is(l->f[5], "->"))
            return trace_fail(err, n, "expected 'call CTX IRQL free HANDLE -> STATUSES'");
        return handle(l->f[4], &e->handle_ref, &s->handle, err, n) && allowed(l->f[6], l->version, e, err, n);
    }
    return expect(false, err, n, "init, queue or free", api);
}

static bool parse_event(const struct line *l, struct trace_event *e, struct trace_source *s,
                        struct trace_error *err, int n)
{
    struct tok k = l->f[0];
    char shown[64];
    if (tok_is(k, "call")) {
        e->kind = EV_CALL;
        return parse_call(l, e, s, err, n);
    }
    if (tok_is(k, "start")) {
        e->kind = EV_START;
        if (l->nfield != 5)
            return trace_fail(err, n, "expected 'start sysN wN ROUTINE CONTEXT'");
        e->handle_ref = REF_NUM;
        return number(l->f[1], "sys", true, &s->thread, err, n, "a system thread sysN") &&
               number(l->f[2], "w", false, &s->handle, err, n, "a worker wN") &&
               nullable(l->f[3], "cb", &e->routine_ref, &s->routine, err, n, "a routine (cbN or null)") &&
               nullable(l->f[4], "ctx", &e->context_ref, &s->context, err, n, "a context (ctxN or null)");
    }
    if (tok_is(k, "return")) {
        e->kind = EV_RETURN;
        if (l->nfield != 3)
            return trace_fail(err, n, "expected 'return sysN wN'");
        e->handle_ref = REF_NUM;
        return number(l->f[1], "sys", true, &s->thread, err, n, "a system thread sysN") &&
               number(l->f[2], "w", false, &s->handle, err, n, "a worker wN");
    }
    if (tok_is(k, "remove")) {
        if (l->nfield != 2 || !(tok_is(l->f[1], "begin") || tok_is(l->f[1], "end")))
            return trace_fail(err, n, "expected 'remove begin' or 'remove end'");
        e->kind = tok_is(l->f[1], "begin") ? EV_REMOVE_BEGIN : EV_REMOVE_END;
        return true;
    }
    if (tok_is(k, "fail-alloc")) {
        e->kind = EV_FAIL_ALLOC;
        if (l->nfield != 1)
            return trace_fail(err, n, "expected nothing after 'fail-alloc'");
        return true;
    }
    tok_show(k, shown, sizeof shown);
    return trace_fail(err, n, "unknown event '%s' (expected call, start, return, remove, fail-alloc, loop or end)",
                shown);
}

static bool push_meta(struct trace *t, size_t *cap, struct trace_error *err, int n)
{
    if (t->nmeta < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    struct trace_meta *m = realloc(t->meta, c * sizeof *m);
    if (!m)
        return trace_fail(err, n, "out of memory");
    t->meta = m;
    *cap = c;
    return true;
}

static bool parse_header(const char *p, size_t len, int *version, struct trace_error *err)
{
    struct line l;
    split(p, p + len, &l);
    if (l.nfield == 2 && tok_is(l.f[0], "stork-trace") && !tok_is(l.f[1], "1") && !tok_is(l.f[1], "2") &&
        !tok_is(l.f[1], "3")) {
        char shown[64];
        tok_show(l.f[1], shown, sizeof shown);
        return trace_fail(err, 1, "unsupported trace version %s (this reader knows 1, 2 and 3)", shown);
    }
    if (l.nfield != 2 || !tok_is(l.f[0], "stork-trace")) {
        char shown[64];
        tok_show((struct tok){p, len}, shown, sizeof shown);
        return trace_fail(err, 1, "expected the header 'stork-trace 1', 'stork-trace 2' or 'stork-trace 3', "
                                  "got '%s'", shown);
    }
    *version = tok_is(l.f[1], "3") ? 3 : tok_is(l.f[1], "2") ? 2 : 1;
    return true;
}

static bool parse_body(struct trace *t, struct trace_error *err)
{
    const char *text = t->text;
    size_t len = t->text_len;
    /* Lines are split on '\n'; a final '\n' does not start another line. */
    const char *nl = memchr(text, '\n', len);
    size_t hlen = nl ? (size_t)(nl - text) : len;
    if (!parse_header(text, hlen, &t->version, err))
        return false;
    /* One allocation for the events and their sources, sized by the line count (an event per
     * line at most): growing it by doubling copied it ten times on a long trace and touched
     * twice the memory. */
    size_t lines = 1 + count_newlines(text, len);
    t->events = malloc(lines * (sizeof *t->events + sizeof *t->source));
    if (!t->events)
        return trace_fail(err, 1, "out of memory");
    t->source = (struct trace_source *)(void *)(t->events + lines);
    size_t mcap = 0;
    bool ended = false;
    int n = 1;
    size_t pos = nl ? hlen + 1 : len;
    while (pos < len) {
        n++;
        const char *lp = text + pos;
        struct line l;
        const char *e = split(lp, text + len, &l);
        l.version = t->version;
        size_t ll = (size_t)(e - lp);
        pos += ll + (e < text + len ? 1 : 0);
        if (l.nfield == 0 || l.f[0].p[0] == '#')
            continue;
        if (ended)
            return trace_fail(err, n, "expected nothing but comments after 'end'");
        struct tok k = l.f[0];
        if (tok_is(k, "meta")) {
            if (t->nevents || t->has_loop)
                return trace_fail(err, n, "'meta' after the first event");
            if (l.nfield < 2 || !tok_is_meta_key(l.f[1]))
                return trace_fail(err, n, "expected 'meta KEY VALUE...' with a lower-case key");
            if (!push_meta(t, &mcap, err, n))
                return false;
            struct trace_meta *m = &t->meta[t->nmeta++];
            m->key_off = (uint32_t)(l.f[1].p - text);
            m->key_len = (uint32_t)l.f[1].len;
            const char *vs = l.f[1].p + l.f[1].len, *ve = lp + ll;
            while (vs < ve && is_blank(*vs))
                vs++;
            while (ve > vs && is_blank(ve[-1]))
                ve--;
            m->value_off = (uint32_t)(vs - text);
            m->value_len = (uint32_t)(ve - vs);
        } else if (tok_is(k, "end")) {
            if (l.nfield != 1)
                return trace_fail(err, n, "expected nothing after 'end'");
            ended = true;
            t->end_line = n;
        } else if (tok_is(k, "loop")) {
            if (l.nfield != 1 || t->has_loop)
                return trace_fail(err, n, "expected one 'loop' line, alone");
            t->has_loop = true;
            t->loop_at = t->nevents;
        } else {
            struct trace_event *ev = &t->events[t->nevents];
            struct trace_source *src = &t->source[t->nevents];
            memset(ev, 0, sizeof *ev);
            memset(src, 0, sizeof *src);
            src->line = n;
            const char *first = l.f[0].p;
            const char *last = lp + ll;
            while (last > first && is_blank(last[-1]))
                last--;
            src->text_off = (uint32_t)(first - text);
            src->text_len = (uint32_t)(last - first);
            if (!parse_event(&l, ev, src, err, n))
                return false;
            t->nevents++;
        }
    }
    if (!ended) {
        /* The Python reader numbers a missing 'end' one past the last line. */
        return trace_fail(err, n + 1, "truncated trace: no 'end' line (the recording was cut short)");
    }
    return true;
}

bool trace_parse_owned(char *data, size_t len, struct trace *t, struct trace_error *err)
{
    memset(t, 0, sizeof *t);
    err->line = 0;
    err->message[0] = '\0';
    bool ok = false;
    if (len == 0)
        trace_fail(err, 1, "expected the header 'stork-trace 1', 'stork-trace 2' or 'stork-trace 3', got "
                           "an empty file");
    else if (len > UINT32_MAX - 1)
        trace_fail(err, 1, "file too large");
    else
        ok = check_utf8(data, len, err);
    if (!ok) {
        free(data);
        return false;
    }
    t->text = data;
    t->text[len] = '\0';
    t->text_len = len;
    if (!parse_body(t, err)) {
        trace_free(t);
        return false;
    }
    return true;
}

bool trace_parse(const char *data, size_t len, struct trace *t, struct trace_error *err)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        memset(t, 0, sizeof *t);
        return trace_fail(err, 1, "out of memory");
    }
    memcpy(copy, data, len);
    return trace_parse_owned(copy, len, t, err);
}

void trace_free(struct trace *t)
{
    free(t->text);
    free(t->meta);
    free(t->events);
    memset(t, 0, sizeof *t);
}

bool trace_event_allows(const struct trace *t, size_t i, uint32_t st)
{
    const struct trace_event *e = &t->events[i];
    int bit = trace_status_bit(st);
    if (bit >= 0)
        return (e->allowed & (1u << bit)) != 0;
    if (!(e->allowed & TRACE_STATUS_OTHER))
        return false;
    /* The set is the line's last field; its hex parts are compared exactly. */
    int len;
    const char *p = trace_event_text(t, i, &len);
    int s = len;
    while (s > 0 && !is_blank(p[s - 1]))
        s--;
    for (int k = s; k < len;) {
        int from = k;
        while (k < len && p[k] != '|')
            k++;
        uint32_t v;
        if (tok_hex_status((struct tok){p + from, (size_t)(k - from)}, &v) == 1 && v == st)
            return true;
        k++;
    }
    return false;
}

const char *trace_event_text(const struct trace *t, size_t i, int *len)
{
    static const char damaged[] = "(the text of this line is not in the pack: it is damaged)";
    const struct trace_source *s = &t->source[i];
    if (s->text_off > t->text_len || s->text_len > t->text_len - s->text_off || s->text_len > INT32_MAX) {
        *len = (int)sizeof damaged - 1;
        return damaged;
    }
    *len = (int)s->text_len;
    return t->text + s->text_off;
}
