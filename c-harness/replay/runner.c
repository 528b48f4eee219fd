/*
 * Each trace runs in a child process so that a crash or a hang of the implementation fails
 * that trace and the run goes on.  To amortise fork/dlopen, a child replays a batch of traces.
 * It reports through memory shared with the parent (MAP_SHARED, so it survives the child):
 * the trace it is on, when that trace started, and per trace whether it passed and how long
 * it took; only a failure's report goes through a pipe, as a record
 *     uint32 index, uint32 outcome, uint32 length, then `length` bytes of report.
 * So the parent sleeps until a failure, the child's exit or a deadline, instead of waking for
 * a record per trace (those wake-ups were a quarter of the run on short traces).
 * The child also reads and parses each trace, just before replaying it, and releases it after:
 * its memory stays at one trace, and the parent, which holds no parsed trace, has nothing for
 * fork to copy or write-protect (parsing in the parent made it re-fault every page it wrote
 * after each fork: 40,000 page faults on the 2000-trace bench set).
 * A trace may take at most `timeout` seconds.  If a child dies or hangs, the first trace of its
 * batch without a result is the culprit: it is named with the event it died in ("killed by
 * signal N" / "timed out after S s"), after a run of its own if others ran before it in that
 * child (so that its verdict is its own), and the traces after it go on in a new batch.
 * The first child also checks the library before its batch: it loads it with its output
 * captured apart (printed "while it was loaded"), and its first record says whether the library
 * loaded (then the batch follows in the same process) or why not (then nothing is replayed).
 * A child of its own for the check, then another that loaded the library again, was a fifth of
 * the program's fixed cost on a pack (issue 13); the refused library's report is the same.
 */
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "files.h"
#include "loader.h"

/* Shared with the children (MAP_SHARED).  job/event: where the current child is, to name the
 * event a crash or hang happened in; started: CLOCK_MONOTONIC seconds when the current trace
 * (or, before the first, the child) started; result[i - from]: trace i of the batch. */
struct result {
    volatile uint32_t passed;
    volatile double seconds;
};
struct progress {
    volatile uint32_t job;
    volatile uint32_t event;
    volatile double started;
    struct result result[];
};

enum outcome { OUT_FAIL, OUT_PASS, OUT_BAD_INPUT, OUT_LOADED, OUT_REFUSED };
#define LIBRARY_RECORD UINT32_MAX /* the index of the check's record: OUT_LOADED or OUT_REFUSED */

/* The library check the first child makes (parent's side).  out: the capture of the loading;
 * go: written once the parent has done o->loaded (-1 if there is none to wait for). */
struct check {
    int out, go;
    bool loaded, refused, stopped;
    char *why; /* the refusal the child reported (malloc'd), or NULL */
};

