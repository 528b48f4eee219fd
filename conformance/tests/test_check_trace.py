"""stork check-trace: SPIN replays a trace through the contract monitor and judges it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, stork_command
from stork import allowed, expect, lifecycle, trace
from stork import check_trace as ct
from stork import spin
from stork.paths import in_testdata

GOLDEN = in_testdata("golden")
HARNESS_TRACES = in_testdata("traces")
SPEC = ROOT / "spec" / "trace-format.md"

# A liveness counterexample kept with the valid traces because it is well-formed: the model
# rejects it, since the callback it owes never starts while the system thread is free.
LIVENESS = GOLDEN / "valid" / "liveness_loop.trace"


def valid_traces() -> list[Path]:
    files = sorted((GOLDEN / "valid").glob("*.trace")) + sorted(HARNESS_TRACES.glob("*.trace"))
    return [f for f in files if f != LIVENESS]


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_every_valid_trace_is_accepted() -> None:
    results = ct.check_all([str(f) for f in valid_traces()])
    assert len(results) >= 20
    bad = [(r.path, r.failure or r.error) for r in results if r.verdict != ct.CONFORMS]
    assert not bad


def test_the_spec_examples_are_accepted(tmp_path: Path) -> None:
    blocks = re.findall(r"```\n(stork-trace 1\n.*?)```", SPEC.read_text(), re.S)
    assert len(blocks) >= 3
    for i, text in enumerate(blocks):
        r = ct.check(write(tmp_path, f"example{i}.trace", text))
        assert r.verdict == ct.CONFORMS, (i, r.failure, r.error)


def test_the_spec_example_of_a_re_issued_handle_is_rejected_there(tmp_path: Path) -> None:
    (text,) = re.findall(r"```\n(stork-trace 3\n.*?)```", SPEC.read_text(), re.S)
    r = ct.check(write(tmp_path, "v3.trace", text))
    assert r.verdict == ct.REJECTED and r.truncated
    assert (r.failure.line, r.failure.rules) == (4, ("WI-I1",))


def test_the_liveness_counterexample_is_rejected_for_wi_c5() -> None:
    r = ct.check(str(LIVENESS))
    assert r.verdict == ct.REJECTED
    assert r.failure.rules == ("WI-C5",) and r.failure.event == "loop"
    assert "w1 stays queued" in r.failure.explanation


def rejected_traces() -> list[Path]:
    return sorted((GOLDEN / "rejected").glob("*.trace"))


@pytest.mark.parametrize("path", rejected_traces(), ids=lambda p: p.stem)
def test_a_runtime_violation_is_rejected_at_its_line_with_its_rule(path: Path) -> None:
    want = expect.read(path, "trace")
    assert want, f"{path.name} states no '# expect: rejected at line N breaking RULE'"
    r = ct.check(str(path))
    assert r.verdict == ct.REJECTED, r.notes
    assert r.failure.line == want.line
    if not want.names:
        assert r.failure.rules == ()
    else:
        assert set(want.names) <= set(r.failure.rules)
        assert r.failure.keeper == "runtime"
    assert r.before or r.failure.line <= 5


def test_the_rejected_set_covers_every_check_of_the_driver() -> None:
    props = {ct.check(str(p)).failure.prop for p in rejected_traces()}
    assert props == {"status_in_allowed_set", "status_conforms", "no_free_while_queued", "callback_once",
                     "no_callback_after_removal", "no_call_after_remove", "loop_repeats",
                     "callback_eventually"}


def test_the_same_trace_with_the_conforming_status_is_accepted(tmp_path: Path) -> None:
    bad = (GOLDEN / "rejected" / "queue_queued_answered_success.trace").read_text()
    good = bad.replace("call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS\nstart",
                       "call dpc DISPATCH queue w1 cb1 ctx1 -> BUSY\nstart")
    assert good != bad
    assert ct.check(write(tmp_path, "fixed.trace", good)).verdict == ct.CONFORMS


def test_the_same_trace_with_a_new_handle_is_accepted(tmp_path: Path) -> None:
    """The re-issue (WI-I1) is what the model rejects: with a new handle the trace conforms."""
    bad = (GOLDEN / "rejected" / "init_reissues_freed_handle.trace").read_text()
    good = bad.replace("-> SUCCESS w2 = w1", "-> SUCCESS w2")
    assert good != bad
    assert ct.check(write(tmp_path, "fixed.trace", good)).verdict == ct.CONFORMS


@pytest.mark.parametrize("path", sorted(in_testdata("version3").glob("*.trace")),
                         ids=lambda p: p.stem)
def test_the_harness_re_issue_traces_are_rejected_at_the_re_issue(path: Path) -> None:
    """The traces mutant 27 follows in a replay are the ones the contract rejects (WI-I1)."""
    line = next(n for n, ln in enumerate(path.read_text().splitlines(), 1) if " = w" in ln)
    r = ct.check(str(path))
    assert r.verdict == ct.REJECTED and (r.failure.line, r.failure.rules) == (line, ("WI-I1",))


def test_a_truncated_trace_is_rejected_at_a_bad_event_and_else_bad_input(tmp_path: Path) -> None:
    head = "stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\ncall dpc DISPATCH queue w1 cb1 null -> SUCCESS\n"
    cut = ct.check(write(tmp_path, "cut.trace", head + "# the run failed here\n"))
    assert cut.verdict == ct.BAD_INPUT and cut.truncated and "truncated trace" in cut.error
    bad = ct.check(write(tmp_path, "bad.trace", head + "call dpc DISPATCH queue w1 cb1 null -> SUCCESS\n"))
    assert bad.verdict == ct.REJECTED and bad.truncated
    assert bad.failure.line == 4 and "WI-Q2" in bad.failure.rules
    # a truncated trace gets no end-of-life checks: w1 is queued and never freed, no WI-R2/M7
    assert not bad.notes


def test_the_model_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Teach the model's monitor that a queued worker may be queued again: the trace passes."""
    model = tmp_path / "model"
    shutil.copytree(ROOT / "model", model)
    contract = model / "contract.pml"
    text = contract.read_text()
    busy = ":: ISSUED(h) && g_state[h] == W_QUEUED -> ALLOW(S_BUSY, WI_Q2)"
    assert text.index(busy) < text.index("inline mon_free(")      # the first is mon_queue's
    contract.write_text(text.replace(busy, ":: ISSUED(h) && g_state[h] == W_QUEUED -> ALLOW(S_SUCCESS, WI_Q2)", 1))
    monkeypatch.setattr(spin, "MODEL_DIR", model)
    r = ct.check(str(GOLDEN / "rejected" / "queue_queued_answered_success.trace"))
    assert r.verdict == ct.CONFORMS


