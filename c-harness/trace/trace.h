/*
 * The C reader of stork trace format version 1 (spec/trace-format.md).
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

#define TRACE_VERSION 1
#define TRACE_NSTATUS 13         /* statuses, in storport.h order: bit i = 0xC1000000|i */
#define TRACE_MAX_NUMBER 999999999u /* largest N accepted in wN, badN, cbN, ctxN, sysN */

enum trace_kind { EV_CALL, EV_START, EV_RETURN, EV_REMOVE_BEGIN, EV_REMOVE_END, EV_FAIL_ALLOC };
enum trace_api { API_INIT, API_QUEUE, API_FREE };
enum trace_irql { IRQL_PASSIVE, IRQL_APC, IRQL_DISPATCH, IRQL_DIRQL };
enum trace_ref { REF_NULL, REF_NUM, REF_BAD }; /* null; wN / cbN / ctxN; badN */

/* A handle, routine or context argument. */
struct trace_arg {
    enum trace_ref ref;
    uint32_t num;  /* N of wN, cbN, ctxN or badN */
    uint32_t slot; /* trace_check: dense index of this distinct badN / cbN / ctxN */
};

struct trace_event {
    enum trace_kind kind;
    int line;
    uint32_t text_off, text_len; /* the line, trimmed, in trace.text */
    /* call */
    bool ctx_sys;        /* call from sysN (else a named miniport routine) */
    uint32_t thread;     /* N of sysN: call context, start, return */
    uint32_t thread_slot; /* trace_check: dense index of sysN */
    enum trace_irql irql;
    enum trace_api api;
    struct trace_arg handle;  /* queue/free handle; start/return worker (REF_NUM) */
    struct trace_arg routine; /* queue/start */
    struct trace_arg context; /* queue/start */
    uint32_t allowed;         /* bit set of allowed statuses (bit 0 SUCCESS) */
    uint32_t new_worker;      /* init -> SUCCESS wN: N; else 0 */
};

struct trace_meta {
    uint32_t key_off, key_len, value_off, value_len; /* in trace.text */
};

struct trace {
    char *text; /* a private copy of the file, NUL-terminated */
    size_t text_len;
    struct trace_meta *meta;
    size_t nmeta;
    struct trace_event *events;
    size_t nevents;
    bool has_loop;
    size_t loop_at; /* index of the first event of the cycle */
    int end_line;   /* line of 'end' */
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

/* Status names: index i is the status with bit i in `allowed`. */
const char *trace_status_name(unsigned i);
/* Bit index of a STOR_STATUS value, or -1 if it is not one of the thirteen. */
int trace_status_bit(uint32_t status);
const char *trace_irql_name(enum trace_irql irql);
/* "A|B|C" for a bit set, into buf. */
void trace_format_statuses(uint32_t allowed, char *buf, size_t size);

#endif
