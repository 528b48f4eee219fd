/*
 * The C reader of stork trace format versions 1 to 3 (spec/trace-format.md).
 *
 * trace_parse()  syntax: one line at a time, the grammar and "what a reader must reject".
 * trace_check()  what a replay additionally rejects (workers used before issue, sysN calls
 *                outside a callback, start/return mismatches) and numbering of the distinct
 *                badN / cbN / ctxN / sysN values into dense slots for the replay.
 * Both report the first problem as (line, message); neither allocates on failure paths that
 * it does not release.
 */
#ifndef STORK_TRACE_H
#define STORK_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_VERSION 3         /* the newest version read; 1 and 2 are read as before */
#define TRACE_NSTATUS 13         /* statuses, in storport.h order: bit i = 0xC1000000|i */
/* Bit of `allowed` for "a hex status that is not a STOR_STATUS" (version 2): its values are
 * only in the line's text, which trace_event_allows reads. */
#define TRACE_STATUS_OTHER 0x8000u
#define TRACE_MAX_NUMBER 999999999u /* largest N accepted in wN, badN, cbN, ctxN, sysN */

enum trace_kind { EV_CALL, EV_START, EV_RETURN, EV_REMOVE_BEGIN, EV_REMOVE_END, EV_FAIL_ALLOC };
enum trace_api { API_INIT, API_QUEUE, API_FREE };
enum trace_irql { IRQL_PASSIVE, IRQL_APC, IRQL_DISPATCH, IRQL_DIRQL };
enum trace_ref { REF_NULL, REF_NUM, REF_BAD }; /* null; wN / cbN / ctxN; badN */

/* The largest number of distinct workers, badN, ctxN or sysN one trace may use: the replay
 * keeps their indices in 16 bits (trace_check rejects more). */
#define TRACE_MAX_SLOTS 65535u
/* The replay supplies this many distinct HW_WORKITEM routines (replay/routines.c). */
#define TRACE_MAX_ROUTINES 16

/* An event as the replay walks it: what it needs and nothing else, 16 bytes, so a long trace
 * stays in the cache and a pack (pack.h) can hold it as it is.  Indices are dense slots given
 * by trace_check, in first-seen order; the numbers written in the trace are in trace_source. */
struct trace_event {
    uint8_t kind;        /* enum trace_kind */
    uint8_t api;         /* enum trace_api (call) */
    uint8_t irql;        /* enum trace_irql (call) */
    uint8_t ctx_sys;     /* 1: a call from sysN (else from a named miniport routine) */
    uint8_t handle_ref;  /* enum trace_ref: queue/free handle; start/return worker (REF_NUM);
                          * init: REF_NUM if it re-issues the handle of worker `handle` */
    uint8_t routine_ref; /* enum trace_ref of the routine (queue/start) */
    uint8_t context_ref; /* enum trace_ref of the context (queue/start) */
    uint8_t routine;     /* slot of cbN */
    uint16_t allowed;    /* bit set of allowed statuses (bit 0 SUCCESS) */
    uint16_t thread;     /* slot of sysN: call context, start, return */
    uint16_t handle;     /* REF_NUM: N of wN (workers are numbered densely); REF_BAD: slot */
    uint16_t context;    /* slot of ctxN */
};

/* Where event i came from (trace.source[i]): what reports and the checks read. */
struct trace_source {
    int line;
    uint32_t text_off, text_len; /* the line, trimmed, in trace.text */
    uint32_t thread;             /* N of sysN */
    uint32_t handle;             /* N of wN or badN; init: M of "SUCCESS wN = wM", else 0 */
    uint32_t routine;            /* N of cbN */
    uint32_t context;            /* N of ctxN */
    uint32_t new_worker;         /* init -> SUCCESS wN: N; else 0 */
};

struct trace_meta {
    uint32_t key_off, key_len, value_off, value_len; /* in trace.text */
};

struct trace {
    char *text; /* a private copy of the file, NUL-terminated (in a pack: not NUL-terminated) */
    size_t text_len;
    struct trace_meta *meta;
    size_t nmeta;
    struct trace_event *events;
    struct trace_source *source; /* per event, in the same block as events */
    size_t nevents;
    bool has_loop;
    size_t loop_at; /* index of the first event of the cycle */
    int end_line;   /* line of 'end' */
    int version;    /* the header's: 1 to 3 (0 in a trace read from a pack) */
    /* filled in by trace_check */
    uint32_t nworkers, nbad, nroutines, ncontexts, nthreads;
};

struct trace_error {
    int line;
    char message[256];
};

/* Parse `len` bytes.  On success fills *t (release with trace_free) and returns true. */
bool trace_parse(const char *data, size_t len, struct trace *t, struct trace_error *err);
/* The same on a malloc'd buffer with room for len + 1 bytes, which the trace takes over (its
 * text; freed by trace_free, or here on failure): saves copying a file just read. */
bool trace_parse_owned(char *data, size_t len, struct trace *t, struct trace_error *err);
/* The replay-level checks; assigns slots.  Returns false with *err on the first problem. */
bool trace_check(struct trace *t, struct trace_error *err);
void trace_free(struct trace *t);
/* The text of event i's line (trimmed) and its length into *len; a placeholder if the place
 * recorded for it lies outside the text, which only a damaged pack can have. */
const char *trace_event_text(const struct trace *t, size_t i, int *len);

/* Whether event i (a call) allows status st: a named status by its bit, any other value by
 * the hex statuses of its line (TRACE_STATUS_OTHER). */
bool trace_event_allows(const struct trace *t, size_t i, uint32_t st);

/* Status names: index i is the status with bit i in `allowed`. */
const char *trace_status_name(unsigned i);
/* Bit index of a STOR_STATUS value, or -1 if it is not one of the thirteen.  Inline: the
 * replay checks every status it gets with it. */
static inline int trace_status_bit(uint32_t status)
{
    if (status == 0)
        return 0;
    if (status >= 0xC1000001u && status <= 0xC1000000u + TRACE_NSTATUS - 1)
        return (int)(status - 0xC1000000u);
    return -1;
}
const char *trace_irql_name(enum trace_irql irql);
/* "A|B|C" for a bit set, into buf. */
void trace_format_statuses(uint32_t allowed, char *buf, size_t size);

#endif
