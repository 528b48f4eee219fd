"""The trace files a command line names: files as given, folders searched recursively for
.trace files and packs (.pack), so that the shipped corpus's folder gives its k = 3 part with
the text traces. A file named twice, or also inside a folder named, is taken once."""

from __future__ import annotations

from pathlib import Path


class NoTraces(Exception):
    """A path names neither a file nor a folder, or a folder holds no .trace file."""


def trace_files(paths: list[str]) -> list[Path]:
    """Each file named, and each folder's .trace and .pack files (subfolders included) in path
    order; each file once."""
    out: list[Path] = []
    for word in paths:
        if not word:                    # Path("") would be the current folder
            raise NoTraces("an empty path names no file or folder")
        p = Path(word)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix in (".trace", ".pack") and f.is_file())
            if not found:
                raise NoTraces(f"no .trace files (nor packs) in the folder {p}")
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise NoTraces(f"cannot read {p}: no such file or folder")
    seen: set[tuple[int, int]] = set()
    once = []
    for f in out:
        st = f.stat()
        key = (st.st_dev, st.st_ino)        # a file reached by two paths is one (as stork-replay)
        if key not in seen:
            seen.add(key)
            once.append(f)
    return once
