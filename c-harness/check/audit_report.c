/* audit_report.c -- the search and its report: each finding minimised, re-run and printed with
 * its rule, call site, fix, worker history and trace (or as JSON). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "defects.h"
#include "stork/exit_status.h"
#include "driver.h"

/* The usual way out of each obligation's break (spec/contract.md, WI-M). */
const char *fix_for(const char *rule)
{
    static const struct {
        const char *rule, *fix;
    } fixes[] = {
        {"WI-M1", "make the call from a DPC (DISPATCH_LEVEL) that the interrupt routine issues"},
        {"WI-M2", "free once: clear the variable holding the handle when it is freed, free only a "
                  "non-NULL one, and decide who frees (the callback or the remove handler)"},
        {"WI-M3", "pass the handle StorPortInitializeWorker wrote (in a callback: its Worker "
                  "parameter), never its address, NULL or a freed handle"},
        {"WI-M4", "after a callback frees its worker it must not pass it to any call; to run again, "
                  "re-queue instead of freeing"},
        {"WI-M5", "check StorPortFreeWorker's status: on BUSY the worker is still queued; free it "
                  "once its callback has run (or let the callback free it)"},
        {"WI-M6", "drain before freeing: wait until the callback has returned (a count kept under "
                  "the spinlock), or let the callback free its own worker"},
        {"WI-M7", "free every worker on every path: when the queue fails, on the callback's early "
                  "returns, before its variable is overwritten, and in the remove handler (a "
                  "miniport audited from its DriverEntry: at the remove or surprise SRB, and at "
                  "the ScsiAdapterSurpriseRemoval control, which it must mark, since one surprise "
                  "removal sends no SRB and ScsiStopAdapter runs at DIRQL, ENV-R3, ENV-E15)"},
        {"WI-M8", "in the remove handler, drain the workers whose callbacks use the resources "
                  "(nothing pending, no callback inside) before releasing them"},
        {"WI-M9", "make what the wait waits for happen on every path (e.g. signal it when the "
                  "queue fails or the callback returns early)"},
        {"WI-M11", "order the two accesses: take the same spinlock around both, or make one "
                   "wait for an event the other sets after it; if the race is intended, say so "
                   "with STORK_BENIGN_RACE(&field, \"why\")"},
        {"STORK-ASSERT", "the scenario's assertion says what its author expects at that line; the "
                         "trace shows the schedule that breaks it: fix the miniport, or the "
                         "assertion if it expects too much"},
        {"STORK-CRASH", "find the fault in the code that ran from the scheduling point named (run "
                        "the trace under a debugger or with --sanitize); a miniport must not end "
                        "the process"},
    };
    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
        if (strcmp(fixes[i].rule, rule) == 0)
            return fixes[i].fix;
    return driver_fix_for(rule);
}

