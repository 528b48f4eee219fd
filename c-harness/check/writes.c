/*
 * writes.c -- the shared memory each context wrote between two events of a run, for a
 * finding's report (run_limits.writes: only the runs the report shows record them).
 *
 * race.c hands over every instrumented write of the scenario's code (address, size, the
 * caller's return address) to the HwDeviceExtension or to the program's globals; at the end of
 * the step (the context is back at a scheduling point, nothing else ran since), the bytes hold
 * what the step left there, and that is read: one write per address and step, at the line of
 * its last store.  What was written is named by the source line's assignment when the line has
 * exactly one (`nvme->IsWorking = FALSE;` names nvme->IsWorking), always with where it is
 * (ext+0x8, or the global's offset in the program); a value that is a worker's handle is wN.
 * Not seen: atomic stores (InterlockedExchange and the like), writes to memory that is neither
 * the extension nor a global (the stack, SRBs, the heap).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

struct wr {
    int ctx, after; /* who wrote, and the events before it */
    int worker;     /* the worker whose callback ctx was running, or -1 */
    uintptr_t addr;
    size_t size;
    const void *pc;
    uint64_t value;
    bool settled;
};

struct writes {
    struct wr *v;
    int n, cap, open; /* v[open..n) are the current step's, not read yet */
};

void writes_release(struct run *r)
{
    if (r->writes)
        free(r->writes->v);
    free(r->writes);
    r->writes = NULL;
}

/* Where a written byte is: in the extension, or a global of the program (its offset there). */
static bool in_ext(const struct run *r, uintptr_t a)
{
    uintptr_t e = (uintptr_t)r->ext;
    return a >= e && a < e + (r->scn->extension_size ? r->scn->extension_size : 1);
}

static bool global_offset(uintptr_t a, uintptr_t *off)
{
    Dl_info info;
    Dl_info self;
    if (!dladdr((void *)a, &info) || !dladdr((void *)&global_offset, &self) ||
        info.dli_fbase != self.dli_fbase)
        return false;
    *off = a - (uintptr_t)info.dli_fbase;
    return true;
}

void writes_note(struct run *r, int ctx, const void *addr, size_t size, const void *pc)
{
    if (!r->limits.writes || r->error[0])
        return;
    uintptr_t a = (uintptr_t)addr, off;
    if (!in_ext(r, a) && !global_offset(a, &off))
        return;
    struct writes *w = r->writes;
    if (!w) {
        w = r->writes = calloc(1, sizeof *w);
        if (!w) {
            run_error(r, "out of memory");
            return;
        }
    }
    for (int i = w->open; i < w->n; i++) /* one per address and step: the last store's line */
        if (w->v[i].addr == a && w->v[i].size == size && w->v[i].after == r->nev) {
            struct wr keep = w->v[i];
            keep.pc = pc;
            memmove(&w->v[i], &w->v[i + 1], (size_t)(w->n - i - 1) * sizeof *w->v);
            w->v[w->n - 1] = keep;
            return;
        }
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 64;
        struct wr *n = realloc(w->v, (size_t)cap * sizeof *n);
        if (!n) {
            run_error(r, "out of memory");
            return;
        }
        w->v = n;
        w->cap = cap;
    }
    w->v[w->n++] = (struct wr){.ctx = ctx, .after = r->nev, .addr = a, .size = size, .pc = pc,
                               .worker = r->ctx[ctx].kind == K_SYS ? r->ctx[ctx].worker : -1};
}

void writes_settle(struct run *r)
{
    struct writes *w = r->writes;
    if (!w)
        return;
    for (int i = w->open; i < w->n; i++) {
        struct wr *e = &w->v[i];
        if (e->size <= sizeof e->value) {
            e->value = 0;
            memcpy(&e->value, (const void *)e->addr, e->size); /* little-endian */
            e->settled = true;
        }
    }
    w->open = w->n;
}

