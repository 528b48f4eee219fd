/* defects.c -- one finding per defect (defects.h). */
#include "defects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool defect_per_worker(const char *rule)
{
    return strcmp(rule, "WI-M7") == 0 || strcmp(rule, "WI-M5") == 0;
}

/* Who initialised a worker, for its turn: a routine; any callback as one, since which system
 * thread runs a callback is the schedule's choice. */
static const char *initialiser(const struct run *r, const struct ev *e)
{
    const struct ctx *c = &r->ctx[e->ctx];
    return c->kind == K_SYS ? "a callback" : c->name;
}

static bool same_site(const struct ev *a, const struct ev *b)
{
    return a->line == b->line && (a->file == b->file || (a->file && b->file && strcmp(a->file, b->file) == 0));
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

/* Where the last handle of leaking worker w was lost (defects.h). */
static void loss(const struct run *r, const struct finding *fi, const struct wrec *w, char *out,
                 size_t size)
{
    if (strcmp(fi->rule, "WI-M5") == 0)
        snprintf(out, size, "busy at %s:%d", base_name(w->busy_file), w->busy_line);
    else if (w->overwritten_ev >= 0)
        snprintf(out, size, "overwritten at %s:%d", base_name(r->ev[w->overwritten_ev].file),
                 r->ev[w->overwritten_ev].line);
    else if (w->queue_failed)
        snprintf(out, size, "queue failed at %s:%d", base_name(w->fail_file), w->fail_line);
    else if (w->runs)
        snprintf(out, size, "callback queued at %s:%d returned", base_name(w->queue_file),
                 w->queue_line);
    else
        snprintf(out, size, "never queued");
}

void defect_key(const struct run *r, const struct finding *fi, char *key, size_t size)
{
    int used = snprintf(key, size, "%s|%s:%d", fi->rule, base_name(fi->file), fi->line);
    if (!defect_per_worker(fi->rule) || fi->worker < 0 || fi->worker >= r->nw || used < 0 ||
        (size_t)used >= size)
        return;
    const struct wrec *w = &r->w[fi->worker];
    for (int k = 0; k < r->nev; k++) {
        const struct ev *e = &r->ev[k];
        if (e->kind != EV_INIT || e->new_worker != fi->worker + 1)
            continue;
        int before = 0;
        for (int j = 0; j < k; j++)
            before += r->ev[j].kind == EV_INIT && r->ev[j].new_worker && same_site(&r->ev[j], e) &&
                      strcmp(initialiser(r, &r->ev[j]), initialiser(r, e)) == 0;
        char lost[300];
        loss(r, fi, w, lost, sizeof lost);
        snprintf(key + used, size - (size_t)used, "|init %s:%d #%d|%s", base_name(e->file), e->line,
                 before + 1, lost);
        return;
    }
}

/* The event text of a history line: what follows "#N ". */
static const char *event_text(const char *line, size_t len, size_t *tlen)
{
    const char *sp = line[0] == '#' ? memchr(line, ' ', len) : NULL;
    if (!sp) {
        *tlen = len;
        return line;
    }
    *tlen = len - (size_t)(sp + 1 - line);
    return sp + 1;
}

struct line {
    const char *s;
    size_t len;
};

/* Two lines of a history are the same step when their events are (whatever their numbers), or
 * when they are the same write but for its value ("   wrote CTX SITE TARGET = VALUE"): a counter
 * a loop increments does not stop the loop from being written once. */
static bool same_event(const struct line *a, const struct line *b)
{
    size_t la, lb;
    const char *ta = event_text(a->s, a->len, &la), *tb = event_text(b->s, b->len, &lb);
    if (a->s[0] != '#') {
        const char *va = memmem(a->s, a->len, " = ", 3), *vb = memmem(b->s, b->len, " = ", 3);
        la = va ? (size_t)(va - a->s) : a->len;
        lb = vb ? (size_t)(vb - b->s) : b->len;
        ta = a->s;
        tb = b->s;
    }
    return la == lb && memcmp(ta, tb, la) == 0;
}

/* 5000 as "5,000". */
static void with_commas(long v, char *out, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%ld", v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

char *compress_history(const char *hist)
{
    size_t n = 0, cap = 64;
    struct line *l = malloc(cap * sizeof *l);
    for (const char *p = hist; l && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (n == cap) {
            struct line *m = realloc(l, (cap *= 2) * sizeof *l);
            if (!m)
                free(l);
            l = m;
            if (!l)
                break;
        }
        l[n++] = (struct line){p, len};
        p += len + (nl ? 1 : 0);
    }
    char *out = NULL;
    size_t olen = 0;
    FILE *o = l ? open_memstream(&out, &olen) : NULL;
    if (!o) {
        free(l);
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t best_p = 0, best_m = 1;
        for (size_t per = 1; per <= HISTORY_PERIOD && i + per * HISTORY_MIN_REPEATS <= n; per++) {
            size_t m = 1;
            while (i + (m + 1) * per <= n) {
                size_t k = 0;
                while (k < per && same_event(&l[i + k], &l[i + m * per + k]))
                    k++;
                if (k < per)
                    break;
                m++;
            }
            if (m >= HISTORY_MIN_REPEATS && m * per > best_m * best_p)
                best_p = per, best_m = m;
        }
        size_t shown = best_p ? best_p : 1;
        for (size_t k = 0; k < shown; k++)
            fprintf(o, "%.*s\n", (int)l[i + k].len, l[i + k].s);
        if (best_p) {
            char times[40];
            with_commas((long)best_m, times, sizeof times);
            const struct line *last = &l[i + best_m * best_p - 1];
            while (last > &l[i] && last->s[0] != '#') /* the stretch's last event, not a write */
                last--;
            fprintf(o, "   × %s: the %s above, through %.*s\n", times,
                    best_p == 1 ? "event" : "events", (int)strcspn(last->s, " "), last->s);
        }
        i += best_p ? best_p * best_m : 1;
    }
    free(l);
    bool ok = fclose(o) == 0;
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}
