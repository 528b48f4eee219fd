/* cli.h -- what the audit program's command line asked for, shared by its three parts:
 * main.c (options), audit_report.c (search and report), replay_file.c (--replay). */
#ifndef STORK_CHECK_CLI_H
#define STORK_CHECK_CLI_H

#include "driver.h"
#include "explore.h"

struct cli {
    struct explore_opts o;
    const char *replay, *out_dir;
    bool json;
    int srbs; /* --srbs: SRBs a miniport audited as it is gets (0: the default) */
    bool preempt_given; /* --preempt-at-calls or --preempt-at-accesses was given */
    int stops; /* --stop-restart (1), --stops N: stops and restarts before its removal */
    bool reset_bus; /* --reset-bus: and a request that times out, HwResetBus (ENV-E17) */
    bool early_removal; /* --early-removal: removal before its notification, during the start */
    int host; /* --host: enum stork_host (driver.h), the runtime it is audited against */
    struct driver_ioctls ioctls; /* --ioctls, --ioctl: the IOCTL SRBs asked for */
    int nioctl; /* the IOCTL SRBs it runs with */
    const char *ioctl_arg; /* --ioctl SIG:CODE as given, for the trace's meta */
};

/* A trace's meta lines for a run of `name` with these decisions (f: the finding, or NULL). */
struct meta {
    char gen[32], scn[400], cfg[256], sched[8192], prop[600], seed[64];
    const char *v[6];
    int n;
};
void make_meta(struct meta *m, const struct cli *c, const char *name, int threads, const int *pick,
               int len, const struct found *f);
/* Write a finding's trace to --out DIR under a name no other finding of this audit has, named
 * by scenario, rule, site and kind of break; its path in `path`.  False (said on stderr) if it
 * cannot be written. */
bool save_trace(const struct cli *c, const char *name, const struct found *f, const char *trace,
                char *path, size_t size);
/* The usual way out of a rule's break ("" if none is known). */
const char *fix_for(const char *rule);
/* s as a JSON string. */
void json_string(FILE *out, const char *s);
/* Run the audit (or --replay) in a child process and pass its report on only if it is whole; a
 * child that dies first is a finding (STORK-CRASH), one stuck past the time limit is killed. */
int supervise(struct explorer *x, struct cli *c);

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
