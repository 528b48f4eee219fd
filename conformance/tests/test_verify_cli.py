"""`stork verify`: exit statuses, messages, incomplete searches and counterexample traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stork import trace

# Shared tail of the small designs below: a DPC queues the worker kept in gw, the remove
# handler frees it without draining.
DPC_AND_REMOVE = """proctype Dpc() {
    byte st;
    if
    :: gw != 0 -> StorPortQueueWorkItem(CTX_DPC, DISPATCH_LEVEL, 1, gw, 0, st)
    :: else
    fi
}
inline HW_START() { run Dpc() }
inline HW_REMOVE() {
    if
    :: gw != 0 -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}
#include "lifecycle.pml"
"""

# A small design with one defect: the remove handler frees the worker its callback freed.
DOUBLE_FREE = """/*
 * expect: VIOLATED no_double_free no_free_while_running
 */
#include "storport.pml"
byte gw;
inline HW_WORKITEM(tid, cb, w, cx) { StorPortFreeWorker(CTX_SYS + tid, PASSIVE_LEVEL, w, st) }
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
""" + DPC_AND_REMOVE

ONESHOT = "model/designs/oneshot_free_in_callback.pml"


@pytest.fixture
def double_free(tmp_path: Path) -> Path:
    p = tmp_path / "double_free.pml"
    p.write_text(DOUBLE_FREE)
    return p


def test_good_design_holds_exit_0(stork) -> None:
    r = stork("verify", ONESHOT)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("  ")]
    from stork.properties import all_properties
    checked = [p for p in all_properties() if p.kind != "design"]   # the design asserts nothing
    assert len(lines) == len(checked) and all(" holds " in ln for ln in lines)


def test_violation_exit_1_with_readable_counterexample(stork, double_free: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = stork("verify", str(double_free), "--out", str(out))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "no_double_free             VIOLATED" in r.stdout
    assert "counterexample for no_double_free (WI-M2, WI-F3)" in r.stdout
    assert "call teardown PASSIVE free w1 -> UNSUCCESSFUL" in r.stdout
    saved = out / "double_free.no_double_free.trace"
    t = trace.load(saved)                       # the counterexample parses back
    assert t.meta_value("property").startswith("no_double_free WI-M2")
    assert t.events[-1].text() == "call teardown PASSIVE free w1 -> UNSUCCESSFUL"
    assert (out / "double_free.no_double_free.trail").exists()


def test_property_selection_and_json(stork, double_free: Path) -> None:
    r = stork("verify", str(double_free), "--property", "no_leak", "--property", "no_double_free", "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    verdicts = {p["name"]: p["verdict"] for p in doc["properties"]}
    assert verdicts == {"no_double_free": "VIOLATED", "no_leak": "holds"}
    trace.parse(next(p["trace"] for p in doc["properties"] if p["verdict"] == "VIOLATED"))


def test_bounds_from_command_line_reach_the_model(stork) -> None:
    r = stork("verify", ONESHOT, "-D", "MAXW=3", "-D", "NTHREADS=2", "--json")
    assert r.returncode == 0
    small = json.loads(stork("verify", ONESHOT, "--json").stdout)
    big = json.loads(r.stdout)
    assert big["properties"][0]["states"] > small["properties"][0]["states"]


def test_missing_file_exit_2(stork) -> None:
    r = stork("verify", "no/such/design.pml")
    assert r.returncode == 2
    assert "no such design file: no/such/design.pml" in r.stderr
    assert "Traceback" not in r.stderr


def test_syntax_error_exit_2_with_file_and_line(stork, tmp_path: Path) -> None:
    p = tmp_path / "broken.pml"
    p.write_text(DOUBLE_FREE.replace("byte gw;", "byte gw;\nproctype X() { gw = = 1 }"))
    r = stork("verify", str(p))
    assert r.returncode == 2
    assert "broken.pml:6:" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_half_duplex_is_refused_under_neptune_whose_start_fails(stork) -> None:
    # ENV-H5, as the audit's drv_start: NeptuneOS runs nothing of a half-duplex adapter
    design = "model/designs/half_duplex_startio_excludes_isr.pml"
    r = stork("verify", design, "--host", "neptune")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "HW_HALF_DUPLEX under --host neptune: NeptuneOS fails the start" in r.stderr, r.stderr
    assert "ENV-H5" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert stork("verify", design).returncode == 0
    # named where the design sets it, the model's check after it
    root = Path(__file__).resolve().parents[2]
    line = next(n for n, ln in enumerate((root / design).read_text().splitlines(), 1)
                if ln.startswith("#define HW_HALF_DUPLEX"))
    assert f"{design}:{line}: #error" in r.stderr and "(model/lifecycle.pml:" in r.stderr, r.stderr


def test_a_model_check_on_a_bound_names_the_define_that_sets_it(stork, tmp_path: Path) -> None:
    # lifecycle.pml's #error lines refuse a design's configuration: each is put where the design
    # or the command line sets the macro it names, not at the model's own line alone
    p = tmp_path / "virtual_buildio.pml"
    p.write_text("#define HW_VIRTUAL 1\n#define HW_BUILDIO 1\n#include \"lifecycle.pml\"\n")
    r = stork("verify", str(p))
    assert r.returncode == 2 and f"{p}:2: #error \"HW_BUILDIO with HW_VIRTUAL" in r.stderr, r.stderr
    # in a file of the design's own that it includes, a commented-out define not taken for it
    (tmp_path / "roles.pml").write_text("/* #define HW_BUILDIO 1 */\n#define HW_VIRTUAL 1\n"
                                        "#define HW_BUILDIO 1\n")
    q = tmp_path / "includes_roles.pml"
    q.write_text('#include "roles.pml"\n#include "lifecycle.pml"\n')
    r = stork("verify", str(q))
    assert r.returncode == 2 and f"{tmp_path / 'roles.pml'}:3: #error" in r.stderr, r.stderr
    r = stork("verify", "model/designs/startio_hands_request_to_worker.pml", "-D", "MAXSRB=9")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("stork verify: -D MAXSRB=9: #error \"MAXSRB is at most 8\""), r.stderr
    # a design's own #error, on a default it gives (#ifndef) that a -D overrides: at the -D,
    # and the design's line, not the model's
    r = stork("verify", "model/designs/oneshot_free_in_callback.pml", "-D", "ROLES=1",
              "-D", "NCALLERS=3")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("stork verify: -D NCALLERS=3: #error"), r.stderr
    assert "(model/designs/oneshot_free_in_callback.pml:" in r.stderr, r.stderr


def test_missing_include_exit_2(stork, tmp_path: Path) -> None:
    p = tmp_path / "noinc.pml"
    p.write_text('#include "nothere.pml"\n')
    r = stork("verify", str(p))
    assert r.returncode == 2
    assert "noinc.pml:1:" in r.stderr and "nothere.pml" in r.stderr


# A design with a global NAME: a worker freed by the remove handler, which reads NAME first
# (READ) or not at all; the callback sets NAME.
def _named_global(decl: str, read: bool) -> str:
    name = decl.split()[-1]
    guard = f"{name} || gw != 0" if read else "gw != 0"
    return f"""#include "storport.pml"
