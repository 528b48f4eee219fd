/* por.c -- see por.h. */
#include "por.h"

#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "globals.h"
#include "run.h"

struct por {
    struct footprint cur;
    struct footprint carry[MAX_CTX]; /* a waiter's condition reads, for its next step */
    int sink;                        /* -1: cur, else the waiter whose condition is evaluated */
};

static void fp_clear(struct footprint *f)
{
    f->n = 0;
    f->runtime = f->all = false;
    f->gated = 0;
    f->nacq = 0;
}

void por_begin(struct run *r)
{
    if (!r->por) {
        r->por = calloc(1, sizeof *r->por);
        if (!r->por) {
            run_error(r, "out of memory");
            return;
        }
    }
    struct por *p = r->por;
    fp_clear(&p->cur);
    for (int i = 0; i < MAX_CTX; i++)
        fp_clear(&p->carry[i]);
    p->sink = -1;
    r->footprints = true;
}

void por_release(struct run *r)
{
    struct por *p = r->por;
    if (!p)
        return;
    free(p->cur.s);
    for (int i = 0; i < MAX_CTX; i++)
        free(p->carry[i].s);
    free(p);
    r->por = NULL;
}

static void add_span(struct run *r, struct footprint *f, struct span s)
{
    /* the same kind of access next to or over the last one: one span (a loop over an array) */
    for (int i = f->n - 1; i >= 0 && i >= f->n - 4; i--) {
        struct span *t = &f->s[i];
        if (t->space == s.space && t->write == s.write && s.lo <= t->hi && s.hi >= t->lo) {
            if (s.lo < t->lo)
                t->lo = s.lo;
            if (s.hi > t->hi)
                t->hi = s.hi;
            return;
        }
    }
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 16;
        struct span *n = realloc(f->s, (size_t)cap * sizeof *n);
        if (!n) {
            run_error(r, "out of memory");
            f->all = true;
            return;
        }
        f->s = n;
        f->cap = cap;
    }
    f->s[f->n++] = s;
}

static struct footprint *sink(struct run *r)
{
    struct por *p = r->por;
    return p->sink >= 0 ? &p->carry[p->sink] : &p->cur;
}

void por_access(struct run *r, const void *addr, size_t size, bool write)
{
    if (!r->footprints || !size)
        return;
    uintptr_t a = (uintptr_t)addr, e = (uintptr_t)r->ext;
    size_t esize = r->scn->extension_size ? r->scn->extension_size : 1;
    struct span s = {a, a + size, write, SP_ADDR};
    uintptr_t off;
    if (a >= e && a < e + esize) /* the extension is allocated afresh each run: by offset */
        s = (struct span){a - e, a - e + size, write, SP_EXT};
    else if (r->drv && driver_por_offset(r, a, &off)) /* so is a DriverEntry run's state */
        s = (struct span){off, off + size, write, SP_DRV};
    add_span(r, sink(r), s);
}

void por_runtime(struct run *r)
{
    if (r->footprints)
        sink(r)->runtime = true;
}

void por_object(struct run *r, int obj, bool write)
{
    if (r->footprints && obj > 0)
        add_span(r, sink(r), (struct span){(uintptr_t)obj, (uintptr_t)obj + 1, write, SP_OBJ});
}

static bool has_object(const struct footprint *f)
{
    for (int i = 0; i < f->n; i++)
        if (f->s[i].space == SP_OBJ)
            return true;
    return false;
}

void por_all(struct run *r)
{
    if (r->footprints)
        sink(r)->all = true;
}

void por_acquired(struct run *r, const void *lock)
{
    if (!r->footprints)
        return;
    struct footprint *f = &r->por->cur; /* a take is the running context's, never a probe's */
    if (f->nacq < POR_MAX_ACQ)
        f->acq[f->nacq++] = (uintptr_t)lock;
    else
        f->all = true; /* more than the record holds: dependent on every step */
}

void por_gated(struct run *r, const void *lock)
{
    if (r->footprints)
        r->por->cur.gated = (uintptr_t)lock;
}

void por_probe(struct run *r, int ctx, bool begin)
{
    if (r->footprints)
        r->por->sink = begin ? ctx : -1;
}

const struct footprint *por_step_done(struct run *r, int ctx)
{
    struct por *p = r->por;
    struct footprint *f = &p->cur;
    if (ctx >= 0) {
        struct footprint *c = &p->carry[ctx];
        for (int i = 0; i < c->n; i++)
            add_span(r, f, c->s[i]);
        f->runtime |= c->runtime;
        f->all |= c->all;
        fp_clear(c);
    }
    if (!race_instrumented())
        f->all = true; /* the scenario's accesses are not seen */
    return f;
}

void por_step_begin(struct run *r)
{
    if (r->footprints)
        fp_clear(&r->por->cur);
}

bool por_dependent(const struct footprint *a, const struct footprint *b)
{
    if (a->all || b->all)
        return true;
    if ((a->runtime && (b->runtime || has_object(b))) || (b->runtime && has_object(a)))
        return true;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) {
            const struct span *x = &a->s[i], *y = &b->s[j];
            if ((x->write || y->write) && x->space == y->space && x->lo < y->hi && y->lo < x->hi)
                return true;
        }
    return false;
}

struct footprint *por_copy(const struct footprint *f)
{
    struct footprint *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *f;
    c->cap = c->n;
    c->s = NULL;
    if (f->n) {
        c->s = malloc((size_t)f->n * sizeof *c->s);
        if (!c->s) {
            free(c);
            return NULL;
        }
        memcpy(c->s, f->s, (size_t)f->n * sizeof *c->s);
    }
    return c;
}

