/*
 * supervise.c -- the audit runs in a child process and this one watches it, so that nothing the
 * scenario's code does can pass for a result.  The child's report is passed on only once it is
 * whole.  A child that exits, aborts, crashes or is stopped by the sanitizer first is a finding,
 * STORK-CRASH, with the schedule of the run it was in (shared memory, struct watch) and that
 * run's events, which a second child gets by running the schedule again with every event
 * written out as it happens.  A child still making no scheduling step past the time limit is
 * killed, and the audit is incomplete (exit 3), naming the context that never reached its next
 * scheduling point.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "stork/exit_status.h"

#define STALL_SECS 2.0   /* past the time limit, no step for this long: the run is stuck */
#define REPORT_SECS 60.0 /* past the time limit, the report may take this long */
#define RERUN_STALL_SECS 0.5

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fputs("stork-audit: out of memory\n", stderr);
            exit(STORK_EXIT_BAD_INPUT);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* In a child: die with the process that watches it (killed at a time-out, say), not linger.
 * A parent killed between the fork and the prctl sends no signal: then the child's parent is
 * already another process, and it goes at once. */
static void die_with_parent(pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent)
        _exit(STORK_EXIT_TERMINATED); /* the watcher is gone: nobody reads the result */
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ending {
    int status;   /* waitpid's */
    bool killed;  /* by this process */
    bool stalled; /* no scheduling step for the stall time */
};

static void drain(int fd, struct buf *out)
{
    char tmp[65536];
    ssize_t k;
    while ((k = read(fd, tmp, sizeof tmp)) > 0 || (k < 0 && errno == EINTR))
        if (k > 0)
            buf_add(out, tmp, (size_t)k);
}

/* Collect the child's output until it ends; past `limit` seconds, kill it when it has made no
 * scheduling step for `stall` seconds, or REPORT_SECS later in any case. */
static void watch_child(pid_t pid, int fd, struct buf *out, double limit, double stall,
                        struct ending *e)
{
    volatile struct watch *w = run_watch;
    double start = now(), last = start;
    unsigned long long seen = w->total_steps;
    bool open = true;
    memset(e, 0, sizeof *e);
    for (;;) {
        if (open) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 50) > 0) {
                char tmp[65536];
                ssize_t k = read(fd, tmp, sizeof tmp);
                if (k > 0)
                    buf_add(out, tmp, (size_t)k);
                else if (k == 0 || errno != EINTR)
                    open = false;
            }
        } else {
            nanosleep(&(struct timespec){0, 20000000L}, NULL);
        }
        if (waitpid(pid, &e->status, WNOHANG) == pid) {
            drain(fd, out);
            return;
        }
        double t = now();
        if (w->total_steps != seen) {
            seen = w->total_steps;
            last = t;
        }
        if (limit > 0 && t - start > limit && (t - last > stall || t - start > limit + REPORT_SECS)) {
            e->killed = true;
            e->stalled = t - last > stall;
            kill(pid, SIGKILL);
            waitpid(pid, &e->status, 0);
            drain(fd, out);
            return;
        }
    }
}

