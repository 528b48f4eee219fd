/*
 * main.c -- the audit program.  A scenario file linked with libstork-check becomes a program
 * that audits itself: `stork audit SCENARIO.c` compiles it and runs it with these options.
 *
 * Exit status: 0 clean (every schedule explored, no finding), 1 a finding, 2 bad input or a
 * scenario error, 3 incomplete (the budget, the time limit or --max-steps cut the search and
 * nothing was found).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "stork/exit_status.h"
#include "driver.h"

#ifdef STORK_CHECK_ASAN
#include <sanitizer/common_interface_defs.h>

/* A memory error in the miniport's code: the process that watches the audit reports it as a
 * finding with the run's schedule and events (supervise.c). */
static void on_sanitizer_death(void)
{
    if (run_watch)
        run_watch->sanitizer = 1;
}

/* Every sanitizer's report ends with its summary (UBSan's stops the program without calling the
 * death callback): this replaces sanitizer_common's weak default, which prints it. */
void __sanitizer_report_error_summary(const char *summary);
void __sanitizer_report_error_summary(const char *summary)
{
    if (run_watch)
        run_watch->sanitizer = 1;
    fprintf(stderr, "%s\n", summary);
}
#endif

static const char usage[] =
    "usage: SCENARIO-PROGRAM [options]\n"
    "  --max-schedules N  exhaustive budget (default 200000); past it the search is incomplete\n"
    "  --pct              skip the exhaustive search: PCT random schedules only\n"
    "  --exhaustive       no PCT after an incomplete exhaustive search\n"
    "  --runs N           PCT runs (default 2000)\n"
    "  --depth D          PCT bug depth (default 3)\n"
    "  --seed S           PCT seed of the first run (run i uses S+i; default: from the clock)\n"
    "  --max-steps N      scheduling steps after which a run is cut (default 10000); a cut run\n"
    "                     makes the search incomplete\n"
    "  --threads N        system worker threads (1..4), instead of the scenario's\n"
    "  --srbs N           a miniport audited from its DriverEntry: SRBs handed (1..6, default\n"
    "                     1), each to a HwStartIo of its own, besides the removal SRBs\n"
    "  --host H           a miniport audited from its DriverEntry: the runtime and environment\n"
    "                     it runs against, windows (default), neptune or reactos (ENV-H)\n"
    "  --ioctls N         a miniport audited from its DriverEntry: SRB_FUNCTION_IO_CONTROL SRBs\n"
    "                     handed (0..2, default 0), through HwBuildIo and HwStartIo\n"
    "  --ioctl SIG:CODE   their SRB_IO_CONTROL Signature (up to 8 characters) and ControlCode\n"
    "                     (default STORK:0, an IOCTL no miniport knows; alone, one SRB)\n"
    "  --stop-restart     a miniport audited from its DriverEntry: also a stop and restart\n"
    "                     (or HwFindAdapter again) before removal, in every schedule\n"
    "  --stops N          as --stop-restart, with up to N (0..3) stops and restarts in one\n"
    "                     adapter life (--stop-restart: 1)\n"
    "  --reset-bus        a miniport audited from its DriverEntry: also a request that times\n"
    "                     out while outstanding, and HwResetBus (ENV-E17, ENV-Q10)\n"
    "  --early-removal    a miniport audited from its DriverEntry: a surprise removal may also\n"
    "                     take the hardware during the start (ENV-R13)\n"
    "  --preempt-at-calls scheduling points only at StorPort calls and STORK_* points (without\n"
    "                     it, and in an instrumented build, also before each shared write and\n"
    "                     atomic of the scenario and each read of an SRB, a pool block or, by a\n"
    "                     DPC or timer, the extension: enough for a race-free scenario;\n"
    "                     docs/audit.md)\n"
    "  --preempt-at-accesses  a scheduling point before each shared access, reads too\n"
    "                     (instrumented builds; more schedules; a trace records which)\n"
    "  --no-reduction     explore every schedule, not one per class of equivalent ones (the\n"
    "                     partial-order reduction needs the scenario instrumented: not --sanitize)\n"
    "  --final-states     with --json: the digests of the distinct final states of the runs\n"
    "                     (exhaustive and PCT) that were not cut\n"
    "  --time-limit S     seconds for the whole search (default 300); past them it stops,\n"
    "                     incomplete, and a run stuck with no scheduling point is killed\n"
    "  --replay FILE      run the schedule recorded in FILE (meta schedule) and check the run\n"
    "                     is the one FILE records\n"
    "  --out DIR          write each finding's minimised trace to DIR\n"
    "  --record DIR       write every run's trace to DIR (not those of the runs the reduction\n"
    "                     prunes, which stop where they would only repeat an explored class)\n"
    "  --distinct         with --record: write each distinct trace once, the first run's that\n"
    "                     gives it (its events and comments; the meta lines aside)\n"
    "  --source PATH      the scenario's file, named in the traces' meta\n"
    "  --json             one JSON object instead of the report\n";

