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

