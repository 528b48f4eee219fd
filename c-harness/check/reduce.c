/* reduce.c -- see reduce.h. */
#include "reduce.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sleeper {
    int actor;
    const struct footprint *fp; /* owned by the decision that explored it (node.done) */
};

struct sleepset {
    struct sleeper *v;
    int n, cap;
};

/* A decision of the current schedule (the path of the search). */
struct node {
    struct sleepset sleep, done; /* asleep on arrival; explored from here (fp owned) */
    struct footprint *taken;     /* the step the current option took */
    int *actors, n;
    unsigned char *backtrack;    /* options to explore here */
    struct guide *guide;         /* per option: the race's reversal that asked for it, or none */
    bool data;                   /* a data choice: every option, no sleep sets */
};

/* The actors of a race's reversal, in order, the option's own step first (reverse): a run that
 * explores the option follows them while it can, so that it reaches the reversed race rather
 * than a continuation whose every option sleeps.  Which option a new decision takes first is
 * free (any one that is not asleep: source sets ask nothing of it), so following them keeps
 * the search sound; it changes which schedules are run, and how many end pruned. */
struct guide {
    int *actor, n;
};

/* A step of the run in progress. */
struct tstep {
    int actor, node; /* node: the decision that chose it, or -1 (the only option) */
    struct footprint fp;
};


struct reducer {
    struct chooser base;
    struct node *node;
    int nnodes, cap;
    const int *prefix;
    int len, pos;        /* the schedule to follow (its last entry the new option); decisions */
    struct sleepset cur; /* asleep now (meaningful past the prefix: track) */
    bool track, oom;
    bool step_data;      /* the step that runs now made a data choice */
    int pending;         /* the new decision whose step runs now (its footprint), or -1 */
    const struct guide *guide; /* the reversal this run follows (from its last prefix entry) */
    int gpos;                  /* its next actor */
    int deciding;        /* the decision of the step that runs now, or -1 */
    struct tstep *st;
    int nst, capst;
    int first_new;       /* the first step not on the prefix */
    uint64_t *hb;        /* happens-before, a bit row per step (analyse) */
    size_t caphb;
};

static void sleep_add(struct reducer *p, struct sleepset *s, int actor, const struct footprint *fp)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        struct sleeper *v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) {
            p->oom = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct sleeper){actor, fp};
}

static bool sleep_has(const struct sleepset *s, int actor)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i].actor == actor)
            return true;
    return false;
}

static void node_free(struct node *d)
{
    for (int i = 0; i < d->done.n; i++)
        por_free((struct footprint *)d->done.v[i].fp);
    free(d->done.v);
    free(d->sleep.v);
    por_free(d->taken);
    free(d->actors);
    free(d->backtrack);
    if (d->guide)
        for (int i = 0; i < d->n; i++)
            free(d->guide[i].actor);
    free(d->guide);
    memset(d, 0, sizeof *d);
}

static int reducer_pick(struct chooser *self, int n, const int *actors, int step)
{
    (void)step;
    struct reducer *p = (struct reducer *)self;
    int d = p->pos++;
    if (!actors)
        p->step_data = true;
    if (d < p->nnodes) { /* on the prefix: the same decision as when it was made */
        struct node *nd = &p->node[d];
        int k = d < p->len ? p->prefix[d] : 0;
        if (d == p->len - 1) {
            p->track = true;
            p->cur.n = 0;
            for (int i = 0; i < nd->sleep.n; i++)
                sleep_add(p, &p->cur, nd->sleep.v[i].actor, nd->sleep.v[i].fp);
            for (int i = 0; i < nd->done.n; i++)
                sleep_add(p, &p->cur, nd->done.v[i].actor, nd->done.v[i].fp);
            if (!nd->data) {
                p->pending = d; /* the new option: its step's footprint */
                p->first_new = p->nst;
                p->guide = nd->guide && k < n && nd->guide[k].n ? &nd->guide[k] : NULL;
                p->gpos = 0;
            }
        }
        if (!nd->data)
            p->deciding = d;
        return k < n ? k : n - 1;
    }
    if (p->nnodes == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        struct node *v = realloc(p->node, (size_t)cap * sizeof *v);
        if (!v) {
            p->oom = true;
            return 0;
        }
        p->node = v;
        p->cap = cap;
    }
    struct node *nd = &p->node[p->nnodes++];
    memset(nd, 0, sizeof *nd);
    nd->n = n;
    nd->data = !actors;
    nd->actors = malloc((size_t)n * sizeof *nd->actors);
    nd->backtrack = calloc((size_t)n, 1);
    if (!nd->actors || !nd->backtrack) {
        p->oom = true;
        return 0;
    }
    for (int i = 0; i < n; i++)
        nd->actors[i] = actors ? actors[i] : i;
    if (nd->data)
        return 0;
    for (int i = 0; i < p->cur.n; i++)
        sleep_add(p, &nd->sleep, p->cur.v[i].actor, p->cur.v[i].fp);
    p->pending = p->deciding = d;
    if (p->guide) {
        int want = p->guide->actor[p->gpos];
        for (int i = 0; i < n; i++)
            if (actors[i] == want && !sleep_has(&p->cur, want)) {
                nd->backtrack[i] = 1;
                return i;
            }
        p->guide = NULL; /* not on offer here, or asleep: the run decides itself from here */
    }
    for (int i = 0; i < n; i++)
        if (!sleep_has(&p->cur, actors[i])) {
            nd->backtrack[i] = 1;
            return i;
        }
    return 0; /* cannot happen: the scheduler prunes a run whose options are all asleep */
}

