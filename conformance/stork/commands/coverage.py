"""stork coverage PATH...: which coverage goals (spec/coverage.md) a set of traces meets."""

from __future__ import annotations

import argparse
import json
import sys

from stork import corpus_k3, exitcodes
from stork.coverage import UNREACHABLE_RULES, measure, without_cycle_collector
from stork.trace import Trace, TraceError, load
from stork.spin import SpinInputError, SpinToolError
from stork.packs import PackError, is_pack, traces_of
from stork.tracefiles import NoTraces, trace_files
from stork.transitions import Bounds, TransitionsError, explore, keys_of
from stork.verify import finite_time_limit

TIME_LIMIT = 600.0       # seconds for each SPIN search (the k = 3 part's, at the default,
                         # about two; at --k3-ops full, about ten minutes: docs/benchmarks.md)

NAME = "coverage"
SUMMARY = "which coverage goals a set of traces meets"
HELP = ("Report which coverage goals of spec/coverage.md a set of traces meets (files, "
        "packs, or folders of them; generated, recorded or hand-written).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help=".trace files, packs (stork pack; the k = 3 part), or folders: their "
                        "*.trace and *.pack files")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.add_argument("--unmet", action="store_true", help="list every goal not met")
    p.add_argument("--transitions", type=int, metavar="K", choices=(1, 2, 3),
                   help="also measure the transitions family over K worker slots (1..3): "
                        "SPIN's complete search of model/gen/general_miniport.pml at --tr-ops, "
                        "NTHREADS=2 gives the reachable pairs (a few seconds at K = 1 or 2; "
                        "exit 3 if cut short)")
    p.add_argument("--tr-ops", type=int, default=Bounds().ops, metavar="N",
                   help=f"calls in that search (default {Bounds().ops})")
    p.add_argument("--k3", action="store_true",
                   help="also measure the goals of the corpus's k = 3 part (spec/coverage.md), "
                        "from the two complete SPIN searches `stork gen` makes for it: every "
                        "pair over three worker slots within --k3-ops calls, and every pair with "
                        "three pending within one call more (a few seconds; exit 3 if cut short)")
    p.add_argument("--k3-ops", type=corpus_k3.parse_ops, default=corpus_k3.OPS, metavar="N",
                   help=f"calls in the first of those searches (default {corpus_k3.OPS}, the "
                        "shipped part's; full: the whole k = 3 criterion, as `stork gen "
                        "--k3-ops full`, minutes)")
    p.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                   help=f"seconds each SPIN search may take (default {TIME_LIMIT:g}); one cut "
                        "short gives no goal list (exit 3)")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.tr_ops <= 20 or (args.k3_ops != corpus_k3.FULL
                                      and not 1 <= int(args.k3_ops) <= 19):
        print("stork coverage: --tr-ops must be 1..20 and --k3-ops 1..19 or full",
              file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not finite_time_limit(args.time_limit):
        print("stork coverage: --time-limit must be a number of seconds above 0 and at most a "
              "week", file=sys.stderr)
        return exitcodes.BAD_INPUT
    try:
        with without_cycle_collector():
            traces: list[Trace] = [t for f in trace_files(args.paths)
                                   for t in (traces_of(f) if is_pack(f) else [load(f)])]
            gs = measure(traces)
    except NoTraces as e:
        print(f"stork coverage: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    except (TraceError, PackError) as e:
        print(f"stork coverage: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not traces:
        print("stork coverage: no .trace files found", file=sys.stderr)
        return exitcodes.BAD_INPUT
    status = exitcodes.OK
    if args.transitions:
        reach, failed = _goal_search(
            lambda: explore(Bounds(ops=args.tr_ops, maxw=args.transitions), runs=False,
                            time_limit=args.time_limit).reach,
            "the transitions")
        if failed:
            return failed
        fam = f"transitions (k={args.transitions})"
        gs.goals[fam] = [f"tr:{k}" for k in reach.keys]
        for t in traces:
            for k in sorted(keys_of(t, args.transitions)):
                gs.met.setdefault(f"tr:{k}", t.path)
    if args.k3:
        part, failed = _goal_search(
            lambda: corpus_k3.search(args.k3_ops, Bounds().nthreads, args.time_limit),
            "the k = 3 part's pairs")
        if failed:
            return failed
        gs.goals.update(part.families())
        for t in traces:
            for k in sorted(keys_of(t, corpus_k3.K)):
                gs.met.setdefault(f"tr:{k}", t.path)
    if args.json:
        print(json.dumps({"exit_status": status, "traces": len(traces), "goals": gs.goals,
                          "met": gs.met, "unreachable": UNREACHABLE_RULES}, indent=2))
        return status
    print(f"{len(traces)} traces")
    width = max([18] + [len(fam) for fam in gs.goals])
    for fam, met, total in gs.family_counts():
        print(f"  {fam:<{width}} {met:>4} / {total:<4} {100 * met / total if total else 100:5.1f}%")
    for rule, why in UNREACHABLE_RULES.items():
        print(f"  not a goal: rule:{rule} ({why})")
    if args.unmet:
        for g in gs.unmet():
            print(f"  unmet: {g}")
    return exitcodes.OK


def _goal_search(search, what: str):
    """A SPIN search that gives a goal list (anything with .complete and .reason), and 0, or
    None and the exit status: bad input, an internal error, or the search cut short."""
    try:
        found = search()
    except (SpinInputError, SpinToolError) as e:
        print(f"stork coverage: {e}", file=sys.stderr)
        return None, exitcodes.BAD_INPUT
    except (TransitionsError, corpus_k3.K3Error) as e:
        print(f"stork: internal error: {e}", file=sys.stderr)
        return None, exitcodes.INTERNAL_ERROR
    if not found.complete:
        print(f"stork coverage: SPIN's search of {what} was cut short ({found.reason}): "
              "no goal list", file=sys.stderr)
        return None, exitcodes.INCOMPLETE
    return found, 0
