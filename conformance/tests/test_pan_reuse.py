"""One compiled pan serves every safety property of a design (each search chooses its
properties at run time, spin.switch_hook), and compiled pans are cached by the hash of all
that goes into them (stork.pancache). The masking case -- a violation hiding a later one on
every path -- is the adversarial design violation_masked_by_an_earlier_one.pml."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from conftest import ROOT

from stork import pancache
from stork import verify as verify_mod
from stork.paths import DESIGNS_DIR, in_testdata
from stork.spin import PanOptions
from stork.suite import shipped_designs

MASKED = in_testdata("adversarial_designs", "violation_masked_by_an_earlier_one.pml")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    """A cache of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(pancache.DISABLE_ENV, raising=False)
    return tmp_path / "xdg" / "stork" / "pan"


def _counting_compiles(monkeypatch) -> list[bool]:
    """Each compile's `safety`; each spin -a as the string "spin -a"."""
    calls: list = []
    real, real_generate = verify_mod.compile_pan, verify_mod.generate

    def counted(workdir, opts, safety, *rest):
        calls.append(safety)
        real(workdir, opts, safety, *rest)

    def generated(*args):
        calls.append("spin -a")
        real_generate(*args)
    monkeypatch.setattr(verify_mod, "compile_pan", counted)
    monkeypatch.setattr(verify_mod, "generate", generated)
    return calls


def _verdicts(res) -> list[tuple[str, str, int, int]]:
    return [(r.prop.name, r.verdict, r.states, r.depth) for r in res.results]


def test_one_safety_compile_for_every_violated_property(monkeypatch, cache: Path) -> None:
    monkeypatch.setenv(pancache.DISABLE_ENV, "1")
    calls = _counting_compiles(monkeypatch)
    shipped = next(d for d in shipped_designs() if d.name == "spcnvme_overwritten_handle")
    res = verify_mod.verify(shipped.path, shipped.defines)
    violated = [r.prop.name for r in res.results if r.verdict == "VIOLATED"]
    assert len(violated) == 4, violated                  # four safety searches, one after another
    # one spin -a, and its pan.c compiled twice: the safety pan and the claims' pan
    assert sorted(calls, key=str) == [False, True, "spin -a"]
    assert not cache.exists()


def test_masked_violations_are_each_found(monkeypatch, cache: Path) -> None:
    calls = _counting_compiles(monkeypatch)
    res = verify_mod.verify(MASKED, ["ALLOC_FAIL=0"])
    assert {r.prop.name for r in res.results if r.verdict == "VIOLATED"} == \
        {"no_double_free", "design_assertion", "no_leak"}
    assert calls.count(True) == 1
    # the assert of the remove handler is the design's, not the switched-off double free's
    design = next(r for r in res.results if r.prop.name == "design_assertion")
    assert design.trace_text.count("# the design's assert at ") == 1
    assert "violation_masked_by_an_earlier_one.pml:25 fails" in design.trace_text


def test_a_switch_the_pan_does_not_have_is_incomplete(tmp_path: Path) -> None:
    opts = PanOptions(cache=False)
    model = verify_mod._Model(DESIGNS_DIR / "double_free.pml", ["STORK_VERIFY"])
    pan = verify_mod._Pan(model, opts, safety=True, switches=["no_double_free"])
    model.close()
    try:
        budget = verify_mod._Budget(60)
        assert pan.run(["-E"], budget, []).errors == 1
        off = pan.run(["-E"], budget, ["no_double_free"])
        assert off.errors == 0 and off.complete
        bad = pan.run(["-E"], budget, ["no_such_property"])
        assert not bad.complete and "names a property this pan does not have" in bad.incomplete_reason
        bad = pan.run(["-E"], budget, ["no_double_free,"])    # an empty name is no name
        assert not bad.complete
    finally:
        pan.close()


