"""stork report DIR: one self-contained HTML page of the results and traces in DIR."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stork import exitcodes, replay_sarif, report

NAME = "report"
SUMMARY = "one HTML page of a verify/audit --out or replay --record folder"
HELP = ("Write one self-contained HTML page (no network, no script) for a folder that `stork "
        "verify --out`, `stork audit --out` or `stork replay --record` wrote: the verdict table "
        "of each verify (DESIGN.verify.json), a replay's results (replay.junit.xml) with the "
        "chart of each failed run's recording, the mismatch marked, and a sequence chart of "
        "each other trace (*.trace). The page is DIR/report.html unless --output says. Exit 0, "
        "or 2 when DIR cannot be read or the page cannot be written.")


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
        text, tables, replays, charts = report.page(folder)
        out.write_text(text, encoding="utf-8")
    except replay_sarif.ResultsError as e:
        print(f"stork report: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError) as e:
        print(f"stork report: {getattr(e, 'filename', None) or folder}: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    replayed = f" {replays} replay table(s)," if replays else ""
    print(f"wrote {out}: {tables} verify table(s),{replayed} {charts} chart(s)")
    return exitcodes.OK