# A status outside the allowed set is told the rules of the statuses inside it, as the model
# names them where it computes the set (contract.pml's ALLOW(S, RULE)): one case a rule whose
# status the golden traces do not cover.
WRONG_STATUS = {
    "queue null cb1 null -> SUCCESS": ("WI-Q6",),
    "queue w1 null null -> SUCCESS": ("WI-Q6",),
    "free w1 -> SUCCESS\ncall dpc DISPATCH queue w1 cb1 null -> SUCCESS": ("WI-Q7",),
    "queue bad1 cb1 null -> SUCCESS": ("WI-Q7",),
    "queue w1 cb1 null -> SUCCESS\ncall dpc DISPATCH free w1 -> UNSUCCESSFUL": ("WI-F2",),
}


@pytest.mark.parametrize("calls", WRONG_STATUS)
def test_a_wrong_status_is_told_the_rules_the_model_names(tmp_path: Path, calls: str) -> None:
    p = tmp_path / "t.trace"
    p.write_text(f"stork-trace 1\ncall findadapter PASSIVE init -> SUCCESS w1\n"
                 f"call dpc DISPATCH {calls}\nend\n")
    r = ct.check(str(p))
    assert r.verdict == ct.REJECTED and r.failure.prop == "status_in_allowed_set", r
    assert r.failure.rules == WRONG_STATUS[calls]


