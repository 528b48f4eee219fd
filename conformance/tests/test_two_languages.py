"""One environment, two languages (issue 11): a design and its C twin produce the same API-event
traces. The model's are enumerated by SPIN: a history of every event is made part of the state
(STORK_EVENT_HOOK), so each distinct trace that reaches the adapter's release is a distinct
state there, and pan -e writes a trail for each; the audit's are the traces `stork audit
--no-reduction --record` writes of every schedule. Each call is compared by the status the
runtime returned (the model prints the contract's allowed set beside it).

What is shown, for leak_on_queue_failure.pml and leak_on_queue_failure.c at the default bounds
(MAXW=2, NTHREADS=1, one allocation failure allowed): every trace the audit explores is one the
model can produce (inclusion), and the model's other traces differ only where the audit has no
scheduling point: removal beginning before the routine's first call, and removal events between
a callback's last call and its return. Equality is not claimed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from conftest import ROOT, run_stork
from stork.properties import all_properties

MODEL = ROOT / "model"
WORDS = ("call", "start", "return", "remove", "fail-alloc")
STATUSES = ("SUCCESS", "UNSUCCESSFUL", "NOT_IMPLEMENTED", "INSUFFICIENT_RESOURCES",
            "BUFFER_TOO_SMALL", "ACCESS_DENIED", "INVALID_PARAMETER", "INVALID_DEVICE_REQUEST",
            "INVALID_IRQL", "INVALID_DEVICE_STATE", "INVALID_BUFFER_SIZE", "UNSUPPORTED_VERSION",
            "BUSY")   # S_x in model/storport.pml, in order
# The history: three bytes an event (kind and API; handle, status, injection; context); read at
# the release so that SPIN keeps it in the state (it hides a variable nothing reads).
WRAPPER = """byte hist[90];
byte hn;
#define STORK_EVENT_HOOK(kind, api, h, ctx, lvl, st, inj) \\
    if \\
    :: kind == EV_CALL -> printf("# st %d\\n", st) \\
    :: else \\
    fi; \\
    hist[hn] = kind * 4 + api; hist[hn + 1] = (h > 3 -> 3 : h) * 32 + st * 2 + inj; \\
    hist[hn + 2] = ctx; hn = hn + 3; \\
    assert(kind != EV_RELEASED || hist[89] == 255)
#include "design.pml"
"""

Trace = tuple[str, ...]


def _switches() -> list[str]:
    """Every property compiled out: the enumeration's only assertion is the release's."""
    return [f"-DSTORK_OFF_{p.name}" for p in all_properties() if p.kind in ("assertion", "design")]


def model_traces(design: Path, work: Path) -> set[Trace]:
    for f in MODEL.glob("*.pml"):
        shutil.copy(f, work)
    shutil.copy(design, work / "design.pml")
    (work / "wrap.pml").write_text(WRAPPER)
    off = _switches()
    subprocess.run(["spin", "-a", *off, "wrap.pml"], cwd=work, check=True, capture_output=True)
    cc = shutil.which("tcc") or "gcc"    # as verify: tcc compiles pan in a fraction of gcc's time
    subprocess.run([cc, "-w", "-DSAFETY", "-o", "pan", "pan.c"], cwd=work, check=True)
    pan = subprocess.run(["./pan", "-e", "-c0", "-n", "-m10000"], cwd=work, check=True,
                         capture_output=True, text=True).stdout
    assert "depth reached" in pan and "error: max search depth too small" not in pan, pan
    traces = set()
    for n in range(1, len(list(work.glob("*.trail"))) + 1):
        text = subprocess.run(["spin", f"-t{n}", *off, "wrap.pml"], cwd=work, check=True,
                              capture_output=True, text=True).stdout
        events: list[str] = []
        for line in (" ".join(l.split()) for l in text.splitlines()):
            status = re.fullmatch(r"# st (\d+)", line)
            if status:    # the call just printed: its allowed set becomes the status returned
                head, _, tail = events[-1].partition(" -> ")
                events[-1] = " ".join([head, "->", STATUSES[int(status.group(1))]] + tail.split()[1:])
            elif line.split(" ")[0] in WORDS:
                events.append(line)
        traces.add(tuple(events))
    return traces


def audit_traces(scenario: str, out: Path) -> set[Trace]:
    r = run_stork("audit", scenario, "--no-reduction", "--record", str(out))
    assert r.returncode in (0, 1), r.stderr
    assert "incomplete" not in r.stdout.lower(), r.stdout
    return {tuple(" ".join(l.split()) for l in f.read_text().splitlines()
                  if l.split() and l.split()[0] in WORDS)
            for f in out.glob("*.trace")}


def _removal_where_the_audit_has_no_point(trace: Trace) -> bool:
    """Removal begins before the routine's first call, or a removal event comes between a
    callback's last call and its return: the model interleaves there, the audit does not."""
    if trace and trace[0] == "remove begin":
        return True
    for i, event in enumerate(trace):
        if event.startswith("remove") and i > 0 and trace[i - 1].startswith("call sys"):
            thread = trace[i - 1].split()[1]
            rest = trace[i + 1:]
            if any(e.startswith(f"return {thread}") for e in rest) and not any(
                    e.startswith(f"call {thread}") for e in rest[:next(
                        j for j, e in enumerate(rest) if e.startswith(f"return {thread}"))]):
                return True
    return False


def test_the_audit_explores_only_traces_the_model_can_produce(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    model = model_traces(MODEL / "designs" / "leak_on_queue_failure.pml", tmp_path / "model")
    audit = audit_traces("leak_on_queue_failure", tmp_path / "audit")
    assert len(audit) >= 5 and len(model) >= len(audit)
    assert audit <= model, sorted(audit - model)
    # what the model has beyond the audit is where the audit has no scheduling point
    assert all(_removal_where_the_audit_has_no_point(t) for t in model - audit), sorted(model - audit)
    assert not any(_removal_where_the_audit_has_no_point(t) for t in audit)