bool parse_count(const char *s, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || *end || end == s || x < 0)
        return false;
    *v = x;
    return true;
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
    memset(c, 0, sizeof *c);
    c->o.max_schedules = 200000;
    c->o.pct_runs = 2000;
    c->o.depth = 3;
    c->o.limits.max_steps = 10000;
    c->o.limits.preempt = PREEMPT_WRITES;
    c->o.time_limit = 300;
    c->ioctls.count = -1;
    memcpy(c->ioctls.signature, "STORK\0\0\0", 8);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->o.seed = (uint64_t)ts.tv_sec * 1000003u + (uint64_t)ts.tv_nsec % 1000003u;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        if (strcmp(a, "--pct") == 0)
            c->o.pct_only = true;
        else if (strcmp(a, "--exhaustive") == 0)
            c->o.exhaustive_only = true;
        else if (strcmp(a, "--json") == 0)
            c->json = true;
        else if (strcmp(a, "--no-reduction") == 0)
            c->o.no_reduction = true;
        else if (strcmp(a, "--final-states") == 0)
            c->o.final_states = true;
        else if (strcmp(a, "--distinct") == 0)
            c->o.record_distinct = true;
        else if (strcmp(a, "--preempt-at-accesses") == 0) {
            c->o.limits.preempt = PREEMPT_ACCESSES;
            c->preempt_given = true;
        } else if (strcmp(a, "--preempt-at-calls") == 0) {
            c->o.limits.preempt = PREEMPT_CALLS;
            c->preempt_given = true;
        }
        else if (strcmp(a, "--stop-restart") == 0)
            c->stops = c->stops ? c->stops : 1;
        else if (strcmp(a, "--reset-bus") == 0)
            c->reset_bus = true;
        else if (strcmp(a, "--early-removal") == 0)
            c->early_removal = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(STORK_EXIT_OK);
        } else if (!v) {
            fprintf(stderr, "stork-audit: unknown option or missing value: %s\n%s", a, usage);
            return STORK_EXIT_BAD_INPUT;
        } else if (strcmp(a, "--host") == 0) {
            if (strcmp(v, "windows") == 0)
                c->host = STORK_HOST_WINDOWS;
            else if (strcmp(v, "neptune") == 0)
                c->host = STORK_HOST_NEPTUNE;
            else if (strcmp(v, "reactos") == 0)
                c->host = STORK_HOST_REACTOS;
            else {
                fprintf(stderr, "stork-audit: --host is windows, neptune or reactos, not %s\n", v);
                return STORK_EXIT_BAD_INPUT;
            }
            i++;
        } else if (strcmp(a, "--ioctl") == 0) {
            const char *colon = strchr(v, ':');
            long code = 0;
            if (!colon || colon == v || colon - v > 8 || !parse_count(colon + 1, &code) ||
                code > 0xFFFFFFFFL) {
                fprintf(stderr, "stork-audit: --ioctl wants SIGNATURE:CODE (a signature of 1 to 8 "
                        "characters, a ControlCode >= 0), not %s\n", v);
                return STORK_EXIT_BAD_INPUT;
            }
            memset(c->ioctls.signature, 0, sizeof c->ioctls.signature);
            memcpy(c->ioctls.signature, v, (size_t)(colon - v));
            c->ioctls.code = (unsigned long)code;
            c->ioctls.given = true;
            c->ioctl_arg = v;
            i++;
        } else if (strcmp(a, "--replay") == 0)
            c->replay = argv[++i];
        else if (strcmp(a, "--out") == 0)
            c->out_dir = argv[++i];
        else if (strcmp(a, "--record") == 0)
            c->o.record_dir = argv[++i];
        else if (strcmp(a, "--source") == 0)
            c->o.source = argv[++i];
        else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || *end || end == v) {
                fprintf(stderr, "stork-audit: --seed wants a number, not %s\n", v);
                return STORK_EXIT_BAD_INPUT;
            }
            c->o.seed = s;
            i++;
        } else if (!parse_count(v, &n)) {
            fprintf(stderr, "stork-audit: %s wants a number >= 0, not %s\n", a, v);
            return STORK_EXIT_BAD_INPUT;
        } else if (strcmp(a, "--max-schedules") == 0 && n >= 1) {
            c->o.max_schedules = n;
            i++;
        } else if (strcmp(a, "--runs") == 0) {
            c->o.pct_runs = n;
            i++;
        } else if (strcmp(a, "--depth") == 0 && n >= 1 && n <= 8) {
            c->o.depth = (int)n;
            i++;
        } else if (strcmp(a, "--time-limit") == 0 && n >= 1) {
            c->o.time_limit = (double)n;
            i++;
        } else if (strcmp(a, "--threads") == 0 && n >= 1 && n <= MAX_THREADS) {
            c->o.limits.threads = (unsigned)n;
            i++;
        } else if (strcmp(a, "--srbs") == 0 && n >= 1 && n <= 6) {
            c->srbs = (int)n;
            i++;
        } else if (strcmp(a, "--stops") == 0 && n <= 3) {
            c->stops = (int)n;
            i++;
        } else if (strcmp(a, "--ioctls") == 0 && n <= 2) {
            c->ioctls.count = (int)n;
            c->ioctls.given = true;
            i++;
        } else if (strcmp(a, "--max-steps") == 0 && n >= 1) {
            c->o.limits.max_steps = (int)n;
            i++;
        } else {
            fprintf(stderr, "stork-audit: bad option or value: %s %s\n%s", a, v, usage);
            return STORK_EXIT_BAD_INPUT;
        }
    }
    return STORK_EXIT_OK;
}