/* The source line's one assignment's target, or "". */
static void target_of(const char *file, int line, char *out, size_t size)
{
    out[0] = 0;
    FILE *f = file ? fopen(file, "r") : NULL;
    char text[512] = "";
    for (int n = 1; f && fgets(text, sizeof text, f) && n < line; n++)
        ;
    if (f)
        fclose(f);
    if (!f || !text[0])
        return;
    char *c = strstr(text, "/*");
    if (c)
        *c = 0;
    if ((c = strstr(text, "//")))
        *c = 0;
    int found = 0;
    const char *lhs_end = NULL, *operand = NULL;
    bool after = false; /* ++x (the operand follows) or x++ (it precedes) */
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\'')
            return; /* a literal: not worth parsing */
        if ((p[0] == '+' && p[1] == '+') || (p[0] == '-' && p[1] == '-')) {
            found++;
            operand = p;
            bool var_before = p > text && (p[-1] == '_' || p[-1] == ']' || p[-1] == ')' ||
                                           (p[-1] >= 'a' && p[-1] <= 'z') ||
                                           (p[-1] >= 'A' && p[-1] <= 'Z') ||
                                           (p[-1] >= '0' && p[-1] <= '9'));
            after = !var_before;
            p++;
            continue;
        }
        if (*p != '=')
            continue;
        if (p[1] == '=') {
            p++;
            continue;
        }
        if (p > text && strchr("=!<>", p[-1]) && !(p - 1 > text && p[-2] == p[-1]))
            continue; /* ==, !=, <=, >= (but <<= and >>= assign) */
        found++;
        lhs_end = p;
        while (lhs_end > text && strchr("+-*/%&|^<>", lhs_end[-1]))
            lhs_end--;
    }
    if (found != 1)
        return;
    const char *b, *e;
    if (lhs_end || !after) { /* the expression ends here: scan back */
        e = lhs_end ? lhs_end : operand;
        while (e > text && e[-1] == ' ')
            e--;
        b = e;
        for (;;) {
            if (b > text && b[-1] == ')' && (*b == '-' || *b == '.' || *b == '[')) {
                int depth = 0; /* a cast or a parenthesised pointer: ((struct ext *)e)->f */
                const char *q = b - 1;
                for (; q >= text; q--) {
                    depth += *q == ')' ? 1 : *q == '(' ? -1 : 0;
                    if (depth == 0)
                        break;
                }
                if (q < text)
                    return;
                b = q;
                continue;
            }
            if (b > text && (strchr("_.[]*", b[-1]) || (b[-1] == '>' && b - 1 > text && b[-2] == '-') ||
                             (b[-1] == '-' && b[0] == '>') || (b[-1] >= 'a' && b[-1] <= 'z') ||
                             (b[-1] >= 'A' && b[-1] <= 'Z') || (b[-1] >= '0' && b[-1] <= '9'))) {
                b--;
                continue;
            }
            break;
        }
    } else { /* ++x: scan forward */
        b = operand + 2;
        e = b;
        while (*e && (strchr("_.[]*", *e) || (e[0] == '-' && e[1] == '>') || (e[0] == '>' && e > b && e[-1] == '-') ||
                      (*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9')))
            e++;
    }
    if (e > b && (size_t)(e - b) < size && *b != '.' && *b != '-' && *b != '>' && *b != '[' &&
        *b != ']' && !(*b >= '0' && *b <= '9'))
        snprintf(out, size, "%.*s", (int)(e - b), b);
}

/* The newest worker whose handle is v, or -1. */
static int worker_of(const struct run *r, uint64_t v)
{
    for (int i = r->nw - 1; i >= 0; i--)
        if ((uint64_t)(uintptr_t)r->w[i].handle == v && v)
            return i;
    return -1;
}

static void value_text(const struct run *r, const struct wr *e, char *out, size_t size)
{
    uintptr_t x = (uintptr_t)r->ext;
    int wi = e->size == sizeof(void *) ? worker_of(r, e->value) : -1;
    if (!e->settled)
        snprintf(out, size, "(%zu bytes)", e->size);
    else if (wi >= 0)
        snprintf(out, size, "w%d", wi + 1);
    else if (e->size == sizeof(void *) && e->value >= x &&
             e->value < x + (r->scn->extension_size ? r->scn->extension_size : 1))
        snprintf(out, size, "&ext+0x%llx", (unsigned long long)(e->value - x));
    else if (e->value <= 0xFFFFFFFFu)
        snprintf(out, size, "%llu", (unsigned long long)e->value);
    else
        snprintf(out, size, "0x%llx", (unsigned long long)e->value);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void writes_resolve(struct run *r)
{
    struct writes *w = r->writes;
    if (!w)
        return;
    const void *pcs[64];
    int n = 0;
    for (int i = 0; i < w->n; i++) {
        bool dup = false;
        for (int j = 0; j < n && !dup; j++)
            dup = pcs[j] == w->v[i].pc;
        if (!dup && n < 64)
            pcs[n++] = w->v[i].pc;
        if (n == 64 || (i == w->n - 1 && n)) {
            race_resolve_sites(r, pcs, n);
            n = 0;
        }
    }
}

int writes_after(const struct run *r, int nev, int worker, bool trace, const char *prefix,
                 FILE *out)
{
    const struct writes *w = r->writes;
    int lines = 0, more = 0, hidden = 0;
    bool cut = trace && w && w->n > 2 * WRITES_KEPT; /* the first and the last WRITES_KEPT */
    for (int i = 0; w && i < w->n; i++) {
        const struct wr *e = &w->v[i];
        if (e->after != nev || (worker >= 0 && e->worker != worker))
            continue;
        if (cut && i >= WRITES_KEPT && i < w->n - WRITES_KEPT) {
            hidden++;
            continue;
        }
        if (lines == WRITES_PER_STEP) {
            more++;
            continue;
        }
        const char *file = NULL;
        int line = 0;
        race_site(r, e->pc, &file, &line);
        char target[200] = "", where[48], value[48];
        uintptr_t off;
        if (file)
            target_of(file, line, target, sizeof target);
        if (in_ext(r, e->addr))
            snprintf(where, sizeof where, "ext+0x%llx",
                     (unsigned long long)(e->addr - (uintptr_t)r->ext));
        else if (global_offset(e->addr, &off))
            snprintf(where, sizeof where, "global+0x%llx", (unsigned long long)off);
        else
            snprintf(where, sizeof where, "?");
        value_text(r, e, value, sizeof value);
        char who[48];
        if (e->worker >= 0)
            snprintf(who, sizeof who, "%s(w%d)", r->ctx[e->ctx].name, e->worker + 1);
        else
            snprintf(who, sizeof who, "%s", r->ctx[e->ctx].name);
        fprintf(out, "%s %s %s:%d %s%s[%s] = %s\n", prefix, who, file ? base_name(file) : "?",
                line, target, target[0] ? " " : "", where, value);
        lines++;
    }
    if (more)
        fprintf(out, "%s: %d more in this step, not shown\n", prefix, more);
    if (hidden && w->v[WRITES_KEPT].after == nev)
        fprintf(out, "%s: %d writes not shown from here on, up to the last %d\n", prefix,
                w->n - 2 * WRITES_KEPT, WRITES_KEPT);
    return lines + (more > 0);
}
