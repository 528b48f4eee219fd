"""`stork verify` never says "holds" when it should not: the adversarial designs (one per
loophole found), the header, -D, and every way pan can stop short."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import CONFORMANCE, ROOT, stork_command
from stork.design import read_header
from stork.paths import in_testdata

ADVERSARIAL = in_testdata("adversarial_designs")
STATUS = {"VIOLATED": 1, "refused": 2, "incomplete": 3, "vacuous": 5}


@pytest.mark.parametrize("name", sorted(p.name for p in ADVERSARIAL.glob("*.pml")))
def test_adversarial_design_never_holds(stork, name: str) -> None:
    path = ADVERSARIAL / name
    head = read_header(path)
    assert head.expect_word in STATUS, f"{name}: expect: must be VIOLATED, vacuous, incomplete or refused"
    r = stork("verify", str(path), "--json", "--time-limit", "8")
    assert r.returncode == STATUS[head.expect_word], r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    if head.expect_word == "refused":
        assert f"{name}:{head.expect_line}:" in r.stderr, r.stderr
        return
    doc = json.loads(r.stdout)
    assert doc["expectation"] == {"expected": head.expected_text(), "matches": True}, doc
    assert doc["exit_status"] == r.returncode


def test_header_config_applies_and_expect_is_compared(stork) -> None:
    r = stork("verify", "model/designs/runtime_overlap.pml")      # config: NTHREADS=2
    assert r.returncode == 1, r.stdout
    assert "NTHREADS=2" in r.stdout.splitlines()[0]
    assert "callback_once              VIOLATED" in r.stdout
    assert "header expects: VIOLATED callback_once -> as expected" in r.stdout
    r = stork("verify", "model/designs/runtime_overlap.pml", "-D", "NTHREADS=1")   # -D wins
    assert r.returncode == 0, r.stdout
    assert "header expects: VIOLATED callback_once -> MISMATCH" in r.stdout


@pytest.mark.parametrize("define, message", [
    ("NCALLER=2", "neither the model nor"),
    ("STORK_OFF_no_leak=1", "stork's own switches"),
    ("STORK_VERIFY=0", "stork's own switches"),
])
def test_define_that_is_a_typo_or_rewrites_the_monitor_is_refused(stork, define: str, message: str) -> None:
    r = stork("verify", "model/designs/oneshot_free_in_callback.pml", "-D", define)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_design_assertion_has_counterexample_and_line(stork) -> None:
    r = stork("verify", "model/designs/own_invariant_wrong.pml", "--json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    bad = [p for p in doc["properties"] if p["verdict"] == "VIOLATED"]
    assert [p["name"] for p in bad] == ["design_assertion"]
    assert "# the design's assert at model/designs/own_invariant_wrong.pml:29 fails" in bad[0]["trace"]


def test_own_ltl_is_selectable_and_json_carries_bounds_and_time(stork) -> None:
    path = ADVERSARIAL / "own_ltl_violated.pml"
    r = stork("verify", str(path), "--property", "queued_once", "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and [p["name"] for p in doc["properties"]] == ["queued_once"]
    assert "MAXW=2" in doc["bounds"] and doc["seconds"] > 0


def test_holds_reports_what_it_reached(stork) -> None:
    doc = json.loads(stork("verify", "model/designs/oneshot_free_in_callback.pml", "--json").stdout)
    assert all(p["release_reached"] and p["call_reached"] for p in doc["properties"])


def test_holds_beside_a_livelock_says_what_it_covers(stork) -> None:
    r = stork("verify", str(ADVERSARIAL / "livelock_remove_polls.pml"))
    assert r.returncode == 1
    rows = [ln for ln in r.stdout.splitlines() if " holds " in ln]
    assert rows and all("cover only the runs that reach it" in ln for ln in rows), r.stdout


def test_unreached_design_code_is_a_warning_with_file_and_line(stork) -> None:
    r = stork("verify", str(ADVERSARIAL / "vacuous_end_label_on_wait.pml"))
    assert "warning: testdata/adversarial_designs/vacuous_end_label_on_wait.pml:30: " in r.stdout, r.stdout


@pytest.mark.parametrize("value", ["1e9", "nan", "inf", "-1", "0"])
def test_time_limit_out_of_range_is_bad_input(stork, value: str) -> None:
    r = stork("verify", "model/designs/double_free.pml", "--time-limit", value)
    assert r.returncode == 2 and "--time-limit" in r.stderr and "Traceback" not in r.stderr


def test_out_that_cannot_be_written_is_bad_input(stork, tmp_path: Path) -> None:
    existing = tmp_path / "file"
    existing.write_text("x")
    for out in (str(existing), "/proc/stork-out", "/proc/self/stork"):
        r = stork("verify", "model/designs/double_free.pml", "--out", out)
        assert r.returncode == 2, (out, r.stdout, r.stderr)
        assert "--out" in r.stderr and "Traceback" not in r.stderr
    assert existing.read_text() == "x"


def test_memory_stop_is_not_called_hash_compaction(stork) -> None:
    # A third caller: the search outgrows 1 MB (pan's hash table starts small and grows).
    r = stork("verify", "model/designs/oneshot_free_in_callback.pml", "-D", "NCALLERS=3",
              "--memory", "1")
    assert r.returncode == 3 and "memory limit reached" in r.stdout
    assert "hash-compaction" not in r.stdout


def _pan_child(stork_pid: int, timeout: float = 60) -> int:
    """The pid of the pan that a running `stork verify` started."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            name, ppid = stat.split("(", 1)[1].split(")")[0], int(stat.rsplit(")", 1)[1].split()[1])
            if name == "pan" and ppid == stork_pid:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError("pan never started")


