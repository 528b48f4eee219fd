"""stork audit: run a miniport scenario (C) under the checking runtime, under many schedules."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from stork import audit_sarif, audit_sweep, exitcodes, hosts, sarif, scenarios
from stork.audit import GRACE, AuditError, build, has_report
from stork.verify import finite_time_limit

DEFAULT_TIME_LIMIT = 300

NAME = "audit"
SUMMARY = "audit a miniport's C code under every schedule"
HELP = ("Audit a miniport's work-item code: SCENARIO.c (a miniport with its DriverEntry, whose "
        "registered entry points stork drives as spec/environment.md says; or the miniport's "
        "routines and callbacks with a `stork_scenario` naming them, both against "
        "c-harness/check/include/storport.h) is "
        "compiled with the C compiler ($CC, default cc) against the checking runtime and run "
        "under every schedule (exhaustive, with the count reported) or, past --max-schedules, "
        "PCT random schedules; each finding is printed with its rule id, call site, the "
        "worker's history and its minimised trace. Exit 0 clean (every schedule explored), "
        "1 a finding, 2 bad input, 3 incomplete (budget or time limit reached, or runs cut at "
        "--max-steps, nothing found). A scenario that crashes or ends the program is a finding "
        "(STORK-CRASH); one stuck with no scheduling point is killed at the time limit "
        "(incomplete).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="a scenario .c file (or an audit program built from one), or the name of "
                        "a shipped scenario or variant (c-harness/check/scenarios/variants.txt); "
                        "with --replay it defaults to the trace's 'meta scenario'")
    p.add_argument("--replay", metavar="FILE",
                   help="run again the schedule of a trace stork audit wrote (its 'meta schedule'), "
                        "check that the run is the one the trace records, print it and its findings")
    p.add_argument("--max-schedules", type=int, default=200000, metavar="N",
                   help="exhaustive search budget (default 200000); past it the search is incomplete")
    p.add_argument("--pct", action="store_true", help="PCT random schedules only")
    p.add_argument("--exhaustive", action="store_true",
                   help="no PCT after an exhaustive search that the budget cut short")
    p.add_argument("--runs", type=int, default=2000, metavar="N", help="PCT runs (default 2000)")
    p.add_argument("--depth", type=int, default=3, metavar="D", help="PCT bug depth (default 3)")
    p.add_argument("--seed", type=int, metavar="S",
                   help="seed of the first PCT run (run i uses S+i); default: from the clock, printed")
    p.add_argument("--max-steps", type=int, default=10000, metavar="N",
                   help="scheduling steps after which a run is cut (default 10000); a cut run "
                        "makes the search incomplete")
    p.add_argument("--time-limit", type=int, default=DEFAULT_TIME_LIMIT, metavar="S",
                   help=f"seconds for the whole search (default {DEFAULT_TIME_LIMIT}); past them it "
                        "stops (incomplete, exit 3), and a run stuck with no scheduling point is "
                        "killed (incomplete, exit 3)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="system worker threads (1..4) instead of the scenario's")
    p.add_argument("--srbs", type=int, metavar="N",
                   help="a miniport with a DriverEntry: SRBs handed (1..6, default 1), each to a "
                        "HwStartIo of its own, besides the removal SRBs")
    p.add_argument("--ioctls", type=int, metavar="N",
                   help="a miniport with a DriverEntry: SRB_FUNCTION_IO_CONTROL SRBs handed "
                        "(0..2, default 0), each through HwBuildIo and HwStartIo with the request "
                        "obligations (ENV-E20); give it again to --replay")
    p.add_argument("--ioctl", metavar="SIG:CODE",
                   help="the SRB_IO_CONTROL Signature (1 to 8 characters) and ControlCode of those "
                        "SRBs (default STORK:0, an IOCTL no miniport knows; without --ioctls, one SRB)")
    p.add_argument("--host", choices=hosts.HOSTS, default=None,
                   help="a miniport with a DriverEntry: the runtime and environment it runs "
                        "against (spec/environment.md ENV-H): windows, the contract (default); "
                        "neptune, NeptuneOS's, which refuses no work-item call for IRQL, removal "
                        "or BUSY, drops a second queue and sends no removal to the miniport; "
                        "reactos, ReactOS's, where every work-item call returns "
                        "STATUS_NOT_IMPLEMENTED; the miniport's obligations are checked under "
                        "every host; give it again to --replay")
    p.add_argument("--stop-restart", action="store_true",
                   help="a miniport with a DriverEntry: also explore a stop and restart (or "
                        "HwFindAdapter again) before its removal; give it again to --replay")
    p.add_argument("--stops", type=int, choices=range(0, 4), metavar="N", default=None,
                   help="a miniport with a DriverEntry: as --stop-restart, with up to N (0..3) "
                        "stops and restarts in one adapter life (--stop-restart is 1); give it "
                        "again to --replay")
    p.add_argument("--early-removal", action="store_true",
                   help="a miniport with a DriverEntry: a surprise removal may also take the "
                        "hardware during the start (ENV-R13); give it again to --replay")
    p.add_argument("--reset-bus", action="store_true",
                   help="a miniport with a DriverEntry: also explore a request that times out "
                        "while outstanding, and Storport's HwResetBus, which must complete what "
                        "HwStartIo received (ENV-E17, ENV-Q10); give it again to --replay")
    points = p.add_mutually_exclusive_group()
    points.add_argument("--preempt-at-calls", action="store_true",
                        help="scheduling points only at the StorPort calls and STORK_* points; "
                             "without it an instrumented scenario has one before each shared "
                             "write and atomic too, and each read of an SRB, a pool block or, "
                             "by a DPC or timer, the extension, which reaches every behaviour "
                             "of a race-free scenario (docs/audit.md); --sanitize always has "
                             "the calls' points only")
    points.add_argument("--preempt-at-accesses", action="store_true",
                        help="a scheduling point before each shared access, reads too (not with "
                             "--sanitize; more schedules); a trace records its points and "
                             "--replay takes them from it")
    p.add_argument("--no-reduction", action="store_true",
                   help="explore every schedule, not one per class of equivalent schedules "
                        "(the partial-order reduction; it needs the instrumented build, so "
                        "--sanitize has none)")
    p.add_argument("--sweep", type=float, nargs="?", const=120.0, default=None, metavar="S",
                   help="raise the bounds (--srbs, --threads, --stops, --ioctls; a scenario of "
                        "routines and callbacks: --threads) one at a time within S seconds "
                        "(default 120), from those given, keeping each raise while its exhaustive "
                        "search is complete; print the largest bounds searched completely and "
                        "every finding that came or went on the way (exit 1 if any search found "
                        "one); each step within --time-limit; the switches (--early-removal, "
                        "--reset-bus, --host) stay as given")
    p.add_argument("--out", metavar="DIR", help="write each finding's minimised trace to DIR")
    p.add_argument("--record", metavar="DIR", help="write the trace of every run to DIR (not of the "
                   "runs the reduction prunes: they stop before their end)")
    p.add_argument("--distinct", action="store_true",
                   help="with --record: write each distinct trace once, that of the first run "
                        "that gives it (its events and comments; the meta lines aside)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    p.add_argument("--format", choices=["text", "gcc"], default="text",
                   help="gcc: one `FILE:LINE:COL: error: [RULE] ...` line per finding (a warning "
                   "for an incomplete search), for CI log parsers and examples/ci's matcher")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write the findings as SARIF 2.1.0 to FILE (written only where "
                   "asked, never beside the audited code by default); the report is then "
                   "printed as a short list")
    p.add_argument("--sanitize", action="store_true",
                   help="compile the scenario and the checking runtime with AddressSanitizer and "
                        "UndefinedBehaviorSanitizer: a memory error in the miniport's own code "
                        "stops the audit with the sanitizer's report, the schedule and the events of that run (exit 1)")


def program_args(args: argparse.Namespace, source: str) -> list[str]:
    out = ["--source", source, "--max-schedules", str(args.max_schedules), "--runs", str(args.runs),
           "--depth", str(args.depth), "--max-steps", str(args.max_steps)]
    if args.seed is not None:
        out += ["--seed", str(args.seed)]
    if args.threads is not None:
        out += ["--threads", str(args.threads)]
    if args.srbs is not None:
        out += ["--srbs", str(args.srbs)]
    if args.ioctls is not None:
        out += ["--ioctls", str(args.ioctls)]
    if args.stops is not None:
        out += ["--stops", str(args.stops)]
    if args.ioctl is not None:
        out += ["--ioctl", args.ioctl]
    if args.host not in (None, "windows"):
        out += ["--host", args.host]
    out += ["--time-limit", str(args.time_limit)]
    for flag in ("pct", "exhaustive", "json", "preempt_at_calls", "preempt_at_accesses",
                 "no_reduction", "stop_restart", "reset_bus", "early_removal", "distinct"):
        if getattr(args, flag):
            out.append("--" + flag.replace("_", "-"))
    for opt in ("out", "record"):
        value = getattr(args, opt)
        if value:
            out += ["--" + opt, value]
    if args.replay:
        out += ["--replay", args.replay]
    return out


def apply_shipped_options(args: argparse.Namespace, chosen: scenarios.Scenario) -> list[str]:
    """A shipped scenario or variant named on the command line runs with its ` * audit:`
    options and a variant's own after them (variants.txt `audit:`), as the build, `stork demo`
    and the tests run it; an option given on the command line wins.  The options applied."""
    options = list(chosen.expectation().options)
    if not options:
        return []
    p = argparse.ArgumentParser(prog="stork audit", add_help=False)
    add_arguments(p)
    defaults = p.parse_args([])
    try:
        said = p.parse_args(options)
    except SystemExit:
        raise AuditError(f"{chosen.name}: its audit: options {' '.join(options)} are not "
                         "stork audit's") from None
    for dest, value in vars(said).items():
        if dest != "scenario" and value != getattr(defaults, dest) and \
                getattr(args, dest) == getattr(defaults, dest):
            setattr(args, dest, value)
    return options


def _summary(doc: dict, written: Path) -> str:
    """The report in short, when its whole is in the SARIF file."""
    lines = [f"{f['file']}:{f.get('line', 0)}: [{f['rule']}] {f['message']}"
             for f in doc.get("findings", [])]
    state = "complete" if doc.get("complete") else "incomplete"
    lines.append(f"{len(doc.get('findings', []))} finding(s), {doc.get('schedules', '-')} "
                 f"schedules ({state}); SARIF written to {written}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.max_schedules < 1 or args.runs < 0 or not 1 <= args.depth <= 8 or args.max_steps < 1:
        print("stork audit: --max-schedules and --max-steps must be >= 1, --runs >= 0, "
              "--depth 1..8", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.time_limit < 1:
        print("stork audit: --time-limit must be >= 1", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.threads is not None and not 1 <= args.threads <= 4:
        print("stork audit: --threads must be 1..4", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.srbs is not None and not 1 <= args.srbs <= 6:
        print("stork audit: --srbs must be 1..6", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.ioctls is not None and not 0 <= args.ioctls <= 2:
        print("stork audit: --ioctls must be 0..2", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.seed is not None and args.seed < 0:
        print("stork audit: --seed must be >= 0", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.sweep is not None:
        if not finite_time_limit(args.sweep):
            print("stork audit: --sweep must be a number of seconds above 0 and at most a week",
                  file=sys.stderr)
            return exitcodes.BAD_INPUT
        taken = [f"--{k.replace('_', '-')}" for k in ("replay", "pct", "out", "record", "distinct",
                                                      "json", "sarif") if getattr(args, k)]
        if args.format != "text":
            taken.append("--format")
        if taken:
            print(f"stork audit: --sweep prints its own table, of exhaustive searches: it takes "
                  f"no {', '.join(taken)}", file=sys.stderr)
            return exitcodes.BAD_INPUT
    for opt in ("out", "record"):
        value = getattr(args, opt)
        if value:
            try:
                Path(value).mkdir(parents=True, exist_ok=True)
            except OSError as e:
                what = "not a folder" if isinstance(e, FileExistsError) else e.strerror
                print(f"stork audit: --{opt} {value}: {what}", file=sys.stderr)
                return exitcodes.BAD_INPUT
    try:
        if args.scenario is None:
            if not args.replay:
                print("stork audit: give a SCENARIO (or --replay FILE)", file=sys.stderr)
                return exitcodes.BAD_INPUT
            chosen = scenarios.of_trace(Path(args.replay))
        else:
            chosen = scenarios.resolve(args.scenario)
            if not Path(args.scenario).exists():  # a shipped scenario or variant by name
                applied = apply_shipped_options(args, chosen)
                if applied:
                    print(f"stork audit: {chosen.name} runs with its audit options (an option given "
                          f"here wins): "
                          f"{' '.join(applied)}", file=sys.stderr)
        scenario = chosen.path
        program = build(scenario, args.sanitize, chosen.defines)
    except AuditError as e:
        print(f"stork audit: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.sarif is not None and (args.sarif.is_dir() or not args.sarif.parent.is_dir()):
        print(f"stork audit: --sarif {args.sarif}: not a file in an existing folder", file=sys.stderr)
        program.close()
        return exitcodes.BAD_INPUT
    if args.sweep is not None:
        return run_sweep(args, chosen, program)
    want_json = args.json or args.sarif is not None or args.format == "gcc"
    hard_limit = args.time_limit + GRACE
    try:
        sys.stdout.flush()
        extra = ["--json"] if want_json and not args.json else []
        done = subprocess.run([str(program.path)] + program_args(args, chosen.source) + extra,
                              stdout=subprocess.PIPE, timeout=hard_limit)
    except subprocess.TimeoutExpired:
        print(f"stork audit: the audit program was still running {hard_limit} s after it started "
              "(scenario code looping without a scheduling point?): incomplete", file=sys.stderr)
        return exitcodes.INCOMPLETE
    finally:
        program.close()
    output = done.stdout.decode("utf-8", "replace")
    rc = done.returncode
    if rc < 0:
        sys.stdout.write(output)
        print(f"stork audit: the audit program was killed by signal {-rc} before its report: "
              "no result", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if rc != exitcodes.BAD_INPUT and not has_report(output, rc, want_json, bool(args.replay)):
        sys.stdout.write(output)
        print(f"stork audit: the audit program exited with status {rc} without its report "
              "(or with something else on its output): no result", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if want_json and rc != exitcodes.BAD_INPUT:
        doc = json.loads(output)
        if args.sarif is not None and not sarif.write(args.sarif, audit_sarif.document(doc, scenario), "audit"):
            return exitcodes.BAD_INPUT
        if args.format == "gcc" and not args.json:
            output = "".join(f"{ln}\n" for ln in sarif.gcc_lines(audit_sarif.results(doc, scenario)))
        elif args.sarif is not None and not args.json:
            output = _summary(doc, args.sarif)
    sys.stdout.write(output)
    return rc


def run_sweep(args: argparse.Namespace, chosen: scenarios.Scenario, program) -> int:
    """--sweep: the program built once, run once per step (stork.audit_sweep)."""
    base = argparse.Namespace(**vars(args))
    base.srbs = base.threads = base.stops = base.ioctls = None
    base.stop_restart = base.exhaustive = False
    rest = program_args(base, chosen.source)
    at = rest.index("--time-limit")
    del rest[at:at + 2]
    stops = 1 if args.stop_restart and args.stops is None else args.stops
    start = {"srbs": args.srbs, "threads": args.threads, "stops": stops, "ioctls": args.ioctls}

    def shown(step) -> None:                 # progress, for a person watching
        print(f"  ... {step.label()}", file=sys.stderr, flush=True)
    try:
        sw = audit_sweep.sweep(program.path, rest, start, args.sweep, args.max_schedules,
                               args.time_limit, shown if sys.stderr.isatty() else None)
    except audit_sweep.SweepError as e:
        print(f"stork audit: {chosen.name}: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    finally:
        program.close()
    print(audit_sweep.format_sweep(chosen.name, sw, args.sweep, args.max_schedules))
    return sw.exit_status
