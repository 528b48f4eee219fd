"""stork show TRACE: a trace drawn as a message-sequence chart."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stork import chart, exitcodes
from stork import trace as tracefmt

NAME = "show"
SUMMARY = "draw a trace as a message-sequence chart (text, --svg)"
HELP = ("Draw a trace (a verify counterexample, an audit finding, a replay's trace, a recorded "
        "run, a replay mismatch: the recording `replay --record` wrote of the failed run) as a "
        "message-sequence chart: a lane per context, per system worker thread and for the "
        "runtime, an arrow per call, start and return, links from a queue to its callback's "
        "start and from a return to the free after it, the violating step marked with its "
        "rule. A truncated trace (no `end`) is drawn up to where it stops. Text on stdout; "
        "--svg FILE also draws it as SVG. Exit 0, or 2 for a trace that cannot be read.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("trace", metavar="TRACE", help="a trace file (spec/trace-format.md)")
    p.add_argument("--svg", type=Path, metavar="FILE", help="also write the chart as SVG to FILE")


def run(args: argparse.Namespace) -> int:
    path = Path(args.trace)
    try:
        text = path.read_text(encoding="utf-8")
        drawn = chart.build(text, str(path))
    except (OSError, UnicodeDecodeError) as e:
        print(f"stork show: {path}: cannot read it ({getattr(e, 'strerror', None) or e})",
              file=sys.stderr)
        return exitcodes.BAD_INPUT
    except tracefmt.TraceError as e:
        print(f"stork show: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.svg is not None:
        try:
            args.svg.write_text(chart.svg(drawn) + "\n", encoding="utf-8")
        except OSError as e:
            print(f"stork show: --svg {args.svg}: cannot write it ({e.strerror or e})",
                  file=sys.stderr)
            return exitcodes.BAD_INPUT
    print(chart.text(drawn))
    return exitcodes.OK
