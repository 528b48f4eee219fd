"""stork replay: drive an implementation library through traces (the C program stork-replay)."""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from stork import exitcodes, replay_sarif, sarif
from stork.paths import libexec_dir

NAME = "replay"
SUMMARY = "replay traces against a runtime implementation (LIB.so)"
HELP = ("Replay traces (files, packs from `stork pack`, or folders of them: the shipped "
        "corpus's folder gives its k = 3 part too) against an "
        "implementation library built against c-harness/include/stork/impl_abi.h; each trace "
        "runs in a child process with a time limit. With --record DIR, DIR also gets the "
        "results (DIR/replay.junit.xml), which `stork report DIR` draws. Exit 0 all pass, 1 a "
        "trace failed, 2 bad input.")

REPLAY_PROGRAM = "stork-replay"
REFERENCE_LIBRARY = "stork-reference.so"
MAX_TIMEOUT = 86400     # seconds: stork-replay's bound, and check-trace's
RESULTS = "replay.junit.xml"   # a --record folder's results, which `stork report` reads


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--impl", required=True, metavar="LIB.so",
                   help="the implementation: a shared library, or 'reference' for stork's own")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="trace files, packs (stork pack), or folders: their *.trace and *.pack files")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write the failures as SARIF 2.1.0 to FILE, each at the trace's "
                        "line the implementation answered against the contract, its ruleId the "
                        "rule broken (written only where asked)")
    p.add_argument("--record", metavar="DIR",
                   help="write each trace's observed run (statuses returned, items posted, "
                        "callbacks run) as a trace DIR/NAME, for check-trace and diff; a failed "
                        "run's recording stops at the failure, without `end`")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds each trace may take before it counts as hung (default 10, at "
                        "most 86400)")
    p.add_argument("--batch", type=int, default=None, metavar="N",
                   help="traces replayed per child process (default: 256 text traces, or "
                        "packed traces of 2^19 events in all)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list the traces that pass")


def impl_path(word: str) -> Path:
    """The library to load: 'reference' means the reference built next to stork-replay."""
    if word == "reference":
        return libexec_dir() / REFERENCE_LIBRARY
    return Path(word)


def command(args: argparse.Namespace, junit: str | None = None) -> list[str]:
    cmd = [str(libexec_dir() / REPLAY_PROGRAM), "--impl", str(impl_path(args.impl)),
           "--timeout", repr(args.timeout)]
    if args.batch is not None:
        cmd += ["--batch", str(args.batch)]
    if junit or args.junit:
        cmd += ["--junit", junit or args.junit]
    if args.record:
        cmd += ["--record", args.record]
    if args.verbose:
        cmd.append("-v")
    return cmd + ["--"] + list(args.paths)


def program_status(rc: int, command: str) -> int:
    """stork's exit status for what stork-replay returned: its own status, or, when a signal
    killed it, PIPE_CLOSED for SIGPIPE (the reader of stdout went away) and BAD_INPUT else."""
    if rc == -signal.SIGPIPE:
        return exitcodes.PIPE_CLOSED
    if rc < 0:
        print(f"stork {command}: {REPLAY_PROGRAM} killed by signal {-rc}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    return rc


def run(args: argparse.Namespace) -> int:
    program = libexec_dir() / REPLAY_PROGRAM
    if not program.is_file():
        print(f"stork replay: {program} not found (build the C harness first)", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not args.impl:
        print("stork replay: an empty --impl names no library", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not 0 < args.timeout <= MAX_TIMEOUT or (args.batch is not None and args.batch < 1):
        print(f"stork replay: --timeout must be > 0 and <= {MAX_TIMEOUT} and --batch >= 1",
              file=sys.stderr)
        return exitcodes.BAD_INPUT
    if args.sarif is not None and (args.sarif.is_dir() or not args.sarif.parent.is_dir()):
        print(f"stork replay: --sarif {args.sarif}: not a file in an existing folder", file=sys.stderr)
        return exitcodes.BAD_INPUT
    with tempfile.TemporaryDirectory(prefix="stork-replay-") as work:
        # the results in JUnit, which --sarif and a --record folder's report are made from
        junit = args.junit or (str(Path(args.record) / RESULTS) if args.record else
                               str(Path(work) / RESULTS) if args.sarif else None)
        sys.stdout.flush()
        rc = program_status(subprocess.run(command(args, junit)).returncode, NAME)
        if rc not in (exitcodes.OK, exitcodes.VIOLATED) or not junit:
            return rc
        if args.record and args.junit:
            try:
                shutil.copyfile(args.junit, Path(args.record) / RESULTS)
            except OSError as e:
                print(f"stork replay: --record {args.record}: cannot write {RESULTS} there "
                      f"({e.strerror or e})", file=sys.stderr)
                return exitcodes.BAD_INPUT
        if args.sarif is not None:
            try:
                impl, cases = replay_sarif.read_junit(Path(junit))
            except (OSError, replay_sarif.ResultsError) as e:
                print(f"stork replay: internal error: the replay's results: {e}", file=sys.stderr)
                return exitcodes.INTERNAL_ERROR
            if not sarif.write(args.sarif, replay_sarif.document(impl, cases), NAME):
                return exitcodes.BAD_INPUT
        return rc
