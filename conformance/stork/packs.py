"""The traces a pack holds (c-harness/trace/pack.h, written by stork-replay --pack), read
back from the text it keeps for each trace (its meta lines aside), so that `stork coverage`
measures a pack as it measures the trace files it was made from. Only the header and the
index are read here; the replay checks the rest."""

from __future__ import annotations

import struct
from pathlib import Path

from stork import trace as tracefmt

MAGIC = b"STORKPAK"
_HEADER = struct.Struct("<8sIIIIIIQQ")           # struct pack_header, little-endian
_ENTRY = struct.Struct("<QQQQIIIiIIIIIIII")      # struct pack_entry


class PackError(Exception):
    """A pack this reader cannot take: the message names the file."""


def is_pack(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def traces_of(pack: Path) -> list[tracefmt.Trace]:
    """Every trace of the pack, parsed from its text, named by the path it was packed from.
    A pack this reader cannot take (another version or byte order, damaged) is a PackError."""
    return [tracefmt.parse(text, name) for name, text in texts_of(pack)]


def texts_of(pack: Path) -> list[tuple[str, str]]:
    """Each trace's name (PACK:PATH, PATH the one it was packed from) and text."""
    data = pack.read_bytes()
    if len(data) < _HEADER.size:
        raise PackError(f"{pack}: not a pack (too short)")
    magic, version, order, _ev, _src, entry_size, header_size, n, size = _HEADER.unpack_from(data)
    if magic != MAGIC or version != 1 or order != 0x01020304 or size != len(data) \
            or entry_size != _ENTRY.size or header_size + n * entry_size > size:
        raise PackError(f"{pack}: a pack this stork cannot read (version, byte order, "
                        "layout or size)")
    out = []
    for i in range(n):
        e = _ENTRY.unpack_from(data, header_size + i * entry_size)
        text_at, path_at, text_len, path_len = e[2], e[3], e[5], e[6]
        if text_at + text_len > size or path_at + path_len > size:
            raise PackError(f"{pack}: trace {i + 1} lies outside the file (damaged)")
        path = data[path_at:path_at + path_len].decode("utf-8", "replace")
        out.append((f"{pack}:{path}", data[text_at:text_at + text_len].decode("utf-8", "replace")))
    return out
