"""A design's header: what it expects (`expect:`) and the bounds it needs (`config:`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class DesignHeader:
    expect_holds: bool | None = None           # None: the design states no expectation
    expect_violated: list[str] = field(default_factory=list)
    config: list[str] = field(default_factory=list)   # NAME=VALUE

    def expected_text(self) -> str:
        if self.expect_holds is None:
            return "-"
        return "holds" if self.expect_holds else "VIOLATED " + " ".join(self.expect_violated)


def read_header(path: Path) -> DesignHeader:
    head = DesignHeader()
    text = path.read_text(encoding="utf-8", errors="replace")
    comment = text.split("*/", 1)[0] if text.lstrip().startswith("/*") else ""
    for line in comment.splitlines():
        line = line.strip().lstrip("*").strip()
        m = re.match(r"expect:\s*(.*)$", line)
        if m:
            words = m.group(1).split()
            if words == ["holds"]:
                head.expect_holds = True
            elif words and words[0] == "VIOLATED":
                head.expect_holds = False
                head.expect_violated = words[1:]
        m = re.match(r"config:\s*(.*)$", line)
        if m:
            head.config = m.group(1).split()
    return head
