"""Shared helpers: run the real `stork` command (the build's wrapper when ctest runs us)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]
ROOT = CONFORMANCE.parent
sys.path.insert(0, str(CONFORMANCE))


def stork_command() -> list[str]:
    build = os.environ.get("STORK_BUILD_DIR")
    if build and (Path(build) / "stork").exists():
        return [str(Path(build) / "stork")]
    return ["/usr/bin/python3", "-m", "stork"]


def run_stork(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(CONFORMANCE)
    return subprocess.run(stork_command() + list(args), capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=timeout)


@pytest.fixture
def stork():
    return run_stork
