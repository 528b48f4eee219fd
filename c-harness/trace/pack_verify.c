/* The events of a packed trace, checked before the replay sees them (pack.h): every field in
 * range, so that each index the replay takes from an event falls inside the table it indexes
 * (replay/driver.c sizes them by the same bounds).  The order of the events (a start on an idle
 * thread, a return of the callback running there, ...) is checked by the replay itself as it
 * goes, where it costs a comparison it nearly makes anyway; a separate pass keeping that state
 * cost a fifth of the whole replay.
 *
 * The checks are per field and independent of the event's kind, which makes them a fixed
 * pattern of limits: with SSE2, one saturating subtraction against the limits per event (a
 * field over its limit leaves a non-zero byte), sixteen bytes at a time. */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pack.h"
#include "tokens.h"

#define ALL_STATUSES ((1u << TRACE_NSTATUS) - 1)

static uint16_t at_least_one(uint32_t n)
{
    return (uint16_t)(n ? n : 1);
}

/* The largest value each field of t's events may hold, as an event. */
static struct trace_event limits_of(const struct trace *t)
{
    uint32_t handles = t->nworkers > t->nbad ? t->nworkers : t->nbad;
    return (struct trace_event){
        .kind = EV_FAIL_ALLOC, .api = API_FREE, .irql = IRQL_DIRQL, .ctx_sys = 1,
        .handle_ref = REF_BAD, .routine_ref = REF_BAD, .context_ref = REF_BAD,
        .routine = (uint8_t)(at_least_one(t->nroutines) - 1), /* replay_routines has 16 */
        .allowed = ALL_STATUSES,
        .thread = (uint16_t)(at_least_one(t->nthreads) - 1), /* sys[] has nthreads + 1 */
        .handle = (uint16_t)handles,                          /* workers[] etc. have handles + 1 */
        .context = (uint16_t)t->ncontexts,                    /* ctx_area[] has ncontexts + 1 */
    };
}

static bool event_ok(const struct trace_event *e, const struct trace_event *m)
{
    return e->kind <= m->kind && e->api <= m->api && e->irql <= m->irql && e->ctx_sys <= m->ctx_sys &&
           e->handle_ref <= m->handle_ref && e->routine_ref <= m->routine_ref &&
           e->context_ref <= m->context_ref && e->routine <= m->routine && e->allowed <= m->allowed &&
           e->thread <= m->thread && e->handle <= m->handle && e->context <= m->context;
}

/* True if every event is within the limits. */
static bool all_ok(const struct trace *t, const struct trace_event *max)
{
#if defined(__SSE2__)
    _Static_assert(sizeof(struct trace_event) == 16, "an event is one SSE2 register");
    /* Bytes 0-7 are u8 fields, bytes 8-15 u16 ones: two limit vectors, each leaving the other
     * half unconstrained (0xFF / 0xFFFF: a saturating subtraction of those gives 0). */
    unsigned char lim[16];
    memcpy(lim, max, sizeof lim);
    __m128i both = _mm_loadu_si128((const __m128i *)(const void *)lim);
    __m128i low = _mm_set_epi32(0, 0, -1, -1), high = _mm_set_epi32(-1, -1, 0, 0); /* bytes 0-7, 8-15 */
    __m128i lim8 = _mm_or_si128(_mm_and_si128(both, low), high);  /* u8 limits, then 0xFF */
    __m128i lim16 = _mm_or_si128(_mm_and_si128(both, high), low); /* 0xFFFF, then u16 limits */
    __m128i over = _mm_setzero_si128();
    const struct trace_event *e = t->events, *end = e + t->nevents;
    for (; e < end; e++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)e);
        over = _mm_or_si128(over, _mm_or_si128(_mm_subs_epu8(v, lim8), _mm_subs_epu16(v, lim16)));
    }
    return _mm_movemask_epi8(_mm_cmpeq_epi8(over, _mm_setzero_si128())) == 0xFFFF;
#else
    for (size_t i = 0; i < t->nevents; i++)
        if (!event_ok(&t->events[i], max))
            return false;
    return true;
#endif
}

bool pack_verify(const struct trace *t, struct trace_error *err)
{
    struct trace_event max = limits_of(t);
    if (all_ok(t, &max))
        return true;
    size_t i = 0;
    while (i < t->nevents && event_ok(&t->events[i], &max))
        i++;
    return trace_fail(err, i < t->nevents ? t->source[i].line : t->end_line,
                      "damaged pack: event %zu has a field out of range (pack the traces again)", i + 1);
}