static const char *signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {{SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"}, {SIGFPE, "SIGFPE"},
                 {SIGILL, "SIGILL"},   {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGTRAP, "SIGTRAP"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    return "a signal";
}

/* How the child ended, in words ("exited with status 0") and as a finding's `why` ("exit 0"). */
static void describe(const struct ending *e, const struct watch *w, char *what, size_t wsize,
                     char *why, size_t ysize)
{
    if (WIFSIGNALED(e->status)) {
        snprintf(what, wsize, "was killed by signal %d (%s)", WTERMSIG(e->status),
                 signal_name(WTERMSIG(e->status)));
        snprintf(why, ysize, "%s", signal_name(WTERMSIG(e->status)));
    } else if (w->sanitizer) {
        snprintf(what, wsize, "was stopped by the sanitizer (its report is above) and exited with "
                 "status %d", WEXITSTATUS(e->status));
        snprintf(why, ysize, "sanitizer");
    } else {
#ifdef STORK_CHECK_ASAN
        const char *hint = "a sanitizer's report above, or the scenario's code called exit";
#else
        const char *hint = "the scenario's code called exit?";
#endif
        snprintf(what, wsize, "exited with status %d (%s)", WEXITSTATUS(e->status), hint);
        snprintf(why, ysize, "exit %d", WEXITSTATUS(e->status));
    }
}

static void describe_phase(const struct watch *w, char *buf, size_t size)
{
    switch (w->phase) {
    case PH_EXHAUSTIVE:
        snprintf(buf, size, "schedule %ld of the exhaustive search", w->number + 1);
        break;
    case PH_PCT:
        if (w->number < 0)
            snprintf(buf, size, "the default schedule, run before PCT");
        else
            snprintf(buf, size, "PCT run %ld (seed %llu)", w->number, w->seed);
        break;
    case PH_MINIMISE:
        snprintf(buf, size, "a run minimising a finding");
        break;
    case PH_REPORT:
        snprintf(buf, size, "the run of a finding, re-run for its report");
        break;
    case PH_REPLAY:
        snprintf(buf, size, "the replay");
        break;
    default:
        snprintf(buf, size, "a run");
        break;
    }
}

/* The run `w` was in, again in a child, its events and resumptions written to `out` as they
 * happen; it stops where the first one did (it ends, dies, or stalls). */
static void rerun(struct explorer *x, const struct cli *c, const struct watch *w, struct buf *out)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        die_with_parent(parent);
        close(p[0]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2); /* the first child's stderr said it already (a sanitizer's report) */
        }
        run_stream = fdopen(p[1], "w");
        if (!run_stream)
            _exit(STORK_EXIT_BAD_INPUT);
        setvbuf(run_stream, NULL, _IONBF, 0);
        struct explore_opts o = c->o;
        o.limits.threads = (unsigned)w->threads;
        run_schedule(x, &o, w->pick, w->len);
        fputs("#! the run ended\n", run_stream);
        _exit(STORK_EXIT_OK);
    }
    close(p[1]);
    struct ending e;
    watch_child(pid, p[0], out, 1e-9, RERUN_STALL_SECS, &e);
    close(p[0]);
}

/* What the re-run said: its trace lines, a history (event and call site, one a line), the last
 * context that went on and from where. */
struct story {
    struct buf trace, history;
    char ctx[64], file[256];
    int line;
    char queued_file[256]; /* a callback's: the queue that queued it */
    int queued_line;
    bool ended; /* the re-run ended normally: the scenario is not deterministic */
};

static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src) < size ? strlen(src) : size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void read_story(const struct buf *in, struct story *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->file, sizeof s->file, "?");
    int events = 0;
    const char *p = in->p ? in->p : "";
    char line[2048];
    while (*p) {
        size_t len = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        p += len + (p[len] == '\n');
        if (strncmp(line, "#@ ", 3) == 0) {
            char *site = strchr(line + 3, ' ');
            char *colon = site ? strrchr(site, ':') : NULL;
            if (!colon)
                continue;
            *site = *colon = 0;
            copy(s->ctx, sizeof s->ctx, line + 3);
            copy(s->file, sizeof s->file, site + 1);
            s->line = atoi(colon + 1);
        } else if (strncmp(line, "#q ", 3) == 0) {
            char *colon = strrchr(line, ':');
            if (!colon)
                continue;
            *colon = 0;
            copy(s->queued_file, sizeof s->queued_file, line + 3);
            s->queued_line = atoi(colon + 1);
        } else if (strncmp(line, "#! ", 3) == 0) {
            s->ended = true;
        } else {
            buf_add(&s->trace, line, strlen(line));
            buf_add(&s->trace, "\n", 1);
            char h[2200];
            int n = 0;
            if (strncmp(line, "# ^ ", 4) == 0 && s->history.len) {
                s->history.len--; /* the event's line goes on with its call site */
                n = snprintf(h, sizeof h, "   (%s)\n", line + 4);
            } else if (line[0] != '#') {
                n = snprintf(h, sizeof h, "#%d %s\n", ++events, line);
            }
            if (n > 0)
                buf_add(&s->history, h, (size_t)n);
        }
    }
}

/* Where the last context went on from, in words. */
static void went_on_from(const struct story *s, char *buf, size_t size)
{
    if (s->line == 0 && strcmp(s->file, "(callback entry)") == 0)
        snprintf(buf, size, "from the first instruction of its callback (queued at %s:%d)",
                 s->queued_file, s->queued_line);
    else if (s->line == 0)
        snprintf(buf, size, "from its start");
    else
        snprintf(buf, size, "from its scheduling point at %s:%d", s->file, s->line);
}

static void story_free(struct story *s)
{
    free(s->trace.p);
    free(s->history.p);
}

static void indent(FILE *out, const char *text, const char *pad)
{
    while (*text) {
        size_t len = strcspn(text, "\n");
        fprintf(out, "%s%.*s\n", pad, (int)len, text);
        text += len + (text[len] == '\n');
    }
}

