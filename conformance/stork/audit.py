"""Building and running an audit program: a scenario (C) linked with the checking runtime.

A scenario is one C file that includes <storport.h> (c-harness/check/include) and defines
`stork_scenario` (c-harness/check/include/stork/check.h). It is compiled with the C compiler
against the checking runtime's headers and its static library, libstork-check.a, which holds
the reference runtime, the checks, the explorer and main(); the result is a program that audits
that scenario. A path that is already such a program is run as it is.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stork import expect
from stork.expect import ExpectError
from stork.expect import read as read_expectation
from stork.paths import ROOT, libexec_dir

LIBRARY = "libstork-check.a"


class AuditError(Exception):
    """Bad input or environment: the message says what, with file:line where there is one."""


SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                  "-fno-sanitize-recover=all"]
RACE_FLAGS = ["-fsanitize=thread"]


def writable_sections(obj: Path) -> list[tuple[str, bool, bool]]:
    """The writable data sections of an ELF64 object: (name, NOBITS, thread-local) each."""
    b = obj.read_bytes()
    if b[:5] != b"\x7fELF\x02":
        return []
    shoff, = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
    heads = [struct.unpack_from("<IIQQQQ", b, shoff + i * shentsize) for i in range(shnum)]
    names = heads[shstrndx][4]
    out = []
    for name, kind, flags, _, _, _ in heads:
        if kind in (1, 8) and flags & 0x3 == 0x3:  # PROGBITS or NOBITS; SHF_WRITE | SHF_ALLOC
            text = b[names + name:b.index(b"\0", names + name)].decode("ascii", "replace")
            out.append((text, kind == 8, bool(flags & 0x400)))
    return out


def globals_renamed(obj: Path) -> tuple[list[str], list[str]]:
    """objcopy's arguments that rename the scenario's writable sections, so that the checking
    runtime puts its globals back before every run (c-harness/check/globals.c; check.cmake
    renames the shipped ones'), and the sections left as they are (thread-locals, a section
    the code names)."""
    args, left = [], []
    for name, nobits, tls in writable_sections(obj):
        if not tls and (name in (".data", ".bss") or name.startswith((".data.", ".bss."))) \
                and not name.startswith(".data.rel.ro"):
            args += ["--rename-section",
                     f"{name}=stork_scenario_{'bss' if nobits else 'data'}"]
        elif not name.startswith(".data.rel.ro"):
            left.append(name)
    return args, left


def library(sanitize: bool = False) -> Path:
    """libstork-check.a in the build tree (c-harness/check/) or the install (libexec/stork/);
    with `sanitize`, the one built with ASan+UBSan (in asan/ under either)."""
    sub = ["asan"] if sanitize else []
    for base in (libexec_dir() / "check", libexec_dir()):
        candidate = base.joinpath(*sub, LIBRARY)
        if candidate.is_file():
            return candidate
    raise AuditError(f"{'/'.join(sub + [LIBRARY])} not found in {libexec_dir()} "
                     "(build the C harness first)")


def include_dirs() -> list[Path]:
    dirs = [ROOT / "c-harness" / "check" / "include", ROOT / "c-harness" / "include"]
    return [d for d in dirs if d.is_dir()]


def compiler() -> list[str]:
    return shlex.split(os.environ.get("CC", "cc"))


@dataclass
class Program:
    path: Path
    workdir: tempfile.TemporaryDirectory[str] | None

    def close(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()


def build(scenario: Path, sanitize: bool = False, defines: tuple[str, ...] = ()) -> Program:
    """The audit program for SCENARIO: compiled if it is a .c file (with ASan+UBSan if
    `sanitize`, with -D of each of `defines`: a variant's switches), else the file itself."""
    if not scenario.exists():
        raise AuditError(f"{scenario}: no such file")
    if not scenario.is_file():
        raise AuditError(f"{scenario}: not a file")
    if scenario.suffix != ".c":
        if not os.access(scenario, os.X_OK):
            raise AuditError(f"{scenario}: neither a scenario (.c) nor an audit program")
        return Program(scenario, None)
    lib = library(sanitize)
    work = tempfile.TemporaryDirectory(prefix="stork-audit-")
    out = Path(work.name) / scenario.stem
    obj = Path(work.name) / f"{scenario.stem}.o"
    cmd = compiler() + ["-std=c11", "-g", "-O1", "-Wall", "-Wextra"]
    # The scenario alone is instrumented for the data-race check (WI-M11): -fsanitize=thread at
    # compile time only, and the link without it, so that no TSan runtime comes in and the
    # checking runtime's hooks (c-harness/check/race.c) receive the accesses.  ASan and TSan
    # instrumentation do not combine: --sanitize checks memory errors and no races.
    cmd += SANITIZE_FLAGS if sanitize else RACE_FLAGS
    for d in include_dirs():
        cmd += ["-I", str(d)]
    cmd += [f"-D{d}" for d in defines]
    renamed = Path(work.name) / f"{scenario.stem}.globals.o"
    steps = [cmd + ["-c", str(scenario), "-o", str(obj)],
             ["objcopy", str(obj), str(renamed)],
             compiler() + (SANITIZE_FLAGS if sanitize else []) +
             [str(renamed), str(lib), "-lpthread", "-lm", "-o", str(out)]]
    stderr = ""
    for step in steps:
        if step[0] == "objcopy":
            rename, left = globals_renamed(obj)
            step[1:1] = rename
            if left:
                print(f"stork audit: {scenario}: warning: the globals in section(s) "
                      f"{', '.join(left)} keep their values from one run to the next (only "
                      ".data and .bss ones are put back: c-harness/check/globals.c)",
                      file=sys.stderr)
        try:
            done = subprocess.run(step, capture_output=True)
        except OSError as e:
            work.cleanup()
            what = "objcopy (binutils), which keeps the miniport's globals apart" \
                if step[0] == "objcopy" else f"the C compiler {step[0]}"
            raise AuditError(f"cannot run {what}: {e.strerror}") from None
        # cc quotes the source, which need not be UTF-8
        stderr = (stderr + "\n" + done.stderr.decode("utf-8", "replace")).strip()
        if done.returncode != 0:
            work.cleanup()
            if step[0] == "objcopy":
                raise AuditError(f"{scenario}: objcopy could not keep its globals apart:\n{stderr}")
            # a call it does not declare: the link's undefined reference, or, where the compile
            # fails first (on a type it does not declare either), cc's implicit declaration
            missing = sorted(set(re.findall(r"undefined reference to `(StorPort\w+)'", stderr)) |
                             set(re.findall(r"implicit declaration of function [‘'`](StorPort\w+)",
                                            stderr)))
            if missing:
                raise AuditError(f"{scenario}: calls {', '.join(missing)}, which stork's Storport "
                                 f"does not model (c-harness/check/include/stork/miniport.h "
                                 f"lists what it does):\n{stderr}")
            raise AuditError(f"{scenario}: does not compile as a scenario:\n{stderr}")
    if stderr:
        print(stderr, file=sys.stderr)  # the compiler's warnings
    return Program(out, work)


# Past its time limit an audit program kills a stuck run itself and may take a minute for its
# report; a program still running after that is not one that keeps its word.
GRACE = 120

# The last line of each text report, by exit status (audit_report.c, supervise.c, replay_file.c).
REPORT_ENDS = {0: r"clean: ", 1: r"\d+ finding\(s\): ", 3: r"incomplete: "}
REPLAY_END = r"replayed .*: same run, \d+ finding\(s\)$"


def has_report(output: str, status: int, as_json: bool, replay: bool) -> bool:
    """Did an audit program that exited with `status` write the report that status stands for?
    A program that ends early (the scenario's code called exit) writes none."""
    if as_json:
        try:
            result = json.loads(output)
        except json.JSONDecodeError:
            return False
        return isinstance(result, dict) and result.get("exit_status") == status
    lines = [ln for ln in output.splitlines() if ln.strip()]
    if replay and lines and re.match(REPLAY_END, lines[-1]) and status in (0, 1):
        return True
    end = REPORT_ENDS.get(status) if not replay or status == 1 else None  # a replay may crash
    return end is not None and bool(lines) and re.match(end, lines[-1]) is not None


@dataclass(frozen=True)
class Expectation:
    """What a shipped scenario's header says its audit finds (` * expect: clean | incomplete |
    refused | WI-M3 WI-M7 ...`, spec/expectations.md) and its ` * audit: OPTIONS`."""

    rules: frozenset[str]
    incomplete: bool
    options: tuple[str, ...]
    refused: bool = False

    def text(self) -> str:
        if self.rules:
            return " ".join(sorted(self.rules))
        return "incomplete" if self.incomplete else "refused" if self.refused else "clean"


def expectation(scenario: Path) -> Expectation:
    """What a scenario's header says its audit finds (AuditError at a bad or missing line)."""
    try:
        found = read_expectation(scenario, "scenario")
    except OSError as e:
        raise AuditError(f"{scenario}: cannot read: {e.strerror}") from None
    except ExpectError as e:
        raise AuditError(str(e)) from None
    if found is None:
        raise AuditError(f"{scenario}: no ' * expect:' line in its header")
    # the header is ASCII; the rest of a scenario need not be UTF-8
    opts = re.search(r"^ \* audit: (.*)$", scenario.read_bytes().decode("utf-8", "replace"), re.M)
    return expectation_of(found, tuple(opts.group(1).split()) if opts else ())


def expectation_of(e: expect.Expectation, options: tuple[str, ...]) -> Expectation:
    """A scenario's expectation (stork.expect, kind "scenario") with its audit options."""
    return Expectation(frozenset(e.names) if e.verdict == "finds" else frozenset(),
                       e.verdict == "incomplete", options, e.verdict == "refused")


def run_json(program: Path, args: list[str], timeout: float = 600) -> tuple[int, dict]:
    """Run an audit program with --json; its exit status and its result (AuditError if it wrote
    none, or one that is not its exit status's)."""
    r = subprocess.run([str(program), "--json", *args], capture_output=True, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    if not has_report(out, r.returncode, True, False):
        err = r.stderr.decode("utf-8", "replace")
        raise AuditError(f"{program.name}: exit status {r.returncode}, no result: "
                         f"{(err or out).strip()[:300]}")
    return r.returncode, json.loads(out)