@pytest.mark.parametrize("sig, reason", [(signal.SIGINT, "pan was interrupted"),
                                         (signal.SIGKILL, "pan was killed by signal 9"),
                                         (signal.SIGTERM, "pan was killed by signal 15")])
def test_pan_stopped_by_a_signal_is_incomplete(sig: int, reason: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE))
    design = ADVERSARIAL / "incomplete_c_code_loop.pml"
    cmd = stork_command() + ["verify", str(design), "--property", "no_leak", "--time-limit", "120"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        pan = _pan_child(proc.pid)          # the build's `stork` wrapper execs python
        time.sleep(0.2)
        os.kill(pan, sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 3, out + err
    assert "no_leak                    incomplete" in out and reason in out, out


def test_pan_reports_each_early_stop(tmp_path: Path) -> None:
    from stork.spin import parse_report
    done = "State-vector 64 byte, depth reached 9, errors: 0\n       46 states, stored\n"
    cases = {
        "Interrupted\n\n(Spin Version 6.5.2)\nWarning: Search not completed\n" + done: "pan was interrupted",
        "(Spin Version 6.5.2)\nWarning: Search not completed\n" + done: "search not completed",
        "pan: reached -DMEMLIM bound\n  -DHC # hash-compaction, approximation\n" + done: "memory limit reached",
        "error: max search depth too small\n" + done: "depth limit reached",
        "pan: out of memory\n" + done: "memory limit reached",
    }
    for report, reason in cases.items():
        res = parse_report(report, 0.1, tmp_path, False)
        assert not res.complete and reason in res.incomplete_reason, (report, res.incomplete_reason)
        assert "hash-compaction" not in res.incomplete_reason
    assert not parse_report(done, 0.1, tmp_path, False, returncode=-9).complete
    assert parse_report(done, 0.1, tmp_path, False, returncode=0).complete


@pytest.mark.parametrize("design", ["double_free", "persistent_stop_flag_drain", "runtime_overlap",
                                    "spcnvme_overwritten_handle", "teardown_waits_forever"])
def test_same_verdicts_and_states_whichever_compiler(design: str) -> None:
    from stork.spin import PanOptions
    from stork.suite import shipped_designs
    from stork.verify import verify
    shipped = next(d for d in shipped_designs() if d.name == design)
    runs = [verify(shipped.path, shipped.defines, opts=PanOptions(compiler=c)) for c in ("tcc", "gcc")]
    tcc, gcc = ([(r.prop.name, r.verdict, r.states, r.depth) for r in res.results] for res in runs)
    assert tcc == gcc


def test_counterexample_names_call_sites_and_the_leaked_worker(stork, tmp_path: Path) -> None:
    from stork import trace
    r = stork("verify", "model/designs/spcnvme_fixed.pml", "-D", "DEFECT_EARLY_RETURN=1",
              "--property", "no_leak", "--out", str(tmp_path))
    assert r.returncode == 1
    assert "call dpc DISPATCH queue w1 cb1 null -> SUCCESS     model/designs/spcnvme_fixed.pml:93" in r.stdout
    assert "# w1 leaked: initialised at model/designs/spcnvme_fixed.pml:90, never freed" in r.stdout
    text = (tmp_path / "spcnvme_fixed.no_leak.trace").read_text()
    assert "# at model/designs/spcnvme_fixed.pml:93\ncall dpc DISPATCH queue" in text
    trace.parse(text, "saved")              # the sites are comments: still a valid trace


def test_counterexample_shows_the_design_globals_that_changed(stork) -> None:
    r = stork("verify", "model/designs/double_free.pml")
    lines = r.stdout.splitlines()
    i = next(k for k, ln in enumerate(lines) if "call dpc DISPATCH queue w1 cb1 null -> SUCCESS" in ln)
    assert lines[i + 1].strip() == "design: pending=1"
    assert "design: pending=0 inside=1" in r.stdout


def test_a_permissive_host_reaches_the_code_behind_a_refused_call(stork) -> None:
    design = "model/designs/dirql_init_behind_permissive_host.pml"
    windows = json.loads(stork("verify", design, "--json").stdout)
    neptune = json.loads(stork("verify", design, "--host", "neptune", "--json").stdout)
    bad = lambda doc: sorted(p["name"] for p in doc["properties"] if p["verdict"] == "VIOLATED")
    assert bad(windows) == ["irql"] and bad(neptune) == ["irql", "no_leak"]
    checked = {p["name"] for p in neptune["properties"]}
    assert not checked & {"status_conforms", "callback_once", "no_free_while_queued",
                          "callback_eventually"}               # Windows's runtime's, not the host's
    assert "host=neptune" in neptune["bounds"]


def test_a_variant_is_its_base_with_switches_and_its_own_expectation(stork) -> None:
    from stork.suite import shipped_designs, variants
    names = [d.name for d in shipped_designs()]
    assert "spcnvme_early_return" in names and len(names) == len(set(names))
    assert all(v.path.name == "spcnvme_fixed.pml" for v in variants() if v.name.startswith("spcnvme"))
    r = stork("verify", "model/designs/spcnvme_fixed.pml", "-D", "DEFECT_EARLY_RETURN=1")
    assert r.returncode == 1
    assert "variant spcnvme_early_return expects: VIOLATED no_leak -> as expected" in r.stdout


def test_a_step_of_three_digits_after_a_models_digit_keeps_the_digit() -> None:
    # spin -t -p prints a step as %3d, right after a print with no newline yet: "w1" then
    # "123:" reads "w1123:"; the step is the one that follows the step before it
    from stork.spin import _step_start
    text = "call dpc DISPATCH queue w1123:\tproc"
    start, number = _step_start(text, text.index("1123"), 122)
    assert (text[:start], number) == ("call dpc DISPATCH queue w1", 123)
    text = "# x 1123:\tproc"
    assert _step_start(text, text.index("1123"), 1122) == (text.index("1123"), 1123)
    assert _step_start("  99:\tproc", 0, 98) == (0, 99)


# ---- writes to the model's own variables (issue 15; the refused_writes_* designs above) ----

@pytest.mark.parametrize("text, written", [
    ("stork_claimed = 1", ["stork_claimed"]),
    ("rt_state[w] = W_FREED", ["rt_state"]),
    ("g_issued++; g_issued--", ["g_issued", "g_issued"]),
    ("ch ? g_gone", ["g_gone"]),
    ("ch ?< x, g_gone >", ["g_gone"]),
    ("select(g_issued : 1 .. 2)", ["g_issued"]),
    ("for (g_issued : 1 .. 2) { skip }", ["g_issued"]),
    ("g_gone == 1 -> skip", []),
    ("g_issued <= 2 && g_issued >= 1 && g_gone != 0", []),
    ("ch ? [g_gone]", []),
    ("ch ? eval(g_gone)", []),
    ('printf("g_gone = %d\\n", g_gone)', []),
    ("mine = g_issued", []),
    ("c_code { now.g_gone = 1; now.rt_state[1] += 2; }", ["g_gone", "rt_state"]),
    ("c_code { if (now.g_gone == 1) x = now.g_issued; }", []),
])
def test_write_forms(text: str, written: list[str]) -> None:
    from stork.design import _writes_in
    assert _writes_in(text, {"stork_claimed", "rt_state", "g_issued", "g_gone"}) == written


def test_shipped_designs_and_variants_write_no_model_variable() -> None:
    # they read the model's variables and use the macros that write them (SP_HOLD, the API),
    # which is the model's doing; none is refused
    from stork.design import check_writes, read_header
    from stork.verify import merged_defines
    designs = ROOT / "model" / "designs"
    runs = [(p, read_header(p).config) for p in sorted(designs.glob("*.pml"))]
    for line in (designs / "variants.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            _, base, *defs = line.split("expect:")[0].split()
            runs.append((designs / f"{base}.pml", read_header(designs / f"{base}.pml").config + defs))
    from stork.suite import shipped_designs
    assert len(runs) == len(shipped_designs())     # every one, variants included
    for path, defines in runs:
        check_writes(path, merged_defines([], defines))
