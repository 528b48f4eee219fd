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
