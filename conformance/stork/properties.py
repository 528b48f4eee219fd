"""The model's properties, read from the table in spec/contract.md (their one definition)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stork.paths import SPEC_DIR

SECTION = "## Properties checked by the model"
# assertion: the monitor's assertions; progress: terminates (invalid end states in the safety
# run, then `<> released` under weak fairness); LTL: the model's own formulas; design: the
# design's assert(...); "design LTL" (not in the table): each `ltl NAME` a design declares.
KINDS = ("assertion", "progress", "LTL", "design")


@dataclass(frozen=True)
class Property:
    name: str
    summary: str
    rules: tuple[str, ...]
    kind: str   # one of KINDS


def _expand(rules: str) -> tuple[str, ...]:
    """'WI-I1..5, WI-M2' -> ('WI-I1', ..., 'WI-I5', 'WI-M2')."""
    out: list[str] = []
    if rules.strip() == "-":
        return ()
    for part in (p.strip() for p in rules.split(",")):
        m = re.fullmatch(r"((?:WI|ENV)-[A-Z])(\d+)\.\.(\d+)", part)
        if m:
            out += [f"{m.group(1)}{i}" for i in range(int(m.group(2)), int(m.group(3)) + 1)]
        elif re.fullmatch(r"(?:WI|ENV)-[A-Z]\d+", part):
            out.append(part)
        else:
            raise ValueError(f"contract.md: bad rule reference '{part}'")
    return tuple(out)


@lru_cache(maxsize=1)
def all_properties() -> tuple[Property, ...]:
    text = (SPEC_DIR / "contract.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    props = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        kind = cells[3]
        if kind not in KINDS:
            raise ValueError(f"contract.md: property {cells[0]} has unknown kind '{kind}'")
        props.append(Property(cells[0].strip("`"), cells[1], _expand(cells[2]), kind))
    if not props:
        raise ValueError("contract.md: no property table found")
    return tuple(props)


def by_name(name: str) -> Property | None:
    return next((p for p in all_properties() if p.name == name), None)


def contract_rule_ids() -> list[str]:
    """Every rule id defined in contract.md's rule tables, in order."""
    text = (SPEC_DIR / "contract.md").read_text(encoding="utf-8")
    return re.findall(r"^\| (WI-[A-Z]\d+) \|", text, re.M)


@lru_cache(maxsize=1)
def rule_table() -> dict[str, tuple[str, str]]:
    """Every rule of contract.md's rule tables: id -> (the rule's text, its keeper)."""
    return {rid: (rule, keeper) for rid, (rule, keeper, _) in rule_rows().items()
            if rid.startswith("WI-")}


def environment_rule_ids() -> list[str]:
    """Every rule id defined in environment.md's rule tables, in order."""
    text = (SPEC_DIR / "environment.md").read_text(encoding="utf-8")
    return list(dict.fromkeys(re.findall(r"^\| (ENV-[A-Z]\d+) \| .*? \| (?:storport|miniport) \|",
                                         text, re.M)))


@lru_cache(maxsize=1)
def rule_rows() -> dict[str, tuple[str, str, str]]:
    """Every rule of contract.md's and environment.md's rule tables: id -> (its text, its
    keeper, what breaking it means)."""
    text = (SPEC_DIR / "contract.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (WI-[A-Z]\d+) \| (.*?) \| (runtime|miniport) \| (.*?) \|\s*$", text, re.M)
    env = (SPEC_DIR / "environment.md").read_text(encoding="utf-8")
    rows += re.findall(r"^\| (ENV-[A-Z]\d+) \| (.*?) \| (storport|miniport) \| (.*?) \|", env, re.M)
    return {rid: (rule, keeper, broken) for rid, rule, keeper, broken in rows}
