/*
 * main.c -- the audit program.  A scenario file linked with libstork-check becomes a program
 * that audits itself: `stork audit SCENARIO.c` compiles it and runs it with these options.
 *
 * Exit status: 0 clean (every schedule explored, no finding), 1 a finding, 2 bad input or a
 * scenario error, 3 incomplete (the budget cut the exhaustive search; PCT found nothing).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explore.h"

#ifdef STORK_CHECK_ASAN
#include <sanitizer/common_interface_defs.h>

/* A memory error in the miniport's code: say which run it was, so that it can be repeated. */
static void on_sanitizer_death(void)
{
    const struct run *r = run_current();
    if (!r)
        return;
    fprintf(stderr, "stork-audit: the sanitizer stopped this run; --replay a trace with these "
            "lines repeats it:\nmeta schedule");
    for (int i = 0; i < r->made->len; i++)
        fprintf(stderr, " %d", r->made->pick[i]);
    fputs("\nthe run's events up to the error:\n", stderr);
    for (int i = 0; i < r->nev; i++) {
        fputs("  ", stderr);
        write_event(stderr, r, &r->ev[i]);
        fputc('\n', stderr);
    }
}
#endif

static const char usage[] =
    "usage: SCENARIO-PROGRAM [options]\n"
    "  --max-schedules N  exhaustive budget (default 200000); past it the search is incomplete\n"
    "  --pct              skip the exhaustive search: PCT random schedules only\n"
    "  --exhaustive       no PCT after an incomplete exhaustive search\n"
    "  --runs N           PCT runs (default 2000)\n"
    "  --depth D          PCT bug depth (default 3)\n"
    "  --seed S           PCT seed of the first run (run i uses S+i; default: from the clock)\n"
    "  --max-steps N      scheduling steps after which a run is cut (default 10000); a cut run\n"
    "                     makes the search incomplete\n"
    "  --threads N        system worker threads (1..4), instead of the scenario's\n"
    "  --time-limit S     seconds for the whole search; past them it stops, incomplete\n"
    "  --replay FILE      run the schedule recorded in FILE (meta schedule) and check the run\n"
    "                     is the one FILE records\n"
    "  --out DIR          write each finding's minimised trace to DIR\n"
    "  --record DIR       write every run's trace to DIR\n"
    "  --source PATH      the scenario's file, named in the traces' meta\n"
    "  --json             one JSON object instead of the report\n";

struct cli {
    struct explore_opts o;
    const char *replay, *out_dir;
    bool json;
};

static bool parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || *end || end == s || x < 0)
        return false;
    *v = x;
    return true;
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
    memset(c, 0, sizeof *c);
    c->o.max_schedules = 200000;
    c->o.pct_runs = 2000;
    c->o.depth = 3;
    c->o.limits.max_steps = 10000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->o.seed = (uint64_t)ts.tv_sec * 1000003u + (uint64_t)ts.tv_nsec % 1000003u;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        if (strcmp(a, "--pct") == 0)
            c->o.pct_only = true;
        else if (strcmp(a, "--exhaustive") == 0)
            c->o.exhaustive_only = true;
        else if (strcmp(a, "--json") == 0)
            c->json = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (!v) {
            fprintf(stderr, "stork-audit: unknown option or missing value: %s\n%s", a, usage);
            return 2;
        } else if (strcmp(a, "--replay") == 0)
            c->replay = argv[++i];
        else if (strcmp(a, "--out") == 0)
            c->out_dir = argv[++i];
        else if (strcmp(a, "--record") == 0)
            c->o.record_dir = argv[++i];
        else if (strcmp(a, "--source") == 0)
            c->o.source = argv[++i];
        else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || *end || end == v) {
                fprintf(stderr, "stork-audit: --seed wants a number, not %s\n", v);
                return 2;
            }
            c->o.seed = s;
            i++;
        } else if (!parse_long(v, &n)) {
            fprintf(stderr, "stork-audit: %s wants a number >= 0, not %s\n", a, v);
            return 2;
        } else if (strcmp(a, "--max-schedules") == 0 && n >= 1) {
            c->o.max_schedules = n;
            i++;
        } else if (strcmp(a, "--runs") == 0) {
            c->o.pct_runs = n;
            i++;
        } else if (strcmp(a, "--depth") == 0 && n >= 1 && n <= 8) {
            c->o.depth = (int)n;
            i++;
        } else if (strcmp(a, "--time-limit") == 0) {
            c->o.time_limit = (double)n;
            i++;
        } else if (strcmp(a, "--threads") == 0 && n >= 1 && n <= MAX_THREADS) {
            c->o.limits.threads = (unsigned)n;
            i++;
        } else if (strcmp(a, "--max-steps") == 0 && n >= 1) {
            c->o.limits.max_steps = (int)n;
            i++;
        } else {
            fprintf(stderr, "stork-audit: bad option or value: %s %s\n%s", a, v, usage);
            return 2;
        }
    }
    return 0;
}

