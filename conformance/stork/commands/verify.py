"""stork verify DESIGN.pml: check a design against every property of the contract."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from stork import exitcodes, hosts, sarif, verify_sarif
from stork.design import DesignError, embeds_c, makes_assertions, read_header
from stork.properties import all_properties
from stork.spin import PanCompileError, PanOptions, SpinInputError, SpinToolError
from stork.suite import matches, variant_of
from stork.sweep import format_sweep, sweep
from stork.verify import (VIOLATED, BadDefine, ModelError, VerifyResult, design_properties,
                          STATE, display_path, finite_time_limit, merged_defines, steps_of,
                          verify)

NAME = "verify"
SUMMARY = "verify a Promela design against every property of the contract"
HELP = ("Verify a Promela design written against model/storport.pml: one verdict per property "
        "(holds / VIOLATED / incomplete / vacuous), with a counterexample trace for each "
        "violation; the design's own assert(...) and `ltl NAME` are properties too. The "
        "header's `config:` bounds apply (-D overrides them) and its `expect:` is compared "
        "(under --host H, its `expect on H:` line, where it has one). "
        "Exit 0 all hold, 1 a violation, 2 bad input, 3 incomplete, 5 vacuous (no run reaches "
        "the adapter's release, or no API call is made).")
_DEFINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S+\Z")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help="the design (.pml); it includes storport.pml and lifecycle.pml")
    p.add_argument("--property", action="append", default=[], metavar="NAME",
                   help="check only this property (repeatable); names: "
                   + ", ".join(q.name for q in all_properties()))
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="set a model bound, e.g. -D MAXW=3 -D NTHREADS=2 (repeatable)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="save each counterexample as DESIGN.PROPERTY.trace, with SPIN's .trail, "
                   "and the results as DESIGN.verify.json (stork report DIR draws them)")
    p.add_argument("--all-counterexamples", type=int, nargs="?", const=5, default=0, metavar="N",
                   help="for each violated safety property, up to N (default 5) more "
                   "counterexamples, each of a different shape (its events with worker and "
                   "thread numbers dropped): a second cause shows up beside the first")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")
    p.add_argument("--format", choices=["text", "gcc"], default="text",
                   help="gcc: one `FILE:LINE:COL: error: [RULE] ...` line per violation and "
                   "a warning line per unreached statement, for CI log parsers")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write the violations as SARIF 2.1.0 to FILE (for CI viewers); "
                   "written only where asked")
    p.add_argument("--depth", type=int, default=PanOptions.depth, metavar="N",
                   help="pan's search depth limit (reaching it makes the result incomplete)")
    p.add_argument("--memory", type=int, default=PanOptions.memlim_mb, metavar="MB",
                   help="pan's memory limit (reaching it makes the result incomplete)")
    p.add_argument("--time-limit", type=float, default=PanOptions.time_limit, metavar="S",
                   help=f"seconds for the whole verification, compiles included (default "
                   f"{PanOptions.time_limit:g}; reaching it makes the result incomplete)")
    p.add_argument("--optimize", action="store_true",
                   help="compile pan with gcc -O2 (2 s to build, twice as fast on large state "
                   "spaces); by default tcc compiles it, in 0.02 s, and verify turns to gcc -O2 "
                   "by itself after a search longer than 2 s")
    p.add_argument("--host", choices=hosts.HOSTS, default=hosts.DEFAULT,
                   help="the runtime the design runs on (spec/environment.md ENV-H): windows, "
                   "the contract (default); neptune, NeptuneOS's, which refuses nothing for "
                   "IRQL or removal and drops a second queue; reactos, ReactOS's, where every "
                   "call returns NOT_IMPLEMENTED and no worker is issued; with a host other "
                   "than windows only the miniport's properties are checked")
    p.add_argument("--compiler", choices=["auto", "tcc", "gcc"], default="auto",
                   help="pan's C compiler (default auto: tcc where installed, else gcc); the "
                   "verdicts and state counts are the same with either")
    p.add_argument("--sweep", type=float, nargs="?", const=120.0, default=None, metavar="S",
                   help="raise the bounds (MAXW, NTHREADS, MAXSRB and the design's own) one at "
                   "a time within S seconds (default 120), keeping each raise while every "
                   "property is decided; print the largest bounds verified and every verdict "
                   "that changed on the way")
    p.add_argument("--compress", choices=["none", "COLLAPSE", "HC4", "BITSTATE"], default="none",
                   help="state storage: COLLAPSE is exact; HC4 and BITSTATE may drop states, so "
                   "their 'no error' is reported as incomplete, never as holds")
    p.add_argument("--no-cache", action="store_true",
                   help="compile pan afresh instead of taking it from the cache of compiled pans "
                   "($XDG_CACHE_HOME/stork/pan, default ~/.cache/stork/pan; also STORK_NO_CACHE=1)")


def validate(args: argparse.Namespace) -> str | None:
    """An error message for bad arguments, or None."""
    if not Path(args.design).is_file():
        return f"no such design file: {args.design}"
    try:
        read_header(Path(args.design))          # a bad `expect:` line: FILE:LINE
    except DesignError as e:
        return str(e)
    for d in args.defines:
        if not _DEFINE.match(d):
            return f"-D expects NAME=VALUE, got '{d}'"
    known = [p.name for p in all_properties()] + [p.name for p in own_properties(args)]
    for name in args.property:
        if name not in known:
            return f"unknown property '{name}' (known: {', '.join(known)})"
        if name == "design_assertion" and not makes_assertions(Path(args.design), defines_of(args)):
            return "--property design_assertion: the design makes no assert(...)"
    for what, v in (("--depth", args.depth), ("--memory", args.memory)):
        if v <= 0:
            return f"{what} must be positive"
    if not 0 <= args.all_counterexamples <= 50:
        return "--all-counterexamples must be 0..50"
    if not finite_time_limit(args.time_limit):
        return "--time-limit must be a number of seconds above 0 and at most a week"
    if args.sweep is not None:
        if not finite_time_limit(args.sweep):
            return "--sweep must be a number of seconds above 0 and at most a week"
        if args.out or args.sarif or args.json or args.property or args.all_counterexamples:
            return "--sweep prints its own table: it takes no --out, --sarif, --json, " \
                   "--property or --all-counterexamples"
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        return f"--out {args.out}: exists and is not a folder"
    if args.sarif is not None and (args.sarif.is_dir() or not args.sarif.parent.is_dir()):
        return f"--sarif {args.sarif}: not a file in an existing folder"
    return None


def defines_of(args: argparse.Namespace) -> list[str]:
    """The -D in force: the header's config:, then the command line's."""
    return merged_defines(read_header(Path(args.design)).config, args.defines)


def own_properties(args: argparse.Namespace) -> list:
    try:
        return design_properties(Path(args.design), defines_of(args))
    except OSError:
        return []


def out_dir_error(out: Path) -> str | None:
    """Can counterexamples be written in `out`? (Made if missing, checked before the search.)"""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".stork-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        return f"--out {out}: cannot write there ({e.strerror or e})"
    return None


def format_result(res: VerifyResult, show_traces: bool = True) -> str:
    cfg = " ".join(res.bounds)
    lines = [f"{display_path(res.design)}  ({cfg})"]
    if res.roles:
        lines.append(f"roles: {', '.join(res.roles)}")
    for r in res.results:
        notes = [r.reason] if r.verdict in ("incomplete", "vacuous") and r.reason else []
        notes += [r.scope] if r.scope else []
        extra = "".join(f"  [{n}]" for n in notes)
        lines.append(f"  {r.prop.name:<26} {r.verdict:<10} {r.states:>10,} states  "
                     f"depth {r.depth:>5}  {r.seconds:6.2f} s{extra}")
    lines += [f"warning: {w}" for w in res.warnings]
    if show_traces:
        for r in res.results:
            if r.verdict != VIOLATED:
                continue
            lines.append("")
            rules = f" ({', '.join(r.prop.rules)})" if r.prop.rules else ""
            lines.append(f"counterexample for {r.prop.name}{rules}: "
                         f"violated that {r.prop.summary}")
            lines += _numbered(r.trace_text)
            lines.append(f"  {'':3}  (violation here)")
            if r.trail:
                lines.append(f"  saved: {r.trail.with_suffix('.trace')} and {r.trail}")
            for k, other in enumerate(r.others, 2):
                lines.append("")
                lines.append(f"counterexample {k} for {r.prop.name}, of another shape:")
                lines += _numbered(other)
                lines.append(f"  {'':3}  (violation here)")
    return "\n".join(lines)


def _numbered(trace_text: str) -> list[str]:
    """A counterexample's events, numbered, each call with the design's FILE:LINE."""
    steps = steps_of(trace_text)
    width = max((len(ln) for ln, site in steps if site), default=0)
    out, n = [], 0
    for ln, site in steps:
        if ln.startswith(STATE):           # the design's globals after the step above
            out.append(f"  {'':3}    {ln[2:]}")
            continue
        n += 1
        out.append(f"  {n:3}. {ln:<{width}}  {site}".rstrip())
    return out


def result_json(res: VerifyResult, expectation: dict | None = None) -> dict:
    return {
        "design": display_path(res.design),
        "defines": res.defines,
        "bounds": res.bounds,
        "roles": res.roles,
        "exit_status": res.exit_status,
        "seconds": round(res.seconds, 3),
        "expectation": expectation,
        "warnings": res.warnings,
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
                "scope": r.scope or None,
                "release_reached": r.reach.release if r.reach else None,
                "call_reached": r.reach.calls if r.reach else None,
                "trace": r.trace_text or None,
                "other_traces": r.others,
                "trail": str(r.trail) if r.trail else None,
            }
            for r in res.results
        ],
    }


def options(args: argparse.Namespace) -> PanOptions:
    return PanOptions(depth=args.depth, memlim_mb=args.memory, time_limit=args.time_limit,
                      cc_opt="-O2" if args.optimize else "-O0",
                      compiler="gcc" if args.optimize else args.compiler,
                      compress="" if args.compress == "none" else args.compress,
                      cache=not args.no_cache)


def run(args: argparse.Namespace) -> int:
    err = validate(args)
    if err:
        print(f"stork verify: {err}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    design = Path(args.design)
    if args.out is not None:
        err = out_dir_error(args.out)
        if err:
            print(f"stork verify: {err}", file=sys.stderr)
            return exitcodes.BAD_INPUT
    header = read_header(design)
    defines = defines_of(args)
    wanted = {p.name: p for p in list(all_properties()) + own_properties(args)}
    selected = [wanted[n] for n in args.property] or None
    if args.sweep is not None:
        return run_sweep(args, design, defines)
    try:
        res = verify(design, defines, selected, options(args), args.out, args.all_counterexamples,
                     args.host)
    except (SpinInputError, DesignError, BadDefine) as e:
        print(f"stork verify: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    except PanCompileError as e:
        return design_c_failed(design, e)
    except (SpinToolError, ModelError) as e:
        print(f"stork verify: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    expectation = None
    variant = variant_of(design, defines)       # model/designs/variants.txt
    if variant is not None:
        header = variant.header
    hosted = header.for_host(args.host)  # `expect:` is Windows's; `expect on HOST:` another's
    if hosted is not None and hosted.expect_word and not args.property:
        expectation = {"expected": hosted.expected_text(), "matches": matches(hosted, res)}
        if args.host != "windows":
            expectation["host"] = args.host
        if variant is not None:
            expectation["variant"] = variant.name
    if args.out is not None:                 # the results beside the traces, for stork report
        (args.out / f"{design.stem}.verify.json").write_text(
            json.dumps(result_json(res, expectation), indent=2) + "\n", encoding="utf-8")
    if args.sarif is not None:
        if not sarif.write(args.sarif, verify_sarif.document(res), "verify"):
            return exitcodes.BAD_INPUT
    if args.json:
        print(json.dumps(result_json(res, expectation), indent=2))
    elif args.format == "gcc":
        print("\n".join(sarif.gcc_lines(verify_sarif.results(res), verify_sarif.warnings(res))))
    else:
        print(format_result(res))
        if expectation:
            said = f"variant {expectation['variant']} expects" if "variant" in expectation \
                else "header expects"
            if "host" in expectation:
                said += f" on {expectation['host']}"
            print(f"{said}: {expectation['expected']} -> "
                  + ("as expected" if expectation["matches"] else "MISMATCH"))
    return res.exit_status


def design_c_failed(design: Path, e: PanCompileError) -> int:
    """A pan.c that does not compile: the design's C (exit 2, one line), or, when it embeds
    none, the model's own C or SPIN's: a bug in stork (raised: exit 4)."""
    if not embeds_c(design):
        raise e
    print(f"stork verify: {display_path(design)}: its C: {e}", file=sys.stderr)
    return exitcodes.BAD_INPUT


def run_sweep(args: argparse.Namespace, design: Path, defines: list[str]) -> int:
    def shown(step) -> None:                 # progress, for a person watching
        print(f"  ... {' '.join(f'{k}={v}' for k, v in step.bounds.items())}", file=sys.stderr,
              flush=True)
    try:
        sw = sweep(design, defines, args.sweep, options(args), args.host,
                   shown if sys.stderr.isatty() else None)
    except PanCompileError as e:
        return design_c_failed(design, e)
    except (SpinInputError, DesignError, BadDefine, SpinToolError, ModelError) as e:
        print(f"stork verify: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    print(format_sweep(display_path(design), sw, args.sweep))
    return sw.exit_status
