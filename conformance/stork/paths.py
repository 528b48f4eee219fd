"""Where stork's own files are, in a source tree or an installed copy (same layout)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "model"
DESIGNS_DIR = MODEL_DIR / "designs"
SPEC_DIR = ROOT / "spec"


def libexec_dir() -> Path:
    """Where the C programs are: set by the `stork` wrapper (build tree or install)."""
    env = os.environ.get("STORK_LIBEXEC_DIR")
    if env:
        return Path(env)
    return ROOT / "build" / "c-harness"


TESTDATA = ROOT / "testdata"


def in_testdata(*parts: str) -> Path:
    """A file or folder under testdata/ (the tests' inputs, testdata/README.md); a missing one,
    or an empty folder, raises at once, so a test fails instead of running on nothing."""
    p = TESTDATA.joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"test data missing: {p}")
    if p.is_dir() and not any(p.iterdir()):
        raise FileNotFoundError(f"test data folder is empty: {p}")
    return p