/* The usual way out of each obligation's break (spec/contract.md, WI-M). */
static const char *fix_for(const char *rule)
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
                  "returns, before its variable is overwritten, and in the remove handler"},
        {"WI-M8", "in the remove handler, drain the workers whose callbacks use the resources "
                  "(nothing pending, no callback inside) before releasing them"},
        {"WI-M9", "make what the wait waits for happen on every path (e.g. signal it when the "
                  "queue fails or the callback returns early)"},
    };
    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
        if (strcmp(fixes[i].rule, rule) == 0)
            return fixes[i].fix;
    return "";
}

static void sched_meta(char *buf, size_t size, const struct choices *s)
{
    size_t used = (size_t)snprintf(buf, size, "schedule");
    for (int i = 0; i < s->len && used + 12 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, " %d", s->pick[i]);
}

/* The current run as a trace, with the metadata that lets --replay repeat it. */
static void print_trace(FILE *out, struct explorer *x, const struct cli *c, const struct found *f,
                        const struct choices *s)
{
    char gen[] = "generator stork-audit 0.1.0", scn[400], sched[8192], seed[64], prop[600], cfg[64];
    snprintf(scn, sizeof scn, "scenario %s", c->o.source ? c->o.source : x->scn->name);
    snprintf(cfg, sizeof cfg, "config NTHREADS=%d", x->run->nctx - x->run->first_sys);
    sched_meta(sched, sizeof sched, s);
    const char *meta[6] = {gen, scn, cfg, sched};
    int n = 4;
    if (f) {
        const char *base = strrchr(f->file, '/');
        snprintf(prop, sizeof prop, "finding %s %s:%d", f->rule, base ? base + 1 : f->file, f->line);
        meta[n++] = prop;
        if (f->pct) {
            snprintf(seed, sizeof seed, "seed %llu", (unsigned long long)f->seed);
            meta[n++] = seed;
        }
    }
    write_trace(out, x->run, meta, n);
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

static void json_string(FILE *out, const char *s)
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

/* One finding: re-run its schedule, print message, history and trace. */
static bool report_finding(struct explorer *x, const struct cli *c, struct found *f, int number,
                           long min_runs, FILE *json)
{
    if (!run_schedule(x, &c->o, f->sched.pick, f->sched.len))
        return false;
    const struct finding *fi = run_has(x->run, f);
    if (!fi) {
        fprintf(stderr, "stork-audit: internal: finding %s at %s:%d did not recur on its schedule\n",
                f->rule, f->file, f->line);
        return false;
    }
    char *trace = NULL, *hist = NULL;
    size_t tlen = 0, hlen = 0;
    FILE *t = open_memstream(&trace, &tlen);
    FILE *h = open_memstream(&hist, &hlen);
    if (!t || !h)
        return false;
    print_trace(t, x, c, f, &f->sched);
    write_history(h, x->run, fi->worker, fi->ev, "");
    fclose(t);
    fclose(h);
    if (c->out_dir) {
        const char *base = strrchr(f->file, '/');
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s.%s-%d.trace", c->out_dir, x->scn->name, f->rule,
                 base ? base + 1 : f->file, f->line);
        FILE *o = fopen(path, "w");
        if (!o) {
            fprintf(stderr, "stork-audit: cannot write %s\n", path);
            free(trace);
            free(hist);
            return false;
        }
        fputs(trace, o);
        fclose(o);
    }
    if (json) {
        fprintf(json, "%s{\"rule\": ", number ? ", " : "");
        json_string(json, f->rule);
        fprintf(json, ", \"why\": ");
        json_string(json, f->why);
        fprintf(json, ", \"file\": ");
        json_string(json, f->file);
        fprintf(json, ", \"line\": %d, \"message\": ", f->line);
        json_string(json, fi->msg);
        fprintf(json, ", \"fix\": ");
        json_string(json, fix_for(f->rule));
        fprintf(json, ", \"worker\": %d, \"history\": ", fi->worker + 1);
        json_string(json, hist);
        fprintf(json, ", \"trace\": ");
        json_string(json, trace);
        fprintf(json, ", \"found_by\": \"%s\", \"run\": %ld, \"seed\": %llu}", f->pct ? "pct" : "exhaustive",
                f->run, (unsigned long long)f->seed);
    } else {
        printf("\nFINDING %d: %s%s%s%s at %s:%d\n  %s\n", number + 1, f->rule, f->why[0] ? " (" : "",
               f->why, f->why[0] ? ")" : "", f->file, f->line, fi->msg);
        printf("  fix: %s\n", fix_for(f->rule));
        if (fi->worker >= 0)
            printf("  history of w%d:\n", fi->worker + 1);
        else
            printf("  where:\n");
        print_indented(hist, "    ");
        if (f->pct)
            printf("  found by PCT run %ld (seed %llu; repeat it alone: --pct --runs 1 --seed %llu)\n",
                   f->run, (unsigned long long)f->seed, (unsigned long long)f->seed);
        else
            printf("  found by schedule %ld of the exhaustive search\n", f->run + 1);
        int moved = 0;
        for (int i = 0; i < f->sched.len; i++)
            moved += f->sched.pick[i] != 0;
        printf("  minimised to %d decision(s) off the default schedule (%ld re-runs); trace, "
               "which --replay repeats:\n", moved, min_runs);
        print_indented(trace, "    ");
    }
    free(trace);
    free(hist);
    return true;
}

