"""The `stork` command line: one module per subcommand under stork.commands.

Each command module defines NAME, HELP, add_arguments(parser) and run(args) -> exit status.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from stork import __version__, commands
from stork.exitcodes import BAD_INPUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        print(f"stork: error: {message}", file=sys.stderr)
        sys.exit(BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stork",
        description="Formal model and conformance kit for the Storport work-item API. "
        "Exit status: 0 all hold/pass, 1 a violation or failure, 2 bad input, 3 incomplete.",
    )
    parser.add_argument("--version", action="version", version=f"stork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"stork.commands.{info.name}")
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return BAD_INPUT
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("stork: interrupted", file=sys.stderr)
        return 130