struct rec_header {
    uint32_t index, outcome, length;
};

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* The recording of a run into `path` (replaced); false with the line to print in err. */
static bool write_file(const char *path, const char *text, char *err, size_t size)
{
    if (!text) {
        snprintf(err, size, "stork-replay: cannot record into %s: out of memory", path);
        return false;
    }
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    int e = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        snprintf(err, size, "stork-replay: cannot write %s: %s", path, strerror(e));
    return ok;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool job_load(const struct job *j, struct trace *t, bool *owned, char *err, size_t size)
{
    *owned = j->pack == NULL;
    if (!j->pack)
        return files_load_trace(j->path, t, err, size);
    struct trace_error te;
    if (pack_trace(j->pack, j->index, t, &te))
        return true;
    snprintf(err, size, "%s: trace %zu (%s:%d): %s", j->pack->file, j->index + 1, j->path, te.line,
             te.message);
    return false;
}

static bool redirect_output(int out)
{
    return out < 0 || (dup2(out, STDOUT_FILENO) >= 0 && dup2(out, STDERR_FILENO) >= 0);
}

/* The first child's check: load the library with its output into check_out, and say how it
 * went as the first record (the refusal's one line, or that it loaded); then the batch's own
 * capture, and (go >= 0) the parent's word to go on.  NULL after a refusal is reported. */
static const struct stork_impl *load_checked(const char *lib, int fd, int check_out, int out, int go)
{
    char err[512];
    void *h;
    if (!redirect_output(check_out))
        _exit(3);
    const struct stork_impl *impl = load_impl(lib, &h, err, sizeof err);
    if (impl && !redirect_output(out))
        _exit(3);
    /* Not flushed: what the library left in stdio's buffer goes where its next flush puts it,
     * as when the check's child exited without flushing and the batch's loaded it again. */
    struct rec_header hd = {LIBRARY_RECORD, impl ? OUT_LOADED : OUT_REFUSED,
                            impl ? 0 : (uint32_t)strlen(err)};
    if (!write_all(fd, &hd, sizeof hd) || !write_all(fd, err, hd.length))
        _exit(3);
    char c;
    if (impl && go >= 0 && read(go, &c, 1) != 1)
        _exit(0); /* the parent stopped the run */
    return impl;
}

/* The child: replay jobs[from..to) and report each (the first child checks the library first:
 * check_out >= 0).  Never returns. */
static void child_main(const struct run_options *o, struct job *jobs, size_t from, size_t to, int fd,
                       struct progress *pg, int out, const struct check *ck)
{
    char err[1024];
    void *h;
    /* The implementation's own output goes to the capture file, never to the report. */
    int real_err = dup(STDERR_FILENO);
    const struct stork_impl *impl;
    if (ck) {
        if (!(impl = load_checked(o->lib, fd, ck->out, out, ck->go)))
            _exit(2);
    } else {
        if (!redirect_output(out))
            _exit(3);
        if (!(impl = load_impl(o->lib, &h, err, sizeof err))) {
            if (real_err >= 0)
                dprintf(real_err, "stork-replay: %s\n", err);
            _exit(2);
        }
    }
    struct replay_cache cache = {0};
    double t0 = now(); /* when trace i started: the clock is read once a trace */
    for (size_t i = from; i < to; i++) {
        char *msg = NULL;
        struct trace t;
        enum outcome out = OUT_BAD_INPUT;
        pg->started = t0;
        bool owned;
        if (job_load(&jobs[i], &t, &owned, err, sizeof err)) {
            pg->event = 0;
            pg->job = (uint32_t)i;
            char *rec = NULL;
            enum replay_verdict v = replay_trace_recorded(impl, jobs[i].path, &t, &msg, &pg->event,
                                                          &cache, jobs[i].record ? &rec : NULL);
            out = v == REPLAY_PASS ? OUT_PASS : v == REPLAY_FAIL ? OUT_FAIL : OUT_BAD_INPUT;
            if (jobs[i].record && v != REPLAY_INCONSISTENT &&
                !write_file(jobs[i].record, rec, err, sizeof err)) {
                out = OUT_BAD_INPUT;
                free(msg);
                msg = NULL;
            }
            free(rec);
            if (v == REPLAY_INCONSISTENT) {
                const char *what = msg ? msg : "inconsistent events (no details: out of memory)";
                if (jobs[i].pack)
                    snprintf(err, sizeof err, "%s: trace %zu (%s)", jobs[i].pack->file, jobs[i].index + 1, what);
                else
                    snprintf(err, sizeof err, "%s", what);
            }
            if (owned)
                trace_free(&t);
        }
        struct result *res = &pg->result[i - from];
        double t1 = now();
        res->seconds = t1 - t0;
        t0 = t1;
        if (out == OUT_PASS) {
            res->passed = 1;
            continue;
        }
        const char *m = out == OUT_BAD_INPUT ? err : msg ? msg : "replay failed (no report: out of memory)";
        struct rec_header hd = {(uint32_t)i, out, (uint32_t)strlen(m)};
        if (!write_all(fd, &hd, sizeof hd) || !write_all(fd, m, hd.length))
            _exit(3);
        free(msg);
    }
    _exit(0);
}

struct batch {
    pid_t pid;
    int fd;
    char *buf;
    size_t len, cap;
};

/* The check's record: a refusal kept, or the library loaded: the loading's output printed
 * (before anything else the run prints, as the check came first), o->loaded done, and the
 * child told to go on (false: stopped, the child to be killed). */
static bool take_check(const struct run_options *o, struct check *ck, const struct rec_header *hd,
                       const char *m)
{
    if (ck->loaded || ck->refused)
        return true;
    if (hd->outcome == OUT_REFUSED) {
        ck->refused = true;
        ck->why = strndup(m, hd->length);
        return true;
    }
    ck->loaded = true;
    if (ck->out >= 0) {
        capture_print(ck->out, o->lib, "while it was loaded");
        close(ck->out);
        ck->out = -1;
    }
    if (o->loaded && !o->loaded(o->arg)) {
        ck->stopped = true;
        return false;
    }
    if (ck->go >= 0 && !write_all(ck->go, "g", 1)) {
        ck->stopped = true;
        return false;
    }
    return true;
}

/* Take the complete records from b->buf: the check's, then failures, which mark their jobs
 * done.  False if the run is stopped (take_check). */
static bool take_records(const struct run_options *o, struct batch *b, struct job *jobs, bool *done,
                         size_t from, size_t to, const struct progress *pg, struct check *ck)
{
    size_t off = 0;
    bool go_on = true;
    while (go_on && b->len - off >= sizeof(struct rec_header)) {
        struct rec_header hd;
        memcpy(&hd, b->buf + off, sizeof hd);
        if (b->len - off - sizeof hd < hd.length)
            break;
        const char *m = b->buf + off + sizeof hd;
        if (hd.index == LIBRARY_RECORD && ck)
            go_on = take_check(o, ck, &hd, m);
        else if (hd.index >= from && hd.index < to && !done[hd.index - from]) {
            struct job *j = &jobs[hd.index];
            j->ok = false;
            j->bad_input = hd.outcome == OUT_BAD_INPUT;
            j->message = strndup(m, hd.length);
            j->seconds = pg->result[hd.index - from].seconds;
            done[hd.index - from] = true;
        }
        off += sizeof hd + hd.length;
    }
    memmove(b->buf, b->buf + off, b->len - off);
    b->len -= off;
    return go_on;
}

/* Run jobs[from..to) in one child.  Returns how the child ended in *why (malloc'd, NULL if it
 * exited normally after reporting everything); done[] marks the jobs that got a record. */
static void close_if_open(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* After the first child ended without loading the library: why, as the separate check said it
 * (the child's own line, else how it ended), and the loading's output printed. */
static void refused(const struct run_options *o, struct check *ck, bool timed_out, int status)
{
    if (ck->out >= 0)
        capture_print(ck->out, o->lib, "while it was loaded");
    close_if_open(&ck->out);
    if (ck->why && ck->why[0])
        return;
    char m[1024];
    if (timed_out)
        snprintf(m, sizeof m, "loading %s: timed out after %g s", o->lib, o->timeout);
    else if (WIFSIGNALED(status))
        snprintf(m, sizeof m, "loading %s: killed by signal %d (%s)", o->lib, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(m, sizeof m, "loading %s failed", o->lib);
    free(ck->why);
    ck->why = strdup(m);
    ck->refused = true;
}

/* Run jobs[from..to) in one child (ck: the first, which checks the library before).  Returns
 * how the child ended in *why (malloc'd, NULL if it exited normally after reporting
 * everything); done[] marks the jobs that got a record. */
static bool run_batch(const struct run_options *o, struct job *jobs, size_t from, size_t to,
                      bool *done, char **why, struct progress *pg, struct check *ck, char *err,
                      size_t size)
{
    int p[2], go[2] = {-1, -1};
    *why = NULL;
    if (pipe(p) != 0) {
        snprintf(err, size, "pipe: %s", strerror(errno));
        return false;
    }
    if (ck && o->loaded && pipe(go) != 0) {
        snprintf(err, size, "pipe: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    int out = capture_open();
    if (ck) {
        ck->out = capture_open();
        ck->go = go[1];
    }
    pg->job = UINT32_MAX;
    pg->event = 0;
    pg->started = now();
    memset(pg->result, 0, (to - from) * sizeof pg->result[0]);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, size, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        close_if_open(&out);
        close_if_open(&go[0]);
        close_if_open(&go[1]);
        if (ck)
            close_if_open(&ck->out);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        if (ck) {
            close_if_open(&go[1]);
            ck->go = go[0];
        }
        child_main(o, jobs, from, to, p[1], pg, out, ck);
    }
    close(p[1]);
    close_if_open(&go[0]);
    struct batch b = {.pid = pid, .fd = p[0], .cap = 4096};
    b.buf = malloc(b.cap);
    bool timed_out = false, ok = b.buf != NULL;
    while (ok) {
        double left = o->timeout - (now() - pg->started);
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {.fd = b.fd, .events = POLLIN};
        int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            ok = false;
            break;
        }
        if (pr == 0)
            continue; /* re-evaluates the deadline (the child may have moved on) */
        if (b.cap - b.len < 4096) {
            char *nb = realloc(b.buf, b.cap * 2);
            if (!nb) {
                ok = false;
                break;
            }
            b.buf = nb;
            b.cap *= 2;
        }
        ssize_t r = read(b.fd, b.buf + b.len, b.cap - b.len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* EOF: the child is gone */
        b.len += (size_t)r;
        if (!take_records(o, &b, jobs, done, from, to, pg, ck))
            break; /* stopped: o->loaded said no */
    }
    bool stopped = ck && ck->stopped;
    if (timed_out || !ok || stopped)
        kill(pid, SIGKILL);
    close(b.fd);
    free(b.buf);
    if (ck)
        close_if_open(&ck->go);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ok && ck && !ck->loaded)
        refused(o, ck, timed_out, status);
    if (stopped || (ck && ck->refused)) {
        close_if_open(&out); /* nothing was replayed */
        return ok;
    }
    if (out >= 0) {
        char what[1024];
        if (to - from == 1)
            snprintf(what, sizeof what, "while replaying %s", jobs[from].path);
        else
            snprintf(what, sizeof what, "while replaying %s .. %s", jobs[from].path, jobs[to - 1].path);
        capture_print(out, o->lib, what);
        close(out);
    }
    for (size_t i = from; i < to; i++) /* the passes, from shared memory */
        if (!done[i - from] && pg->result[i - from].passed) {
            jobs[i].ok = true;
            jobs[i].seconds = pg->result[i - from].seconds;
            done[i - from] = true;
        }
    if (!ok) {
        snprintf(err, size, "reading results: out of memory or poll failed");
        return false;
    }
    char reason[512] = "";
    if (timed_out)
        snprintf(reason, sizeof reason, "timed out after %g s", o->timeout);
    else if (WIFSIGNALED(status))
        snprintf(reason, sizeof reason, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(reason, sizeof reason, "ended: exit status %d", WEXITSTATUS(status));
    else {
        for (size_t i = from; i < to; i++)
            if (!done[i - from])
                snprintf(reason, sizeof reason, "ended early (no result reported)");
    }
    if (reason[0] && !done[0]) {
        /* The child died on its first trace (it replays in order), which is then the culprit,
         * run as it would be alone: the report names the event it died in (shared progress);
         * the parent reads the trace again for that. */
        char where[256], unread[512];
        struct trace t;
        bool owned = false;
        if (pg->job != from || !job_load(&jobs[from], &t, &owned, unread, sizeof unread))
            snprintf(where, sizeof where, "%s: before the first event", jobs[from].path);
        else {
            if (pg->event < t.nevents) {
                int tl;
                const char *tx = trace_event_text(&t, pg->event, &tl);
                snprintf(where, sizeof where, "%s:%d: %.*s", jobs[from].path, t.source[pg->event].line,
                         tl > 120 ? 120 : tl, tx);
            } else
                snprintf(where, sizeof where, "%s:%d: end (destroy_adapter)", jobs[from].path,
                         t.end_line);
            if (owned)
                trace_free(&t);
        }
        size_t len = strlen(where) + strlen(reason) + 64;
        *why = malloc(len);
        if (*why)
            snprintf(*why, len, "%s\n  the implementation was %s\n", where, reason);
        return true;
    }
    if (reason[0])
        *why = strdup(reason);
    return true;
}

/* Where the batch starting at `from` ends.  With --batch N, after N traces.  Otherwise text
 * traces go RUNNER_TEXT_BATCH to a child; packed ones until they hold RUNNER_PACK_EVENTS
 * events (the parent knows their sizes from the pack's index, not those of text files, whose
 * sizes would cost a stat each): a child costs about 0.2 ms (fork, dlopen, exit), about 3% of
 * replaying that many events, however short the traces. */
static size_t batch_end(const struct run_options *o, const struct job *jobs, size_t from, size_t n)
{
    if (o->batch)
        return n - from < o->batch ? n : from + o->batch;
    if (!jobs[from].pack)
        return n - from < RUNNER_TEXT_BATCH ? n : from + RUNNER_TEXT_BATCH;
    size_t to = from, events = 0;
    for (; to < n && jobs[to].pack && events < RUNNER_PACK_EVENTS; to++)
        events += jobs[to].pack->entries[jobs[to].index].nevents;
    return to;
}

static bool bad_input_in(const struct job *jobs, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (jobs[i].bad_input)
            return true;
    return false;
}

enum run_result runner_run(const struct run_options *o, struct job *jobs, size_t n, char *err,
                           size_t size)
{
    bool *done = calloc(n, sizeof *done);
    size_t pg_size = sizeof(struct progress) + n * sizeof(struct result);
    struct progress *pg = mmap(NULL, pg_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pg == MAP_FAILED) {
        free(done);
        snprintf(err, size, "mmap: %s", strerror(errno));
        return RUN_FAILED;
    }
    if (!done) {
        munmap(pg, pg_size);
        snprintf(err, size, "out of memory");
        return RUN_FAILED;
    }
    enum run_result res = RUN_DONE;
    struct check ck = {.out = -1, .go = -1};
    size_t from = 0, alone = SIZE_MAX; /* alone: a culprit to run by itself */
    while (from < n) {
        size_t to = from == alone ? from + 1 : batch_end(o, jobs, from, n);
        char *why;
        memset(done, 0, (to - from) * sizeof *done);
        bool first = from == 0 && !ck.loaded;
        if (!run_batch(o, jobs, from, to, done, &why, pg, first ? &ck : NULL, err, size)) {
            res = RUN_FAILED;
            break;
        }
        if (first && (!ck.loaded || ck.stopped)) {
            res = ck.stopped ? RUN_STOPPED : RUN_REFUSED;
            if (res == RUN_REFUSED)
                snprintf(err, size, "%s", ck.why ? ck.why : "out of memory");
            free(why);
            break;
        }
        if (bad_input_in(jobs, from, to)) {
            free(why);
            break; /* a malformed trace ends the run at its batch */
        }
        if (!why) {
            from = to;
            continue;
        }
        if (!done[0]) { /* it died on its first trace: that is the culprit's verdict */
            jobs[from].ok = false;
            jobs[from].error = true;
            jobs[from].message = why;
            from++; /* the others go on in a new batch */
            continue;
        }
        free(why);
        /* The child died or hung with traces unreported: the first of them is the culprit
         * (the child replays in order).  It runs again alone, so that its verdict is its own
         * and its report names the event; the traces after it go on in a new batch. */
        size_t u = from;
        while (u < to && done[u - from])
            u++;
        if (u < to)
            alone = u;
        from = u;
    }
    free(ck.why);
    free(done);
    munmap(pg, pg_size);
    return res;
}

int capture_open(void)
{
    /* In memory: a file in /tmp costs an inode, which was a tenth of a short replay's time. */
    int fd = memfd_create("stork-capture", 0);
    if (fd >= 0)
        return fd;
    FILE *f = tmpfile(); /* unlinked at once: nothing left behind, even after a crash */
    if (!f)
        return -1;
    fd = dup(fileno(f));
    fclose(f);
    return fd;
}

#define CAPTURE_SHOWN (64u * 1024u)

void capture_print(int fd, const char *lib, const char *what)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end <= 0 || lseek(fd, 0, SEEK_SET) != 0)
        return;
    size_t n = (size_t)end < CAPTURE_SHOWN ? (size_t)end : CAPTURE_SHOWN;
    char *buf = malloc(n);
    if (!buf)
        return;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    fflush(stdout);
    fprintf(stderr, "stork-replay: output of %s %s (not part of the report):\n", lib, what);
    bool bol = true;
    for (size_t i = 0; i < got; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (bol)
            fputs("  impl| ", stderr);
        bol = c == '\n';
        /* Control characters (a carriage return could hide the label) are shown as '?'. */
        fputc(c == '\n' || c == '\t' || c >= 0x20 ? (int)c : '?', stderr);
    }
    if (!bol)
        fputc('\n', stderr);
    if ((size_t)end > got)
        fprintf(stderr, "  impl| ... (%lld more bytes not shown)\n", (long long)((size_t)end - got));
    fflush(stderr);
    free(buf);
}