static bool reducer_asleep(struct chooser *self, int actor)
{
    struct reducer *p = (struct reducer *)self;
    return p->track && sleep_has(&p->cur, actor);
}

static void keep_step(struct reducer *p, int actor, const struct footprint *fp)
{
    if (p->nst == p->capst) {
        int cap = p->capst ? p->capst * 2 : 64;
        struct tstep *v = realloc(p->st, (size_t)cap * sizeof *v);
        if (!v) {
            p->oom = true;
            return;
        }
        memset(v + p->capst, 0, (size_t)(cap - p->capst) * sizeof *v);
        p->st = v;
        p->capst = cap;
    }
    struct tstep *t = &p->st[p->nst];
    if (fp->n > t->fp.cap) {
        struct span *s = realloc(t->fp.s, (size_t)fp->n * sizeof *s);
        if (!s) {
            p->oom = true;
            return;
        }
        t->fp.s = s;
        t->fp.cap = fp->n;
    }
    if (fp->n)
        memcpy(t->fp.s, fp->s, (size_t)fp->n * sizeof *fp->s);
    t->fp.n = fp->n;
    t->fp.runtime = fp->runtime;
    t->fp.all = fp->all;
    t->fp.gated = fp->gated;
    t->fp.nacq = fp->nacq;
    memcpy(t->fp.acq, fp->acq, sizeof fp->acq);
    t->actor = actor;
    t->node = p->deciding;
    p->nst++;
}

static void reducer_stepped(struct chooser *self, int actor, const struct footprint *fp)
{
    struct reducer *p = (struct reducer *)self;
    if (p->pending >= 0) {
        struct node *nd = &p->node[p->pending];
        por_free(nd->taken);
        nd->taken = por_copy(fp);
        p->oom |= !nd->taken;
        p->pending = -1;
    } else if (p->step_data && p->deciding >= 0 && p->node[p->deciding].taken) {
        /* The same option again, with another value of a data choice it makes: what it sleeps
         * with later (done) must cover every value's footprint, so take the union.  Every value
         * is explored (the data decision below) before this option goes to done. */
        p->oom |= !por_merge(p->node[p->deciding].taken, fp);
    }
    p->step_data = false;
    if (p->guide && p->guide->actor[p->gpos] == actor && ++p->gpos == p->guide->n)
        p->guide = NULL;
    if (p->nst < REDUCE_MAX_STEPS + 1)
        keep_step(p, actor, fp);
    p->deciding = -1;
    if (!p->track)
        return;
    int k = 0;
    for (int i = 0; i < p->cur.n; i++)
        if (!por_dependent(p->cur.v[i].fp, fp))
            p->cur.v[k++] = p->cur.v[i];
    p->cur.n = k;
}

struct reducer *reducer_new(void)
{
    struct reducer *p = calloc(1, sizeof *p);
    if (p) {
        p->base.pick = reducer_pick;
        p->base.asleep = reducer_asleep;
        p->base.stepped = reducer_stepped;
    }
    return p;
}

struct chooser *reducer_start(struct reducer *p, const struct choices *prefix)
{
    p->prefix = prefix->pick;
    p->len = prefix->len;
    p->pos = 0;
    p->track = prefix->len == 0;
    p->cur.n = 0;
    p->pending = p->deciding = -1;
    p->step_data = false;
    p->nst = p->first_new = 0;
    p->guide = NULL;
    return &p->base;
}

