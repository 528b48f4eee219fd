"""stork.status_rules reads the rule of each allowed status from contract.pml's ALLOW lines, for
coverage (which runs no SPIN): what it reads is what SPIN's monitor prints (@@because) on every
call of the valid traces, a changed model line changes coverage's rule, and a model line it
cannot read is refused with its file:line."""

from __future__ import annotations

import pytest

from stork import check_trace as ct
from stork import coverage, lifecycle, status_rules, trace
from stork.paths import MODEL_DIR, in_testdata

VALID = sorted(in_testdata("golden", "valid").glob("*.trace")) + sorted(in_testdata("traces").glob("*.trace"))
CONTRACT = (MODEL_DIR / "contract.pml").read_text()


def test_the_rules_read_are_those_spin_prints_on_every_call() -> None:
    seen: set[tuple[str, str, str]] = set()
    compared = 0
    for f in VALID:
        r = ct.check(str(f))
        for st in lifecycle.walk(trace.load(str(f))).steps:
            ev = st.event
            if ev.kind != "call" or ev.line not in r.because:
                continue
            mine = {(s, rule) for s in r.allowed[ev.line]
                    for rule in status_rules.rules_of_status(ev.api, s, st)}
            assert mine == set(r.because[ev.line]), (str(f), ev.line)
            seen |= {(ev.api, s, rule) for s, rule in mine}
            compared += 1
    assert compared > 150
    every = {(api, a.status, rule) for api, by in status_rules.table().items()
             for a in by.values() for rule in (a.rule, a.other) if rule}
    assert every - seen == set()        # each line read, both branches of the two conditions


def test_coverage_names_the_rule_the_model_names(monkeypatch) -> None:
    t = trace.parse("stork-trace 1\ncall findadapter PASSIVE init -> SUCCESS w1\n"
                    "call dpc DISPATCH queue w1 cb1 null -> SUCCESS\n"
                    "call dpc DISPATCH queue w1 cb1 null -> BUSY\nend\n", "t")
    assert "rule:WI-Q2" in coverage.goals_of(t)
    edited = CONTRACT.replace("ALLOW(S_BUSY, WI_Q2)", "ALLOW(S_BUSY, WI_Q9)")
    assert edited != CONTRACT
    monkeypatch.setattr(status_rules, "table", lambda: {
        api: {a.status: a for a in allows} for api, allows in status_rules.parse(edited).items()})
    met = coverage.goals_of(t)
    assert "rule:WI-Q9" in met and "rule:WI-Q2" not in met


@pytest.mark.parametrize("old, new, message", [
    ("h == 0 || cb == 0, WI_Q6", "h == 0, WI_Q6", "contract.pml:{}: the condition 'h == 0' is not one"),
    ("ALLOW(S_BUSY, WI_Q2)", "ALLOW(S_BUSY, Q2)", "contract.pml:{}: 'Q2' is not a rule id"),
])
def test_a_model_line_it_cannot_read_is_refused_at_its_line(old: str, new: str, message: str) -> None:
    line = next(i for i, ln in enumerate(CONTRACT.splitlines(), 1) if old in ln)
    with pytest.raises(status_rules.ModelError, match=message.format(line)):
        status_rules.parse(CONTRACT.replace(old, new))