byte gw;
{decl};
inline HW_WORKITEM(tid, cb, w, cx) {{ {name} = 1 }}
inline HW_FIND_ADAPTER() {{ StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }}
inline HW_START() {{ skip }}
inline HW_REMOVE() {{
    if
    :: {guard} -> StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)
    :: else
    fi
}}
#include "lifecycle.pml"
"""


@pytest.mark.parametrize("host", ["windows", "neptune"])
@pytest.mark.parametrize("name", ["done", "have"])
def test_global_named_as_pan_c_s_own_is_verified_on_every_host(stork, tmp_path: Path, host: str,
                                                               name: str) -> None:
    """pan.c has globals `done` and `have`; a design's global of that name is in pan's state
    vector (now.done) while something reads it. Under NeptuneOS only the remove handler, which
    that host never calls, read it: it stays read there (lifecycle.pml StorkHostNeverCalls)."""
    p = tmp_path / "named.pml"
    p.write_text(_named_global(f"bit {name}", read=True))
    r = stork("verify", str(p), "--host", host)
    assert r.returncode in (0, 1), r.stderr
    assert "no_double_free             holds" in r.stdout
    assert "compiling pan" not in r.stderr
    assert f"{p.name}:9:" not in r.stdout     # the remove handler's line: no "unreached" warning


@pytest.mark.parametrize("host", ["windows", "neptune"])
@pytest.mark.parametrize("decl", ["bit done", "bit have", "int trcnt", "bit settable",
                                  "hidden byte done"])
def test_hidden_global_named_as_pan_c_s_own_is_refused_at_its_line(stork, tmp_path: Path,
                                                                   host: str, decl: str) -> None:
    """A global never read (or declared hidden) is a C variable of pan.c under its own name:
    `done` and `have` do not compile beside pan.c's, `settable` beside pan.t's function,
    `int trcnt` compiles and is pan's own trail counter. Refused at its declaration (line 3),
    naming it, on every host."""
    p = tmp_path / "named.pml"
    p.write_text(_named_global(decl, read=decl.startswith("hidden")))
    r = stork("verify", str(p), "--host", host)
    name = decl.split()[-1]
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith(f"stork verify: {p}:3: global '{name}' is never read"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_pan_that_does_not_compile_is_the_design_s_only_for_its_embedded_c(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """Exit 2, one line, when the design embeds C (its c_decl does not compile); a pan.c of a
    design without C that does not compile is stork's own bug: exit 4, one line."""
    from stork import cli
    from stork import verify as verify_module
    from stork.spin import PanCompileError
    p = tmp_path / "c.pml"
    p.write_text(DOUBLE_FREE.replace("byte gw;", "byte gw;\nc_decl { int my_x = ; }"))
    assert cli.main(["verify", str(p), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"stork verify: {p}: its C: compiling pan failed: pan.h:"), err
    assert len(err.strip().splitlines()) == 1, err
    assert cli.main(["verify", str(p), "--no-cache", "--sweep", "30"]) == 2     # the same
    err = capsys.readouterr().err
    assert err.startswith(f"stork verify: {p}: its C: compiling pan failed: pan.h:"), err
    assert len(err.strip().splitlines()) == 1, err

    def broken(*args, **kwargs):
        raise PanCompileError("compiling pan failed: pan.c:1: error: made up")
    monkeypatch.setattr(verify_module, "compile_pan", broken)
    p.write_text(DOUBLE_FREE)
    assert cli.main(["verify", str(p), "--no-cache"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("stork: internal error: PanCompileError: compiling pan failed: "
                          "pan.c:1: error: made up"), err
    assert len(err.strip().splitlines()) == 1, err
    assert cli.main(["verify", str(p), "--no-cache", "--sweep", "30"]) == 4
    assert capsys.readouterr().err.startswith("stork: internal error: PanCompileError:")


@pytest.mark.parametrize("args", [["-D", "MAXW"], ["-D", "A B"], ["--property", "nope"], ["--depth", "0"]])
def test_bad_arguments_exit_2(stork, args: list[str]) -> None:
    r = stork("verify", ONESHOT, *args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args, reason", [
    (["--depth", "12"], "depth limit reached"),
    (["--compress", "HC4"], "hash-compaction"),
    (["--compress", "BITSTATE"], "bitstate"),
    (["-D", "NCALLERS=3", "--memory", "1"], "memory limit reached"),
    (["-D", "MAXW=3", "-D", "NTHREADS=2", "--time-limit", "0.001"], "time limit reached"),
])
def test_search_cut_short_is_incomplete_never_holds(stork, args: list[str], reason: str) -> None:
    r = stork("verify", ONESHOT, *args)
    assert r.returncode == 3, r.stdout + r.stderr
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("  ")]
    assert rows and all(" incomplete " in ln for ln in rows), r.stdout
    assert reason in r.stdout
    assert not any(" holds " in ln for ln in rows)


def test_violation_found_in_cut_short_search_is_still_violated(stork, double_free: Path) -> None:
    r = stork("verify", str(double_free), "--compress", "BITSTATE", "--property", "no_double_free")
    assert r.returncode == 1
    assert "VIOLATED" in r.stdout


# The runtime drops a re-queue from inside the callback; the only way the monitor's "queued"
# ends is the remove handler's free. So callback_eventually holds exactly when the liveness
# run reaches the remove handler: a regression test for the never claim being counted in
# _nr_pr, which once kept removal from ever starting in the liveness run.
LIVENESS_REACHES_REMOVAL = """#define FAULT_DROP_REQUEUE 1
#include "storport.pml"
byte gw;
bit again;
inline HW_WORKITEM(tid, cb, w, cx) {
    if
    :: !again -> again = 1; StorPortQueueWorkItem(CTX_SYS + tid, PASSIVE_LEVEL, 1, w, 0, st)
    :: else
    fi
}
inline HW_FIND_ADAPTER() { StorPortInitializeWorker(CTX_FINDADAPTER, PASSIVE_LEVEL, gw, st) }
""" + DPC_AND_REMOVE


def test_liveness_run_reaches_the_remove_handler(stork, tmp_path: Path) -> None:
    p = tmp_path / "reach.pml"
    p.write_text(LIVENESS_REACHES_REMOVAL)
    r = stork("verify", str(p), "--property", "callback_eventually")
    assert r.returncode == 0, r.stdout
    p.write_text(LIVENESS_REACHES_REMOVAL.replace(
        "StorPortFreeWorker(CTX_REMOVE, PASSIVE_LEVEL, gw, st)", "skip"))
    r = stork("verify", str(p), "--property", "callback_eventually")
    assert r.returncode == 1, r.stdout
    assert "loop" in r.stdout


def test_liveness_with_many_processes_is_decided(stork) -> None:
    """pan's default weak-fairness bookkeeping stops at 6 processes; stork sizes it."""
    r = stork("verify", ONESHOT, "-D", "NTHREADS=4", "-D", "NCALLERS=3", "--property", "callback_eventually")
    assert r.returncode == 0, r.stdout


def test_pan_stopping_early_is_incomplete_with_its_reason(tmp_path: Path) -> None:
    from stork.spin import parse_report
    res = parse_report("pan: error: too many processes -- current max is 6 procs (-DNFAIR=2)\n"
                       "\trecompile with -DNFAIR=3\n", 0.01, tmp_path, False)
    assert not res.complete
    assert res.incomplete_reason == "pan stopped: too many processes -- current max is 6 procs (-DNFAIR=2)"
