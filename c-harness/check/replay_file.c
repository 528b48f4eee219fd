/* replay_file.c -- --replay FILE: the schedule a trace written by the audit records, run again;
 * the run must be the one the trace records, event for event. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stork/exit_status.h"
#include "driver.h"

static void replay_text(struct explorer *x, const struct cli *c, const struct choices *used)
{
    print_trace(stdout, x, c, NULL, used);
    for (int i = 0; i < x->run->nf; i++) {
        const struct finding *f = &x->run->f[i];
        printf("FINDING %s at %s:%d\n  %s\n", f->rule, f->file, f->line, f->msg);
        if (f->worker >= 0)
            printf("  history of w%d:\n", f->worker + 1);
        write_history(stdout, x->run, f->worker, f->ev, "    ");
    }
    printf("replayed %s: same run, %d finding(s)\n", c->replay, x->run->nf);
}

static void replay_json(struct explorer *x, const struct cli *c, const struct choices *used, int rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&text, &len);
    if (t) {
        print_trace(t, x, c, NULL, used);
        fclose(t);
    }
    printf("{\"replayed\": ");
    json_string(stdout, c->replay);
    printf(", \"same_run\": true, \"trace\": ");
    json_string(stdout, text ? text : "");
    free(text);
    printf(", \"findings\": [");
    for (int i = 0; i < x->run->nf; i++) {
        const struct finding *f = &x->run->f[i];
        char *hist = NULL;
        size_t hlen = 0;
        FILE *h = open_memstream(&hist, &hlen);
        if (h) {
            write_history(h, x->run, f->worker, f->ev, "");
            fclose(h);
        }
        printf("%s{\"rule\": ", i ? ", " : "");
        json_string(stdout, f->rule);
        printf(", \"why\": ");
        json_string(stdout, f->why);
        printf(", \"file\": ");
        json_string(stdout, f->file);
        printf(", \"line\": %d, \"message\": ", f->line);
        json_string(stdout, f->msg);
        printf(", \"worker\": %d, \"history\": ", f->worker + 1);
        json_string(stdout, hist ? hist : "");
        printf("}");
        free(hist);
    }
    printf("], \"exit_status\": %d}\n", rc);
}

/* --replay: the schedule a trace records, run again; the run must be the trace's. */
/* The --ioctls and --host a trace's meta config (cfg) records, against this run's: true, with
 * what the trace was found with in `why`, if they differ. */
static bool options_differ(const char *cfg, const struct cli *c, char *why, size_t size)
{
    const char *io = strstr(cfg, "IOCTLS=");
    if ((io ? atoi(io + 7) : 0) != c->nioctl) {
        snprintf(why, size, "--ioctls %d (and its --ioctl)", io ? atoi(io + 7) : 0);
        return true;
    }
    if ((strstr(cfg, "RESET_BUS=1") != NULL) != c->reset_bus) {
        snprintf(why, size, "%s", c->reset_bus ? "no --reset-bus" : "--reset-bus");
        return true;
    }
    if ((strstr(cfg, "EARLY_REMOVAL=1") != NULL) != c->early_removal) {
        snprintf(why, size, "%s", c->early_removal ? "no --early-removal" : "--early-removal");
        return true;
    }
    const char *h = strstr(cfg, "HOST=");
    const char *want = driver_host_name(c->host);
    if (h ? strncmp(h + 5, want, strlen(want)) != 0 : c->host != STORK_HOST_WINDOWS) {
        snprintf(why, size, "--host %.*s", h ? (int)strcspn(h + 5, " \r\n") : 7,
                 h ? h + 5 : "windows");
        return true;
    }
    return false;
}

