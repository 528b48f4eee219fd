"""Packs (c-harness/trace/pack.h): traces parsed and checked once, replayed without text.

A pack must change nothing but the speed: every report, exit status and JUnit file of a replay
from a pack is the one the text files give, for the reference and for every wrong
implementation and mutant.  A damaged pack is bad input, never a crash.  (Needs the C harness
built; ctest sets STORK_LIBEXEC_DIR.)"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from stork.paths import in_testdata

ROOT = Path(__file__).resolve().parents[2]
HAND = in_testdata("traces")
CORPUS = ROOT / "conformance" / "traces"
TEXT = (CORPUS / "goals", CORPUS / "random")     # the corpus's text traces (not its k3.pack)
MALFORMED = in_testdata("malformed")
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))
REPLAY = LIBEXEC / "stork-replay"
REFERENCE = LIBEXEC / "stork-reference.so"

pytestmark = pytest.mark.skipif(not REPLAY.exists(), reason="C harness not built (stork-replay missing)")

# Reports that depend on addresses, not on the trace: mutant 6 hands the callback its context
# pointer XOR 0x10, which lands on another context or on none depending on where the heap put
# the replay's tables.  Its verdict (fail) is checked, not its wording.
ADDRESS_DEPENDENT = {"stork-mutant-6.so"}


REPLAY_ASAN = LIBEXEC / "asan" / "stork-replay_asan"


def replay(*args: str | Path, timeout: float = 120, program: Path = REPLAY) -> subprocess.CompletedProcess:
    # errors="replace": a damaged pack's trace names are printed as the pack holds them, and
    # a changed byte there need not be UTF-8 (which byte is hit depends on the paths' lengths)
    return subprocess.run([str(program), *map(str, args)], capture_output=True, text=True,
                          errors="replace", timeout=timeout)


def pack(out: Path, *paths: Path) -> subprocess.CompletedProcess:
    return replay("--pack", out, "--", *paths)


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "all.pack"
    r = pack(out, HAND, *TEXT)
    assert r.returncode == 0, r.stdout + r.stderr
    n = len(list(HAND.glob("*.trace"))) + len(list(CORPUS.rglob("*.trace")))
    assert r.stdout.startswith(f"packed {n} traces (")
    return out


def libraries() -> list[Path]:
    bad = sorted(p for p in (LIBEXEC / "bad_impls").glob("bad_*.so")
                 if p.name not in {"bad_hang_on_removal.so", "bad_wrong_abi.so", "bad_no_entry.so",
                                   "bad_hang_on_load.so", "bad_crash_on_load.so"})
    return [REFERENCE, *bad, *sorted((LIBEXEC / "mutants").glob("stork-mutant-*.so"))]


@pytest.mark.parametrize("lib", libraries(), ids=lambda p: p.name)
def test_pack_replays_exactly_like_the_text_files(packed: Path, lib: Path, tmp_path: Path) -> None:
    # one child process each (the text default is 256 traces a child, the pack's by events):
    # an implementation's own output is reported per child
    text = replay("--impl", lib, "-v", "--batch", "4096", "--junit", tmp_path / "text.xml",
                  HAND, *TEXT)
    fast = replay("--impl", lib, "-v", "--batch", "4096", "--junit", tmp_path / "pack.xml", packed)
    assert fast.returncode == text.returncode, fast.stdout + fast.stderr
    assert text.returncode in (0, 1) and text.stdout.count("\n") > 100
    if lib.name in ADDRESS_DEPENDENT:
        assert fast.stdout.splitlines()[-1] == text.stdout.splitlines()[-1]
        return
    assert fast.stdout == text.stdout
    assert fast.stderr == text.stderr
    strip = lambda s: "\n".join(l for l in s.splitlines() if "time=" not in l)  # noqa: E731
    assert strip((tmp_path / "pack.xml").read_text()) == strip((tmp_path / "text.xml").read_text())


def test_hang_in_a_pack_is_isolated_and_named(tmp_path: Path) -> None:
    traces = [HAND / "queue_statuses.trace", HAND / "oneshot_free_in_callback.trace",
              HAND / "free_statuses.trace"]
    out = tmp_path / "three.pack"
    assert pack(out, *traces).returncode == 0
    lib = LIBEXEC / "bad_impls" / "bad_hang_on_removal.so"
    text = replay("--timeout", "1", "--impl", lib, *traces)
    fast = replay("--timeout", "1", "--impl", lib, out)
    assert fast.returncode == text.returncode == 1
    assert fast.stdout == text.stdout
    assert "oneshot_free_in_callback.trace:9: remove begin" in fast.stdout


def test_packing_is_deterministic_and_packs_can_be_repacked(packed: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pack"
    assert pack(again, HAND, *TEXT).returncode == 0
    assert again.read_bytes() == packed.read_bytes()
    repacked = tmp_path / "repacked.pack"
    assert pack(repacked, packed).returncode == 0
    assert repacked.read_bytes() == packed.read_bytes()


def test_a_malformed_trace_writes_no_pack(tmp_path: Path) -> None:
    out = tmp_path / "x.pack"
    r = pack(out, HAND, MALFORMED / "bad_status.trace")
    assert r.returncode == 2
    assert "bad_status.trace:3: unknown status 'BUSSY'" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_pack_options_that_do_not_go_together(tmp_path: Path) -> None:
    out = tmp_path / "x.pack"
    r = replay("--pack", out, "--impl", REFERENCE, HAND)
    assert r.returncode == 2 and "do not go together" in r.stderr
    for option in (["-v"], ["--batch", "3"], ["--timeout", "3"], ["--junit", tmp_path / "j.xml"]):
        r = replay("--pack", out, *option, HAND)
        assert r.returncode == 2 and "are for replaying, not --pack" in r.stderr
    assert not out.exists()


def test_truncated_and_foreign_packs_are_refused(packed: Path, tmp_path: Path) -> None:
    data = packed.read_bytes()
    cut = tmp_path / "cut.pack"
    cut.write_bytes(data[: len(data) // 2])
    r = replay("--impl", REFERENCE, cut)
    assert r.returncode == 2 and "damaged pack" in r.stderr and "cut short" in r.stderr
    other = tmp_path / "other.pack"
    other.write_bytes(data[:8] + (99).to_bytes(4, "little") + data[12:])
    r = replay("--impl", REFERENCE, other)
    assert r.returncode == 2 and "another layout" in r.stderr and "version 99" in r.stderr
    header = tmp_path / "header.pack"
    header.write_bytes(data[:20])
    r = replay("--impl", REFERENCE, header)
    assert r.returncode == 2 and "shorter than its header" in r.stderr


@pytest.mark.parametrize("program", [REPLAY, REPLAY_ASAN], ids=["plain", "asan"])
def test_damaged_packs_never_crash_the_replay(tmp_path: Path, program: Path) -> None:
    """Bytes of a small pack changed at random, many times over: the replay must end with exit
    0, 1 or 2, and a failure must be a report or a bad-input line, never a crash of the replay
    itself or of its child (which would be blamed on the implementation).  Also under
    AddressSanitizer, which would make a bad read a crash."""
    if not program.exists():
        pytest.skip(f"{program} not built")
    src = tmp_path / "small.pack"
    r = pack(src, HAND)
    assert r.returncode == 0
    data = src.read_bytes()
    events = int(r.stdout.split("(")[1].split()[0])
    hot = len(data) - 16 * events  # the events, 16 bytes each, end the file (pack.h)
    rng = random.Random(20261125)
    seen = {0: 0, 1: 0, 2: 0}
    caught = {"out of range": 0, "cannot follow each other": 0}
    for i in range(240):
        bad = bytearray(data)
        # Two times in three in the events, else anywhere past the header (tested above); half
        # the time a small value, which tends to keep fields in range but the order wrong.
        lo = hot if i % 3 else 48
        top = 4 if i % 2 else 256
        for _ in range(rng.choice((1, 1, 2, 8))):
            bad[rng.randrange(lo, len(bad))] = rng.randrange(top)
        f = tmp_path / f"d{i}.pack"
        f.write_bytes(bytes(bad))
        r = replay("--batch", "4", "--timeout", "5", "--impl", REFERENCE, f, timeout=60, program=program)
        assert r.returncode in seen, (i, r.returncode, r.stdout, r.stderr)
        assert "killed by signal" not in r.stdout and "timed out" not in r.stdout, (i, r.stdout)
        seen[r.returncode] += 1
        for what in caught:
            caught[what] += r.returncode == 2 and what in r.stderr
        f.unlink()
    # Both checks catch damage: pack_verify's ranges, and the replay's order of events.
    assert seen[2] > 50 and all(n >= 5 for n in caught.values()), (seen, caught)


def test_stork_pack_and_replay_commands(stork, tmp_path: Path) -> None:
    out = tmp_path / "hand.pack"
    r = stork("pack", str(out), str(HAND))
    assert r.returncode == 0, r.stdout + r.stderr
    n = len(list(HAND.glob("*.trace")))
    r = stork("replay", "--impl", "reference", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == f"{n} passed, 0 failed"
    r = stork("pack", str(tmp_path / "bad.pack"), str(MALFORMED / "bad_status.trace"))
    assert r.returncode == 2 and "bad_status.trace:3:" in r.stderr


def test_the_replays_limit_of_distinct_values_is_named(tmp_path: Path) -> None:
    """The 16-byte event keeps slots in 16 bits: 65,535 distinct workers (or contexts) in one
    trace are accepted, one more is rejected at its line, saying why."""
    def trace(workers: int, contexts: int) -> Path:
        lines = ["stork-trace 1"]
        lines += [f"call findadapter PASSIVE init -> SUCCESS w{n}" for n in range(1, workers + 1)]
        lines += [f"call dpc DISPATCH queue w1 cb1 ctx{n} -> SUCCESS|BUSY" for n in range(1, contexts + 1)]
        f = tmp_path / f"w{workers}c{contexts}.trace"
        f.write_text("\n".join(lines + ["end"]) + "\n")
        return f

    limit = 65535
    for ok in (trace(limit, 1), trace(1, limit)):
        r = pack(tmp_path / "ok.pack", ok)
        assert r.returncode == 0, r.stderr
    r = pack(tmp_path / "no.pack", trace(limit + 1, 1))
    assert r.returncode == 2
    assert f":{limit + 2}: more than {limit} workers in one trace (the replay supports {limit})" in r.stderr
    r = pack(tmp_path / "no.pack", trace(1, limit + 1))
    assert r.returncode == 2
    assert f":{limit + 3}: more than {limit} distinct contexts in one trace" in r.stderr


def test_an_unwritable_pack_is_bad_input_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "folder.pack"
    r = pack(out, HAND)
    assert r.returncode == 2
    assert r.stderr.strip() == f"stork-replay: cannot write {out}: No such file or directory"


@pytest.mark.parametrize("lib", ["bad_crash_on_bad.so", "bad_runs_twice.so"])
def test_crash_recovery_gives_the_same_report_whatever_the_batches(packed: Path, lib: str) -> None:
    """A dead child's culprit is the first trace it had not reported; it gets a run of its own
    unless it was the child's first, and the rest go on in a new batch.  So the report cannot
    depend on how the traces were batched."""
    impl = LIBEXEC / "bad_impls" / lib
    one = replay("--batch", "1", "--impl", impl, "-v", HAND, *TEXT)
    assert one.returncode == 1
    for batch in (["--batch", "3"], ["--batch", "100000"], []):
        for paths in ([HAND, *TEXT], [packed]):
            r = replay(*batch, "--impl", impl, "-v", *paths)
            assert (r.returncode, r.stdout) == (one.returncode, one.stdout), (batch, paths)
