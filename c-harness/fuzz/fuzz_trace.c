/* libFuzzer target: the trace reader (syntax and replay-level checks) on arbitrary bytes.
 * It must never crash, leak or read out of bounds; an accepted trace must be self-consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace t;
    struct trace_error err;
    if (!trace_parse((const char *)data, size, &t, &err)) {
        if (err.line < 1 || !err.message[0])
            abort(); /* every rejection names a line and says what was expected */
        return 0;
    }
    if (trace_check(&t, &err)) {
        char buf[256];
        for (size_t i = 0; i < t.nevents; i++) {
            const struct trace_event *e = &t.events[i];
            const struct trace_source *s = &t.source[i];
            int len;
            if (s->text_off + s->text_len > t.text_len || s->line < 2 ||
                trace_event_text(&t, i, &len) != t.text + s->text_off)
                abort();
            if (e->routine_ref != REF_NULL && e->routine >= t.nroutines)
                abort();
            if (e->context_ref != REF_NULL && e->context >= t.ncontexts)
                abort();
            if (e->handle_ref == REF_NUM && (e->handle == 0 || e->handle > t.nworkers))
                abort();
            if (e->handle_ref == REF_BAD && e->handle >= t.nbad)
                abort();
            if ((e->kind == EV_START || e->kind == EV_RETURN || e->ctx_sys) && e->thread >= t.nthreads)
                abort();
            trace_format_statuses(e->allowed, buf, sizeof buf);
            /* a named status is allowed exactly when its bit is set; another only by a hex
             * status (version 2 or later) the line writes */
            if (e->kind == EV_CALL) {
                if (trace_event_allows(&t, i, 0xC100000Cu) != ((e->allowed >> 12) & 1))
                    abort();
                if (trace_event_allows(&t, i, 0xC0000002u) && !(e->allowed & TRACE_STATUS_OTHER))
                    abort();
                if ((e->allowed & TRACE_STATUS_OTHER) && t.version < 2)
                    abort();
                /* a re-issued handle (version 3) names an earlier worker than the new one */
                if (e->api == API_INIT && e->handle_ref != REF_NULL &&
                    (t.version < 3 || e->handle_ref != REF_NUM || e->handle != s->handle ||
                     s->handle >= s->new_worker || !(e->allowed & 1u)))
                    abort();
            }
        }
    } else if (err.line < 2) {
        abort();
    }
    trace_free(&t);
    return 0;
}
