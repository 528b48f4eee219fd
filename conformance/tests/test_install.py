"""`cmake --install` gives a working `stork` at any prefix."""

from __future__ import annotations

import os
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
    assert "goal-directed: 22/22 killed" in r.stdout