def test_cached_pans_give_the_same_results_without_compiling(monkeypatch, cache: Path) -> None:
    design = DESIGNS_DIR / "double_free.pml"
    first = verify_mod.verify(design, [])
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2                             # the safety pan and the claims pan
    calls = _counting_compiles(monkeypatch)
    again = verify_mod.verify(design, [])
    assert calls == [] and _verdicts(again) == _verdicts(first)
    assert again.results[0].trace_text == first.results[0].trace_text
    assert not any(p.name.startswith(("pan", "stork_pan")) for p in design.parent.iterdir())
    # anything that changes the model or the compile is another entry
    verify_mod.verify(design, ["NTHREADS=2"])
    verify_mod.verify(design, [], opts=PanOptions(compiler="gcc"))
    assert len(list(cache.iterdir())) == 6 and len(calls) == 6       # each: one spin -a, two compiles
    # --no-cache compiles
    calls.clear()
    verify_mod.verify(design, [], opts=PanOptions(cache=False))
    assert sorted(calls, key=str) == [False, True, "spin -a"]


def test_a_changed_include_is_another_entry(tmp_path: Path, cache: Path) -> None:
    design = tmp_path / "d.pml"
    shutil.copy(DESIGNS_DIR / "double_free.pml", design)
    hook = tmp_path / "hook.pml"
    hook.write_text("#define EXTRA skip\n")
    text = design.read_text().replace('#include "storport.pml"', '#include "storport.pml"\n#include "hook.pml"')
    design.write_text(text)
    verify_mod.verify(design, [])
    hook.write_text("#define EXTRA skip\n/* changed */\n")
    verify_mod.verify(design, [])                        # same design file, new include text
    hook.write_text("#define EXTRA skip\nbyte extra_state;\n")
    res = verify_mod.verify(design, [])
    assert len(list(cache.iterdir())) == 4               # the comment is gone after cpp
    assert res.verdict_of("no_double_free") == "VIOLATED"


def test_concurrent_stores_of_one_entry(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    work = tmp_path / "work"
    work.mkdir()
    (work / "pan").write_bytes(b"x" * 100_000)
    (work / "pan.t").write_text("t")
    threads = [threading.Thread(target=pancache.store, args=(root, "k", work)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.name for p in root.iterdir()) == ["k"]       # no half entry, no leftover
    out = tmp_path / "out"
    out.mkdir()
    assert pancache.restore(root, "k", out) and (out / "pan").read_bytes() == b"x" * 100_000
    assert not pancache.restore(root, "other", out)


def test_prune_keeps_the_most_recently_used(tmp_path: Path) -> None:
    import os
    root = tmp_path / "cache"
    for i in range(10):
        (root / f"e{i}").mkdir(parents=True)
        os.utime(root / f"e{i}", (i, i))
    pancache.prune(root, most=8)
    assert sorted(p.name for p in root.iterdir()) == [f"e{i}" for i in range(4, 10)]


def test_cache_location(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(pancache.DISABLE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pancache.cache_root() == tmp_path / "stork" / "pan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert pancache.cache_root() == Path.home() / ".cache" / "stork" / "pan"
    monkeypatch.setenv(pancache.DISABLE_ENV, "1")
    assert pancache.cache_root() is None


def test_every_switch_turns_its_own_assertions_off() -> None:
    """A property is switched off by its name variable: each assertion of the monitor must
    name the property it checks, or the switch would leave it on (or turn another off)."""
    from stork.properties import all_properties
    text = (ROOT / "model" / "contract.pml").read_text()
    asserted = dict(re.findall(r"#define CHECK_(\w+)\(c, r\) assert\(\(c\) \|\| (\w+) \|\| r\)", text))
    assert asserted and all(name == var for name, var in asserted.items()), asserted
    kinds = {p.name for p in all_properties() if p.kind == "assertion"}
    assert kinds == set(asserted)
    assert "#define assert(c) assert((c) || design_assertion)" in \
        (ROOT / "model" / "storport.pml").read_text()


def test_a_cache_that_cannot_be_written_is_passed_by(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.delenv(pancache.DISABLE_ENV, raising=False)
    res = verify_mod.verify(DESIGNS_DIR / "double_free.pml", [])
    assert res.verdict_of("no_double_free") == "VIOLATED"
