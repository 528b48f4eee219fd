"""A variants list (model/designs/variants.txt, c-harness/check/scenarios/variants.txt): one
variant a line, `NAME BASE NAME=VALUE... [audit: OPTION...] expect: VERDICT...`, a base file
built with defect switches (-D), the audit options it adds to its base's (a scenario's only),
and what it must give; `#` starts a comment line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VariantLine:
    line: int                  # its line in the list
    name: str
    base: Path                 # the base file, which exists
    switches: list[str]        # NAME=VALUE, each
    expect: str                # the words after `expect:`
    options: list[str]         # the words after `audit:`, added to the base's ` * audit:`


def read_variants(listing: Path, suffix: str) -> list[VariantLine]:
    """The lines of `listing`, each base BASE+suffix beside it; ValueError at a bad line."""
    out = []
    for n, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, sep, expect = line.partition(" expect: ")
        head, has_options, options = head.partition(" audit: ")
        words = head.split()
        base = listing.parent / f"{words[1]}{suffix}" if len(words) >= 2 else None
        if (not sep or base is None or not base.is_file() or not all("=" in w for w in words[2:])
                or (has_options and not options.split())):
            raise ValueError(f"{listing}:{n}: expected NAME BASE NAME=VALUE... "
                             "[audit: OPTION...] expect: ...")
        out.append(VariantLine(n, words[0], base, words[2:], expect.strip(), options.split()))
    return out
