"""A cache of compiled pans, so that verifying a design again costs no spin -a and no compile.

An entry is a pan and its pan.t (the state tables verify counts reachability markers in),
filed under the SHA-256 of everything that makes pan what it is: the model as spin -a reads it
(the design and its includes after the preprocessor, with every -D; the text names the
design's absolute path, which pan's trail file is named after), spin's version, the compiler
(its path and version) with every flag, and the C around pan.c (spin.switch_hook). Any change
to any of them is another key; nothing is looked up by file name or date.

The cache lives in $XDG_CACHE_HOME/stork/pan (default ~/.cache/stork/pan), never beside the
design. STORK_NO_CACHE=1 (or `verify --no-cache`) turns it off. An entry is written in a
folder of its own and renamed into place, so concurrent verifies never see half of one; when
two write the same entry, the first rename wins and the other's copy is dropped. Past
MAX_ENTRIES entries (each about 0.2-1 MB), the least recently used are deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

FORMAT = "stork-pan-cache 1"
FILES = ("pan", "pan.t")
DISABLE_ENV = "STORK_NO_CACHE"
MAX_ENTRIES = 300                  # past this, the least recently used go, down to 3/4 of it


def cache_root() -> Path | None:
    """Where compiled pans are kept, or None when the cache is off."""
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stork" / "pan"


@lru_cache(maxsize=8)
def _tool(path: str, flag: str) -> str:
    """A program's identity: its path, size, mtime and what it says its version is."""
    st = os.stat(path)
    try:
        p = subprocess.run([path, flag], capture_output=True, text=True, errors="replace", timeout=30)
        said = p.stdout + p.stderr
    except (OSError, subprocess.SubprocessError):
        said = ""
    return f"{path} {st.st_size} {st.st_mtime_ns}\n{said}"


def key(model_text: str, spin_args: list[str], compile_cmd: list[str], hook: str) -> str:
    """The entry's name: SHA-256 of everything that goes into the compiled pan."""
    spin = shutil.which("spin")
    cc = shutil.which(compile_cmd[0]) or compile_cmd[0]
    h = hashlib.sha256()
    for part in (FORMAT, _tool(spin, "-V") if spin else "no spin", "\0".join(spin_args),
                 _tool(cc, "-v" if cc.endswith("tcc") else "--version"), "\0".join(compile_cmd[1:]),
                 hook, model_text):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0\1\0")
    return h.hexdigest()


def restore(root: Path, name: str, workdir: Path) -> bool:
    """Copy the entry into workdir; False if there is none (or it is damaged)."""
    entry = root / name
    try:
        for f in FILES:
            shutil.copy2(entry / f, workdir / f)
    except OSError:
        return False
    try:
        os.utime(entry)                  # recently used: pruned last
    except OSError:
        pass
    return True


def store(root: Path, name: str, workdir: Path) -> None:
    """File workdir's pan under `name`, atomically; a cache that cannot be written is skipped
    (the verification does not depend on it)."""
    entry = root / name
    if entry.exists():
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
    except OSError:
        return
    try:
        for f in FILES:
            shutil.copy2(workdir / f, tmp / f)
        os.rename(tmp, entry)            # atomic; fails if another verify filed it first
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    prune(root)


def prune(root: Path, most: int = MAX_ENTRIES) -> None:
    """Keep at most `most` entries: past it, delete the least recently used, down to 3/4."""
    try:
        entries = [e for e in os.scandir(root) if not e.name.startswith(".")]
        if len(entries) <= most:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
    except OSError:
        return
    for e in entries[:len(entries) - most * 3 // 4]:
        shutil.rmtree(e.path, ignore_errors=True)
