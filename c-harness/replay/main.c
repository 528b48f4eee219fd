/*
 * stork-replay: drive an implementation of the Storport work-item runtime through stork traces.
 *
 *   stork-replay --impl LIB.so [--junit FILE] [--record DIR] [--timeout S] [--batch N] [-v] [--] PATH...
 *   stork-replay --pack OUT [--] PATH...
 *
 * A PATH is a trace file, a folder (every *.trace and *.pack under it) or a pack (trace/pack.h:
 * traces parsed and checked once, replayed without reading text; --pack writes one).  A file
 * named twice, or also inside a folder named, is taken once.
 * The library is checked (missing, no entry point, other ABI version: one line, exit 2) by the
 * first child, before its batch; the traces run in child processes, a batch per child
 * (runner.c), each child reading, parsing and checking a trace just before replaying it (a
 * packed trace is checked in place).
 * A malformed trace ("FILE:LINE: expected ...") means exit 2 and no results, and takes
 * precedence over a bad library; the batches before it may already have run.  Exit 0 if all
 * pass, 1 if any fails.
 *
 * Why the parent parses nothing: holding every parsed trace (about 100 bytes per event) made
 * the parent's memory grow with the whole set, so each batch's fork copied page tables for all
 * of it, and the time per trace grew with the number of traces.  A pack is mapped once, before
 * the children are made, and they share it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "junit.h"
#include "pack.h"
#include "runner.h"
#include "stork/exit_status.h"


struct args {
    const char *lib, *junit, *pack_out, *record;
    double timeout;
    long batch;
    bool verbose;
    struct file_list files; /* owns the text traces' paths */
    struct file_set taken;  /* every file taken (device and inode): none is taken twice */
    struct pack **packs;    /* the packs given */
    size_t npacks;
    struct job *jobs;       /* every trace, in the order given */
    size_t njobs, cap;
};

/* With a reason: that one line (bad input); without: the usage, for --help. */
static int usage(const char *why)
{
    if (why) {
        fprintf(stderr, "stork-replay: %s (see stork-replay --help)\n", why);
        return STORK_EXIT_BAD_INPUT;
    }
    fprintf(stderr, "usage: stork-replay --impl LIB.so [--junit FILE] [--timeout SECONDS] "
                    "[--batch N] [--record DIR] [-v] PATH...\n"
                    "       stork-replay --pack OUT PATH...\n"
                    "PATH: a .trace file, a pack written by --pack, or a folder of them "
                    "(searched recursively)\n"
                    "--batch N: traces per child process (default: 256 text traces, or packed "
                    "traces of 2^19 events in all)\n");
    return STORK_EXIT_BAD_INPUT;
}

static bool push_job(struct args *a, struct job j)
{
    if (a->njobs == a->cap) {
        size_t c = a->cap ? a->cap * 2 : 256;
        struct job *n = realloc(a->jobs, c * sizeof *n);
        if (!n)
            return false;
        a->jobs = n;
        a->cap = c;
    }
    a->jobs[a->njobs++] = j;
    return true;
}

/* One file: a pack gives every trace in it; anything else is a text trace. */
static bool add_file(struct args *a, const char *path, char *err, size_t size)
{
    struct stat st;
    bool found = stat(path, &st) == 0; /* if not, files_add says why */
    bool first = true;   /* a file named twice, or inside a folder also named, is taken once */
    if (found && !file_set_add(&a->taken, &st, &first)) {
        snprintf(err, size, "out of memory");
        return false;
    }
    if (!first)
        return true;
    if (found && S_ISREG(st.st_mode) && pack_is(path)) {
        struct pack *p = malloc(sizeof *p);
        struct pack **ps = realloc(a->packs, (a->npacks + 1) * sizeof *ps);
        if (ps)
            a->packs = ps;
        if (!p || !ps) {
            free(p);
            snprintf(err, size, "out of memory");
            return false;
        }
        if (!pack_open(path, p, err, size)) {
            free(p);
            return false;
        }
        a->packs[a->npacks++] = p;
        for (size_t i = 0; i < p->ntraces; i++)
            if (!push_job(a, (struct job){.path = pack_path(p, i), .pack = p, .index = i})) {
                snprintf(err, size, "out of memory");
                return false;
            }
        return true;
    }
    size_t from = a->files.n;
    if (!files_add(&a->files, path, err, size))
        return false;
    for (size_t i = from; i < a->files.n; i++)
        if (!push_job(a, (struct job){.path = a->files.paths[i]})) {
            snprintf(err, size, "out of memory");
            return false;
        }
    return true;
}

/* A file, or a folder: every *.trace and every *.pack under it, so that the shipped corpus's
 * folder gives its k = 3 part (k3.pack) with the text traces. */
static bool add_path(struct args *a, const char *path, char *err, size_t size)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return add_file(a, path, err, size);
    struct file_list found = {0};
    bool ok = files_add(&found, path, err, size);
    for (size_t i = 0; ok && i < found.n; i++)
        ok = add_file(a, found.paths[i], err, size);
    files_free(&found);
    return ok;
}

