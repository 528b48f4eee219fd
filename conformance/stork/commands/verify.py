"""stork verify DESIGN.pml: check a design against every property of the contract."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from stork import exitcodes
from stork.properties import all_properties, by_name
from stork.spin import PanOptions, SpinInputError, SpinToolError
from stork.verify import VIOLATED, ModelError, VerifyResult, display_path, model_bounds, verify

NAME = "verify"
HELP = ("Verify a Promela design written against model/storport.pml: one verdict per property "
        "(holds / VIOLATED / incomplete), with a counterexample trace for each violation.")
_DEFINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S+\Z")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help="the design (.pml); it includes storport.pml and lifecycle.pml")
    p.add_argument("--property", action="append", default=[], metavar="NAME",
                   help="check only this property (repeatable); names: "
                   + ", ".join(q.name for q in all_properties()))
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="set a model bound, e.g. -D MAXW=3 -D NTHREADS=2 (repeatable)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="save each counterexample as DESIGN.PROPERTY.trace, with SPIN's .trail")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")
    p.add_argument("--depth", type=int, default=PanOptions.depth, metavar="N",
                   help="pan's search depth limit (reaching it makes the result incomplete)")
    p.add_argument("--memory", type=int, default=PanOptions.memlim_mb, metavar="MB",
                   help="pan's memory limit (reaching it makes the result incomplete)")
    p.add_argument("--time-limit", type=float, default=PanOptions.time_limit, metavar="S",
                   help="seconds per pan run (reaching it makes the result incomplete)")
    p.add_argument("--optimize", action="store_true",
                   help="compile pan with -O2 (slower to build, faster on large state spaces)")
    p.add_argument("--compress", choices=["none", "COLLAPSE", "HC4", "BITSTATE"], default="none",
                   help="state storage: COLLAPSE is exact; HC4 and BITSTATE may drop states, so "
                   "their 'no error' is reported as incomplete, never as holds")


def validate(args: argparse.Namespace) -> str | None:
    """An error message for bad arguments, or None."""
    if not Path(args.design).is_file():
        return f"no such design file: {args.design}"
    for d in args.defines:
        if not _DEFINE.match(d):
            return f"-D expects NAME=VALUE, got '{d}'"
    for name in args.property:
        if by_name(name) is None:
            return f"unknown property '{name}' (known: {', '.join(p.name for p in all_properties())})"
    for what, v in (("--depth", args.depth), ("--memory", args.memory)):
        if v <= 0:
            return f"{what} must be positive"
    if args.time_limit <= 0:
        return "--time-limit must be positive"
    return None


def format_result(res: VerifyResult, show_traces: bool = True) -> str:
    cfg = " ".join(model_bounds(res.defines))
    lines = [f"{display_path(res.design)}  ({cfg})"]
    for r in res.results:
        extra = f"  [{r.reason}]" if r.verdict == "incomplete" and r.reason else ""
        lines.append(f"  {r.prop.name:<26} {r.verdict:<10} {r.states:>10,} states  "
                     f"depth {r.depth:>5}  {r.seconds:6.2f} s{extra}")
    if show_traces:
        for r in res.results:
            if r.verdict != VIOLATED:
                continue
            lines.append("")
            lines.append(f"counterexample for {r.prop.name} ({', '.join(r.prop.rules)}): "
                         f"violated that {r.prop.summary}")
            n = 0
            for ln in r.trace_text.splitlines():
                if ln.startswith(("stork-trace", "meta ")) or ln == "end":
                    continue
                n += 1
                lines.append(f"  {n:3}. {ln}")
            lines.append(f"  {'':3}  (violation here)")
            if r.trail:
                lines.append(f"  saved: {r.trail.with_suffix('.trace')} and {r.trail}")
    return "\n".join(lines)


def result_json(res: VerifyResult) -> dict:
    return {
        "design": display_path(res.design),
        "defines": res.defines,
        "exit_status": res.exit_status,
        "properties": [
            {
                "name": r.prop.name,
                "rules": list(r.prop.rules),
                "verdict": r.verdict,
                "states": r.states,
                "depth": r.depth,
                "seconds": round(r.seconds, 3),
                "memory_mb": r.memory_mb,
                "reason": r.reason,
                "trace": r.trace_text or None,
                "trail": str(r.trail) if r.trail else None,
            }
            for r in res.results
        ],
    }


def options(args: argparse.Namespace) -> PanOptions:
    return PanOptions(depth=args.depth, memlim_mb=args.memory, time_limit=args.time_limit,
                      cc_opt="-O2" if args.optimize else "-O0",
                      compress="" if args.compress == "none" else args.compress)


def run(args: argparse.Namespace) -> int:
    err = validate(args)
    if err:
        print(f"stork verify: {err}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    selected = [by_name(n) for n in args.property] or None
    try:
        res = verify(Path(args.design), args.defines, selected, options(args), args.out)
    except SpinInputError as e:
        print(f"stork verify: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    except (SpinToolError, ModelError) as e:
        print(f"stork verify: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.json:
        print(json.dumps(result_json(res), indent=2))
    else:
        print(format_result(res))
    return res.exit_status
