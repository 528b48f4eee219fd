"""`stork replay`: the C replay driven through the stork command (needs the C harness built;
ctest sets STORK_BUILD_DIR and STORK_LIBEXEC_DIR)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stork.paths import in_testdata

ROOT = Path(__file__).resolve().parents[2]
TRACES = in_testdata("traces")
GOLDEN_INVALID = in_testdata("golden", "invalid")
LIBEXEC = Path(os.environ.get("STORK_LIBEXEC_DIR", ROOT / "build" / "c-harness"))

pytestmark = pytest.mark.skipif(not (LIBEXEC / "stork-replay").exists(),
                                reason="C harness not built (stork-replay missing)")
N_TRACES = len(list(TRACES.glob("*.trace")))


def bad_impl(name: str) -> str:
    return str(LIBEXEC / "bad_impls" / f"bad_{name}.so")


def test_reference_passes_every_hand_written_trace(stork) -> None:
    r = stork("replay", "--impl", "reference", str(TRACES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == f"{N_TRACES} passed, 0 failed"


def test_library_path_and_single_files(stork) -> None:
    r = stork("replay", "--impl", str(LIBEXEC / "stork-reference.so"),
              str(TRACES / "removal.trace"), str(TRACES / "free_statuses.trace"), "-v")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS " in r.stdout and r.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_wrong_implementation_exit_1_names_line_and_writes_junit(stork, tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    r = stork("replay", "--impl", bad_impl("never_busy"), str(TRACES), "--junit", str(junit))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "queue_statuses.trace:11: call dpc DISPATCH queue w1 cb2 ctx2 -> BUSY" in r.stdout
    assert "expected BUSY, got SUCCESS" in r.stdout
    assert r.stdout.splitlines()[-1] == f"{N_TRACES - 4} passed, 4 failed"
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite"
    assert int(suite.get("tests")) == N_TRACES and int(suite.get("failures")) == 4
    failures = [tc for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert len(failures) == 4
    q = [tc for tc in failures if tc.get("name").endswith("queue_statuses.trace")][0]
    assert "queue_statuses.trace:11:" in q.find("failure").get("message")


def test_junit_all_pass(stork, tmp_path: Path) -> None:
    junit = tmp_path / "ok.xml"
    r = stork("replay", "--impl", "reference", str(TRACES), "--junit", str(junit))
    assert r.returncode == 0, r.stdout + r.stderr
    suite = ET.parse(junit).getroot()
    assert int(suite.get("failures")) == 0
    assert len(list(suite.iter("testcase"))) == N_TRACES


def test_hang_is_timed_out_and_run_goes_on(stork) -> None:
    r = stork("replay", "--impl", bad_impl("hang_on_removal"), "--timeout", "0.5",
              str(TRACES / "oneshot_free_in_callback.trace"), str(TRACES / "queue_statuses.trace"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "oneshot_free_in_callback.trace:9: remove begin" in r.stdout
    assert "timed out after 0.5 s" in r.stdout
    assert r.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_malformed_trace_exit_2_with_line(stork) -> None:
    bad = GOLDEN_INVALID / "unknown_status.trace"
    r = stork("replay", "--impl", "reference", str(bad))
    assert r.returncode == 2
    assert f"{bad}:4: unknown status 'BUSSY'" in r.stderr


def test_missing_library_exit_2(stork, tmp_path: Path) -> None:
    r = stork("replay", "--impl", str(tmp_path / "nope.so"), str(TRACES))
    assert r.returncode == 2
    assert r.stderr == f"stork-replay: cannot load {tmp_path / 'nope.so'}: no such readable file\n"


def test_library_without_entry_point_exit_2(stork) -> None:
    r = stork("replay", "--impl", bad_impl("no_entry"), str(TRACES))
    assert r.returncode == 2
    assert "does not export stork_impl_get()" in r.stderr


def test_library_that_crashes_while_loading_is_refused(stork) -> None:
    # the first child checks the library before its batch (runner.c): a crash there refuses it,
    # and nothing is replayed
    lib = bad_impl("crash_on_load")
    r = stork("replay", "--impl", lib, str(TRACES))
    assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
    assert r.stderr.splitlines()[-1] == \
        f"stork-replay: loading {lib}: killed by signal 11 (Segmentation fault)", r.stderr
    assert f"stork-replay: output of {lib} while it was loaded (not part of the report):\n" \
           "  impl| loading, about to crash\n" in r.stderr


def test_library_that_hangs_while_loading_is_refused_in_time(stork) -> None:
    lib = bad_impl("hang_on_load")
    r = stork("replay", "--impl", lib, "--timeout", "0.5", str(TRACES))
    assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
    assert r.stderr.splitlines()[-1] == f"stork-replay: loading {lib}: timed out after 0.5 s"
    assert "while it was loaded" in r.stderr and "  impl| loading, forever" in r.stderr


def test_bad_timeout_is_bad_input(stork) -> None:
    r = stork("replay", "--impl", "reference", "--timeout", "0", str(TRACES))
    assert r.returncode == 2


# ---- reports that teach (issue 13) ----

REPORTS = in_testdata("reports")


def test_every_mismatch_names_its_rule(stork) -> None:
    r = stork("replay", "--impl", bad_impl("never_busy"), str(TRACES))
    assert r.returncode == 1
    assert "expected BUSY, got SUCCESS [WI-Q2]" in r.stdout
    # every failure's second line (what went wrong) cites a rule of the contract
    lines = r.stdout.splitlines()
    whats = [lines[i + 2] for i, l in enumerate(lines) if l.startswith("FAIL ")]
    assert whats and all("[WI-" in w for w in whats), whats


def test_wrong_status_shown_even_when_a_post_check_fires_first(stork) -> None:
    r = stork("replay", "--impl", bad_impl("busy_posts_again"), str(TRACES / "queue_statuses.trace"))
    assert r.returncode == 1
    assert "expected BUSY, got SUCCESS [WI-Q2]; and during the call: the implementation posted " \
           "a second item for w1" in r.stdout


def test_advice_fits_a_queue_of_a_freed_worker(stork) -> None:
    r = stork("replay", "--impl", bad_impl("queue_freed_posts"),
              str(REPORTS / "queue_freed_in_own_callback.trace"))
    assert r.returncode == 1
    assert "expected INVALID_PARAMETER, got SUCCESS [WI-Q7]" in r.stdout
    assert "a refused queue posts nothing [WI-C1]" in r.stdout
    assert "posted only after that callback returns" not in r.stdout


def test_junit_message_has_expected_and_actual(stork, tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    stork("replay", "--impl", bad_impl("never_busy"), str(TRACES), "--junit", str(junit))
    q = [tc for tc in ET.parse(junit).getroot().iter("testcase")
         if tc.get("name").endswith("queue_statuses.trace")][0]
    assert "expected BUSY, got SUCCESS [WI-Q2]" in q.find("failure").get("message")


def test_junit_crash_and_timeout_are_errors(stork, tmp_path: Path) -> None:
    junit = tmp_path / "crash.xml"
    r = stork("replay", "--impl", bad_impl("crash_on_bad"), str(TRACES), "--junit", str(junit))
    assert r.returncode == 1
    # the culprit is named at its line, the others still pass
    assert "free_statuses.trace:6: call dpc DISPATCH free bad1 -> INVALID_PARAMETER" in r.stdout
    assert r.stdout.splitlines()[-1] == f"{N_TRACES - 3} passed, 3 failed"
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and suite.get("errors") == "3"
    errs = [tc.find("error") for tc in suite.iter("testcase") if tc.find("error") is not None]
    assert len(errs) == 3 and all("killed by signal 11" in e.text for e in errs)
    junit = tmp_path / "hang.xml"
    r = stork("replay", "--impl", bad_impl("hang_on_removal"), "--timeout", "0.5",
              str(TRACES / "oneshot_free_in_callback.trace"), "--junit", str(junit))
    suite = ET.parse(junit).getroot()
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
    assert "timed out" in suite.find("testcase").find("error").get("message") + \
        suite.find("testcase").find("error").text


def test_junit_written_when_library_is_refused(stork, tmp_path: Path) -> None:
    junit = tmp_path / "refused.xml"
    r = stork("replay", "--impl", bad_impl("wrong_abi"), str(TRACES), "--junit", str(junit))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "implements stork ABI version 99; this harness needs version 1" in r.stderr
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "1" and suite.get("errors") == "1"
    assert "ABI version 99" in suite.find("testcase").find("error").get("message")


def test_implementation_output_cannot_forge_the_summary(stork) -> None:
    r = stork("replay", "--impl", bad_impl("prints_summary"), str(TRACES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"{N_TRACES} passed, 0 failed\n"
    fake = [l for l in r.stderr.splitlines() if "119 passed" in l]
    assert fake and all(l.startswith("  impl| ") for l in fake), r.stderr
    assert "\r" not in r.stderr


MUTANTS = LIBEXEC / "mutants"


def test_init_that_allocates_nothing_is_told_the_abi_obligation(stork) -> None:
    r = stork("replay", "--impl", str(MUTANTS / "stork-mutant-32.so"),
              str(TRACES / "fail_alloc_bad_handle.trace"))
    assert r.returncode == 1
    assert "expected INSUFFICIENT_RESOURCES, got SUCCESS [WI-I4]" in r.stdout
    assert "initialize_worker called env->alloc 0 times" in r.stdout


def test_ntstatus_is_named(stork) -> None:
    r = stork("replay", "--impl", str(MUTANTS / "stork-mutant-40.so"),
              str(TRACES / "fail_alloc_bad_handle.trace"))
    assert r.returncode == 1
    assert "got 0xC000009A (STATUS_INSUFFICIENT_RESOURCES, an NTSTATUS" in r.stdout


# ---- --record DIR ----

CORPUS = ROOT / "conformance" / "traces"


def test_reference_recordings_of_the_corpus_are_accepted_by_check_trace(stork, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    # the text traces: check-trace of the k = 3 part's 3,586 runs would take minutes
    r = stork("replay", "--impl", "reference", "--record", str(rec), str(CORPUS / "goals"),
              str(CORPUS / "random"), str(TRACES))
    assert r.returncode == 0, r.stdout + r.stderr
    n = len(list(CORPUS.rglob("*.trace"))) + N_TRACES
    files = sorted(rec.glob("*.trace"))
    assert len(files) == n
    c = stork("check-trace", *map(str, files))
    assert c.returncode == 0, c.stdout + c.stderr
    # a conforming run is the trace itself, but for comments (what was posted)
    src = TRACES / "two_threads_interleaved.trace"
    strip = lambda p: [l for l in p.read_text().splitlines() if l and not l.startswith("#")]  # noqa: E731
    assert strip(rec / src.name) == strip(src)
    assert "# posted w1" in (rec / src.name).read_text()


def test_a_failed_run_is_recorded_up_to_its_failure_without_end(stork, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    r = stork("replay", "--impl", bad_impl("never_busy"), "--record", str(rec),
              str(TRACES / "queue_statuses.trace"))
    assert r.returncode == 1
    lines = (rec / "queue_statuses.trace").read_text().splitlines()
    assert lines[0] == "stork-trace 1" and "end" not in lines
    assert "call dpc DISPATCH queue w1 cb2 ctx2 -> SUCCESS" in lines
    assert lines[-1].startswith("# stork replay: the run failed here") and "[WI-Q2]" in lines[-1]


def test_a_re_issued_handle_is_recorded_and_the_recording_is_rejected_there(stork, tmp_path: Path) -> None:
    """Mutant 27 issues a freed worker's handle again: its recording says so (`SUCCESS w2 = w1`,
    trace version 3), and check-trace rejects the recording at that line with WI-I1 although it
    stops there without `end`; the reference's recording of the same trace conforms."""
    src = in_testdata("survivors", "init_after_free.trace")
    rec = tmp_path / "rec"
    r = stork("replay", "--impl", str(MUTANTS / "stork-mutant-27.so"), "--record", str(rec), str(src))
    assert r.returncode == 1 and "[WI-I1]" in r.stdout
    lines = (rec / src.name).read_text().splitlines()
    assert lines[0] == "stork-trace 3" and "end" not in lines
    n = lines.index("call findadapter PASSIVE init -> SUCCESS w2 = w1") + 1
    c = stork("check-trace", "--json", str(rec / src.name))
    assert c.returncode == 1, c.stdout + c.stderr
    (res,) = json.loads(c.stdout)["traces"]
    assert res["verdict"] == "rejected" and res["failure"]["line"] == n
    assert res["failure"]["rules"] == ["WI-I1"] and res["truncated"]
    ok = tmp_path / "ok"
    assert stork("replay", "--impl", "reference", "--record", str(ok), str(src)).returncode == 0
    assert (ok / src.name).read_text().startswith("stork-trace 1\n")
    assert stork("check-trace", str(ok / src.name)).returncode == 0


def test_record_names_shared_file_names_apart(stork, tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.trace").write_text((TRACES / "removal.trace").read_text())
    rec = tmp_path / "rec"
    r = stork("replay", "--impl", "reference", "--record", str(rec), str(tmp_path / "a"),
              str(tmp_path / "b"))
    assert r.returncode == 0, r.stdout + r.stderr
    # the recordings, and the results `stork report` reads (commands/replay.py)
    assert sorted(p.name for p in rec.iterdir()) == ["000001-x.trace", "000002-x.trace",
                                                     "replay.junit.xml"]


def test_record_into_a_file_is_bad_input(stork, tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("")
    r = stork("replay", "--impl", "reference", "--record", str(f), str(TRACES))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
