"""The last resort in stork.cli: no traceback escapes a command; a closed pipe on stdout ends
a command quietly; SIGTERM cleans up the /tmp/stork-* work folders as SIGINT does."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import CONFORMANCE, ROOT, stork_command
from stork import cli, exitcodes
from stork.paths import in_testdata

TRACES = ROOT / "conformance" / "traces"
# A design whose pan never ends (embedded C that loops): verify is surely still running when
# the signal comes, however fast the compiler (tcc verifies a shipped design in 0.3 s).
DESIGN = in_testdata("adversarial_designs", "incomplete_c_code_loop.pml")
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))


def test_unexpected_exception_is_one_line_and_status_4(monkeypatch, capsys):
    def boom(args):
        raise ValueError("something stork did not expect")
    from stork.commands import coverage
    monkeypatch.setattr(coverage, "run", boom)
    assert cli.main(["coverage", str(TRACES)]) == exitcodes.INTERNAL_ERROR == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("stork: internal error: ValueError: something stork did not expect")
    assert "report" in err[0]


def test_exit_statuses_in_top_level_help(stork):
    r = stork("--help")
    text = " ".join(r.stdout.split())
    from stork import exitcodes
    for word in ("0 all hold/pass", "1 violated/failed", "2 bad input", "3 incomplete",
                 "4 internal error", "5 vacuous", "130 interrupted", "141", "143 terminated"):
        assert word in text
    codes = {v for k, v in vars(exitcodes).items() if k.isupper() and isinstance(v, int)}
    assert all(f" {c} " in f" {text} " for c in codes), codes


def env_with_tmp(tmp: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(CONFORMANCE)
    env["TMPDIR"] = str(tmp)
    return env


@pytest.mark.parametrize("command", [
    # check-trace writes after it has checked every trace: the 40 random walks, not the
    # corpus's 4,867 runs (a SPIN run each), say the same of the pipe
    ["check-trace", str(TRACES / "random")],
    ["check-trace", "--json", str(TRACES / "random")],
    ["coverage", "--unmet", str(TRACES)],
    ["coverage", "--json", str(TRACES)],
    pytest.param(["replay", "--impl", "reference", "-v", str(TRACES)],
                 marks=pytest.mark.skipif(not (LIBEXEC / "stork-replay").exists(),
                                          reason="C harness not built")),
])
def test_closed_pipe_is_quiet(command, tmp_path):
    """`stork ... | head -1`: no BrokenPipeError, no 'killed by signal', status 141.  The
    reader has gone before stork writes its first byte, so every write meets a closed pipe."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.Popen(stork_command() + command, stdout=w, stderr=subprocess.PIPE,
                             env=env_with_tmp(tmp_path), cwd=ROOT)
    finally:
        os.close(w)
    err = p.communicate(timeout=120)[1].decode()
    assert p.returncode == exitcodes.PIPE_CLOSED == 141, err
    assert err == ""
    assert list(tmp_path.iterdir()) == []


def start_and_wait_for_work_folder(command: list[str], tmp: Path,
                                   timeout: float = 60) -> subprocess.Popen:
    p = subprocess.Popen(stork_command() + command, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env_with_tmp(tmp), cwd=ROOT)
    deadline = time.monotonic() + timeout
    while not list(tmp.glob("stork-*")):
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline, "no stork-* work folder appeared"
        time.sleep(0.05)
    time.sleep(0.3)                     # let it get going inside the folder
    return p


@pytest.mark.parametrize("command", [
    ["verify", str(DESIGN)],
    ["gen", "--out", "{out}"],
], ids=["verify", "gen"])
def test_sigterm_cleans_up_work_folders(command, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    command = [c.replace("{out}", str(tmp_path / "corpus")) for c in command]
    p = start_and_wait_for_work_folder(command, tmp)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    assert p.returncode == exitcodes.TERMINATED == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == "stork: terminated"
    assert "Traceback" not in err
    assert list(tmp.glob("stork-*")) == []


def test_sigint_still_cleans_up(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    p = start_and_wait_for_work_folder(["verify", str(DESIGN)], tmp)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == exitcodes.INTERRUPTED == 130, err
    assert "Traceback" not in err
    assert list(tmp.glob("stork-*")) == []


def test_main_in_process_leaves_sigterm_as_it_was(capsys):
    before = signal.getsignal(signal.SIGTERM)
    cli.main(["coverage", str(TRACES)])
    assert signal.getsignal(signal.SIGTERM) is before