void make_meta(struct meta *m, const struct cli *c, const char *name, int threads, const int *pick,
               int len, const struct found *f)
{
    snprintf(m->gen, sizeof m->gen, "generator stork-audit 0.1.0");
    snprintf(m->scn, sizeof m->scn, "scenario %s", c->o.source ? c->o.source : name);
    snprintf(m->cfg, sizeof m->cfg, "config NTHREADS=%d", threads);
    if (c->srbs) /* a miniport audited from its DriverEntry: --replay needs the same SRBs */
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " SRBS=%d", c->srbs);
    if (c->srbs && c->stops) /* STOP_RESTART=N: N stops (1: --stop-restart) */
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " STOP_RESTART=%d",
                 c->stops);
    if (c->srbs && c->reset_bus)
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " RESET_BUS=1");
    if (c->srbs && c->early_removal)
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " EARLY_REMOVAL=1");
    if (c->nioctl) /* --replay needs the same IOCTL SRBs */
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " IOCTLS=%d%s%s",
                 c->nioctl, c->ioctl_arg ? " IOCTL=" : "", c->ioctl_arg ? c->ioctl_arg : "");
    if (c->host != STORK_HOST_WINDOWS) /* --replay needs the same host */
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " HOST=%s",
                 driver_host_name(c->host));
    if (c->o.limits.preempt != PREEMPT_CALLS) /* --replay needs the same points */
        snprintf(m->cfg + strlen(m->cfg), sizeof m->cfg - strlen(m->cfg), " POINTS=%s",
                 preempt_name(c->o.limits.preempt));
    size_t used = (size_t)snprintf(m->sched, sizeof m->sched, "schedule");
    for (int i = 0; i < len && used + 12 < sizeof m->sched; i++)
        used += (size_t)snprintf(m->sched + used, sizeof m->sched - used, " %d", pick[i]);
    m->n = 0;
    m->v[m->n++] = m->gen;
    m->v[m->n++] = m->scn;
    m->v[m->n++] = m->cfg;
    m->v[m->n++] = m->sched;
    if (f) {
        const char *base = strrchr(f->file, '/');
        snprintf(m->prop, sizeof m->prop, "finding %s %s:%d", f->rule, base ? base + 1 : f->file,
                 f->line);
        m->v[m->n++] = m->prop;
        if (f->pct) {
            snprintf(m->seed, sizeof m->seed, "seed %llu", (unsigned long long)f->seed);
            m->v[m->n++] = m->seed;
        }
    }
}

/* The current run as a trace, with the metadata that lets --replay repeat it. */
void print_trace(FILE *out, struct explorer *x, const struct cli *c, const struct found *f,
                 const struct choices *s)
{
    struct meta m;
    make_meta(&m, c, x->scn->name, x->run->nctx - x->run->first_sys, s->pick, s->len, f);
    write_trace(out, x->run, m.v, m.n);
}

static void print_indented(const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        printf("%s%.*s\n", indent, (int)len, p);
        p += len + (nl ? 1 : 0);
    }
}

void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

