"""`stork show` draws traces as sequence charts (text and SVG); `stork report` writes one HTML
page, checked the way a person sees it: headless Chromium renders it, and the picture is not
blank."""

from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from conftest import ROOT
from stork.paths import in_testdata

SVG = "{http://www.w3.org/2000/svg}"
TWO_THREADS = in_testdata("golden", "valid", "two_threads_interleaved.trace").relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def counterexamples(tmp_path_factory) -> Path:
    from conftest import run_stork
    out = tmp_path_factory.mktemp("cex")
    r = run_stork("verify", "model/designs/spcnvme_fixed.pml", "-D", "DEFECT_OVERWRITTEN_HANDLE=1",
                  "--out", str(out))
    assert r.returncode == 1, r.stderr
    return out


def test_show_text_has_a_lane_per_context_and_thread(stork) -> None:
    r = stork("show", TWO_THREADS)
    assert r.returncode == 0, r.stderr
    head = r.stdout.splitlines()[1].split()
    assert head == ["findadapter", "dpc", "teardown", "sys0", "sys1", "runtime"]
    rows = [ln for ln in r.stdout.splitlines() if ln[:4].strip().isdigit()]
    assert len(rows) == 20
    assert "start w3 cb3 ctx3  after step 8" in r.stdout        # the queue that it follows


def test_show_marks_the_violation_with_its_rule(stork, counterexamples: Path, tmp_path: Path) -> None:
    trace = counterexamples / "spcnvme_fixed.no_double_free.trace"
    r = stork("show", str(trace), "--svg", str(tmp_path / "c.svg"))
    assert r.returncode == 0
    assert "✗ step 8 violates no_double_free (WI-M2)" in r.stdout
    assert "model/designs/spcnvme_fixed.pml:139" in r.stdout
    root = ET.parse(tmp_path / "c.svg").getroot()
    lanes = [g.get("data-lane") for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert lanes == ["dpc2", "dpc", "teardown", "sys0", "runtime"]
    steps = [g for g in root.iter(f"{SVG}g") if g.get("class") == "step"]
    assert len(steps) == 8
    assert any(t.get("class") == "violation" for t in root.iter(f"{SVG}text"))
    assert any(p.get("class") == "link" for p in root.iter(f"{SVG}path"))


def test_show_draws_a_re_issued_handle(stork, tmp_path: Path) -> None:
    """Trace version 3: the init that issues w1's handle again as w2 says so, and where w1 came from."""
    trace = in_testdata("golden", "rejected", "init_reissues_freed_handle.trace").relative_to(ROOT).as_posix()
    r = stork("show", trace, "--svg", str(tmp_path / "r.svg"))
    assert r.returncode == 0, r.stderr
    assert "PASSIVE init -> SUCCESS w2 = w1" in r.stdout
    note = "w2 is issued with the handle of w1 (step 1) again: WI-I1 wants a new one"
    assert note in r.stdout
    texts = "".join(t.text or "" for t in ET.parse(tmp_path / "r.svg").getroot().iter(f"{SVG}text"))
    assert "init -> SUCCESS w2 = w1" in texts and note in texts
    plain = stork("show", TWO_THREADS)
    assert " = w" not in plain.stdout and "again" not in plain.stdout


def test_show_bad_trace_is_bad_input(stork, tmp_path: Path) -> None:
    bad = tmp_path / "bad.trace"
    bad.write_text("stork-trace 1\nstart sys0\nend\n")
    r = stork("show", str(bad))
    assert r.returncode == 2 and "bad.trace:2" in r.stderr and "Traceback" not in r.stderr
    assert stork("show", str(tmp_path / "none.trace")).returncode == 2


def _ink(png: bytes) -> float:
    """How far a PNG is from one flat colour: the share of its filtered scanline bytes that
    are neither 0 nor 255 (a blank page gives about none)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(data)
    return sum(1 for b in raw if b not in (0, 255)) / len(raw)


def _render(page: Path, png: Path) -> bytes:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed (it is in README's quick start)"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={png.parent / 'profile'}", f"--screenshot={png}",
                    "--window-size=1200,900", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    return png.read_bytes()


def test_report_page_renders_and_is_not_blank(stork, counterexamples: Path, tmp_path: Path) -> None:
    r = stork("report", str(counterexamples))
    assert r.returncode == 0, r.stderr
    assert "1 verify table(s), 4 chart(s)" in r.stdout
    page = counterexamples / "report.html"
    text = page.read_text()
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    empty = _ink(_render(blank, tmp_path / "blank.png"))
    full = _ink(_render(page, tmp_path / "report.png"))
    assert full > 0.01 and full > 20 * empty, (full, empty)


def test_report_of_a_missing_folder_is_bad_input(stork, tmp_path: Path) -> None:
    assert stork("report", str(tmp_path / "no")).returncode == 2
