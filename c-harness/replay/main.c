/*
 * stork-replay: drive an implementation of the Storport work-item runtime through stork traces.
 *
 *   stork-replay --impl LIB.so [--junit FILE] [--timeout S] [--batch N] [-v] [--] PATH...
 *
 * The library is checked (missing, no entry point, other ABI version: one line, exit 2), then
 * the traces run in child processes, a batch per child (runner.c), each child reading,
 * parsing and checking a trace just before replaying it.  A malformed trace ("FILE:LINE:
 * expected ...") means exit 2 and no results, and takes precedence over a bad library; the
 * batches before it may already have run.  Exit 0 if all pass, 1 if any fails.
 *
 * Why the parent parses nothing: holding every parsed trace (about 100 bytes per event) made
 * the parent's memory grow with the whole set, so each batch's fork copied page tables for all
 * of it, and the time per trace grew with the number of traces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "junit.h"
#include "runner.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_BAD_INPUT 2

struct args {
    const char *lib, *junit;
    double timeout;
    long batch;
    bool verbose;
    struct file_list files;
};

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "stork-replay: %s\n", why);
    fprintf(stderr, "usage: stork-replay --impl LIB.so [--junit FILE] [--timeout SECONDS] "
                    "[--batch N] [-v] TRACE-OR-FOLDER...\n");
    return EXIT_BAD_INPUT;
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
    a->batch = 256;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool has_value = i + 1 < argc;
        if (!options || s[0] != '-' || s[1] == '\0') {
            if (!files_add(&a->files, s, err, sizeof err)) {
                fprintf(stderr, "stork-replay: %s\n", err);
                return EXIT_BAD_INPUT;
            }
        } else if (strcmp(s, "--") == 0)
            options = false;
        else if (strcmp(s, "--impl") == 0 && has_value)
            a->lib = argv[++i];
        else if (strcmp(s, "--junit") == 0 && has_value)
            a->junit = argv[++i];
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
            exit(EXIT_PASS);
        } else
            return usage("unknown option or missing value");
    }
    if (!a->lib)
        return usage("--impl LIB.so is required");
    if (a->files.n == 0)
        return usage("no trace files given (or none found in the folders)");
    return 0;
}

/* Every trace through the library; 0, or EXIT_BAD_INPUT after printing why. */
static int run_all(const struct args *a, struct job *jobs)
{
    char err[1024];
    size_t n = a->files.n;
    if (!runner_check_library(a->lib, err, sizeof err)) {
        for (size_t i = 0; i < n; i++) { /* a malformed trace is reported first */
            char why[1024];
            struct trace t;
            if (!files_load_trace(jobs[i].path, &t, why, sizeof why)) {
                fprintf(stderr, "%s\n", why);
                return EXIT_BAD_INPUT;
            }
            trace_free(&t);
        }
        fprintf(stderr, "stork-replay: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    struct run_options o = {.lib = a->lib, .timeout = a->timeout, .batch = (size_t)a->batch};
    if (!runner_run(&o, jobs, n, err, sizeof err)) {
        fprintf(stderr, "stork-replay: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].bad_input) {
            fprintf(stderr, "%s\n", jobs[i].message ? jobs[i].message : jobs[i].path);
            return EXIT_BAD_INPUT;
        }
    return 0;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        files_free(&a.files);
        return rc;
    }
    struct job *jobs = calloc(a.files.n, sizeof *jobs);
    if (!jobs) {
        fprintf(stderr, "stork-replay: out of memory\n");
        rc = EXIT_BAD_INPUT;
    } else {
        for (size_t i = 0; i < a.files.n; i++)
            jobs[i].path = a.files.paths[i];
        rc = run_all(&a, jobs);
    }
    if (rc == 0) {
        size_t passed = 0, failed = 0;
        for (size_t i = 0; i < a.files.n; i++) {
            if (jobs[i].ok) {
                passed++;
                if (a.verbose)
                    printf("PASS %s\n", jobs[i].path);
            } else {
                failed++;
                printf("FAIL %s\n%s", jobs[i].path, jobs[i].message ? jobs[i].message : "\n");
            }
        }
        if (a.junit && !junit_write(a.junit, a.lib, jobs, a.files.n)) {
            fprintf(stderr, "stork-replay: cannot write %s: %s\n", a.junit, strerror(errno));
            rc = EXIT_BAD_INPUT;
        }
        printf("%zu passed, %zu failed\n", passed, failed);
        if (rc == 0)
            rc = failed ? EXIT_FAIL : EXIT_PASS;
    }
    for (size_t i = 0; jobs && i < a.files.n; i++)
        free(jobs[i].message);
    free(jobs);
    files_free(&a.files);
    return rc;
}