/* The trace of the run that did not come back: its schedule, its events, and why it stops. */
static void crash_trace(struct buf *out, struct explorer *x, const struct cli *c,
                        const struct watch *w, const struct found *f, const struct story *s,
                        const char *end)
{
    struct meta m;
    make_meta(&m, c, x->scn->name, w->threads, w->pick, w->len, f);
    char *text = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&text, &len);
    if (!t)
        return;
    fputs("stork-trace 1\n", t);
    for (int i = 0; i < m.n; i++)
        fprintf(t, "meta %s\n", m.v[i]);
    if (w->overflow)
        fprintf(t, "# the run made more than %d decisions: the schedule above is only their "
                "beginning\n", WATCH_PICKS);
    fputs(s->trace.p ? s->trace.p : "", t);
    fprintf(t, "# %s; the rest of this run is unknown (truncated trace)\n", end);
    fclose(t);
    buf_add(out, text, len);
    free(text);
}

/* The child died in a run: a STORK-CRASH finding, exit 1. */
static int report_crash(struct explorer *x, const struct cli *c, const struct watch *w,
                        const struct ending *e)
{
    char what[200], why[64], phase[120];
    describe(e, w, what, sizeof what, why, sizeof why);
    describe_phase(w, phase, sizeof phase);
    struct buf re = {0};
    rerun(x, c, w, &re);
    struct story s;
    read_story(&re, &s);
    free(re.p);
    struct found f = {.rule = "STORK-CRASH", .why = why, .line = s.line, .pct = w->phase == PH_PCT,
                      .seed = w->seed, .run = w->number};
    /* where the finding is: the point it went on from; for a callback's or a routine's first
     * instructions, the queue that queued it, or the scenario */
    if (s.line != 0)
        copy(f.file, sizeof f.file, s.file);
    else if (s.queued_file[0])
        copy(f.file, sizeof f.file, s.queued_file);
    else
        copy(f.file, sizeof f.file, c->o.source ? c->o.source : x->scn->name);
    f.line = s.line ? s.line : s.queued_line;
    char msg[1200], from[400];
    went_on_from(&s, from, sizeof from);
    snprintf(msg, sizeof msg, "the audit program %s in %s: %s went on %s and the program ended "
             "before its next scheduling point, so the miniport's code (or the scenario's) ended "
             "it%s", what, phase, s.ctx[0] ? s.ctx : "a context", from,
             s.ended ? " (run again, the same schedule ended normally: the scenario is not "
                       "deterministic)" : "");
    char end[300];
    snprintf(end, sizeof end, "the program %s here", what);
    struct buf trace = {0};
    crash_trace(&trace, x, c, w, &f, &s, end);
    char path[4096] = "";
    if (c->out_dir && !save_trace(c, x->scn->name, &f, trace.p ? trace.p : "", path, sizeof path))
        path[0] = 0;
    if (c->json) {
        printf("{\"scenario\": ");
        json_string(stdout, x->scn->name);
        printf(", \"exit_status\": 1, \"complete\": false, \"crashed\": true, \"findings\": "
               "[{\"rule\": \"STORK-CRASH\", \"why\": ");
        json_string(stdout, why);
        printf(", \"file\": ");
        json_string(stdout, f.file);
        printf(", \"line\": %d, \"message\": ", f.line);
        json_string(stdout, msg);
        printf(", \"fix\": ");
        json_string(stdout, fix_for(f.rule));
        printf(", \"worker\": 0, \"history\": ");
        json_string(stdout, s.history.p ? s.history.p : "");
        printf(", \"trace\": ");
        json_string(stdout, trace.p ? trace.p : "");
        printf(", \"found_by\": \"%s\", \"run\": %ld, \"seed\": %llu",
               f.pct ? "pct" : "exhaustive", w->number, w->seed);
        if (path[0]) {
            printf(", \"out\": ");
            json_string(stdout, path);
        }
        printf("}]}\n");
    } else {
        printf("stork audit: %s\n", x->scn->name);
        printf("\nFINDING 1: STORK-CRASH (%s) at %s:%d\n  %s\n", why, f.file, f.line, msg);
        printf("  fix: %s\n  where (the run's events up to the crash):\n", fix_for(f.rule));
        indent(stdout, s.history.p ? s.history.p : "(no event)\n", "    ");
        printf("  trace, which --replay repeats (it crashes again):\n");
        indent(stdout, trace.p ? trace.p : "", "    ");
        if (path[0])
            printf("  trace written to %s\n", path);
        printf("\n1 finding(s): STORK-CRASH (%s:%d); the search stopped at the crash\n",
               strrchr(f.file, '/') ? strrchr(f.file, '/') + 1 : f.file, f.line);
    }
    story_free(&s);
    free(trace.p);
    return STORK_EXIT_VIOLATED;
}

