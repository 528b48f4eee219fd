"""stork pack: traces parsed and checked once, into one file `stork replay` reads as it is."""

from __future__ import annotations

import argparse
import subprocess
import sys

from stork import exitcodes
from stork.commands.replay import REPLAY_PROGRAM, program_status
from stork.paths import libexec_dir

NAME = "pack"
SUMMARY = "parse and check traces once into one file for fast replays"
HELP = ("Compile traces (files, packs, or folders of them) into one pack: `stork replay "
        "--impl LIB PACK` then replays them without parsing text, with the same reports. "
        "A pack is a snapshot for this machine and this stork. Exit 0 written, 2 bad input "
        "(a malformed trace: FILE:LINE; nothing is written).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="the pack to write (replaced if it exists)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="trace files, packs (their traces are packed again), or folders: their "
                        "*.trace and *.pack files")


def run(args: argparse.Namespace) -> int:
    program = libexec_dir() / REPLAY_PROGRAM
    if not program.is_file():
        print(f"stork pack: {program} not found (build the C harness first)", file=sys.stderr)
        return exitcodes.BAD_INPUT
    sys.stdout.flush()
    rc = subprocess.run([str(program), "--pack", args.out, "--", *args.paths]).returncode
    return program_status(rc, NAME)
