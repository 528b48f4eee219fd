/* JUnit XML: one testsuite, one testcase per trace, a <failure> with the report (an <error>
 * for a crash, exit or time-out); one <error> test case when the library is refused. */
#include "junit.h"

#include <stdio.h>
#include <string.h>

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': case '\t': fputc(c, f); break;
        default:
            fputc(c < 0x20 ? '?' : (int)c, f); /* XML 1.0 forbids most control characters */
        }
    }
}

/* The message attribute: the report's first line (where) and second (what: expected and
 * actual, with the rule), as one line. */
static void message_of(FILE *f, const char *s)
{
    char line[1024];
    size_t n = strcspn(s, "\n"), used;
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, s, n);
    used = n;
    if (s[n] == '\n') {
        const char *what = s + n + 1;
        what += strspn(what, " ");
        size_t m = strcspn(what, "\n");
        if (m && used + 2 + m < sizeof line) {
            memcpy(line + used, ": ", 2);
            memcpy(line + used + 2, what, m);
            used += 2 + m;
        }
    }
    line[used] = '\0';
    xml_text(f, line);
}

bool junit_write(const char *path, const char *lib, const struct job *jobs, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    size_t failures = 0, errors = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        failures += !jobs[i].ok && !jobs[i].error;
        errors += !jobs[i].ok && jobs[i].error;
        total += jobs[i].seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuite name=\"stork-replay ");
    xml_text(f, lib);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n, failures,
            errors, total);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  <testcase classname=\"stork.replay\" name=\"");
        xml_text(f, jobs[i].path);
        fprintf(f, "\" time=\"%.3f\"", jobs[i].seconds);
        if (jobs[i].ok) {
            fprintf(f, "/>\n");
            continue;
        }
        /* A crash, an exit or a time-out is an error (the test could not run to a verdict);
         * a call answered against the contract is a failure. */
        const char *tag = jobs[i].error ? "error" : "failure";
        const char *m = jobs[i].message ? jobs[i].message : "failed";
        fprintf(f, ">\n    <%s message=\"", tag);
        message_of(f, m);
        fprintf(f, "\">");
        xml_text(f, m);
        fprintf(f, "</%s>\n  </testcase>\n", tag);
    }
    fprintf(f, "</testsuite>\n");
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}

bool junit_write_refused(const char *path, const char *lib, const char *why)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"stork-replay ");
    xml_text(f, lib);
    fprintf(f, "\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n");
    fprintf(f, "  <testcase classname=\"stork.replay\" name=\"load ");
    xml_text(f, lib);
    fprintf(f, "\" time=\"0.000\">\n    <error message=\"");
    xml_text(f, why);
    fprintf(f, "\">");
    xml_text(f, why);
    fprintf(f, "</error>\n  </testcase>\n</testsuite>\n");
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}