int main(int argc, char **argv)
{
#ifdef STORK_CHECK_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
    struct cli c;
    int rc = parse_cli(argc, argv, &c);
    if (rc)
        return rc;
    if (c.o.record_distinct && !c.o.record_dir) {
        fprintf(stderr, "stork-audit: --distinct says which traces --record writes: it needs "
                        "--record DIR\n");
        return STORK_EXIT_BAD_INPUT;
    }
    if (c.o.limits.preempt == PREEMPT_ACCESSES && !race_instrumented()) {
        fprintf(stderr, "stork-audit: --preempt-at-accesses needs the scenario compiled with "
                        "-fsanitize=thread (not with --sanitize)\n");
        return STORK_EXIT_BAD_INPUT;
    }
    if (c.ioctl_arg && c.ioctls.count < 0)
        c.ioctls.count = 1; /* --ioctl alone: one IOCTL SRB of that kind */
    struct explorer x;
    char err[300];
    const struct stork_scenario *scn = driver_scenario(c.srbs, c.stops, c.reset_bus, c.early_removal, c.host,
                                                      &c.ioctls, err, sizeof err);
    if (!scn) {
        fprintf(stderr, "stork-audit: %s\n", err);
        return STORK_EXIT_BAD_INPUT;
    }
    c.srbs = driver_srbs(scn); /* the SRBs it runs with (0: a hand-made scenario) */
    c.nioctl = driver_ioctls(scn);
    if (!race_instrumented()) /* its accesses are not seen: the calls' points only */
        c.o.limits.preempt = PREEMPT_CALLS;
    if (!explorer_init(&x, scn, err, sizeof err)) {
        fprintf(stderr, "stork-audit: %s\n", err);
        explorer_free(&x);
        driver_free(scn);
        return STORK_EXIT_BAD_INPUT;
    }
    rc = supervise(&x, &c);
    explorer_free(&x);
    driver_free(scn);
    return rc;
}
