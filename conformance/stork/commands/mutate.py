"""stork mutate: the kill table of the reference's mutants against a trace corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stork import exitcodes
from stork.mutate import K3_PART, MutateError, PartResult, kill_table
from stork.paths import ROOT

NAME = "mutate"
SUMMARY = "kill table of the reference runtime's mutants"
HELP = ("Replay a trace corpus against every mutant of the reference implementation "
        "(c-harness/impl/mutants/mutants.txt) and print the kill table, the goal-directed "
        "part (CORPUS/goals), the k = 3 part (CORPUS/k3.pack, when there is one) and the "
        "random walks (CORPUS/random) separately. Exit 0 every "
        "mutant killed, 1 a mutant survived (or the reference fails a trace), 2 bad input.")
DEFAULT_CORPUS = ROOT / "conformance" / "traces"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS), metavar="CORPUS",
                   help="a folder with goals/ and random/ of .trace files "
                        "(default: the shipped corpus, conformance/traces)")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")


def _cell(r: PartResult) -> str:
    return f"killed ({r.failed})" if r.killed else "survived"


def run(args: argparse.Namespace) -> int:
    if not args.corpus:
        print("stork mutate: an empty CORPUS names no folder", file=sys.stderr)
        return exitcodes.BAD_INPUT
    try:
        table = kill_table(Path(args.corpus))
    except MutateError as e:
        print(f"stork mutate: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    base, rows = table.reference, table.rows
    survivors = table.survivors()
    ref_fails = table.reference_failures()
    status = exitcodes.VIOLATED if survivors or ref_fails else exitcodes.OK
    if args.json:
        print(json.dumps({
            "exit_status": status,
            "reference": {n: {"passed": r.passed, "failed": r.failed} for n, r in base.items()},
            "mutants": [{"number": m.number, "name": m.name, "rule": m.rule,
                         "description": m.description,
                         **{n: {"killed": x.killed, "failing_traces": x.failed,
                                "first_failure": x.first_failure} for n, x in r.items()}}
                        for m, r in rows]}, indent=2))
    else:
        print("reference: " + "; ".join(f"{n} {r.passed} passed, {r.failed} failed"
                                        for n, r in base.items()))
        label = {"goals": "goal-directed", K3_PART: "k = 3 part", "random": "random walks"}
        print(f"{'mutant':<28} {'rule':<6} " + " ".join(f"{label[n]:<15}" for n in base))
        for m, r in rows:
            print(f"{m.number:>2} {m.name:<25} {m.rule:<6} "
                  + " ".join(f"{_cell(r[n]):<15}" for n in base))
        n = len(rows)
        for name in base:
            k = table.killed_by(name)
            print(f"{label[name]}: {k}/{n} killed ({100 * k / n:.0f}%)"
                  + (" (k = 2 witnesses and planned runs)" if name == "goals" and K3_PART in base
                     else ""))
        if K3_PART in base:
            k = table.killed_by_goal_directed()
            print(f"goal-directed with the k = 3 part: {k}/{n} killed ({100 * k / n:.0f}%)")
        k = n - len(table.survivors())
        print(f"together: {k}/{n} killed ({100 * k / n:.0f}%)")
        for m in survivors:
            print(f"SURVIVED: {m.number} {m.name}: {m.description}")
        for name, r in ref_fails.items():
            print(f"the reference fails {r.failed} trace(s) of {name}: {r.first_failure}")
    return status