def test_the_model_names_the_rule_of_a_wrong_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rename the rule mon_queue's BUSY is allowed by: the rejection names the new one (Python
    derives no rule of its own), and a status the model allows without naming a rule is an
    error, not a verdict."""
    model = tmp_path / "model"
    shutil.copytree(ROOT / "model", model)
    contract = model / "contract.pml"
    text = contract.read_text()
    busy = "-> ALLOW(S_BUSY, WI_Q2)"
    assert text.count(busy) == 1
    trace = str(GOLDEN / "rejected" / "queue_queued_answered_success.trace")
    monkeypatch.setattr(spin, "MODEL_DIR", model)
    contract.write_text(text.replace(busy, "-> ALLOW(S_BUSY, WI_Q5)"))
    assert ct.check(trace).failure.rules == ("WI-Q5",)
    contract.write_text(text.replace(busy, "-> m_allowed = m_allowed | (1 << S_BUSY)"))
    with pytest.raises(spin.SpinToolError, match="are not those of its allowed set"):
        ct.check(trace)


def test_a_broken_model_is_an_error_not_a_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "model"
    shutil.copytree(ROOT / "model", model)
    (model / "contract.pml").write_text((model / "contract.pml").read_text().replace(
        "inline mon_return(tid, h) {", "inline mon_return(tid, h) { nonsense +;", 1))
    monkeypatch.setattr(spin, "MODEL_DIR", model)
    with pytest.raises(spin.SpinToolError, match="trace driver failed in SPIN"):
        ct.check(str(GOLDEN / "valid" / "oneshot_free_in_callback.trace"))


def test_miniport_mistakes_are_notes_with_their_wi_m_rules(stork) -> None:
    path = str(HARNESS_TRACES / "free_while_running_elsewhere.trace")
    r = ct.check(path)
    assert r.verdict == ct.CONFORMS
    assert [(n.line, n.rules, n.keeper) for n in r.notes] == [
        (8, ("WI-M3",), "miniport"), (8, ("WI-M6",), "miniport"), (10, ("WI-M2",), "miniport")]
    p = stork("check-trace", path)
    assert p.returncode == 0, p.stderr
    assert f"{path}:10: call teardown PASSIVE free w1 -> UNSUCCESSFUL\n  miniport breaks WI-M2" in p.stdout
    assert stork("check-trace", "--strict", path).returncode == 1


def test_every_miniport_note_kind_shows_up() -> None:
    found = {n.prop for f in valid_traces() for n in ct.check(str(f)).notes}
    assert found == {"irql", "valid_handle", "no_use_after_free", "no_double_free",
                     "no_free_while_running", "no_leak"}


def test_cli_prints_the_event_the_rule_and_what_came_before(stork) -> None:
    path = str(GOLDEN / "rejected" / "callback_started_twice.trace")
    p = stork("check-trace", path)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == f"{path}:8: start sys0 w1 cb1 ctx1"
    assert lines[1].startswith("  breaks WI-C1 (callback_once): ")
    assert f"    {path}:6: return sys0 w1" in lines
    assert lines[-1].startswith(f"{path}: REJECTED by the model")


def test_json_and_several_files(stork) -> None:
    good = str(GOLDEN / "valid" / "oneshot_free_in_callback.trace")
    bad = str(GOLDEN / "rejected" / "free_queued_answered_success.trace")
    p = stork("check-trace", "--json", good, bad)
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["exit_status"] == 1
    a, b = out["traces"]
    assert (a["file"], a["verdict"], a["failure"]) == (good, "conforms", None)
    assert b["verdict"] == "rejected"
    assert b["failure"]["line"] == 6 and b["failure"]["rules"] == ["WI-F2"]
    assert b["failure"]["property"] == "no_free_while_queued"


@pytest.mark.parametrize("name", sorted(p.stem for p in (GOLDEN / "invalid").glob("*.trace")))
def test_a_malformed_trace_is_bad_input_with_its_line(name: str, stork) -> None:
    path = GOLDEN / "invalid" / f"{name}.trace"
    want = expect.read(GOLDEN / "invalid" / f"{name}.expect", "sidecar")
    r = ct.check(str(path))
    assert r.verdict == ct.BAD_INPUT
    assert r.error.startswith(f"{path}:{want.line}: ") and want.names[0] in r.error


@pytest.mark.parametrize("body, line, words", [
    ("call dpc DISPATCH queue w1 cb1 null -> INVALID_PARAMETER\n", 2, "w1 used before it is issued"),
    ("call dpc DISPATCH init -> SUCCESS w2\n", 2, "must be named w1"),
    ("call dpc DISPATCH init -> SUCCESS w1\ncall sys0 PASSIVE free w1 -> SUCCESS\n", 3,
     "outside a callback"),
    ("call dpc DISPATCH init -> SUCCESS w1\ncall dpc DISPATCH init -> SUCCESS w2\n"
     "call dpc DISPATCH queue w1 cb1 null -> SUCCESS\ncall dpc DISPATCH queue w2 cb1 null -> SUCCESS\n"
     "start sys0 w1 cb1 null\nstart sys0 w2 cb1 null\n", 7, "while it runs the callback of w1"),
    ("call dpc DISPATCH init -> SUCCESS w1\nreturn sys0 w1\n", 3, "runs no callback"),
    ("remove end\n", 2, "without a 'remove begin'"),
    ("remove begin\nremove begin\n", 3, "a second 'remove begin'"),
])
def test_a_trace_a_replay_would_reject_is_bad_input(tmp_path: Path, stork, body: str, line: int,
                                                   words: str) -> None:
    path = write(tmp_path, "t.trace", f"stork-trace 1\n{body}end\n")
    p = stork("check-trace", path)
    assert p.returncode == 2
    assert f"{path}:{line}: " in p.stderr and words in p.stderr


def test_a_missing_file_and_bad_options_are_bad_input(stork, tmp_path: Path) -> None:
    p = stork("check-trace", str(tmp_path / "none.trace"))
    assert p.returncode == 2 and "cannot read" in p.stderr
    assert stork("check-trace", "--jobs", "0", str(LIVENESS)).returncode == 2
    p = stork("check-trace", str(tmp_path))
    assert p.returncode == 2 and "no .trace files" in p.stderr


def test_counterexamples_from_verify(stork, tmp_path: Path) -> None:
    """A miniport's counterexample conforms (with its WI-M note); a faulty runtime's does not."""
    for design, extra in (("double_free", []), ("runtime_drop_requeue", []),
                          ("runtime_overlap", ["-D", "NTHREADS=2", "--property", "callback_once"])):
        p = stork("verify", str(ROOT / "model" / "designs" / f"{design}.pml"), "--out",
                  str(tmp_path), *extra)
        assert p.returncode == 1, p.stderr
    r = ct.check(str(tmp_path / "double_free.no_double_free.trace"))
    assert r.verdict == ct.CONFORMS
    assert [n.rules for n in r.notes] == [("WI-M2",)]
    r = ct.check(str(tmp_path / "runtime_drop_requeue.callback_once.trace"))
    assert r.verdict == ct.REJECTED and r.failure.rules == ("WI-R2",) and r.failure.event == "end"
    r = ct.check(str(tmp_path / "runtime_drop_requeue.callback_eventually.trace"))
    assert r.verdict == ct.REJECTED and r.failure.rules == ("WI-C5",) and r.failure.event == "loop"
    r = ct.check(str(tmp_path / "runtime_overlap.callback_once.trace"))
    assert r.verdict == ct.REJECTED and r.failure.rules == ("WI-C4",)
    assert r.failure.event.startswith("start ")


def test_status_counterexamples_show_the_faulty_answer_and_are_rejected(stork, tmp_path: Path) -> None:
    """A status the contract does not allow is written as the runtime's answer, not the set."""
    for design in ("runtime_free_queued", "runtime_ignore_removal"):
        p = stork("verify", str(ROOT / "model" / "designs" / f"{design}.pml"), "--out",
                  str(tmp_path), "--property", "status_conforms")
        assert p.returncode == 1, p.stderr
    r = ct.check(str(tmp_path / "runtime_free_queued.status_conforms.trace"))
    assert r.verdict == ct.REJECTED and "WI-F2" in r.failure.rules
    assert r.failure.event.endswith("free w1 -> SUCCESS")
    r = ct.check(str(tmp_path / "runtime_ignore_removal.status_conforms.trace"))
    assert r.verdict == ct.REJECTED and "WI-Q4" in r.failure.rules
    assert r.failure.event.endswith("-> SUCCESS")