static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->njobs; i++) {
        free(a->jobs[i].message);
        free(a->jobs[i].record);
    }
    free(a->jobs);
    for (size_t i = 0; i < a->npacks; i++) {
        pack_close(a->packs[i]);
        free(a->packs[i]);
    }
    free(a->packs);
    files_free(&a->files);
    file_set_free(&a->taken);
}

/* A number in (0, max]. */
static bool number(const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > max)
        return false;
    *out = v;
    return true;
}

/* 0 on success, else an exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
    char err[512];
    a->timeout = 10;
    a->batch = 0; /* the runner's defaults */
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool has_value = i + 1 < argc;
        if (!options || s[0] != '-' || s[1] == '\0') {
            if (!add_path(a, s, err, sizeof err)) {
                fprintf(stderr, "stork-replay: %s\n", err);
                return STORK_EXIT_BAD_INPUT;
            }
        } else if (strcmp(s, "--") == 0)
            options = false;
        else if (strcmp(s, "--impl") == 0 && has_value)
            a->lib = argv[++i];
        else if (strcmp(s, "--pack") == 0 && has_value)
            a->pack_out = argv[++i];
        else if (strcmp(s, "--junit") == 0 && has_value)
            a->junit = argv[++i];
        else if (strcmp(s, "--record") == 0 && has_value)
            a->record = argv[++i];
        else if (strcmp(s, "--timeout") == 0 && has_value) {
            if (!number(argv[++i], 86400, &a->timeout))
                return usage("--timeout needs a number of seconds (0 < S <= 86400)");
        } else if (strcmp(s, "--batch") == 0 && has_value) {
            double b;
            if (!number(argv[++i], 100000, &b) || b < 1 || b != (long)b)
                return usage("--batch needs a whole number from 1 to 100000");
            a->batch = (long)b;
        } else if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0)
            a->verbose = true;
        else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(NULL);
            exit(STORK_EXIT_OK);
        } else {
            snprintf(err, sizeof err, "unknown option or missing value: %s", s);
            return usage(err);
        }
    }
    if (!a->lib == !a->pack_out)
        return usage(a->lib ? "--impl and --pack do not go together" : "--impl LIB.so (or --pack OUT) is required");
    if (a->pack_out && (a->junit || a->verbose || a->timeout != 10 || a->batch || a->record))
        return usage("--junit, --record, --timeout, --batch and -v are for replaying, not --pack");
    if (a->njobs == 0)
        return usage("no trace files given (or none found in the folders)");
    return STORK_EXIT_OK;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int by_base_name(const void *x, const void *y)
{
    const struct job *const *a = x, *const *b = y;
    int c = strcmp(base_name((*a)->path), base_name((*b)->path));
    return c ? c : (*a < *b ? -1 : *a > *b);
}

/* --record DIR, once the library is found good (before, a refused library leaves no DIR):
 * DIR is made if missing; false after printing why. */
static bool make_record_dir(void *arg)
{
    const struct args *a = arg;
    struct stat st;
    if (mkdir(a->record, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "stork-replay: cannot make %s: %s\n", a->record, strerror(errno));
        return false;
    }
    if (stat(a->record, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "stork-replay: --record %s: not a folder\n", a->record);
        return false;
    }
    return true;
}

/* --record DIR: each trace's recording is DIR/NAME, NAME its own file name; names that several
 * traces share get the trace's position first (NNNNNN-NAME).  Named before the children are
 * made (they write them); 0, or STORK_EXIT_BAD_INPUT after printing why. */
static int plan_recordings(struct args *a)
{
    struct job **order = malloc(a->njobs * sizeof *order);
    if (!order) {
        fprintf(stderr, "stork-replay: out of memory\n");
        return STORK_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < a->njobs; i++)
        order[i] = &a->jobs[i];
    qsort(order, a->njobs, sizeof *order, by_base_name);
    for (size_t k = 0; k < a->njobs; k++) {
        struct job *j = order[k];
        const char *name = base_name(j->path);
        bool shared = (k > 0 && strcmp(name, base_name(order[k - 1]->path)) == 0) ||
                      (k + 1 < a->njobs && strcmp(name, base_name(order[k + 1]->path)) == 0);
        size_t len = strlen(a->record) + strlen(name) + 32;
        if (!(j->record = malloc(len))) {
            free(order);
            fprintf(stderr, "stork-replay: out of memory\n");
            return STORK_EXIT_BAD_INPUT;
        }
        if (shared)
            snprintf(j->record, len, "%s/%06zu-%s", a->record, (size_t)(j - a->jobs) + 1, name);
        else
            snprintf(j->record, len, "%s/%s", a->record, name);
    }
    free(order);
    return STORK_EXIT_OK;
}

/* A refused library: a malformed trace is reported first, then why the library was refused
 * (reason: one line); STORK_EXIT_BAD_INPUT. */
