"""Rule ids are defined once, in spec/contract.md, and are the thread through the model."""

from __future__ import annotations

import re

from conftest import ROOT
from stork.properties import all_properties, contract_rule_ids, environment_rule_ids, rule_table

MODEL = ROOT / "model"


def model_text() -> str:
    return "\n".join(p.read_text() for p in sorted(MODEL.glob("*.pml")))


def test_rule_ids_unique_and_well_formed() -> None:
    ids = contract_rule_ids()
    assert len(ids) >= 40
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]


def test_properties_cite_existing_rules() -> None:
    ids = set(contract_rule_ids()) | set(environment_rule_ids())
    for p in all_properties():
        if p.kind == "design":          # the design's own assert(...): no rule of the contract
            assert p.rules == (), p.name
            continue
        assert p.rules and set(p.rules) <= ids, p.name


def test_every_rule_id_in_the_model_exists_in_the_contract() -> None:
    ids = set(contract_rule_ids())
    cited = {m.replace("_", "-") for m in re.findall(r"\bWI[-_][A-Z]\d+\b", model_text())}
    assert cited <= ids, sorted(cited - ids)


def test_every_rule_is_cited_by_the_model() -> None:
    text = model_text().replace("_", "-")
    missing = [i for i in contract_rule_ids() if not re.search(rf"\b{i}\b", text)]
    assert not missing, f"rules the model never mentions: {missing}"


def test_every_property_is_checked_by_the_model() -> None:
    contract = (MODEL / "contract.pml").read_text()
    lifecycle = (MODEL / "lifecycle.pml").read_text()
    for p in all_properties():
        if p.kind == "assertion":
            assert re.search(rf"#define CHECK_{p.name}\(c, r\) assert\(\(c\) \|\| {p.name} \|\| r\)", contract), p.name
            assert re.search(rf"CHECK_{p.name}\(", contract.split("#endif", 10)[-1]), p.name
        elif p.kind == "LTL":
            assert re.search(rf"ltl {p.name} \{{", lifecycle), p.name
        elif p.kind == "progress":          # pan's invalid end states, then an ltl of its own
            assert p.name == "terminates" and re.search(rf"ltl {p.name} \{{", lifecycle)
        else:
            assert p.kind == "design"
            storport = (MODEL / "storport.pml").read_text()
            assert f"#define assert(c) assert((c) || {p.name})" in storport, p.name


def test_every_model_file_passes_spins_syntax_check(tmp_path) -> None:
    """The model's files, check-trace's driver among them, are Promela SPIN parses: each
    with the smallest file that completes it (a design for the design-facing ones)."""
    import os
    import subprocess
    env = dict(os.environ, CPATH=str(MODEL))
    driver = tmp_path / "driver.pml"
    driver.write_text('#define MAXW 1\n#define NSTEPS 1\n#include "check_trace_driver.pml"\n'
                      "init { d_step { e_kind[0] = K_END }; drive_trace() }\n")
    design = ROOT / "model" / "designs" / "oneshot_free_in_callback.pml"
    for path in (driver, design):
        r = subprocess.run(["spin", "-a", str(path)], cwd=tmp_path, capture_output=True,
                           text=True, env=env)
        assert r.returncode == 0 and "error" not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr


def test_every_environment_id_in_the_model_exists_in_the_environment_spec() -> None:
    ids = set(environment_rule_ids())
    cited = {m.replace("_", "-") for m in re.findall(r"\bENV[-_][A-Z]\d+\b", model_text())}
    assert cited and cited <= ids, sorted(cited - ids)


def test_grep_for_a_rule_id_finds_the_model_code_that_implements_it() -> None:
    """Each id is written as it is spelled in the contract (WI-Q3, in a comment where the
    model implements it), not only as the identifier WI_Q3 that grep for WI-Q3 misses."""
    text = model_text()
    missing = [i for i in contract_rule_ids() if not re.search(rf"\b{i}\b", text)]
    assert not missing, f"rules the model cites only as WI_..: {missing}"


def ids_only_as_identifiers(text: str) -> list[str]:
    """The lines that use a rule id as a Promela identifier (WI_Q3, ENV_R7) without also naming
    it as the contract spells it (WI-Q3) on that line; the `hidden byte` lines that declare the
    identifiers are not uses."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("hidden byte") or re.match(r"\s+(WI|ENV)_[A-Z]\d+,", line):
            continue
        spelled = set(re.findall(r"\b(?:WI|ENV)-[A-Z]\d+\b", line))
        if any(i.replace("_", "-") not in spelled for i in re.findall(r"\b(?:WI|ENV)_[A-Z]\d+\b", line)):
            out.append(f"{n}: {line.strip()}")
    return out


def test_grep_for_a_rule_id_finds_every_line_that_checks_it() -> None:
    """`grep WI-Q2 model/` finds each assertion and each allowed status of WI-Q2, not only a
    comment somewhere: a line that uses WI_Q2 says WI-Q2 too."""
    bad = {p.name: ids_only_as_identifiers(p.read_text()) for p in sorted(MODEL.rglob("*.pml"))}
    assert not any(bad.values()), {k: v for k, v in bad.items() if v}
    assert ids_only_as_identifiers("    CHECK_callback_once(g_runner[h] == 0, WI_C4);\n") == \
        ["1: CHECK_callback_once(g_runner[h] == 0, WI_C4);"]
    assert ids_only_as_identifiers("    ALLOW(S_BUSY, WI_Q2)    /* WI-Q2 */\n") == []


# The runtime's rules the implementation has no part in: Storport's order of its own routines.
NOT_THE_IMPLEMENTATIONS = {"WI-R4"}


def test_the_plugin_abi_and_the_reference_cite_every_runtime_rule_they_keep() -> None:
    """impl_abi.h says, and reference.c implements, each runtime rule under its id, so grep for
    the id finds the C that keeps it."""
    runtime = [i for i, (_, keeper) in rule_table().items()
               if keeper == "runtime" and i.startswith("WI-") and i not in NOT_THE_IMPLEMENTATIONS]
    assert len(runtime) >= 25
    for path in ("c-harness/include/stork/impl_abi.h", "c-harness/impl/reference/reference.c"):
        text = (ROOT / path).read_text()
        missing = [i for i in runtime if not re.search(rf"\b{i}\b", text)]
        assert not missing, f"{path} never names {missing}"


def declared_but_never_named(text: str) -> list[str]:
    """The rule identifiers a `hidden byte` line declares that no check or allowed status of the
    model names (a name kept for an assertion message that none gives)."""
    declared, used = [], set()
    for line in text.splitlines():
        ids = re.findall(r"\b(?:WI|ENV)_[A-Z]\d+\b", line.split("/*", 1)[0])
        if line.lstrip().startswith("hidden byte") or re.match(r"\s+(WI|ENV)_[A-Z]\d+,", line):
            declared += ids
        else:
            used |= set(ids)
    return [i for i in declared if i not in used]


def test_every_rule_the_model_declares_is_named_by_a_check() -> None:
    assert declared_but_never_named(model_text()) == []
    assert declared_but_never_named("hidden byte WI_C3, WI_C4;\nassert(x || WI_C4)\n") == ["WI_C3"]
