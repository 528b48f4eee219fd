"""stork demo: the main job -- verify every shipped design and show the verdict table."""

from __future__ import annotations

import argparse
import os
import sys
import time

from stork import exitcodes
from stork.properties import all_properties
from stork.spin import SpinInputError, SpinToolError
from stork.suite import verify_all
from stork.verify import HOLDS, INCOMPLETE, VIOLATED, ModelError, display_path

NAME = "demo"
HELP = ("Verify every design shipped in model/designs/ against every property and print a "
        "table of expected and actual verdicts (exit 0 when all match, 1 when one differs, "
        "3 when a search was incomplete, 2 when a design does not compile).")
MARK = {HOLDS: ".", VIOLATED: "X", INCOMPLETE: "?"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, metavar="N",
                   help="designs verified in parallel (default: the number of cores)")


def run(args: argparse.Namespace) -> int:
    props = all_properties()
    t0 = time.monotonic()
    try:
        outcomes = verify_all(jobs=max(1, args.jobs))
    except (SpinInputError, SpinToolError, ModelError) as e:
        print(f"stork demo: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    wall = time.monotonic() - t0
    print("Verifying the shipped designs against every property of spec/contract.md")
    print("(. holds   X VIOLATED   ? incomplete; columns are the properties below)\n")
    width = max(len(o.path.name) for o in outcomes)
    cols = "".join(f"{i + 1:>3}" for i in range(len(props)))
    print(f"{'design':<{width}} {cols}   {'states':>8} {'seconds':>7}  expected -> ok?")
    for o in outcomes:
        marks = "".join(f"{MARK[o.result.verdict_of(p.name)]:>3}" for p in props)
        ok = "ok" if o.matches else "MISMATCH"
        print(f"{o.path.name:<{width}} {marks}   {o.states:>8,} {o.result.seconds:7.2f}  "
              f"{o.header.expected_text()} -> {ok}")
    print("\nproperties:")
    for i, p in enumerate(props):
        print(f"  {i + 1:>2} {p.name:<26} {', '.join(p.rules)}")
    bad = [o for o in outcomes if not o.matches]
    print(f"\n{len(outcomes)} designs, {len(outcomes) - len(bad)} as expected, "
          f"{len(bad)} not; {wall:.1f} s wall clock")
    for o in bad:
        print(f"  {display_path(o.path)}: expected {o.header.expected_text()}, got "
              f"VIOLATED {' '.join(o.violated) or '-'}"
              + (f", incomplete {' '.join(o.incomplete)}" if o.incomplete else ""))
    if any(o.incomplete for o in outcomes):
        return exitcodes.INCOMPLETE
    return exitcodes.OK if not bad else exitcodes.VIOLATED
