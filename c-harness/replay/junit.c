/* JUnit XML: one testsuite, one testcase per trace, a <failure> with the report. */
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

/* The first line of a report, for the failure's message attribute. */
static void first_line(FILE *f, const char *s)
{
    char line[512];
    size_t n = strcspn(s, "\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, s, n);
    line[n] = '\0';
    xml_text(f, line);
}

bool junit_write(const char *path, const char *lib, const struct job *jobs, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    size_t failures = 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        failures += !jobs[i].ok;
        total += jobs[i].seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuite name=\"stork-replay ");
    xml_text(f, lib);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", n, failures, total);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  <testcase classname=\"stork.replay\" name=\"");
        xml_text(f, jobs[i].path);
        fprintf(f, "\" time=\"%.3f\"", jobs[i].seconds);
        if (jobs[i].ok) {
            fprintf(f, "/>\n");
            continue;
        }
        const char *m = jobs[i].message ? jobs[i].message : "failed";
        fprintf(f, ">\n    <failure message=\"");
        first_line(f, m);
        fprintf(f, "\">");
        xml_text(f, m);
        fprintf(f, "</failure>\n  </testcase>\n");
    }
    fprintf(f, "</testsuite>\n");
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}