def test_the_benchmark_runs() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "conformance" / "bench" / "check_trace_bench.py"),
                        "--quick"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "| 3,002 |" in p.stdout and "conforms" in p.stdout


def test_a_folder_stands_for_its_traces(stork) -> None:
    p = stork("check-trace", "--json", str(GOLDEN / "rejected"))
    assert p.returncode == 1, p.stderr
    traces = json.loads(p.stdout)["traces"]
    assert len(traces) == len(rejected_traces())
    assert {t["verdict"] for t in traces} == {"rejected"}


def test_a_spin_run_past_the_time_limit_is_incomplete(stork) -> None:
    p = stork("check-trace", "--timeout", "0.001", str(HARNESS_TRACES / "many_workers.trace"))
    assert p.returncode == 3
    assert "took more than 0.001 s" in p.stderr and "incomplete" in p.stderr


def test_a_timeout_ends_what_spin_started_too(tmp_path: Path) -> None:
    """spin -T runs the preprocessor as a child: a timeout that killed spin alone left it
    writing into the folder being removed (an internal error, exit 4, in about one run of four
    on CI's loaded machine). Here a spin whose child outlives it by 0.5 s: it must be gone."""
    real = shutil.which("spin")
    fake = tmp_path / "bin" / "spin"
    fake.parent.mkdir()
    alive = tmp_path / "child-still-ran"
    fake.write_text(f"""#!/bin/sh
case " $* " in
  *" -T "*) (sleep 0.5; touch {alive}) & sleep 30 ;;
  *) exec {real} "$@" ;;
esac
""")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake.parent}:{os.environ['PATH']}", PYTHONPATH=str(ROOT / "conformance"))
    p = subprocess.run(stork_command() + ["check-trace", "--timeout", "0.2",
                                          str(HARNESS_TRACES / "many_workers.trace")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 3, p.stderr
    time.sleep(0.8)
    assert not alive.exists()


def test_a_driver_the_fast_preprocessor_refuses_is_preprocessed_by_gcc(monkeypatch) -> None:
    """spin -T gets tcc's preprocessor (spin.FAST_CPP) where it is installed; one that fails
    leaves the run to spin's own, gcc's, with the same verdict and findings (a whole corpus
    compared line by line, but the seconds, 2026-12-08: the text traces and the k = 3 pack)."""
    files = sorted((GOLDEN / "valid").glob("*.trace"))[:3] + [LIVENESS] + \
        sorted((GOLDEN / "rejected").glob("*.trace"))[:3]
    first = [ct.check(str(f)) for f in files]
    monkeypatch.setattr(spin, "FAST_CPP", ["false"])      # a preprocessor that refuses all
    again = [ct.check(str(f)) for f in files]
    for a, b in zip(first, again):
        assert (a.verdict, a.failure, a.notes) == (b.verdict, b.failure, b.notes), a.path
    assert {r.verdict for r in first} >= {ct.CONFORMS, ct.REJECTED}


def test_allowed_py_mirrors_the_model_on_every_call() -> None:
    """stork.allowed (used by coverage) against the sets SPIN's monitor computed."""
    compared = 0
    for f in valid_traces() + [LIVENESS]:
        r = ct.check(str(f))
        for st in lifecycle.walk(trace.load(str(f))).steps:
            ev = st.event
            if ev.kind != "call":
                continue
            dirql = ev.irql == "DIRQL"
            if ev.api == "init":
                mine = allowed.init(dirql, st.after_fail_alloc)
            elif ev.api == "queue":
                mine = allowed.queue(st.state, dirql, st.removing, ev.handle, ev.routine)
            else:
                mine = allowed.free(st.state, dirql, ev.handle)
            assert set(mine) == set(r.allowed[ev.line]), (str(f), ev.line)
            compared += 1
    assert compared > 150


def test_the_leak_note_names_the_workers_never_freed(tmp_path: Path) -> None:
    r = ct.check(write(tmp_path, "leak.trace", "stork-trace 1\n"
                       "call dpc DISPATCH init -> SUCCESS w1\ncall dpc DISPATCH init -> SUCCESS w2\n"
                       "call dpc DISPATCH init -> SUCCESS w3\ncall dpc DISPATCH free w2 -> SUCCESS\nend\n"))
    assert r.verdict == ct.CONFORMS
    assert [(n.line, n.rules) for n in r.notes] == [(6, ("WI-M7",))]
    assert r.notes[0].explanation.startswith("w1, w3 never freed.")


def test_a_callback_running_all_the_way_round_a_loop_is_a_hang_not_a_starved_queue(tmp_path: Path) -> None:
    head = ("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\ncall dpc DISPATCH init -> SUCCESS w2\n"
            "call dpc DISPATCH queue w1 cb1 null -> SUCCESS\ncall dpc DISPATCH queue w2 cb1 null -> SUCCESS\n"
            "start sys0 w1 cb1 null\n")
    r = ct.check(write(tmp_path, "hang.trace", head + "loop\nend\n"))
    assert r.verdict == ct.CONFORMS
    assert [(n.line, n.rules, n.prop) for n in r.notes] == [(7, ("WI-M9",), "terminates")]
    # with a second system thread known to be free, w2 starves: the runtime's fault
    r = ct.check(write(tmp_path, "starve.trace", head + "start sys1 w2 cb1 null\nreturn sys1 w2\n"
                       "call dpc DISPATCH queue w2 cb1 null -> SUCCESS\nloop\nend\n"))
    assert r.verdict == ct.REJECTED and r.failure.rules == ("WI-C5",)


def test_a_loop_check_shows_the_cycle_it_followed() -> None:
    r = ct.check(str(GOLDEN / "rejected" / "loop_callback_starves.trace"))
    assert [n for n, _ in r.before] == [9, 10, 11]


def test_hex_statuses_version_2() -> None:
    """A hex STOR_STATUS value is that status; any other value is one no rule allows."""
    v2 = in_testdata("version2")
    assert ct.check(str(v2 / "hex_named.trace")).verdict == ct.CONFORMS
    r = ct.check(str(v2 / "hex_unnamed.trace"))
    assert r.verdict == ct.REJECTED and r.failure is not None and r.failure.line == 3
    assert "0xC0000002|0xC000009A" in r.failure.explanation
