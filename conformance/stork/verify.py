"""Verify a design: one verdict per property, each from a parsed, complete SPIN search.

Safety properties (assertions and end states) share one pan: a run with all of them enabled
either finds a violation, which names its property, or proves them all. A found property is
then compiled out (-DSTORK_OFF_<name>, or pan -E for end states) and the search repeated for
the rest, so a design costs one run per violated property plus one. The LTL property gets its
own run (-a -f: acceptance cycles under weak fairness) with every assertion compiled out.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from stork import __version__
from stork import trace as tracefmt
from stork.paths import MODEL_DIR, ROOT
from stork.properties import Property, all_properties
from stork.spin import PanOptions, PanResult, compile_pan, generate, replay_trail, run_pan

HOLDS, VIOLATED, INCOMPLETE = "holds", "VIOLATED", "incomplete"


class ModelError(Exception):
    """pan reported an error that is no property's (e.g. an array index out of bounds)."""


@dataclass
class PropertyResult:
    prop: Property
    verdict: str
    states: int
    depth: int
    seconds: float
    memory_mb: float
    reason: str = ""                   # why incomplete, or pan's violation message
    trace_text: str = ""               # the counterexample, in the trace format
    trail: Path | None = None          # SPIN's own trail (valid only with the same pan)


@dataclass
class VerifyResult:
    design: Path
    defines: list[str]
    results: list[PropertyResult] = field(default_factory=list)
    seconds: float = 0.0              # wall clock of the whole verification, compiles included

    @property
    def exit_status(self) -> int:
        verdicts = {r.verdict for r in self.results}
        if VIOLATED in verdicts:
            return 1
        if INCOMPLETE in verdicts:
            return 3
        return 0

    def verdict_of(self, name: str) -> str:
        return next(r.verdict for r in self.results if r.prop.name == name)


def display_path(design: Path) -> str:
    try:
        return str(design.resolve().relative_to(ROOT))
    except ValueError:
        return str(design)


def _attribute(error_line: str, candidates: list[Property]) -> Property:
    """Which property does pan's error message belong to?"""
    names = {p.name: p for p in candidates}
    if "invalid end state" in error_line and "terminates" in names:
        return names["terminates"]
    if "acceptance cycle" in error_line or "non-progress cycle" in error_line:
        ltl = [p for p in candidates if p.kind == "LTL"]
        if len(ltl) == 1:
            return ltl[0]
    if "assertion violated" in error_line:
        for tok in re.findall(r"\|\|([A-Za-z_]\w*)\)", error_line):
            if tok in names:
                return names[tok]
    raise ModelError(f"pan reported an error that is no property's: {error_line}")


def _rules_in(error_line: str) -> list[str]:
    return [r.replace("_", "-") for r in re.findall(r"\|\|(WI_[A-Z]\d+)\)", error_line)]


def model_bounds(defines: list[str]) -> list[str]:
    """The bounds in force: storport.pml's defaults overridden by -D NAME=VALUE."""
    text = (MODEL_DIR / "storport.pml").read_text(encoding="utf-8")
    bounds = dict(re.findall(r"#ifndef (\w+)\n#define \1 (\S+)", text))
    for d in defines:
        name, _, value = d.partition("=")
        if name in bounds or not name.startswith("STORK_"):
            bounds[name] = value or "1"
    return [f"{k}={v}" for k, v in bounds.items()]


def counterexample(design: Path, workdir: Path, defines: list[str], trail: Path,
                   prop: Property, error_line: str, bounds: list[str]) -> str:
    """Replay the trail and keep the model's trace lines: a trace, checked by the parser."""
    events = []
    for line in replay_trail(design, workdir, defines, trail):
        s = line.strip()
        if s.startswith("<<<<<START OF CYCLE>>>>>"):
            events.append("loop")
        elif s.split(" ", 1)[0] in tracefmt.EVENT_WORDS or s.startswith("# "):
            events.append(s)
    rules = _rules_in(error_line) or list(prop.rules)
    head = [
        tracefmt.HEADER,
        f"meta generator stork-verify {__version__}",
        f"meta design {display_path(design)}",
        f"meta config {' '.join(bounds)}",
        f"meta property {prop.name} {' '.join(rules)}",
    ]
    text = "\n".join(head + events + ["end"]) + "\n"
    try:
        tracefmt.parse(text, f"{design.name}:{prop.name}")   # the model must speak the format
    except tracefmt.TraceError as e:
        raise ModelError(f"the model printed a malformed counterexample trace: {e}") from None
    return text


