"""The Python trace parser against the spec's own examples and against malformed input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from stork import expect, trace
from stork.paths import in_testdata

SPEC = ROOT / "spec" / "trace-format.md"
GOLDEN = in_testdata("golden")


def spec_examples() -> list[str]:
    blocks = re.findall(r"```\n(stork-trace 1\n.*?)```", SPEC.read_text(), re.S)
    assert len(blocks) >= 3
    return blocks


@pytest.mark.parametrize("text", spec_examples())
def test_spec_examples_parse_and_round_trip(text: str) -> None:
    t = trace.parse(text, "spec")
    assert t.events
    again = trace.parse(t.text(), "round-trip")
    assert [e.text() for e in again.events] == [e.text() for e in t.events]


def test_allowed_set_and_metadata() -> None:
    t = trace.parse("stork-trace 1\nmeta config MAXW=2 NTHREADS=1\n"
                    "call isr DIRQL queue w1 cb1 null -> INVALID_IRQL|BUSY\nend\n")
    assert t.meta_value("config") == "MAXW=2 NTHREADS=1"
    assert t.events[0].statuses == ("INVALID_IRQL", "BUSY")


@pytest.mark.parametrize("text, line, words", [
    ("", 1, "expected the header"),
    ("stork-trace 4\nend\n", 1, "unsupported trace version 4"),
    ("stork-trace 1\ncall dpc DISPATCH free w1 -> 0xC0000002\nend\n", 2, "needs trace version 2"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0xC000002\nend\n", 2, "malformed hex status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0xC00000002\nend\n", 2, "malformed hex status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0xC000000g\nend\n", 2, "malformed hex status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0x\nend\n", 2, "malformed hex status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0x+C000002\nend\n", 2, "malformed hex status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0XC0000002\nend\n", 2, "unknown status"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> 0xC0000002|0xc0000002\nend\n", 2, "repeated"),
    ("stork-trace 2\ncall dpc DISPATCH free w1 -> BUSY|0xC100000C\nend\n", 2, "repeated"),
    ("stork-trace 2\ncall dpc DISPATCH init -> 0x00000000\nend\n", 2, "SUCCESS in an init error set"),
    ("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\ncall dpc DISPATCH init -> SUCCESS w2 = w1\nend\n",
     3, "needs trace version 3"),
    ("stork-trace 3\ncall dpc DISPATCH init -> SUCCESS w1 = w3\nend\n", 2, "must be an earlier worker's"),
    ("stork-trace 3\ncall dpc DISPATCH init -> SUCCESS w1 = null\nend\n", 2, "the earlier worker wM"),
    ("stork-trace 3\ncall dpc DISPATCH init -> SUCCESS w1 w2\nend\n", 2, "init -> SUCCESS wN"),
    ("stork-trace 3\ncall dpc DISPATCH init -> BUSY w2 = w1\nend\n", 2, "init -> SUCCESS wN"),
    ("stork trace 1\nend\n", 1, "expected the header"),
    ("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\n", 3, "truncated"),
    ("stork-trace 1\n# c\njump w1\nend\n", 3, "unknown event 'jump'"),
    ("stork-trace 1\ncall dpc HIGH free w1 -> SUCCESS\nend\n", 2, "an IRQL"),
    ("stork-trace 1\ncall dpc DISPATCH free w1 -> OK\nend\n", 2, "unknown status 'OK'"),
    ("stork-trace 1\ncall dpc DISPATCH free w1 -> BUSY|BUSY\nend\n", 2, "repeated"),
    ("stork-trace 1\ncall dpc DISPATCH init -> SUCCESS|BUSY\nend\n", 2, "SUCCESS in an init error set"),
    ("stork-trace 1\ncall dpc DISPATCH free w01 -> SUCCESS\nend\n", 2, "a handle"),
    ("stork-trace 1\ncall dpc DISPATCH queue w1 cb1 -> SUCCESS\nend\n", 2, "queue HANDLE ROUTINE CONTEXT"),
    ("stork-trace 1\ncall end DISPATCH free w1 -> SUCCESS\nend\n", 2, "a context name"),
    ("stork-trace 1\ncall sys01 DISPATCH free w1 -> SUCCESS\nend\n", 2, "a context name"),
    ("stork-trace 1\nstart dpc w1 cb1 null\nend\n", 2, "a system thread"),
    ("stork-trace 1\nremove now\nend\n", 2, "remove begin"),
    ("stork-trace 1\nremove begin\nmeta x y\nend\n", 3, "'meta' after the first event"),
    ("stork-trace 1\nend\nremove begin\n", 3, "after 'end'"),
    ("stork-trace 1\nloop\nremove begin\nloop\nend\n", 4, "one 'loop' line"),
])
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(trace.TraceError) as e:
        trace.parse(text, "bad.trace")
    assert e.value.line == line, str(e.value)
    assert words in e.value.message
    assert str(e.value).startswith(f"bad.trace:{line}: ")


def test_version_2_hex_statuses() -> None:
    """A hex status equal to a STOR_STATUS value is that status; any other is kept as hex."""
    t = trace.parse("stork-trace 2\ncall dpc DISPATCH free w1 -> 0xC100000C|0xc0000002\n"
                    "call dpc DISPATCH init -> 0xC0000001\nend\n")
    assert t.version == 2
    assert t.events[0].statuses == ("BUSY", "0xC0000002")
    assert t.events[1].statuses == ("0xC0000001",)
    assert trace.status_mask(t.events[0].statuses) == trace.status_mask(["BUSY"])
    assert t.text().startswith("stork-trace 2\n")
    assert trace.parse(t.text()).events[0].statuses == ("BUSY", "0xC0000002")


def test_version_3_re_issued_handles() -> None:
    """`SUCCESS wN = wM`: a new name for an earlier worker's handle; written back as version 3
    (also with a hex status, which version 3 keeps), and v1/v2 traces still write themselves."""
    t = trace.parse("stork-trace 3\ncall dpc DISPATCH init -> SUCCESS w1\n"
                    "call dpc DISPATCH free w1 -> 0xC0000002\n"
                    "call dpc DISPATCH init -> SUCCESS w2 = w1\nend\n")
    assert t.version == 3
    assert (t.events[2].worker, t.events[2].reissues) == ("w2", "w1")
    assert t.events[0].reissues == "" and t.events[2].statuses == ("SUCCESS",)
    assert t.events[2].text() == "call dpc DISPATCH init -> SUCCESS w2 = w1"
    assert t.text().startswith("stork-trace 3\n")
    assert trace.parse(t.text()).events[2].reissues == "w1"
    # the writer picks the lowest version the events need
    t.version = 1
    assert t.text().startswith("stork-trace 3\n")
    t.events.pop()
    assert t.text().startswith("stork-trace 2\n")


def test_a_truncated_trace_is_read_only_when_asked() -> None:
    text = "stork-trace 1\ncall dpc DISPATCH init -> SUCCESS w1\n# the run failed here\n"
    with pytest.raises(trace.TraceError):
        trace.parse(text, "t.trace")
    t = trace.parse(text, "t.trace", allow_truncated=True)
    assert t.truncated == "t.trace:4: truncated trace: no 'end' line (the recording was cut short)"
    assert len(t.events) == 1 and not t.text().endswith("end\n")
    assert trace.parse("stork-trace 1\nend\n", "x", allow_truncated=True).truncated == ""


def test_version_1_writes_version_1() -> None:
    t = trace.parse("stork-trace 1\ncall dpc DISPATCH free w1 -> BUSY\nend\n")
    assert t.version == 1 and t.text().startswith("stork-trace 1\n")


def test_golden_files_agree_with_c_parser_expectations() -> None:
    """The golden files are shared with the C parser: valid ones parse, invalid ones fail at
    the line (and with the words) their .expect file names."""
    valid = sorted((GOLDEN / "valid").glob("*.trace"))
    invalid = sorted((GOLDEN / "invalid").glob("*.trace"))
    for p in valid:
        trace.load(p)
    for p in invalid:
        want = expect.read(p.with_suffix(".expect"), "sidecar")
        with pytest.raises(trace.TraceError) as e:
            trace.load(p)
        assert e.value.line == want.line, f"{p.name}: {e.value}"


def test_loop_may_be_empty_a_run_that_stalls() -> None:
    t = trace.parse("stork-trace 1\nremove begin\nloop\nend\n")
    assert t.loop_at == 1 and len(t.events) == 1
    assert t.text().endswith("remove begin\nloop\nend\n")


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "x.trace"
    p.write_bytes(b"stork-trace 1\n\xff\xfe\nend\n")
    with pytest.raises(trace.TraceError) as e:
        trace.load(p)
    assert "not UTF-8" in str(e.value)
    assert e.value.line == 2
