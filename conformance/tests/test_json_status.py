"""Every command's --json output gives its exit status under one key, `exit_status`, the same
number the command exits with."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from stork.paths import in_testdata

TRACES = ROOT / "conformance" / "traces"
REJECTED = sorted(in_testdata("golden", "rejected").glob("*.trace"))[0]
DESIGN = ROOT / "model" / "designs" / "oneshot_free_in_callback.pml"


@pytest.mark.parametrize("args", [
    ["check-trace", "--json", str(TRACES / "goals")],
    ["check-trace", "--json", str(REJECTED)],
    ["coverage", "--json", str(TRACES)],
    ["mutate", "--json"],
    ["verify", "--json", "--property", "no_leak", str(DESIGN)],
], ids=["check-trace", "check-trace-rejected", "coverage", "mutate", "verify"])
def test_exit_status_key(stork, args):
    r = stork(*args)
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["exit_status"] == r.returncode
    if "rejected" in str(args[-1]):
        assert r.returncode == 1