def _search(design: Path, defines: list[str], opts: PanOptions, safety: bool,
            pan_args: list[str]) -> tuple[PanResult, Path]:
    workdir = Path(tempfile.mkdtemp(prefix="stork-"))
    try:
        generate(design, workdir, defines)
        compile_pan(workdir, opts, safety)
        return run_pan(workdir, opts, pan_args), workdir
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def verify(design: Path, defines: list[str], selected: list[Property] | None = None,
           opts: PanOptions | None = None, out_dir: Path | None = None) -> VerifyResult:
    """Verify the selected properties (default all) of a design with -D defines.

    With out_dir, each counterexample is saved there as DESIGN.PROPERTY.trace, next to SPIN's
    DESIGN.PROPERTY.trail (which replays only with the same model text and -D flags).
    """
    opts = opts or PanOptions()
    started = time.monotonic()
    props = list(all_properties())
    selected = selected or props
    out = VerifyResult(design, defines)
    asserted = [p for p in props if p.kind == "assertion"]

    def violation(prop: Property, res: PanResult, wd: Path, flags: list[str]) -> PropertyResult:
        text = counterexample(design, wd, flags, res.trail, prop, res.error_line,
                              model_bounds(defines))
        return PropertyResult(prop, VIOLATED, res.states, res.depth, res.seconds,
                              res.memory_mb, res.error_line, text,
                              _keep(res.trail, out_dir, design, prop, text))

    def no_violation(prop: Property, res: PanResult) -> PropertyResult:
        return PropertyResult(prop, HOLDS if res.complete else INCOMPLETE, res.states,
                              res.depth, res.seconds, res.memory_mb, res.incomplete_reason)

    remaining = [p for p in selected if p.kind in ("assertion", "end states")]
    while remaining:
        flags = defines + [f"STORK_OFF_{p.name}" for p in asserted if p not in remaining]
        args = [] if any(p.kind == "end states" for p in remaining) else ["-E"]
        res, wd = _search(design, flags, opts, True, args)
        try:
            if res.errors:
                prop = _attribute(res.error_line, remaining)
                out.results.append(violation(prop, res, wd, flags))
                remaining.remove(prop)
            else:
                out.results += [no_violation(p, res) for p in remaining]
                remaining = []
        finally:
            shutil.rmtree(wd, ignore_errors=True)

    for prop in (p for p in selected if p.kind == "LTL"):
        flags = defines + [f"STORK_OFF_{p.name}" for p in asserted] + ["STORK_LIVENESS"]
        res, wd = _search(design, flags, opts, False, ["-a", "-f", "-N", prop.name])
        try:
            if res.errors:
                _attribute(res.error_line, [prop])
                out.results.append(violation(prop, res, wd, flags))
            else:
                out.results.append(no_violation(prop, res))
        finally:
            shutil.rmtree(wd, ignore_errors=True)
    order = {p.name: i for i, p in enumerate(props)}
    out.results.sort(key=lambda r: order[r.prop.name])
    out.seconds = time.monotonic() - started
    return out


def _keep(trail: Path | None, out_dir: Path | None, design: Path, prop: Property,
          text: str) -> Path | None:
    """Save the counterexample and its trail in out_dir before the work directory goes."""
    if out_dir is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{design.stem}.{prop.name}"
    (out_dir / f"{stem}.trace").write_text(text, encoding="utf-8")
    if trail is None or not trail.exists():
        return None
    keep = out_dir / f"{stem}.trail"
    shutil.copyfile(trail, keep)
    return keep