bool reducer_oom(const struct reducer *p)
{
    return p->oom;
}

#define BIT(row, i) ((row)[(i) >> 6] >> ((i) & 63) & 1)

static bool dependent(const struct tstep *a, const struct tstep *b)
{
    return a->actor == b->actor || por_dependent(&a->fp, &b->fp);
}

/* Whether step k of v (a bit row) has no step of v before it in happens-before. */
static bool initial(const struct reducer *p, int k, const uint64_t *v, size_t w)
{
    const uint64_t *row = p->hb + (size_t)k * w;
    for (size_t q = 0; q < w; q++) {
        uint64_t before = row[q] & v[q];
        if (q == (size_t)(k >> 6))
            before &= ~(1ull << (k & 63));
        if (before)
            return false;
    }
    return true;
}

/* Removal's beginning is offered only where it can matter (sched.c: before a queue, once the
 * routines are done, or when nothing else can go on), so a step may withdraw it and a later one
 * offer it again: not at i's decision, it goes at the latest decision before that offers it
 * (the schedules that begin it anywhere between are that one with it moved later past steps it
 * commutes with), and every option is explored at i's. */
static int removal_option(const struct node *nd)
{
    for (int o = 0; o < nd->n; o++)
        if (nd->actors[o] == ACTOR_REMOVE)
            return o;
    return -1;
}

static void remove_earlier(struct reducer *p, int i)
{
    struct node *nd = &p->node[p->st[i].node];
    memset(nd->backtrack, 1, (size_t)nd->n);
    for (int k = i - 1; k >= 0; k--) {
        if (p->st[k].node < 0)
            continue;
        struct node *e = &p->node[p->st[k].node];
        int o = removal_option(e);
        if (o < 0)
            continue;
        if (!sleep_has(&e->sleep, ACTOR_REMOVE) && !sleep_has(&e->done, ACTOR_REMOVE))
            e->backtrack[o] = 1;
        return;
    }
}

/* The guide of option o of decision nd, which chose step i: step k (an initial of v, o's), then
 * v's other steps, in order. */
static void set_guide(struct reducer *p, struct node *nd, int o, int i, int k, int j,
                      const uint64_t *v)
{
    if (!nd->guide && !(nd->guide = calloc((size_t)nd->n, sizeof *nd->guide))) {
        p->oom = true;
        return;
    }
    struct guide *g = &nd->guide[o];
    free(g->actor);
    g->n = 0;
    if (!(g->actor = malloc((size_t)(j - i) * sizeof *g->actor))) {
        p->oom = true;
        return;
    }
    g->actor[g->n++] = p->st[k].actor;
    for (int s = i + 1; s <= j; s++)
        if (s != k && BIT(v, s))
            g->actor[g->n++] = p->st[s].actor;
}

/* The race of step i with step j: at i's decision, explore an initial of v = the steps between
 * them that do not happen after i, then j; or every option if no initial is one. */
static void reverse(struct reducer *p, int i, int j, size_t w)
{
    struct node *nd = &p->node[p->st[i].node];
    if (p->st[j].actor == ACTOR_REMOVE && removal_option(nd) < 0) {
        /* Removal before step i: only at a decision that offers it (sched.c), which i's does
         * not (i stops before no queue, and another initial here could lead to no schedule
         * where removal comes before i: it is offered again only once i has run) */
        remove_earlier(p, i);
        return;
    }
    uint64_t *v = p->hb + (size_t)p->nst * w; /* scratch row past the last step's */
    memset(v, 0, w * sizeof *v);
    for (int k = i + 1; k <= j; k++)
        if (k == j || !BIT(p->hb + (size_t)k * w, i))
            v[k >> 6] |= 1ull << (k & 63);
    int first = -1, from = -1; /* the first option that is an initial, and its step */
    bool remove = false;
    for (int k = i + 1; k <= j; k++) {
        if (!BIT(v, k) || !initial(p, k, v, w))
            continue;
        remove |= p->st[k].actor == ACTOR_REMOVE;
        for (int o = 0; o < nd->n; o++)
            if (nd->actors[o] == p->st[k].actor) {
                if (nd->backtrack[o] || sleep_has(&nd->sleep, nd->actors[o]) ||
                    sleep_has(&nd->done, nd->actors[o]))
                    return; /* asked for already (or covered: asleep) */
                if (first < 0) {
                    first = o;
                    from = k;
                }
            }
    }
    if (first >= 0) {
        nd->backtrack[first] = 1;
        set_guide(p, nd, first, i, from, j, v);
    } else if (remove)
        remove_earlier(p, i);
    /* else no initial is enabled here: each is enabled by a step it depends on (por.h), so no
     * order of these steps puts one of them first at this decision; nothing to explore */
}