bool por_merge(struct footprint *f, const struct footprint *g)
{
    if (g->n) {
        struct span *n = realloc(f->s, (size_t)(f->n + g->n) * sizeof *n);
        if (!n) {
            f->all = true;
            return false;
        }
        memcpy(n + f->n, g->s, (size_t)g->n * sizeof *n);
        f->s = n;
        f->n += g->n;
        f->cap = f->n;
    }
    f->runtime |= g->runtime;
    f->all |= g->all;
    return true;
}

void por_free(struct footprint *f)
{
    if (f)
        free(f->s);
    free(f);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001B3ull;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* A worker's name in the digest: its init's context and rank there (the same in every order of
 * two contexts' inits, which the reduction takes as independent). */
static uint64_t worker_name(const struct wrec *w)
{
    return (uint64_t)w->init_ctx << 20 | (uint64_t)w->init_rank;
}

/* A word of the miniport's memory as the digest takes it: a pointer by what it points to, the
 * same in every run and process, whatever the addresses (a word that only looks like one is
 * renamed too, the same way in every run: equal states stay equal, distinct ones distinct). */
/* The program's code (the linker's symbols): a routine's address kept in memory. */
extern const char __executable_start[] __attribute__((weak));
extern const char __etext[] __attribute__((weak));

static uint64_t word_name(const struct run *r, uint64_t word)
{
    int wi = word ? wrec_of(r, (void *)(uintptr_t)word) : -1;
    uintptr_t a = (uintptr_t)word, base = (uintptr_t)r->ext, off;
    if (wi >= 0)
        return 0xF00D000000000000ull + worker_name(&r->w[wi]); /* a handle: by its name */
    if (a >= base && a < base + r->scn->extension_size)
        return 0xE000000000000000ull + (uint64_t)(a - base);
    if (r->drv && driver_por_offset(r, a, &off)) /* an SRB, a timer's handle */
        return 0xD000000000000000ull + (uint64_t)off;
    if (r->drv && driver_memory_name(r, a))
        return driver_memory_name(r, a); /* the environment's memory (driver.c) */
    if (word && globals_offset(a, &off)) /* one of the miniport's globals */
        return 0xB000000000000000ull + (uint64_t)off;
    if (__executable_start && __etext && a >= (uintptr_t)__executable_start &&
        a < (uintptr_t)__etext) /* a routine: by its offset in the program */
        return 0xA000000000000000ull + (uint64_t)(a - (uintptr_t)__executable_start);
    return word;
}

static uint64_t digest_memory(uint64_t h, const struct run *r, const unsigned char *e, size_t size)
{
    for (size_t i = 0; i < size;) {
        uint64_t word;
        if (i + sizeof word <= size && i % sizeof word == 0) {
            memcpy(&word, e + i, sizeof word);
            word = word_name(r, word);
            h = fnv(h, &word, sizeof word);
            i += sizeof word;
        } else {
            h = fnv(h, e + i, 1);
            i++;
        }
    }
    return h;
}

/* The miniport's globals, word by word, read as ASan does not check (globals_read). */
static uint64_t digest_globals(uint64_t h, const struct run *r)
{
    for (int s = 0; s < 2; s++) {
        const unsigned char *lo, *hi;
        if (!globals_section(s, &lo, &hi))
            continue;
        for (const unsigned char *p = lo; p < hi;) {
            uint64_t word = 0;
            size_t n = (size_t)(hi - p) < sizeof word ? (size_t)(hi - p) : sizeof word;
            globals_read(&word, p, n); /* the low bytes of a short tail: little-endian, as x86 */
            word = n == sizeof word ? word_name(r, word) : word;
            h = fnv(h, &word, sizeof word);
            p += n;
        }
    }
    return h;
}

uint64_t por_final_state(const struct run *r)
{
    uint64_t h = digest_memory(0xCBF29CE484222325ull, r, r->ext, r->scn->extension_size);
    h = digest_globals(h, r);
    uint64_t workers = 0; /* their order is the inits', not the state's */
    for (int i = 0; i < r->nw; i++) {
        const struct wrec *w = &r->w[i];
        uint64_t v[5] = {worker_name(w), w->freed, w->queued, (uint64_t)w->runs, w->running_on >= 0};
        workers += fnv(0xCBF29CE484222325ull, v, sizeof v) * 0x9E3779B97F4A7C15ull;
    }
    h = fnv(h, &workers, sizeof workers);
    int v[5] = {r->nposted, r->removal_begun, r->remove_ended, r->released, r->nw};
    h = fnv(h, v, sizeof v);
    if (r->drv) { /* a DriverEntry run's Storport state: its SRBs, pauses, timers, stop */
        uint64_t d = driver_digest(r);
        h = fnv(h, &d, sizeof d);
    }
    uint64_t findings = 0; /* their order is the schedule's, not the state's */
    for (int i = 0; i < r->nf; i++) {
        const struct finding *f = &r->f[i];
        /* the file by its name, not its path: two checkouts of one scenario give one digest */
        const char *slash = f->file ? strrchr(f->file, '/') : NULL;
        const char *file = slash ? slash + 1 : f->file;
        uint64_t g = fnv_str(fnv_str(fnv_str(0xCBF29CE484222325ull, f->rule), f->why), file);
        /* A livelock's line is where its cycle was when the detector cut the run (livelock.c, at
         * a power-of-two step count): a mark of the cut, not of the state reached.  The reduced
         * and unreduced searches of miniport_registers_unbounded_reset_wait (a poll cut at its
         * read or at its stall) reach the same states but for it (2026-12-03).  The findings
         * themselves, lines and all, are compared apart (test_audit_reduction). */
        int line = f->why && strcmp(f->why, "livelock") == 0 ? 0 : f->line;
        findings += fnv(g, &line, sizeof line) * 0x9E3779B97F4A7C15ull;
    }
    return fnv(h, &findings, sizeof findings);
}
