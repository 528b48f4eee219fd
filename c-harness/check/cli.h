/* cli.h -- what the audit program's command line asked for, shared by its three parts:
 * main.c (options), audit_report.c (search and report), replay_file.c (--replay). */
#ifndef STORK_CHECK_CLI_H
#define STORK_CHECK_CLI_H

#include "explore.h"

struct cli {
    struct explore_opts o;
    const char *replay, *out_dir;
    bool json;
};

/* A decimal number >= 0. */
bool parse_count(const char *s, long *v);
/* The run in x->run as a trace, with the metadata that lets --replay repeat it (f: the finding
 * it is printed for, or NULL; s: its decisions). */
void print_trace(FILE *out, struct explorer *x, const struct cli *c, const struct found *f,
                 const struct choices *s);
/* Explore, minimise and report every finding; the exit status. */
int audit_command(struct explorer *x, struct cli *c);
/* Run the schedule a trace records and check it gives that trace; the exit status. */
int replay_command(struct explorer *x, struct cli *c);

#endif