/* The child made no step past the time limit: killed; the audit is incomplete, exit 3. */
static int report_stall(struct explorer *x, const struct cli *c, const struct watch *w,
                        const struct ending *e)
{
    char phase[120], msg[1200], from[400];
    describe_phase(w, phase, sizeof phase);
    struct buf trace = {0};
    if (!e->stalled) {
        snprintf(msg, sizeof msg, "the audit program was still running %.0f s after the time "
                 "limit (--time-limit %.0f) and was killed, in %s: no verdict, incomplete",
                 REPORT_SECS, c->o.time_limit, phase);
    } else {
        struct buf re = {0};
        rerun(x, c, w, &re);
        struct story s;
        read_story(&re, &s);
        free(re.p);
        went_on_from(&s, from, sizeof from);
        snprintf(msg, sizeof msg, "the time limit (--time-limit %.0f s) passed while %s, in %s, "
                 "ran on %s without reaching its next scheduling point for %.0f s: a loop with "
                 "no StorPort call and no STORK_* point (a WI-M9 hang candidate); the program "
                 "was killed, no verdict, incomplete", c->o.time_limit,
                 s.ctx[0] ? s.ctx : "a context", phase, from, STALL_SECS);
        crash_trace(&trace, x, c, w, NULL, &s, "the run was stuck here and was killed");
        story_free(&s);
    }
    if (c->json) {
        printf("{\"scenario\": ");
        json_string(stdout, x->scn->name);
        printf(", \"exit_status\": 3, \"complete\": false, \"timed_out\": true, \"stalled\": %s, "
               "\"message\": ", e->stalled ? "true" : "false");
        json_string(stdout, msg);
        printf(", \"trace\": ");
        json_string(stdout, trace.p ? trace.p : "");
        printf(", \"findings\": []}\n");
    } else {
        printf("stork audit: %s\n", x->scn->name);
        if (trace.len) {
            printf("the stuck run so far, which --replay repeats (it gets stuck again):\n");
            indent(stdout, trace.p, "    ");
        }
        printf("incomplete: %s\n", msg);
    }
    free(trace.p);
    return STORK_EXIT_INCOMPLETE;
}

int supervise(struct explorer *x, struct cli *c)
{
    run_watch = mmap(NULL, sizeof *run_watch, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    int p[2];
    if (run_watch == MAP_FAILED || pipe(p) != 0) {
        fprintf(stderr, "stork-audit: cannot set up the child process: %s\n", strerror(errno));
        return STORK_EXIT_BAD_INPUT;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        fprintf(stderr, "stork-audit: cannot fork: %s\n", strerror(errno));
        return STORK_EXIT_BAD_INPUT;
    }
    if (pid == 0) {
        die_with_parent(parent);
        close(p[0]);
        dup2(p[1], 1);
        close(p[1]);
        int rc = c->replay ? replay_command(x, c) : audit_command(x, c);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fputs("stork-audit: the report could not be written (did the scenario close its "
                  "standard output?)\n", stderr);
            rc = 2;
        }
        run_watch->rc = rc;
        run_watch->done = 1;
        return rc;
    }
    close(p[1]);
    struct buf out = {0};
    struct ending e;
    watch_child(pid, p[0], &out, c->o.time_limit, STALL_SECS, &e);
    close(p[0]);
    struct watch *w = malloc(sizeof *w);
    if (!w) {
        fputs("stork-audit: out of memory\n", stderr);
        return STORK_EXIT_BAD_INPUT;
    }
    *w = *run_watch;
    int rc;
    if (w->done && !e.killed && WIFEXITED(e.status) && WEXITSTATUS(e.status) == w->rc &&
        (out.len || w->rc == 2)) {
        fwrite(out.p ? out.p : "", 1, out.len, stdout);
        rc = w->rc;
    } else if (w->done) {
        fwrite(out.p ? out.p : "", 1, out.len, stdout);
        char what[200], why[64];
        describe(&e, w, what, sizeof what, why, sizeof why);
        fprintf(stderr, "stork-audit: the audit program %s after its report, which said exit "
                "status %d: no result\n", what, w->rc);
        rc = 2;
    } else if (e.killed) {
        rc = report_stall(x, c, w, &e);
    } else if (!w->running) {
        char what[200], why[64];
        describe(&e, w, what, sizeof what, why, sizeof why);
        fprintf(stderr, "stork-audit: the audit program %s outside a run of the scenario, before "
                "its report: no result\n", what);
        rc = 2;
    } else {
        rc = report_crash(x, c, w, &e);
    }
    free(out.p);
    free(w);
    return rc;
}
