"""What verify saves in setting up each pan changes no result: a first search with a small
depth limit (spin.FIRST_DEPTH, run again with --depth only when it reached its limit), a small
hash table that pan grows (-DAUTO_RESIZE), and -DNOFAIR in the safety pan. Shown by verifying
the same designs with the savings pushed to their extreme (a first depth of 20, so that every
search with a deeper path runs twice; a table of 2^10 slots, so that it grows) and with them
off (one search at the full depth; a table of 2^22 slots): every verdict, state count, depth
and counterexample is the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from stork import spin
from stork.paths import DESIGNS_DIR
from stork.spin import PanOptions
from stork.verify import verify

DESIGNS = ["double_free.pml",                      # violated: counterexamples
           "persistent_stop_flag_drain.pml",       # holds, with claims
           "ioctl_close_drains_startio.pml"]       # one of the largest shipped searches


def _results(design: Path, opts: PanOptions) -> list[tuple]:
    out = verify(design, [], opts=opts)
    return [(r.prop.name, r.verdict, r.states, r.depth, r.reason, r.trace_text)
            for r in out.results]


@pytest.mark.parametrize("name", DESIGNS)
def test_setup_savings_change_no_result(name: str, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STORK_NO_CACHE", "1")
    design = DESIGNS_DIR / name
    monkeypatch.setattr(spin, "FIRST_DEPTH", 10**9)             # never a shallow first search
    plain = _results(design, PanOptions(hash_bits=22))
    monkeypatch.setattr(spin, "FIRST_DEPTH", 20)
    runs: list[list[str]] = []
    real = spin.subprocess.run

    def counted(cmd, *a, **k):
        if cmd and cmd[0] == "./pan" and "-r" not in cmd:
            runs.append(cmd)
        return real(cmd, *a, **k)
    monkeypatch.setattr(spin.subprocess, "run", counted)
    saving = _results(design, PanOptions(hash_bits=10))
    assert saving == plain
    assert any("-m20" in c for c in runs) and any(f"-m{PanOptions.depth}" in c for c in runs), \
        "the shallow first search and its rerun at the full depth were both exercised"


def test_a_search_that_reaches_the_depth_limit_still_says_so(monkeypatch) -> None:
    """--depth below the first depth: one search, and its cut is reported (never holds)."""
    monkeypatch.setenv("STORK_NO_CACHE", "1")
    out = verify(DESIGNS_DIR / "persistent_stop_flag_drain.pml", [], opts=PanOptions(depth=12))
    assert out.results and all(r.verdict == "incomplete" for r in out.results)


def test_no_search_starts_once_the_budget_is_spent(tmp_path: Path) -> None:
    """A verify whose time limit has run out starts no further pan (tmp_path holds none to
    run): the property is incomplete, never a quick search that happened to finish."""
    res = spin.run_pan(tmp_path, PanOptions(), ["-a"], time_limit=0.0)
    assert not res.complete and res.incomplete_reason == "time limit reached"
    assert res.errors == 0 and res.states == 0


def test_pan_ends_itself_past_the_time_limit(tmp_path: Path, monkeypatch) -> None:
    """Each search also gives pan its own limit (-Q, whole minutes past verify's), so that a pan
    whose parent could not kill it still ends; a pan that stopped there is incomplete."""
    cmds: list[list[str]] = []

    def fake_run(cmd, **kw):
        cmds.append(cmd)
        return spin.subprocess.CompletedProcess(cmd, 0, "Time limit of      2 minutes exceeded\n"
                                                "State-vector 88 byte, depth reached 9, errors: 0\n", "")
    monkeypatch.setattr(spin.subprocess, "run", fake_run)
    res = spin.run_pan(tmp_path, PanOptions(), [], time_limit=61.0)
    assert "-Q3" in cmds[0]
    assert not res.complete and "time limit reached" in res.incomplete_reason
