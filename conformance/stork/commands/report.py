"""stork report DIR: one self-contained HTML page of the results and traces in DIR."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stork import exitcodes, report

NAME = "report"
SUMMARY = "one HTML page of a verify or audit --out folder"
HELP = ("Write one self-contained HTML page (no network, no script) for a folder that `stork "
        "verify --out` or `stork audit --out` wrote: the verdict table of each verify "
        "(DESIGN.verify.json) and a sequence chart of each trace (*.trace). The page is "
        "DIR/report.html unless --output says. Exit 0, or 2 when DIR cannot be read or the "
        "page cannot be written.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="a folder of results (verify/audit --out)")
    p.add_argument("--output", type=Path, metavar="FILE", help="where to write the page "
                   "(default DIR/report.html)")


def run(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"stork report: {folder}: not a folder", file=sys.stderr)
        return exitcodes.BAD_INPUT
    out = args.output or folder / "report.html"
    try:
        text, tables, charts = report.page(folder)
        out.write_text(text, encoding="utf-8")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError) as e:
        print(f"stork report: {getattr(e, 'filename', None) or folder}: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    print(f"wrote {out}: {tables} verify table(s), {charts} chart(s)")
    return exitcodes.OK