static int refused(const struct args *a, const char *reason)
{
    for (size_t i = 0; i < a->njobs; i++) {
        char why[1024];
        struct trace t;
        bool owned;
        if (!job_load(&a->jobs[i], &t, &owned, why, sizeof why)) {
            fprintf(stderr, "%s\n", why);
            return STORK_EXIT_BAD_INPUT;
        }
        if (owned)
            trace_free(&t);
    }
    fprintf(stderr, "stork-replay: %s\n", reason);
    if (a->junit && !junit_write_refused(a->junit, a->lib, reason))
        fprintf(stderr, "stork-replay: cannot write %s: %s\n", a->junit, strerror(errno));
    return STORK_EXIT_BAD_INPUT;
}

/* Every trace through the library (checked first, runner.h); 0, or STORK_EXIT_BAD_INPUT after
 * printing why. */
static int run_all(struct args *a)
{
    char err[1024];
    if (a->record) {
        int rc = plan_recordings(a);
        if (rc)
            return rc;
    }
    struct run_options o = {.lib = a->lib, .timeout = a->timeout, .batch = (size_t)a->batch,
                            .loaded = a->record ? make_record_dir : NULL, .arg = a};
    switch (runner_run(&o, a->jobs, a->njobs, err, sizeof err)) {
    case RUN_REFUSED:
        return refused(a, err);
    case RUN_STOPPED:
        return STORK_EXIT_BAD_INPUT;
    case RUN_FAILED:
        fprintf(stderr, "stork-replay: %s\n", err);
        return STORK_EXIT_BAD_INPUT;
    case RUN_DONE:
        break;
    }
    for (size_t i = 0; i < a->njobs; i++)
        if (a->jobs[i].bad_input) {
            fprintf(stderr, "%s\n", a->jobs[i].message ? a->jobs[i].message : a->jobs[i].path);
            return STORK_EXIT_BAD_INPUT;
        }
    return STORK_EXIT_OK;
}

/* --pack: every trace read and checked, then written into one pack; 0 or STORK_EXIT_BAD_INPUT. */
static int write_pack(const struct args *a)
{
    char err[1024];
    const char **paths = malloc(a->njobs * sizeof *paths);
    if (!paths) {
        fprintf(stderr, "stork-replay: out of memory\n");
        return STORK_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < a->njobs; i++)
        paths[i] = a->jobs[i].path;
    struct pack_writer *w = pack_writer_open(a->pack_out, paths, a->njobs, err, sizeof err);
    free(paths);
    if (!w) {
        fprintf(stderr, "stork-replay: %s\n", err);
        return STORK_EXIT_BAD_INPUT;
    }
    size_t events = 0;
    for (size_t i = 0; i < a->njobs; i++) {
        struct trace t;
        bool owned;
        if (!job_load(&a->jobs[i], &t, &owned, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            pack_writer_abandon(w);
            return STORK_EXIT_BAD_INPUT;
        }
        bool ok = pack_writer_add(w, &t, err, sizeof err);
        events += t.nevents;
        if (owned)
            trace_free(&t);
        if (!ok && strncmp(err, "line ", 5) == 0) {
            fprintf(stderr, "%s:%s\n", a->jobs[i].path, err + 5); /* file:line: ... */
            pack_writer_abandon(w);
            return STORK_EXIT_BAD_INPUT;
        }
        if (!ok) {
            fprintf(stderr, "stork-replay: %s\n", err);
            pack_writer_abandon(w);
            return STORK_EXIT_BAD_INPUT;
        }
    }
    signal(SIGPIPE, SIG_IGN); /* a FIFO whose reader left: EPIPE, reported as a write error */
    bool written = pack_writer_finish(w, err, sizeof err);
    signal(SIGPIPE, SIG_DFL);
    if (!written) {
        fprintf(stderr, "stork-replay: %s\n", err);
        return STORK_EXIT_BAD_INPUT;
    }
    printf("packed %zu traces (%zu events) into %s\n", a->njobs, events, a->pack_out);
    return STORK_EXIT_OK;
}

/* The report reached stdout, or (a full disk, /dev/full) exit 2 saying it did not. */
static int flush_report(int rc)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "stork-replay: cannot write the report: %s\n",
                strerror(errno ? errno : EIO));
        return STORK_EXIT_BAD_INPUT;
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        args_free(&a);
        return rc;
    }
    if (a.pack_out) {
        rc = write_pack(&a);
        args_free(&a);
        return flush_report(rc);
    }
    rc = run_all(&a);
    if (rc == 0) {
        size_t passed = 0, failed = 0;
        for (size_t i = 0; i < a.njobs; i++) {
            if (a.jobs[i].ok) {
                passed++;
                if (a.verbose)
                    printf("PASS %s\n", a.jobs[i].path);
            } else {
                failed++;
                printf("FAIL %s\n%s", a.jobs[i].path, a.jobs[i].message ? a.jobs[i].message : "\n");
            }
        }
        if (a.junit && !junit_write(a.junit, a.lib, a.jobs, a.njobs)) {
            fprintf(stderr, "stork-replay: cannot write %s: %s\n", a.junit, strerror(errno));
            rc = STORK_EXIT_BAD_INPUT;
        }
        printf("%zu passed, %zu failed\n", passed, failed);
        if (rc == 0)
            rc = failed ? STORK_EXIT_VIOLATED : STORK_EXIT_OK;
    }
    args_free(&a);
    return flush_report(rc);
}
