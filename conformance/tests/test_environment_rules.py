"""The environment's rule ids are defined once, in spec/environment.md, as contract.md's are."""

from __future__ import annotations

import re

from conftest import ROOT
from stork.properties import contract_rule_ids

SPEC = ROOT / "spec" / "environment.md"
GROUPS = ("E", "L", "R", "Q", "H")
KEEPERS = ("storport", "miniport")
STATUSES = ("modelled", "partly", "planned", "out of scope")


def text() -> str:
    return SPEC.read_text(encoding="utf-8")


def env_rows() -> list[list[str]]:
    """Every table row whose first cell is an ENV id, split into its cells."""
    rows = []
    for line in text().splitlines():
        if re.match(r"^\| ENV-", line):
            assert line.endswith(" |"), line
            rows.append([c.strip() for c in line[1:-1].split("|")])
    return rows


def rule_rows() -> list[list[str]]:
    """Rows of the rule tables: id, rule, keeper, broken, sources."""
    return [r for r in env_rows() if len(r) == 5]


def status_rows() -> list[list[str]]:
    """Rows of the closing table: id, status, where or why."""
    return [r for r in env_rows() if len(r) == 3]


def source_keys() -> set[str]:
    """The keys the Sources list defines, e.g. [D-STARTIO], [AHCI], [POS]."""
    section = text().split("\nSources", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"\[([A-Z]+(?:-[A-Z]+)*)\]", section))


def test_every_env_row_is_a_rule_or_a_status_row() -> None:
    # A stray "|" inside a cell would change the count and hide a rule.
    odd = [r[0] for r in env_rows() if len(r) not in (3, 5)]
    assert not odd, odd


def test_env_ids_unique_and_well_formed() -> None:
    ids = [r[0] for r in rule_rows()]
    assert len(ids) >= 40
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for i in ids:
        assert re.fullmatch(r"ENV-[A-Z][1-9]\d*", i), i
        assert i[4] in GROUPS, i
    for g in GROUPS:                    # numbered 1..n within each group, in order
        numbers = [int(i[5:]) for i in ids if i[4] == g]
        assert numbers == list(range(1, len(numbers) + 1)), (g, numbers)


def test_each_rule_has_text_a_keeper_a_breakage_and_a_source() -> None:
    keys = source_keys()
    assert {"POS", "WI", "AHCI", "NEP"} <= keys
    for rid, rule, keeper, broken, sources in rule_rows():
        assert len(rule) > 20, rid
        assert keeper in KEEPERS, (rid, keeper)
        assert broken, rid
        if keeper == "miniport":        # a miniport's breach has a consequence to name
            assert broken != "—", rid
        cited = re.findall(r"\[([A-Z]+(?:-[A-Z]+)*)\]", sources)
        assert cited, f"{rid} names no source"
        assert set(cited) <= keys, (rid, sorted(set(cited) - keys))


def test_every_source_key_cited_in_a_rule_is_defined() -> None:
    keys = source_keys()
    for rid, rule, _keeper, broken, sources in rule_rows():
        cited = set(re.findall(r"\[([A-Z]+(?:-[A-Z]+)*)", " ".join((rule, broken, sources))))
        assert cited <= keys, (rid, sorted(cited - keys))


def test_positions_are_marked_in_the_rules_they_belong_to() -> None:
    rows = {r[0]: r for r in rule_rows()}
    summary = text().split("## Positions on the open cases", 1)[1].split("\n## ", 1)[0]
    for line in [ln for ln in summary.splitlines()[4:] if ln.startswith("| ")]:
        cited = re.findall(r"\bENV-[A-Z]\d+\b", line.rsplit("|", 2)[-2])
        assert cited, line
        for rid in cited:
            assert rid in rows, (rid, line)
        assert any("[POS" in rows[r][1] for r in cited), line


def test_every_rule_has_one_status_in_the_closing_table() -> None:
    ids = [r[0] for r in rule_rows()]
    status = [r[0] for r in status_rows()]
    assert sorted(status) == sorted(ids), sorted(set(ids) ^ set(status))
    assert len(status) == len(set(status))
    for rid, st, where in status_rows():
        assert st in STATUSES, (rid, st)
        assert where, rid


def test_cross_references_name_existing_rules() -> None:
    ids = {r[0] for r in rule_rows()}
    body = text()
    # ENV-R1..R3 and ENV-E12..E14 are ranges written with the group letter once.
    cited = set(re.findall(r"\bENV-[A-Z]\d+\b", body))
    for m in re.finditer(r"\bENV-([A-Z])(\d+)\.\.([A-Z]?)(\d+)\b", body):
        cited.update(f"ENV-{m.group(1)}{n}" for n in range(int(m.group(2)), int(m.group(4)) + 1))
    assert cited <= ids, sorted(cited - ids)
    wi = set(contract_rule_ids())
    cited_wi = set(re.findall(r"\bWI-[A-Z]\d+\b", body))
    assert cited_wi <= wi, sorted(cited_wi - wi)
