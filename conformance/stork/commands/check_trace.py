"""stork check-trace FILE...: check observed traces against the model (SPIN is the oracle)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stork import check_trace_sarif, exitcodes, packs, sarif
from stork.commands.replay import MAX_TIMEOUT
from stork.tracefiles import NoTraces, trace_files
from stork.check_trace import BAD_INPUT, INCOMPLETE, REJECTED, Finding, TraceResult, check_all
from stork.spin import SpinToolError

NAME = "check-trace"
SUMMARY = "judge traces with the model as the oracle"
HELP = ("Check traces (from a checking runtime, a replay, or written by hand) against the "
        "Promela model: SPIN replays each through the contract monitor and reports the first "
        "event the model cannot take, with the rule it breaks. A miniport's broken obligations "
        "(WI-M rules) are reported as notes; the runtime still conformed. Exit 0 the model "
        "accepts every trace, 1 it rejects an event (or, with --strict, the miniport broke an "
        "obligation), 2 bad input (malformed or truncated trace, with file:line), 3 a "
        "trace's SPIN run reached --timeout.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="trace files, packs (stork pack), or folders: their *.trace and "
                        "*.pack files")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write the verdicts as SARIF 2.1.0 to FILE, at the traces' lines")
    p.add_argument("--strict", action="store_true",
                   help="also exit 1 when the miniport breaks an obligation (a WI-M note)")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="SPIN runs at a time (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds one trace's SPIN run may take (default 60, at most 86400)")


def _finding(f: Finding) -> dict:
    return {"line": f.line, "event": f.event, "rules": list(f.rules), "property": f.prop,
            "keeper": f.keeper, "explanation": f.explanation}


def result_json(r: TraceResult) -> dict:
    return {
        "file": r.path,
        "verdict": r.verdict,
        "events": r.events,
        "failure": _finding(r.failure) if r.failure else None,
        "before": [{"line": n, "event": e} for n, e in r.before],
        "miniport": [_finding(n) for n in r.notes],
        "error": r.error or None,
        "truncated": r.truncated,
        "seconds": round(r.seconds, 3),
    }


def format_result(r: TraceResult) -> str:
    if r.verdict == BAD_INPUT:
        return f"{r.error}; bad input: not checked"
    if r.verdict == INCOMPLETE:
        return f"{r.error}\n  incomplete: not checked to the end"
    lines = []
    if r.failure:
        f = r.failure
        lines.append(f"{r.path}:{f.line}: {f.event}")
        what = f"breaks {', '.join(f.rules)}" if f.rules else "cannot be taken"
        lines.append(f"  {what}{f' ({f.prop})' if f.prop else ''}: {f.explanation}")
        if r.before:
            round_loop = any(n > f.line for n, _ in r.before)
            lines.append("  events before it (once round the loop):" if round_loop
                         else "  events before it:")
            lines += [f"    {r.path}:{n}: {e}" for n, e in r.before]
    for n in r.notes:
        lines.append(f"{r.path}:{n.line}: {n.event}")
        lines.append(f"  miniport breaks {', '.join(n.rules)} ({n.prop}): {n.explanation}")
    verdict = "REJECTED by the model" if r.failure else "conforms"
    extra = f", {len(r.notes)} miniport note(s)" if r.notes else ""
    extra += ", truncated: checked as far as it goes" if r.truncated else ""
    lines.append(f"{r.path}: {verdict} ({r.events} events{extra}, {r.seconds:.2f} s)")
    return "\n".join(lines)


def exit_status(results: list[TraceResult], strict: bool) -> int:
    if any(r.verdict == BAD_INPUT for r in results):
        return exitcodes.BAD_INPUT
    if any(r.verdict == REJECTED or (strict and r.notes) for r in results):
        return exitcodes.VIOLATED
    if any(r.verdict == INCOMPLETE for r in results):
        return exitcodes.INCOMPLETE
    return exitcodes.OK


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1 or not 0 < args.timeout <= MAX_TIMEOUT:
        print(f"stork check-trace: --jobs must be >= 1 and --timeout > 0 and <= {MAX_TIMEOUT}",
              file=sys.stderr)
        return exitcodes.BAD_INPUT
    try:
        files = [t for f in trace_files(args.paths)
                 for t in (packs.texts_of(f) if packs.is_pack(f) else [str(f)])]
    except (NoTraces, packs.PackError) as e:
        print(f"stork check-trace: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    try:
        results = check_all(files, args.jobs, args.timeout)
    except SpinToolError as e:
        print(f"stork check-trace: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    status = exit_status(results, args.strict)
    if args.sarif is not None:
        if not sarif.write(args.sarif, check_trace_sarif.document(results), "check-trace"):
            return exitcodes.BAD_INPUT
    if args.json:
        print(json.dumps({"exit_status": status, "traces": [result_json(r) for r in results]},
                         indent=2))
    else:
        for r in results:
            bad = r.verdict in (BAD_INPUT, INCOMPLETE)
            print(format_result(r), file=sys.stderr if bad else sys.stdout)
    return status
