"""The exit statuses: the C programs' one header (c-harness/include/stork/exit_status.h) says
what stork/exitcodes.py says, name for name, and no C program ends with a bare number."""

from __future__ import annotations

import re
from pathlib import Path

from stork import exitcodes

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "c-harness" / "include" / "stork" / "exit_status.h"
# The replay runner's children tell their parent only zero or not (runner.c): a private protocol.
PRIVATE = {"c-harness/replay/runner.c"}


def header_statuses(text: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^#define STORK_EXIT_([A-Z_]+) (\d+)\b", text, re.M)}


def python_statuses() -> dict[str, int]:
    return {k: v for k, v in vars(exitcodes).items() if k.isupper() and isinstance(v, int)}


def test_the_c_header_and_exitcodes_py_name_the_same_statuses() -> None:
    assert header_statuses(HEADER.read_text()) == python_statuses()


def test_a_status_that_differs_is_caught() -> None:
    text = HEADER.read_text()
    assert header_statuses(text.replace("STORK_EXIT_INCOMPLETE 3", "STORK_EXIT_INCOMPLETE 4")) \
        != python_statuses()
    assert header_statuses(text.replace("#define STORK_EXIT_VACUOUS 5", "")) != python_statuses()


def bare_statuses(text: str) -> list[str]:
    """`exit(N)` anywhere, `return N;` in main(), and `return N;` for N of 2 or more anywhere in
    a file that names its statuses (<stork/exit_status.h>: a function that returns one, as
    replay_command does), N a number: what should name its status (but a child's `_exit(127)`
    after a failed exec, the shell's convention)."""
    found = [m.group(0) for m in re.finditer(r"\b_?exit\(\d+\)", text) if m.group(0) != "_exit(127)"]
    main = re.search(r"^int main\(.*?^}", text, re.M | re.S)
    if main:
        found += re.findall(r"return \d+;", main.group(0))
    if "stork/exit_status.h" in text:
        rest = text.replace(main.group(0), "") if main else text
        found += re.findall(r"\breturn (?:[2-9]|\d\d+);", rest)
    return found


def test_no_c_program_ends_with_a_bare_number() -> None:
    offenders = {}
    for path in sorted((ROOT / "c-harness").rglob("*.c")):
        rel = path.relative_to(ROOT).as_posix()
        if "/scenarios/" in rel or rel in PRIVATE:
            continue
        bare = bare_statuses(path.read_text(errors="replace"))
        if bare:
            offenders[rel] = bare
    assert not offenders, offenders
    assert bare_statuses("int main(void)\n{\n    return 2;\n}\n") == ["return 2;"]
    assert bare_statuses('#include "stork/exit_status.h"\nint f(void)\n{\n    return 2;\n}\n') == \
        ["return 2;"]
    assert bare_statuses("static int f(void)\n{\n    return 2;\n}\n") == []     # not a status
    assert not re.search(r"#define EXIT_", (ROOT / "c-harness" / "replay" / "main.c").read_text())