int replay_command(struct explorer *x, struct cli *c)
{
    FILE *in = fopen(c->replay, "r");
    if (!in) {
        fprintf(stderr, "stork-audit: cannot read %s: %s\n", c->replay, strerror(errno));
        return STORK_EXIT_BAD_INPUT;
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
                if (!parse_count(tok, &v)) {
                    fprintf(stderr, "%s:%d: expected a number in meta schedule, got %s\n",
                            c->replay, lineno, tok);
                    fclose(in);
                    return STORK_EXIT_BAD_INPUT;
                }
                choices_push(&s, (int)v, 0);
            }
        } else if (strncmp(p, "meta config", 11) == 0) {
            const char *t = strstr(p, "NTHREADS=");
            long v;
            char word[16] = "";
            if (t)
                sscanf(t + 9, "%15[0-9]", word);
            if (t && (!parse_count(word, &v) || v < 1 || v > MAX_THREADS)) {
                fprintf(stderr, "%s:%d: expected NTHREADS=1..%d in meta config\n", c->replay,
                        lineno, MAX_THREADS);
                fclose(in);
                return STORK_EXIT_BAD_INPUT;
            }
            if (t)
                c->o.limits.threads = (unsigned)v;
            /* where the run could switch: the trace's, "calls" for one written before POINTS */
            const char *pt = strstr(p, "POINTS=");
            enum preempt mode = PREEMPT_CALLS;
            if (pt && strncmp(pt + 7, "writes", 6) == 0)
                mode = PREEMPT_WRITES;
            else if (pt && strncmp(pt + 7, "accesses", 8) == 0)
                mode = PREEMPT_ACCESSES;
            else if (pt && strncmp(pt + 7, "calls", 5) != 0) {
                fprintf(stderr, "%s:%d: expected POINTS=calls, writes or accesses in meta config\n",
                        c->replay, lineno);
                fclose(in);
                free(line);
                fclose(exp);
                free(expected);
                return STORK_EXIT_BAD_INPUT;
            }
            if (pt || !c->preempt_given)
                c->o.limits.preempt = mode;
            if (mode != PREEMPT_CALLS && !race_instrumented()) {
                fprintf(stderr, "%s:%d: the trace was found with scheduling points at shared "
                        "accesses (POINTS=%s), which this build (not instrumented) cannot give\n",
                        c->replay, lineno, preempt_name(mode));
                fclose(in);
                free(line);
                fclose(exp);
                free(expected);
                return STORK_EXIT_BAD_INPUT;
            }
            const char *sr = strstr(p, "STOP_RESTART=");
            int stops = sr ? atoi(sr + 13) : 0;
            if (stops != c->stops) {
                if (stops <= 1 && c->stops <= 1)
                    fprintf(stderr, "%s:%d: the trace was found %s --stop-restart; give --replay "
                            "the same\n", c->replay, lineno, c->stops ? "without" : "with");
                else
                    fprintf(stderr, "%s:%d: the trace was found with --stops %d; give --replay "
                            "the same\n", c->replay, lineno, stops);
                fclose(in);
                free(line);
                fclose(exp);
                free(expected);
                return STORK_EXIT_BAD_INPUT;
            }
            char differ[160];
            if (options_differ(p, c, differ, sizeof differ)) {
                fprintf(stderr, "%s:%d: the trace was found with %s; give --replay the same\n",
                        c->replay, lineno, differ);
                fclose(in);
                free(line);
                fclose(exp);
                free(expected);
                return STORK_EXIT_BAD_INPUT;
            }
            const char *n = strstr(p, "SRBS=");
            if (n && atoi(n + 5) != c->srbs) {
                fprintf(stderr, "%s:%d: the trace was found with --srbs %d; give --replay the "
                        "same --srbs\n", c->replay, lineno, atoi(n + 5));
                fclose(in);
                free(line);
                fclose(exp);
                free(expected);
                return STORK_EXIT_BAD_INPUT;
            }
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
        return STORK_EXIT_BAD_INPUT;
    }
    int rc = STORK_EXIT_BAD_INPUT;
    watch_phase(PH_REPLAY, 0, 0);
    if (!run_schedule(x, &c->o, s.pick, s.len)) {
        fprintf(stderr, "stork-audit: %s: %s\n", x->scn->name, x->run->error);
    } else {
        char *got = NULL;
        size_t glen = 0;
        FILE *g = open_memstream(&got, &glen);
        for (int i = 0; i < x->run->nev; i++) {
            if (x->run->ev[i].kind == EV_NOTE)
                continue; /* a comment: the trace's expected events have none */
            write_event(g, x->run, &x->run->ev[i]);
            fputc('\n', g);
        }
        if (!x->run->cut && !x->run->stopped[0] && x->run->nev && x->run->ev[x->run->nev - 1].kind != EV_END)
            fputs("end\n", g);
        fclose(g);
        if (strcmp(got, expected) != 0) {
            fprintf(stderr, "%s: the schedule does not give the run this trace records (another "
                    "scenario, or the scenario changed)\n", c->replay);
        } else {
            struct choices used = {0};
            for (int i = 0; i < x->made.len; i++)
                choices_push(&used, x->made.pick[i], x->made.n[i]);
            rc = x->run->nf ? STORK_EXIT_VIOLATED : STORK_EXIT_OK;
            if (c->json)
                replay_json(x, c, &used, rc);
            else
                replay_text(x, c, &used);
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
