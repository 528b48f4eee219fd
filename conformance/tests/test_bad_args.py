"""Bad arguments to the commands: exit 2 with one line, never a traceback or a usage block."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from stork.paths import in_testdata

TRACES = ROOT / "conformance" / "traces"
OK_TRACE = in_testdata("golden", "valid", "allowed_sets.trace")
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
needs_harness = pytest.mark.skipif(not (LIBEXEC / "stork-replay").exists(),
                                   reason="C harness not built (stork-replay missing)")


def one_line(r: subprocess.CompletedProcess, starts: str = "stork") -> str:
    assert r.returncode == 2, (r.stdout or "") + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(starts) and "Traceback" not in r.stderr
    return lines[0]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e300", "86401"])
def test_check_trace_timeout_not_a_positive_finite_number(stork, value):
    assert "--timeout" in one_line(stork("check-trace", "--timeout", value, str(OK_TRACE)))


@pytest.mark.parametrize("value", ["0", "-1"])
def test_check_trace_jobs(stork, value):
    assert "--jobs" in one_line(stork("check-trace", "--jobs", value, str(OK_TRACE)))


@needs_harness
@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "0", "-2"])
def test_replay_timeout_not_a_positive_finite_number(stork, value):
    line = one_line(stork("replay", "--impl", "reference", "--timeout", value, str(OK_TRACE)))
    assert line.startswith("stork replay: --timeout")


@needs_harness
def test_replay_folder_without_traces(stork, tmp_path):
    one_line(stork("replay", "--impl", "reference", str(tmp_path)), "stork-replay: no trace")


@needs_harness
def test_stork_replay_program_bad_option_is_one_line():
    r = subprocess.run([str(LIBEXEC / "stork-replay"), "--impl", "x.so", "--timeout", "nan",
                        str(OK_TRACE)], capture_output=True, text=True, timeout=60)
    assert "--timeout" in one_line(r, "stork-replay:")
    r = subprocess.run([str(LIBEXEC / "stork-replay"), "--bogus"], capture_output=True,
                       text=True, timeout=60)
    assert "stork-replay --help" in one_line(r, "stork-replay:")


@pytest.mark.parametrize("args", [
    ["check-trace", "--jobs", "x", "t.trace"],
    ["coverage"],
    ["gen"],
    ["nosuchcommand"],
    ["verify", "--bogus", "x.pml"],
])
def test_argument_errors_are_one_line(stork, args):
    line = one_line(stork(*args))
    assert "--help" in line


def test_coverage_not_utf8(stork, tmp_path):
    bad = tmp_path / "bad.trace"
    bad.write_bytes(b"stork-trace 1\n\xff\xfe\nend\n")
    assert one_line(stork("coverage", str(bad))) == (
        f"stork coverage: {bad}:2: not UTF-8 text (invalid start byte)")


@pytest.mark.parametrize("command", ["coverage", "check-trace"])
def test_missing_path_and_empty_folder(stork, tmp_path, command):
    assert "no such file or folder" in one_line(stork(command, str(tmp_path / "none.trace")))
    assert "no .trace files" in one_line(stork(command, str(tmp_path)))


def test_coverage_folder_named_like_a_trace_is_a_folder(stork, tmp_path):
    # as stork-replay takes it: searched, not read as a trace
    (tmp_path / "x.trace").mkdir()
    assert "no .trace files" in one_line(stork("coverage", str(tmp_path)))
    (tmp_path / "x.trace" / "ok.trace").write_bytes(OK_TRACE.read_bytes())
    assert stork("coverage", str(tmp_path)).returncode == 0


def test_mutate_corpus_is_a_file(stork):
    assert "no such folder" in one_line(stork("mutate", str(OK_TRACE)))


def test_gen_out_is_a_file(stork):
    assert "cannot create" in one_line(stork("gen", "--out", str(OK_TRACE)))


@pytest.mark.parametrize("opt", ["--ops", "--maxw", "--nthreads", "--walks", "--seed", "--k3-ops"])
def test_gen_negative_numbers(stork, tmp_path, opt):
    one_line(stork("gen", "--out", str(tmp_path / "c"), opt, "-1"))
    assert not (tmp_path / "c").exists()


def run_to(stdout_path: str, args: list[str]) -> subprocess.CompletedProcess:
    from conftest import CONFORMANCE, stork_command
    env = dict(os.environ)
    env["PYTHONPATH"] = str(CONFORMANCE)
    with open(stdout_path, "w") as out:     # opened for writing, never replaced
        return subprocess.run(stork_command() + args, stdout=out, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize("args", [
    ["coverage", str(TRACES)],
    ["coverage", "--json", str(TRACES)],
    ["check-trace", str(TRACES / "goals")],
    ["mutate", "--json"],
    ["--help"],
    ["check-trace", "--help"],
    pytest.param(["replay", "--impl", "reference", str(TRACES)], marks=needs_harness),
    pytest.param(["pack", "{tmp}/x.pack", str(TRACES)], marks=needs_harness),
], ids=["coverage", "coverage-json", "check-trace", "mutate", "help", "check-trace-help",
        "replay", "pack"])
def test_stdout_write_error_is_bad_input(args, tmp_path):
    """`stork ... > /dev/full`: exit 2, one line saying the output could not be written."""
    r = run_to("/dev/full", [a.replace("{tmp}", str(tmp_path)) for a in args])
    line = one_line(r)
    assert "cannot write" in line and "No space left on device" in line, line


def test_check_trace_malformed_trace_is_one_line(stork, tmp_path):
    bad = tmp_path / "bad.trace"
    bad.write_bytes(b"stork-trace 1\n\xff\xfe\nend\n")
    assert one_line(stork("check-trace", str(bad)), str(bad)) == (
        f"{bad}:2: not UTF-8 text (invalid start byte); bad input: not checked")


@pytest.mark.parametrize("args", [
    ["coverage", ""],
    ["check-trace", ""],
    ["coverage", str(OK_TRACE), ""],
    ["mutate", ""],
    ["gen", "--out", ""],
    pytest.param(["replay", "--impl", "", str(OK_TRACE)], marks=needs_harness),
], ids=["coverage", "check-trace", "coverage-second", "mutate", "gen", "replay-impl"])
def test_empty_path_is_not_the_current_folder(stork, tmp_path, args):
    """An empty argument names nothing; it is not taken for '.' (gen would write its corpus
    into the current folder, coverage search it)."""
    (tmp_path / "goals").mkdir()
    (tmp_path / "random").mkdir()
    (tmp_path / "goals" / "a.trace").write_text(OK_TRACE.read_text())
    (tmp_path / "random" / "a.trace").write_text(OK_TRACE.read_text())
    r = stork(*args, cwd=tmp_path)
    assert "empty" in one_line(r)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["goals", "random"]


def test_stdout_closed_is_bad_input(tmp_path):
    """`stork coverage ... >&-`: stdout is not there at all; exit 2, one line."""
    from conftest import CONFORMANCE, stork_command
    env = dict(os.environ)
    env["PYTHONPATH"] = str(CONFORMANCE)
    r = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *stork_command(), "coverage",
                        str(TRACES)], capture_output=True, text=True, env=env, timeout=120)
    assert one_line(r) == "stork: cannot write the output: stdout is closed"
