"""Where `stork pack OUT` writes: a regular file or a new path is replaced whole (a temporary
file renamed over it); a character device or a FIFO is written through, never replaced; a
symbolic link is followed (its target is written, the link stays); anything else is refused.
A write error is bad input naming OUT.  No system device is touched: /dev/full is a private
node of it in tmp when we are root, and FIFOs and links in tmp stand in for /dev/null.  Each case runs the normal build and the ASan+UBSan one."""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from stork.paths import in_testdata

ROOT = Path(__file__).resolve().parents[2]
HAND = in_testdata("traces")
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
PROGRAMS = [LIBEXEC / "stork-replay", LIBEXEC / "asan" / "stork-replay_asan"]

pytestmark = pytest.mark.skipif(not all(p.exists() for p in PROGRAMS),
                                reason="C harness not built (stork-replay missing)")


@pytest.fixture(params=PROGRAMS, ids=lambda p: p.name)
def program(request) -> Path:
    return request.param


def pack(program: Path, out: Path | str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(program), "--pack", str(out), "--", str(HAND)],
                          capture_output=True, text=True, timeout=timeout)


def reference_pack(program: Path, tmp_path: Path) -> bytes:
    ref = tmp_path / "ref.pack"
    assert pack(program, ref).returncode == 0
    return ref.read_bytes()


@pytest.fixture
def dev_full(tmp_path) -> Path:
    """/dev/full, as a private node of the same device in tmp when we are root: a program that
    still replaced devices would then replace only the private node, never the system's."""
    if os.geteuid() != 0:
        return Path("/dev/full")    # not root: the program cannot replace it
    node = tmp_path / "full"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return node


def test_dev_full_is_a_write_error_and_stays_a_device(program, dev_full):
    r = pack(program, dev_full)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip().splitlines() == [
        f"stork-replay: cannot write {dev_full}: No space left on device"]
    assert stat.S_ISCHR(os.lstat(dev_full).st_mode)


def pack_into_fifo(program: Path, fifo: Path, out: Path) -> tuple[subprocess.CompletedProcess, list[bytes]]:
    """Pack into OUT (the FIFO, or a link to it) while a thread reads the FIFO."""
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    r = pack(program, out)
    t.join(10)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    return r, got


def test_fifo_is_written_through(program, tmp_path):
    want = reference_pack(program, tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    r, got = pack_into_fifo(program, fifo, fifo)
    assert got == [want]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo", "ref.pack"]


def test_symlink_to_a_file_writes_its_target(program, tmp_path):
    want = reference_pack(program, tmp_path)
    target = tmp_path / "real" / "corpus.pack"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "link.pack"
    link.symlink_to(target)
    r = pack(program, link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == want
    assert sorted(p.name for p in target.parent.iterdir()) == ["corpus.pack"]


def test_symlink_to_a_fifo_writes_through(program, tmp_path):
    want = reference_pack(program, tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link.pack"
    link.symlink_to(fifo)
    r, got = pack_into_fifo(program, fifo, link)
    assert link.is_symlink()
    assert got == [want]


def test_dangling_symlink_is_refused(program, tmp_path):
    link = tmp_path / "link.pack"
    link.symlink_to(tmp_path / "missing" / "x.pack")
    r = pack(program, link)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"stork-replay: cannot write {link}: a symbolic link to a missing file"]
    assert link.is_symlink() and not (tmp_path / "missing").exists()


def test_folder_is_refused(program, tmp_path):
    r = pack(program, tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"stork-replay: cannot write {tmp_path}: it is a folder"]
    assert list(tmp_path.iterdir()) == []


def test_regular_file_is_replaced(program, tmp_path):
    out = tmp_path / "x.pack"
    out.write_bytes(b"old")
    r = pack(program, out)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] != b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pack"]


def test_stork_pack_dev_full(stork, dev_full):
    r = stork("pack", str(dev_full), str(HAND))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"stork-replay: cannot write {dev_full}: No space left on device"]
    assert stat.S_ISCHR(os.lstat(dev_full).st_mode)


@pytest.mark.parametrize("mode", ["pack", "replay"])
def test_report_that_cannot_be_written(program, tmp_path, mode):
    """stdout on /dev/full (opened for writing, never replaced): exit 2, one line."""
    args = (["--pack", str(tmp_path / "x.pack")] if mode == "pack"
            else ["--impl", str(LIBEXEC / "stork-reference.so")])
    with open("/dev/full", "w") as full:
        r = subprocess.run([str(program), *args, "--", str(HAND)], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "stork-replay: cannot write the report: No space left on device"]
