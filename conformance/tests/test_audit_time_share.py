"""--time-limit is shared: when the exhaustive search cannot finish, it stops at 3/4 of the limit
and PCT gets the rest (before, the exhaustive part took the whole limit and PCT never ran,
missing a bug PCT finds in a fraction of a second)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
BUILT = LIBEXEC / "check" / "scenarios"

pytestmark = pytest.mark.skipif(not BUILT.is_dir(), reason="C harness not built (no audit programs)")


def test_pct_runs_after_an_exhaustive_search_the_time_limit_cuts() -> None:
    # unreduced, pct_depth2_race has about 8e15 schedules and the bug in none of the first ones
    r = subprocess.run([str(BUILT / "pct_depth2_race"), "--json", "--no-reduction", "--seed", "1",
                        "--depth", "2", "--max-schedules", "100000000", "--time-limit", "4"],
                       capture_output=True, text=True, timeout=60)
    out = json.loads(r.stdout)
    assert r.returncode == 1, r.stdout
    assert out["exhaustive_timed_out"] and not out["complete"] and out["failing_schedules"] == 0
    assert out["pct_runs"] > 0 and {f["found_by"] for f in out["findings"]} == {"pct"}


def test_exhaustive_only_keeps_the_whole_limit() -> None:
    r = subprocess.run([str(BUILT / "pct_depth2_race"), "--json", "--no-reduction", "--exhaustive",
                        "--max-schedules", "100000000", "--time-limit", "2"],
                       capture_output=True, text=True, timeout=60)
    out = json.loads(r.stdout)
    assert r.returncode == 3 and out["timed_out"] and not out["exhaustive_timed_out"], r.stdout
    assert out["pct_runs"] == 0
