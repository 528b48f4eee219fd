"""The trace files a command line names: files as given, folders searched recursively."""

from __future__ import annotations

from pathlib import Path


class NoTraces(Exception):
    """A path names neither a file nor a folder, or a folder holds no .trace file."""


def trace_files(paths: list[str]) -> list[Path]:
    """Each file named, and each folder's .trace files (subfolders included) in path order."""
    out: list[Path] = []
    for word in paths:
        if not word:                    # Path("") would be the current folder
            raise NoTraces("an empty path names no file or folder")
        p = Path(word)
        if p.is_dir():
            found = sorted(p.rglob("*.trace"))
            if not found:
                raise NoTraces(f"no .trace files in the folder {p}")
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise NoTraces(f"cannot read {p}: no such file or folder")
    return out