/* Step j took a lock at a point offered only while it was free (por.h): its dependent step
 * before it on the lock is the last holder's release, never co-enabled with it; the order to
 * try instead is j's take before the last holder's take of it, the last earlier step that took
 * it.  If that is j's own context, its earlier take raced with the one before (asked then). */
static void reverse_take(struct reducer *p, int j, size_t w)
{
    uintptr_t lock = p->st[j].fp.gated;
    for (int i = j - 1; i >= 0; i--) {
        const struct footprint *f = &p->st[i].fp;
        bool took = false;
        for (int a = 0; a < f->nacq && !took; a++)
            took = f->acq[a] == lock;
        if (!took)
            continue;
        if (p->st[i].actor != p->st[j].actor && p->st[i].node >= 0)
            reverse(p, i, j, w);
        return;
    }
}

/* Happens-before over the run's steps (a step after each earlier one it depends on, and what
 * that one comes after) and the races of the new steps. */
static void analyse(struct reducer *p, bool cut)
{
    int m = p->nst;
    if (m > REDUCE_MAX_STEPS || cut) {
        for (int d = 0; d < p->nnodes; d++)
            memset(p->node[d].backtrack, 1, (size_t)p->node[d].n);
        return;
    }
    size_t w = ((size_t)m + 63) / 64;
    size_t need = ((size_t)m + 1) * w;
    if (need > p->caphb) {
        uint64_t *h = realloc(p->hb, need * sizeof *h);
        if (!h) {
            p->oom = true;
            return;
        }
        p->hb = h;
        p->caphb = need;
    }
    for (int j = 0; j < m; j++) {
        uint64_t *row = p->hb + (size_t)j * w;
        memset(row, 0, w * sizeof *row);
        /* the earlier steps it depends on, latest first: one not already before another of
         * them is an immediate predecessor, a race if of another actor */
        for (int i = j - 1; i >= 0; i--) {
            if (BIT(row, i) || !dependent(&p->st[i], &p->st[j]))
                continue;
            if (j >= p->first_new && p->st[i].actor != p->st[j].actor && p->st[i].node >= 0)
                reverse(p, i, j, w);
            const uint64_t *ri = p->hb + (size_t)i * w;
            for (size_t q = 0; q < w; q++)
                row[q] |= ri[q];
        }
        row[j >> 6] |= 1ull << (j & 63);
        if (j >= p->first_new && p->st[j].fp.gated)
            reverse_take(p, j, w);
    }
}

bool reducer_next(struct reducer *p, const struct choices *made, bool cut, struct choices *prefix)
{
    analyse(p, cut);
    while (p->nnodes > made->len)
        node_free(&p->node[--p->nnodes]);
    for (int i = p->nnodes - 1; i >= 0; i--) {
        struct node *nd = &p->node[i];
        int k = made->pick[i];
        if (!nd->data && nd->taken) {
            sleep_add(p, &nd->done, nd->actors[k], nd->taken);
            nd->taken = NULL;
        }
        int next = -1;
        if (nd->data) {
            next = k + 1 < nd->n ? k + 1 : -1;
        } else {
            for (int o = 0; o < nd->n && next < 0; o++)
                if (nd->backtrack[o] && !sleep_has(&nd->sleep, nd->actors[o]) &&
                    !sleep_has(&nd->done, nd->actors[o]))
                    next = o;
        }
        if (next >= 0) {
            prefix->len = 0;
            for (int j = 0; j < i; j++)
                choices_push(prefix, made->pick[j], made->n[j]);
            choices_push(prefix, next, made->n[i]);
            return true;
        }
        node_free(nd);
        p->nnodes--;
    }
    return false;
}

void reducer_free(struct reducer *p)
{
    if (!p)
        return;
    while (p->nnodes)
        node_free(&p->node[--p->nnodes]);
    free(p->node);
    free(p->cur.v);
    for (int i = 0; i < p->capst; i++)
        free(p->st[i].fp.s);
    free(p->st);
    free(p->hb);
    free(p);
}
