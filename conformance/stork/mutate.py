"""Mutation adequacy: replay a trace corpus against every mutant of the reference
implementation (c-harness/impl/mutants/mutants.txt) and tell which it kills.

A mutant is killed by a set of traces when at least one trace fails against it. The corpus's
parts (the goal-directed witnesses, the k = 3 part's pack when there is one, the random walks)
are replayed separately, so the table shows which part does the killing; the goal-directed
traces are the first two together. The reference itself must pass every trace, or the kills mean
nothing.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from stork.paths import libexec_dir

REPLAY_PROGRAM = "stork-replay"
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)
_FIRST = re.compile(r"^(\S+:\d+: .*)$", re.M)


class MutateError(Exception):
    """Something other than a mutant's verdict went wrong (missing build, bad corpus)."""


@dataclass(frozen=True)
class Mutant:
    number: int
    name: str
    rule: str
    description: str

    def library(self) -> Path:
        return libexec_dir() / "mutants" / f"stork-mutant-{self.number}.so"


@dataclass
class PartResult:
    passed: int
    failed: int
    first_failure: str      # "FILE:LINE: EVENT" of the first failing trace, or ""

    @property
    def killed(self) -> bool:
        return self.failed > 0


def catalog(path: Path | None = None) -> list[Mutant]:
    path = path or libexec_dir() / "mutants" / "mutants.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise MutateError(f"cannot read the mutant catalog {path}: {e.strerror} "
                          "(build the C harness first)") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) != 4 or not parts[0].isdigit():
            raise MutateError(f"{path}:{n}: expected 'N name rule description'")
        out.append(Mutant(int(parts[0]), parts[1], parts[2], parts[3]))
    return out


def replay(library: Path, paths: list[Path], timeout: float = 10.0) -> PartResult:
    program = libexec_dir() / REPLAY_PROGRAM
    if not program.is_file():
        raise MutateError(f"{program} not found (build the C harness first)")
    if not library.is_file():
        raise MutateError(f"{library} not found (build the C harness first)")
    p = subprocess.run([str(program), "--impl", str(library), "--timeout", str(timeout), "--",
                        *map(str, paths)], capture_output=True, text=True, errors="replace")
    m = _SUMMARY.search(p.stdout)
    if p.returncode not in (0, 1) or not m:
        detail = (p.stderr or p.stdout).strip().splitlines()
        raise MutateError(f"{REPLAY_PROGRAM} failed on {library.name}: "
                          f"{detail[0] if detail else f'exit status {p.returncode}'}")
    first = _FIRST.search(p.stdout)
    return PartResult(int(m.group(1)), int(m.group(2)), first.group(1) if first else "")


PARTS = ("goals", "random")     # a corpus's goal-directed traces and its random walks
K3_PART = "k3"                  # ... and its k = 3 part, CORPUS/k3.pack, when it has one
GOAL_DIRECTED = ("goals", K3_PART)


@dataclass
class KillTable:
    """The reference and every mutant replayed against each part of a corpus."""

    reference: dict[str, PartResult]
    rows: list[tuple[Mutant, dict[str, PartResult]]]
    seconds: float = 0.0        # replaying the reference

    def killed_by(self, part: str) -> int:
        return sum(r[part].killed for _, r in self.rows)

    def killed_by_goal_directed(self) -> int:
        return sum(any(r[p].killed for p in GOAL_DIRECTED if p in r) for _, r in self.rows)

    def survivors(self) -> list[Mutant]:
        return [m for m, r in self.rows if not any(x.killed for x in r.values())]

    def reference_failures(self) -> dict[str, PartResult]:
        return {name: r for name, r in self.reference.items() if r.failed}


def kill_table(corpus: Path) -> KillTable:
    """Replay corpus/goals, corpus/k3.pack (if there is one) and corpus/random against the
    reference and every mutant."""
    parts = {name: corpus / name for name in PARTS}
    missing = [str(p) for p in parts.values() if not p.is_dir()]
    if missing:
        raise MutateError(f"no such folder: {', '.join(missing)}")
    if (corpus / "k3.pack").is_file():
        parts = {"goals": parts["goals"], K3_PART: corpus / "k3.pack", "random": parts["random"]}
    t0 = time.monotonic()
    reference = {name: replay(libexec_dir() / "stork-reference.so", [path])
                 for name, path in parts.items()}
    seconds = time.monotonic() - t0
    rows = [(m, {name: replay(m.library(), [path]) for name, path in parts.items()})
            for m in catalog()]
    return KillTable(reference, rows, seconds)
