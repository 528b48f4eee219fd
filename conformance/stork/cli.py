"""The `stork` command line: one module per subcommand under stork.commands.

Each command module defines NAME, HELP, add_arguments(parser) and run(args) -> exit status.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import textwrap
import traceback

from stork import __version__, commands
from stork import exitcodes
from stork.exitcodes import BAD_INPUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well
        """Bad arguments: one line, not argparse's usage block."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    modules = [importlib.import_module(f"stork.commands.{name}") for name in commands.ORDER]
    listing = "\n".join(f"  {m.NAME:<12} {m.SUMMARY}" for m in modules)
    parser = _Parser(
        prog="stork",
        description="Formal model and conformance kit for the Storport work-item API.\n\n"
        f"commands (stork COMMAND --help for one):\n{listing}",
        epilog=textwrap.fill(exitcodes.SUMMARY, 78),
        usage="stork [-h] [--version] COMMAND ...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                                help=argparse.SUPPRESS, prog="stork")
    for module in modules:
        p = sub.add_parser(module.NAME, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that it unwinds like KeyboardInterrupt: every
    `finally` and TemporaryDirectory on the way removes its /tmp/stork-* work folder."""


def _on_sigterm(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # a second one must not cut the clean-up
    raise Terminated


class StdoutClosed(Exception):
    """The reader of stdout went away (`stork ... | head`)."""


class StdoutError(Exception):
    """Stdout cannot be written (`stork ... > /dev/full`): bad environment, not a bug."""


class _Stdout:
    """sys.stdout, with its write errors told apart from every other OSError."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def _call(self, method, *args):
        try:
            return method(*args)
        except BrokenPipeError:
            raise StdoutClosed from None
        except OSError as e:
            raise StdoutError(e.strerror or str(e)) from None

    def write(self, text: str) -> int:
        return self._call(self._stream.write, text)

    def flush(self) -> None:
        self._call(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _drop_stdout() -> None:
    """Send what is still buffered for stdout nowhere, so that Python's own flush at exit
    does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _run(argv: list[str] | None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as e:         # --help and --version (0), bad arguments (2)
        return e.code if isinstance(e.code, int) else BAD_INPUT
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return BAD_INPUT
    return args.run(args)


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(argv)
    finally:                            # main() called in-process (tests): leave it as it was
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    real_stdout = sys.stdout
    if real_stdout is None:             # started with fd 1 closed
        print("stork: cannot write the output: stdout is closed", file=sys.stderr)
        return BAD_INPUT
    sys.stdout = _Stdout(real_stdout)
    try:
        status = _run(argv)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("stork: interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except Terminated:
        print("stork: terminated", file=sys.stderr)
        return exitcodes.TERMINATED
    except StdoutClosed:
        _drop_stdout()
        return exitcodes.PIPE_CLOSED
    except StdoutError as e:
        _drop_stdout()
        print(f"stork: cannot write the output: {e}", file=sys.stderr)
        return BAD_INPUT
    except Exception as e:
        return _internal_error(e)
    finally:
        sys.stdout = real_stdout


def _internal_error(e: BaseException) -> int:
    """The last resort: one line, never a traceback (unless STORK_TRACEBACK is set)."""
    if os.environ.get("STORK_TRACEBACK"):
        traceback.print_exception(e)
    what = f"{type(e).__name__}: {e}".replace("\n", " ")
    print(f"stork: internal error: {what} (a bug in stork: please report it with the "
          f"command line; STORK_TRACEBACK=1 shows where)", file=sys.stderr)
    return exitcodes.INTERNAL_ERROR
