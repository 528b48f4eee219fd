"""`cmake --install` gives a working `stork` at any prefix."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def installed(tmp_path: Path):
    """Install into tmp_path; a function running the installed stork with a clean environment."""
    build = os.environ.get("STORK_BUILD_DIR")
    if not build:
        pytest.skip("runs under ctest, which names the build directory")
    subprocess.run(["cmake", "--install", build, "--prefix", str(tmp_path)], check=True,
                   capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STORK_LIBEXEC_DIR")}

    def stork(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(tmp_path / "bin" / "stork"), *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path)
    return stork


def test_installed_stork_verifies_a_design(installed, tmp_path: Path) -> None:
    design = tmp_path / "share" / "stork" / "model" / "designs" / "oneshot_free_in_callback.pml"
    r = installed("verify", str(design), "--property", "no_leak")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no_leak" in r.stdout and "holds" in r.stdout


def test_installed_stork_mutates_with_the_installed_corpus(installed) -> None:
    r = installed("mutate")
    assert r.returncode == 0, r.stdout + r.stderr
    # every mutant killed by the goal-directed corpus (its k = 3 pack installed too)
    assert re.search(r"^reference: goals \d+ passed, 0 failed; k3 \d+ passed, 0 failed", r.stdout, re.M)
    assert re.search(r"^goal-directed with the k = 3 part: (\d+)/\1 killed", r.stdout, re.M)
    assert "SURVIVED:" not in r.stdout


def test_installed_stork_runs_the_main_job(installed) -> None:
    """`stork demo` from an install: designs, corpus, mutants and case-study audits all found."""
    r = installed("demo")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    m = re.search(r"^(\d+) designs and (\d+) under another host, (\d+) as expected, 0 not",
                  r.stdout, re.M)
    assert m and int(m[1]) + int(m[2]) == int(m[3]) and int(m[2]) >= 1, r.stdout[:3000]
    assert "identical to the shipped corpus" in r.stdout
    assert re.search(r"^  (\d+) scenarios, \1 as expected", r.stdout, re.M)
