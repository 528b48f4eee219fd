/*
 * The C trace reader against the golden files shared with the Python reader:
 *   test_trace_parser VALID_DIR INVALID_DIR [INVALID_DIR...]
 * Every .trace file in VALID_DIR must parse and pass trace_check; every NAME.trace in an INVALID_DIR must
 * be rejected at the line NAME.expect names, with its text in the message (NAME.expect:
 * "expect: malformed at line N saying TEXT", spec/expectations.md).  Prints one line per
 * failure; exit 0 iff none.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "stork/exit_status.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return b;
}

/* Parse and check; true if accepted, else *err. */
static bool accept(const char *path, struct trace_error *err, bool *read_ok)
{
    size_t len;
    char *data = slurp(path, &len);
    *read_ok = data != NULL;
    if (!data)
        return false;
    struct trace t;
    bool ok = trace_parse(data, len, &t, err);
    free(data);
    if (ok) {
        ok = trace_check(&t, err);
        trace_free(&t);
    }
    return ok;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.trace names in dir, sorted; *n set. */
static char **list(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".trace") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof *v, by_name);
    return v;
}

int main(int argc, char **argv)
{
    int failures = 0, checked = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: test_trace_parser VALID_DIR INVALID_DIR...\n");
        return STORK_EXIT_BAD_INPUT;
    }
    for (int a = 1; a < argc; a++) {
        bool valid = a == 1;
        size_t n;
        char **names = list(argv[a], &n);
        if (!names || n == 0) {
            printf("FAIL %s: no .trace files\n", argv[a]);
            failures++;
        }
        for (size_t i = 0; i < n; i++) {
            char path[4096], expect[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], names[i]);
            struct trace_error err = {0};
            bool read_ok;
            bool ok = accept(path, &err, &read_ok);
            checked++;
            if (!read_ok) {
                printf("FAIL %s: cannot read\n", path);
                failures++;
            } else if (valid && !ok) {
                printf("FAIL %s: rejected at %d: %s\n", path, err.line, err.message);
                failures++;
            } else if (!valid) {
                snprintf(expect, sizeof expect, "%.*s.expect", (int)(strlen(path) - 6), path);
                size_t el;
                char *e = slurp(expect, &el);
                int line = 0;
                char words[512] = "";
                if (!e || sscanf(e, "expect: malformed at line %d saying %511[^\n]", &line, words) < 2) {
                    printf("FAIL %s: missing or unreadable %s\n", path, expect);
                    failures++;
                } else if (ok) {
                    printf("FAIL %s: accepted, expected a rejection at line %d\n", path, line);
                    failures++;
                } else if (err.line != line || !strstr(err.message, words)) {
                    printf("FAIL %s: rejected at %d: %s; expected line %d with '%s'\n", path,
                           err.line, err.message, line, words);
                    failures++;
                }
                free(e);
            }
            free(names[i]);
        }
        free(names);
    }
    printf("%d trace files checked, %d failures\n", checked, failures);
    return failures ? STORK_EXIT_VIOLATED : STORK_EXIT_OK;
}