static int audit(struct explorer *x, struct cli *c)
{
    struct explore_result res;
    explore(x, &c->o, &res);
    if (res.error[0]) {
        fprintf(stderr, "stork-audit: %s: %s\n", x->scn->name, res.error);
        explore_result_free(&res);
        return 2;
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
               "\"failing_pct_runs\": %ld, \"cut_runs\": %ld, \"timed_out\": %s, \"findings\": [", res.schedules,
               res.complete ? "true" : "false", res.pct_runs, (unsigned long long)c->o.seed,
               c->o.depth, res.pct_n, res.pct_k, res.failing_schedules, res.failing_pct_runs,
               res.cut_runs, res.timed_out ? "true" : "false");
    } else {
        printf("stork audit: %s\n", x->scn->name);
        if (!c->o.pct_only)
            printf("exhaustive: %ld schedule(s), %s, %ld with a finding (%.2f s, %.0f schedules/s)\n",
                   res.schedules,
                   res.complete                ? "all explored"
                   : res.timed_out && !res.pct_runs ? "stopped by --time-limit: incomplete"
                   : res.schedules < c->o.max_schedules ? "all tried, some cut: incomplete"
                                                        : "budget reached (--max-schedules): incomplete",
                   res.failing_schedules,
                   res.exhaustive_secs,
                   res.exhaustive_secs > 0 ? (double)res.schedules / res.exhaustive_secs : 0.0);
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
    for (int i = 0; i < res.nf; i++) {
        long runs = minimise(x, &c->o, &res.f[i]);
        if (!report_finding(x, c, &res.f[i], i, runs, json)) {
            explore_result_free(&res);
            return 2;
        }
    }
    int rc = res.nf ? 1 : res.complete ? 0 : 3;
    if (json) {
        printf("], \"status\": %d}\n", rc);
    } else if (res.nf) {
        printf("\n%d finding(s):", res.nf);
        for (int i = 0; i < res.nf; i++) {
            const char *base = strrchr(res.f[i].file, '/');
            printf(" %s (%s:%d)", res.f[i].rule, base ? base + 1 : res.f[i].file, res.f[i].line);
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

/* --replay: the schedule a trace records, run again; the run must be the trace's. */
static int replay(struct explorer *x, struct cli *c)
{
    FILE *in = fopen(c->replay, "r");
    if (!in) {
        fprintf(stderr, "stork-audit: cannot read %s: %s\n", c->replay, strerror(errno));
        return 2;
    }
    struct choices s = {0};
    char *expected = NULL, *line = NULL;
    size_t elen = 0, cap = 0;
    FILE *exp = open_memstream(&expected, &elen);
    int lineno = 0, sched_line = 0;
    while (getline(&line, &cap, in) > 0) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (strncmp(p, "meta schedule", 13) == 0) {
            sched_line = lineno;
            char *tok = strtok(p + 13, " \t\r\n");
            for (; tok; tok = strtok(NULL, " \t\r\n")) {
                long v;
                if (!parse_long(tok, &v)) {
                    fprintf(stderr, "%s:%d: expected a number in meta schedule, got %s\n",
                            c->replay, lineno, tok);
                    fclose(in);
                    return 2;
                }
                choices_push(&s, (int)v, 0);
            }
        } else if (strncmp(p, "meta config", 11) == 0) {
            const char *t = strstr(p, "NTHREADS=");
            long v;
            char word[16] = "";
            if (t)
                sscanf(t + 9, "%15[0-9]", word);
            if (t && (!parse_long(word, &v) || v < 1 || v > MAX_THREADS)) {
                fprintf(stderr, "%s:%d: expected NTHREADS=1..%d in meta config\n", c->replay,
                        lineno, MAX_THREADS);
                fclose(in);
                return 2;
            }
            if (t)
                c->o.limits.threads = (unsigned)v;
        } else if (lineno > 1 && *p && *p != '#' && *p != '\n' && strncmp(p, "meta", 4) != 0) {
            p[strcspn(p, "\r\n")] = 0;
            fprintf(exp, "%s\n", p);
        }
    }
    free(line);
    fclose(in);
    fclose(exp);
    if (!sched_line) {
        fprintf(stderr, "%s:%d: expected a 'meta schedule' line (a trace written by stork audit)\n",
                c->replay, lineno);
        free(expected);
        return 2;
    }
    int rc = 2;
    if (!run_schedule(x, &c->o, s.pick, s.len)) {
        fprintf(stderr, "stork-audit: %s: %s\n", x->scn->name, x->run->error);
    } else {
        char *got = NULL;
        size_t glen = 0;
        FILE *g = open_memstream(&got, &glen);
        for (int i = 0; i < x->run->nev; i++) {
            write_event(g, x->run, &x->run->ev[i]);
            fputc('\n', g);
        }
        if (!x->run->cut && x->run->nev && x->run->ev[x->run->nev - 1].kind != EV_END)
            fputs("end\n", g);
        fclose(g);
        if (strcmp(got, expected) != 0) {
            fprintf(stderr, "%s: the schedule does not give the run this trace records (another "
                    "scenario, or the scenario changed)\n", c->replay);
        } else {
            struct choices used = {0};
            for (int i = 0; i < x->made.len; i++)
                choices_push(&used, x->made.pick[i], x->made.n[i]);
            print_trace(stdout, x, c, NULL, &used);
            for (int i = 0; i < x->run->nf; i++) {
                const struct finding *f = &x->run->f[i];
                printf("FINDING %s at %s:%d\n  %s\n", f->rule, f->file, f->line, f->msg);
                if (f->worker >= 0)
                    printf("  history of w%d:\n", f->worker + 1);
                write_history(stdout, x->run, f->worker, f->ev, "    ");
            }
            printf("replayed %s: same run, %d finding(s)\n", c->replay, x->run->nf);
            rc = x->run->nf ? 1 : 0;
            free(used.pick);
            free(used.n);
        }
        free(got);
    }
    free(expected);
    free(s.pick);
    free(s.n);
    return rc;
}

int main(int argc, char **argv)
{
#ifdef STORK_CHECK_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
    struct cli c;
    int rc = parse_cli(argc, argv, &c);
    if (rc)
        return rc;
    struct explorer x;
    char err[300];
    if (!explorer_init(&x, &stork_scenario, err, sizeof err)) {
        fprintf(stderr, "stork-audit: %s\n", err);
        explorer_free(&x);
        return 2;
    }
    rc = c.replay ? replay(&x, &c) : audit(&x, &c);
    explorer_free(&x);
    return rc;
}