bool save_trace(const struct cli *c, const char *name, const struct found *f, const char *trace,
                char *path, size_t size)
{
    static char taken[64][540]; /* the names this audit wrote: a name is never written twice */
    static int ntaken;
    const char *base = strrchr(f->file, '/');
    char why[64] = "";
    for (size_t i = 0; f->why[i] && i + 2 < sizeof why; i++) {
        unsigned char ch = (unsigned char)f->why[i];
        why[0] = '.';
        why[i + 1] = (char)(((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '-');
        why[i + 2] = 0;
    }
    char stem[512];
    snprintf(stem, sizeof stem, "%s.%s.%s-%d%s", name, f->rule, base ? base + 1 : f->file, f->line,
             why);
    char unique[540];
    snprintf(unique, sizeof unique, "%s", stem);
    for (int n = 2, i = 0; i < ntaken; i++)
        if (strcmp(taken[i], unique) == 0) {
            snprintf(unique, sizeof unique, "%s.%d", stem, n++);
            i = -1;
        }
    if (ntaken < 64)
        snprintf(taken[ntaken++], sizeof taken[0], "%s", unique);
    snprintf(path, size, "%s/%s.trace", c->out_dir, unique);
    FILE *o = fopen(path, "w");
    if (!o || fputs(trace, o) < 0 || fclose(o) != 0) {
        fprintf(stderr, "stork-audit: cannot write %s\n", path);
        return false;
    }
    return true;
}

/* The longest trace the text report prints whole. */
#define TRACE_SHOWN 400

/* A finding's run, again: what it says, the worker's history (repeats compressed), the trace
 * and where --out wrote it. */
struct shown {
    char msg[400];
    int worker;
    bool whole; /* a failed assertion is about the whole run so far, not one worker */
    char *trace, *hist;
    char path[4096];
};

static void shown_free(struct shown *s)
{
    free(s->trace);
    free(s->hist);
}

/* Re-run f's schedule and fill `s` from its finding (the trace saved under --out if `save`);
 * false: said why. */
static bool show(struct explorer *x, const struct cli *c, struct found *f, int number, bool save,
                 struct shown *s)
{
    memset(s, 0, sizeof *s);
    watch_phase(PH_REPORT, number, f->seed);
    struct explore_opts o = c->o;
    o.limits.writes = true; /* the shared memory each step wrote, in the history and trace */
    if (!run_schedule(x, &o, f->sched.pick, f->sched.len))
        return false;
    writes_resolve(x->run);
    const struct finding *fi = run_has(x->run, f);
    if (!fi) {
        fprintf(stderr, "stork-audit: internal: finding %s at %s:%d did not recur on its schedule\n",
                f->rule, f->file, f->line);
        return false;
    }
    snprintf(s->msg, sizeof s->msg, "%s", fi->msg);
    s->worker = fi->worker;
    s->whole = strcmp(f->rule, "STORK-ASSERT") == 0;
    char *hist = NULL;
    size_t tlen = 0, hlen = 0;
    FILE *t = open_memstream(&s->trace, &tlen);
    FILE *h = open_memstream(&hist, &hlen);
    if (!t || !h)
        return false;
    print_trace(t, x, c, f, &f->sched);
    write_history(h, x->run, s->whole ? HISTORY_ALL : fi->worker, fi->ev, "");
    fclose(t);
    fclose(h);
    s->hist = compress_history(hist);
    free(hist);
    if (!s->trace || !s->hist)
        return false;
    return !save || !c->out_dir || save_trace(c, x->scn->name, f, s->trace, s->path, sizeof s->path);
}

/* What a finding's run shows, as JSON members: its message, worker, history, trace, how it
 * was found and where --out wrote it. */
static void json_run(FILE *json, const struct found *f, const struct shown *s)
{
    fprintf(json, "\"message\": ");
    json_string(json, s->msg);
    fprintf(json, ", \"worker\": %d, \"history\": ", s->worker + 1);
    json_string(json, s->hist);
    fprintf(json, ", \"trace\": ");
    json_string(json, s->trace);
    fprintf(json, ", \"found_by\": \"%s\", \"run\": %ld, \"seed\": %llu, \"shown_by\": %ld",
            f->pct ? "pct" : "exhaustive", f->run, (unsigned long long)f->seed, f->shown);
    if (s->path[0]) {
        fprintf(json, ", \"out\": ");
        json_string(json, s->path);
    }
}

static void json_cause(FILE *json, const struct found *f, const struct shown *s, bool first)
{
    fprintf(json, "%s{\"why\": ", first ? "" : ", ");
    json_string(json, f->why);
    fprintf(json, ", ");
    json_run(json, f, s);
    fputc('}', json);
}

/* How a finding was found and minimised, its history and its trace, as text. */
static void print_body(const struct explore_result *res, const struct found *f,
                       const struct shown *s, long min_runs)
{
    if (s->whole)
        printf("  the run's events:\n");
    else if (s->worker >= 0)
        printf("  history of w%d:\n", s->worker + 1);
    else if (s->hist[0])
        printf("  where:\n");   /* an access's finding has no event of the trace: nothing */
    print_indented(s->hist, "    ");
    if (f->pct)
        printf("  found by PCT run %ld (seed %llu; repeat it alone: --pct --runs 1 --seed %llu)\n",
               f->run, (unsigned long long)f->seed, (unsigned long long)f->seed);
    else
        printf("  found by schedule %ld of the exhaustive search\n", f->run + 1);
    printf("  shown by %ld of the %ld run(s) run to their end\n", f->shown,
           res->schedules - res->pruned + res->pct_runs);
    int moved = 0;
    for (int i = 0; i < f->sched.len; i++)
        moved += f->sched.pick[i] != 0;
    int lines = 0;
    for (const char *p = s->trace; *p; p++)
        lines += *p == '\n';
    if (lines <= TRACE_SHOWN) {
        printf("  minimised to %d decision(s) off the default schedule (%ld re-runs); trace, "
               "which --replay repeats:\n", moved, min_runs);
        print_indented(s->trace, "    ");
    } else
        printf("  minimised to %d decision(s) off the default schedule (%ld re-runs); its trace, "
               "which --replay repeats, has %d lines: not shown here (--out DIR writes it, --json "
               "holds it)\n", moved, min_runs, lines);
    if (s->path[0])
        printf("  trace written to %s\n", s->path);
}

/* The defect each finding is a cause of: the index of the first finding with its key
 * (explore.c keeps one finding per defect and why). */
static int defect_of(const struct explore_result *res, int i)
{
    int j = 0;
    while (strcmp(res->f[j].key, res->f[i].key) != 0)
        j++;
    return j;
}

/* One defect, told by its causes (res->f[first] the one it is reported by), each re-run and
 * printed with its message, history and trace. */
static bool report_defect(struct explorer *x, const struct cli *c, struct explore_result *res,
                          const long *min_runs, int first, int number, FILE *json)
{
    struct found *f = &res->f[first];
    struct shown s;
    if (!show(x, c, f, first, true, &s)) {
        shown_free(&s);
        return false;
    }
    if (json) {
        fprintf(json, "%s{\"rule\": ", number ? ", " : "");
        json_string(json, f->rule);
        fprintf(json, ", \"why\": ");
        json_string(json, f->why);
        fprintf(json, ", \"file\": ");
        json_string(json, f->file);
        fprintf(json, ", \"line\": %d, \"defect\": ", f->line);
        json_string(json, f->key);
        fprintf(json, ", \"fix\": ");
        json_string(json, fix_for(f->rule));
        fprintf(json, ", ");
        json_run(json, f, &s);
        fprintf(json, ", \"causes\": [");
        json_cause(json, f, &s, true);
    } else {
        printf("\nFINDING %d: %s", number + 1, f->rule);
        const char *sep = " (";
        for (int j = first; j < res->nf; j++)
            if (defect_of(res, j) == first && res->f[j].why[0]) {
                printf("%s%s", sep, res->f[j].why);
                sep = "; ";
            }
        printf("%s at %s:%d\n  %s\n", sep[0] == ';' ? ")" : "", f->file, f->line, s.msg);
        printf("  fix: %s\n", fix_for(f->rule));
        print_body(res, f, &s, min_runs[first]);
    }
    shown_free(&s);
    for (int j = first + 1; j < res->nf; j++) {
        if (defect_of(res, j) != first)
            continue;
        struct found *g = &res->f[j];
        if (!show(x, c, g, j, true, &s)) {
            shown_free(&s);
            return false;
        }
        if (json)
            json_cause(json, g, &s, false);
        else {
            printf("  the same defect, by another cause%s%s%s:\n  %s\n", g->why[0] ? " (" : "",
                   g->why, g->why[0] ? ")" : "", s.msg);
            print_body(res, g, &s, min_runs[j]);
        }
        shown_free(&s);
    }
    if (json)
        fprintf(json, "]}");
    return true;
}

int audit_command(struct explorer *x, struct cli *c)
{
    struct explore_result res;
    explore(x, &c->o, &res);
    if (res.error[0]) {
        fprintf(stderr, "stork-audit: %s: %s\n", x->scn->name, res.error);
        explore_result_free(&res);
        return STORK_EXIT_BAD_INPUT;
    }
    double p = 0, miss = 1;
    if (res.pct_runs) {
        p = 1.0 / ((double)res.pct_n * pow((double)res.pct_k, c->o.depth - 1));
        miss = pow(1.0 - p, (double)res.pct_runs);
    }
    FILE *json = c->json ? stdout : NULL;
    if (json) {
        printf("{\"scenario\": ");
        json_string(stdout, x->scn->name);
        printf(", \"schedules\": %ld, \"complete\": %s, \"pct_runs\": %ld, \"seed\": %llu, "
               "\"depth\": %d, \"n\": %d, \"k\": %d, \"failing_schedules\": %ld, "
               "\"failing_pct_runs\": %ld, \"cut_runs\": %ld, \"timed_out\": %s, "
               "\"races_checked\": %s, ", res.schedules,
               res.complete ? "true" : "false", res.pct_runs, (unsigned long long)c->o.seed,
               c->o.depth, res.pct_n, res.pct_k, res.failing_schedules, res.failing_pct_runs,
               res.cut_runs, res.timed_out ? "true" : "false", race_instrumented() ? "true" : "false");
        printf("\"exhaustive_timed_out\": %s, ", res.exhaustive_timed_out ? "true" : "false");
        printf("\"points\": \"%s\", ", preempt_name(c->o.limits.preempt));
        printf("\"host\": \"%s\", ", driver_host_name(c->host));
        /* the bounds as numbers, for stork audit --sweep, which raises them */
        printf("\"threads\": %u, \"threads_busy\": %d, ", c->o.limits.threads ? c->o.limits.threads
               : x->scn->threads ? x->scn->threads : 1, res.threads_busy);
        if (c->srbs)
            printf("\"environment\": {\"srbs\": %d, \"ioctls\": %d, \"stops\": %d}, ", c->srbs,
                   c->nioctl, c->stops);
        char bounds[DRIVER_BOUNDS_SIZE];
        driver_bounds(x->scn, bounds, sizeof bounds);
        if (bounds[0]) {
            printf("\"bounds\": ");
            json_string(stdout, bounds);
            printf(", ");
        }
        /* complete_runs: the runs that reached their end; every class of equivalent schedules
         * has one among them, and two may stand for one class (reduce.h), so it bounds the
         * classes from above */
        printf("\"reduced\": %s, \"pruned\": %ld, \"complete_runs\": %ld, ",
               res.reduced ? "true" : "false",
               res.pruned, res.reduced && res.complete ? res.schedules - res.pruned : -1);
        if (c->o.final_states) {
            printf("\"final_states\": [");
            for (int i = 0; i < res.nstates; i++)
                printf("%s\"%016llx\"", i ? ", " : "", (unsigned long long)res.states[i]);
            printf("], ");
        }
        printf("\"findings\": [");
    } else {
        printf("stork audit: %s\n", x->scn->name);
        if (c->host == STORK_HOST_NEPTUNE)
            printf("host: neptune (ENV-H3, H4, H5): no IRQL, removal or BUSY refusal of the "
                   "work-item calls, a second queue dropped, one main thread for every routine "
                   "but the ISR, the StartIo and DPC locks take nothing, StorPortSynchronizeAccess "
                   "runs no routine, no HwAdapterControl or PnP SRB (no removal reaches the "
                   "miniport, so nothing is checked at a release), Pause and Resume do nothing; "
                   "the miniport's obligations are checked as under Windows (ENV-H2)\n");
        else if (c->host == STORK_HOST_REACTOS)
            printf("host: reactos (ENV-H6): every work-item call answers STATUS_NOT_IMPLEMENTED "
                   "(an NTSTATUS) and issues no worker; the miniport's obligations are checked "
                   "as under Windows (ENV-H2)\n");
        else
            printf("host: windows (the contract)\n");
        char bounds[DRIVER_BOUNDS_SIZE];
        driver_bounds(x->scn, bounds, sizeof bounds);
        if (bounds[0])
            printf("bounds: %s\n", bounds);
        if (!race_instrumented())
            printf("data races (WI-M11): not checked: the scenario was not compiled with "
                   "-fsanitize=thread (--sanitize builds it with ASan instead)\n");
        if (!c->o.pct_only)
            printf("exhaustive: %ld schedule(s), %s, %ld with a finding (%.2f s, %.0f schedules/s)\n",
                   res.schedules,
                   res.complete                ? "all explored"
                   : res.timed_out && !res.pct_runs ? "stopped by --time-limit: incomplete"
                   : res.exhaustive_timed_out ? "stopped at its 3/4 of --time-limit, the rest "
                                                "left to PCT: incomplete"
                   : res.schedules < c->o.max_schedules ? "all tried, some cut: incomplete"
                                                        : "budget reached (--max-schedules): incomplete",
                   res.failing_schedules,
                   res.exhaustive_secs,
                   res.exhaustive_secs > 0 ? (double)res.schedules / res.exhaustive_secs : 0.0);
        printf("scheduling points: %s\n",
               c->o.limits.preempt == PREEMPT_ACCESSES ? "every StorPort call and STORK_* point, "
                                                         "and before each shared access"
               : c->o.limits.preempt == PREEMPT_WRITES ? "every StorPort call and STORK_* point, "
                                                         "and before each shared write and atomic "
                                                         "and each read of an SRB, a pool block "
                                                         "or, by a DPC or timer, the extension"
                                                       : "only StorPort calls and STORK_* points");
        if (!c->o.pct_only && res.reduced)
            printf("reduction (source-set DPOR, sleep sets): %ld run(s) pruned as equivalent to one "
                   "explored; %s%ld "
                   "class(es) of equivalent schedules, one run each\n", res.pruned,
                   res.complete ? "" : "so far ", res.schedules - res.pruned);
        if (res.pct_runs || c->o.pct_only)
            printf("pct: %ld run(s), %ld with a finding, seeds %llu..%llu, depth d=%d, n=%d contexts, "
                   "k=%d steps (%.2f s): each run finds a given bug of depth %d with probability >= "
                   "1/(n*k^(d-1)) = %.3g; all %ld runs miss it with probability <= %.3g\n",
                   res.pct_runs, res.failing_pct_runs, (unsigned long long)c->o.seed,
                   (unsigned long long)(c->o.seed + (uint64_t)(res.pct_runs ? res.pct_runs - 1 : 0)),
                   c->o.depth, res.pct_n, res.pct_k, res.pct_secs, c->o.depth, p, res.pct_runs, miss);
    }
    if (res.timed_out && !json)
        printf("time limit: the search stopped after --time-limit %.0f s; it is incomplete\n",
               c->o.time_limit);
    if (res.cut_runs && !json)
        printf("cut: %ld run(s) did not end within --max-steps %d steps: a livelock, or an unfair "
               "schedule (a polling loop that never lets the others run: wait with "
               "STORK_WAIT_UNTIL); the search is incomplete\n", res.cut_runs, c->o.limits.max_steps);
    long *runs = calloc((size_t)res.nf + 1, sizeof *runs);
    bool ok = runs != NULL;
    for (int i = 0; ok && i < res.nf; i++)
        runs[i] = minimise(x, &c->o, &res.f[i]);
    int defects = 0;
    for (int i = 0; ok && i < res.nf; i++)
        if (defect_of(&res, i) == i)
            ok = report_defect(x, c, &res, runs, i, defects++, json);
    free(runs);
    if (!ok) {
        explore_result_free(&res);
        return STORK_EXIT_BAD_INPUT;
    }
    int rc = res.nf ? STORK_EXIT_VIOLATED : res.complete ? STORK_EXIT_OK : STORK_EXIT_INCOMPLETE;
    if (json) {
        printf("], \"exit_status\": %d}\n", rc);
    } else if (res.nf) {
        printf("\n%d finding(s):", defects);
        for (int i = 0; i < res.nf; i++) {
            const struct found *f = &res.f[i];
            const char *base = strrchr(f->file, '/');
            if (defect_of(&res, i) == i)
                printf(" %s (%s:%d)", f->rule, base ? base + 1 : f->file, f->line);
        }
        printf("\n");
    } else if (res.complete) {
        printf("clean: no finding in all %ld schedule(s)\n", res.schedules);
    } else {
        printf("incomplete: no finding, but not every schedule was explored\n");
    }
    explore_result_free(&res);
    return rc;
}
