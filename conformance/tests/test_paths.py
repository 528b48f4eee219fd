"""Test inputs are found under testdata/ or the test stops: a missing file or folder, or an
empty folder, raises at once instead of letting a glob run a test on nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from stork import paths


def test_an_existing_folder_and_file_are_returned(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "a.trace").write_text("stork-trace 1\nend\n")
    monkeypatch.setattr(paths, "TESTDATA", tmp_path)
    assert paths.in_testdata("traces") == tmp_path / "traces"
    assert paths.in_testdata("traces", "a.trace") == tmp_path / "traces" / "a.trace"


def test_a_missing_folder_raises(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "TESTDATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="test data missing: .*/traces$"):
        paths.in_testdata("traces")


def test_an_empty_folder_raises(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "traces").mkdir()
    monkeypatch.setattr(paths, "TESTDATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="test data folder is empty"):
        paths.in_testdata("traces")



# Before testdata/ (issue 15) inputs sat in conformance/golden/ and in folders beside the test
# code; a branch made before the move may still add one there on a rebase, where nothing would
# read it.  The folders that hold test code hold no input folder.
MOVED_FROM = ("conformance/golden",)
CODE_ONLY = ("conformance/tests", "c-harness/tests", "c-harness/fuzz")


def has_files(d: Path) -> bool:
    return any(f.is_file() for f in d.rglob("*"))


def left_behind(root: Path) -> list[str]:
    found = [d for d in MOVED_FROM if has_files(root / d)]
    for c in CODE_ONLY:
        subs = sorted((root / c).iterdir()) if (root / c).is_dir() else []
        found += [f"{c}/{s.name}" for s in subs
                  if s.is_dir() and s.name != "__pycache__" and has_files(s)]
    return found


def test_no_input_is_left_where_testdata_moved_it_from() -> None:
    assert left_behind(paths.ROOT) == []


def test_an_input_left_behind_is_found(tmp_path: Path) -> None:
    for d in ("conformance/golden/valid", "c-harness/tests/version3", "c-harness/fuzz/corpus"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "new.trace").write_text("stork-trace 1\nend\n")
    (tmp_path / "conformance" / "tests" / "adversarial").mkdir(parents=True)   # empty: no input
    (tmp_path / "conformance" / "tests" / "__pycache__").mkdir()
    (tmp_path / "conformance" / "tests" / "__pycache__" / "x.pyc").write_bytes(b"")
    assert left_behind(tmp_path) == ["conformance/golden", "c-harness/tests/version3",
                                     "c-harness/fuzz/corpus"]
