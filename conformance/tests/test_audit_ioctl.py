"""IOCTL SRBs in the audit of a miniport as it is (ENV-E20, `--ioctls N`, `--ioctl SIG:CODE`):
SRB_FUNCTION_IO_CONTROL SRBs whose DataBuffer begins with an SRB_IO_CONTROL reach HwStartIo
with the request obligations of ENV-Q.  Needs the C harness built (ctest sets
STORK_LIBEXEC_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_audit_driver import audit, miniport, rules

ROOT = Path(__file__).resolve().parents[2]
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
SCENARIOS = ROOT / "c-harness" / "check" / "scenarios"

pytestmark = pytest.mark.skipif(not (LIBEXEC / "check").is_dir(), reason="C harness not built")


@pytest.mark.parametrize("args, expected", [
    ((), {"ENV-Q1", "ENV-Q2"}),                           # its audit: --ioctls 1 --ioctl STORKVM:1
    (("--ioctls", "0"), set()),                            # no IOCTL: the defect is not reached
    (("--ioctl", "STORK:0"), set()),                       # an IOCTL it does not know: failed once
    (("--ioctl", "STORKVM:2"), set()),                     # its signature, another code
])
def test_the_ioctl_reaches_hwstartio_with_its_signature_and_code(stork, args: tuple[str, ...],
                                                                 expected: set[str]) -> None:
    rc, out, err = audit(stork, "miniport_ioctl_falls_through", *args)
    assert rules(out) == expected and rc == (1 if expected else 0), (out, err)
    rc, out, err = audit(stork, "miniport_ioctl", *args)
    assert rc == 0 and out["complete"], (out, err)


def test_an_ioctl_never_completed_is_env_q6_and_is_named_as_an_ioctl(stork, tmp_path: Path) -> None:
    start = ("if (Srb->Function == SRB_FUNCTION_IO_CONTROL) return TRUE;\n"
             "    Srb->SrbStatus = SRB_STATUS_SUCCESS;\n"
             "    StorPortNotification(RequestComplete, DeviceExtension, Srb);")
    path = miniport(tmp_path, startio=start)
    rc, out, _ = audit(stork, path)
    assert rc == 0, out  # no IOCTL by default
    rc, out, _ = audit(stork, path, "--ioctls", "2")
    assert rules(out) == {"ENV-Q6"} and rc == 1, out
    assert "ioctl1's" in " ".join(f["message"] for f in out["findings"]), out


def test_an_ioctl_finding_replays_only_with_its_ioctls(stork, tmp_path: Path) -> None:
    r = stork("audit", "miniport_ioctl_falls_through", "--seed", "1", "--out", str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    trace = sorted(tmp_path.glob("*.ENV-Q1.*.trace"))[0]
    assert "IOCTLS=1 IOCTL=STORKVM:1" in trace.read_text()
    again = stork("audit", "--replay", str(trace), "--ioctls", "1", "--ioctl", "STORKVM:1")
    assert again.returncode == 1 and "same run" in again.stdout, again.stdout + again.stderr
    refused = stork("audit", str(SCENARIOS / "miniport_ioctl.c"), "--replay", str(trace))
    assert refused.returncode == 2 and "found with --ioctls 1" in refused.stderr, refused.stderr


@pytest.mark.parametrize("args, message", [
    (("--ioctls", "3"), "--ioctls must be 0..2"),
    (("--ioctl", "TOOLONGSIG:1"), "--ioctl wants SIGNATURE:CODE"),
    (("--ioctl", "NOCODE"), "--ioctl wants SIGNATURE:CODE"),
])
def test_bad_ioctl_options_are_bad_input(stork, args: tuple[str, ...], message: str) -> None:
    rc, _, err = audit(stork, SCENARIOS / "miniport_ioctl.c", *args)
    assert rc == 2 and message in err, err


def test_ioctls_is_refused_for_a_hand_made_scenario(stork) -> None:
    rc, _, err = audit(stork, SCENARIOS / "rule_leak_ok.c", "--ioctls", "1")
    assert rc == 2 and "--ioctls is for a miniport audited from its DriverEntry" in err, err
