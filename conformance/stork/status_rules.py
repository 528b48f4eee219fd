"""The rule that allows each status of a call, read from the model (model/contract.pml).

mon_init, mon_queue and mon_free say each status the contract allows with the rule that allows
it: `ALLOW(S, RULE)`, `ALLOW_EITHER(S, C, R1, R2)` (R1 where C holds, else R2) and
`ALLOW_ALSO(S, R, C, R2)` (R, and R2 too where C holds). check-trace has SPIN print them
(STORK_STATUS_RULES); coverage, which runs no SPIN, reads the same lines here, so the model is
the one place a status is tied to its rule. The two conditions C are the model's expressions;
CONDITIONS says each in the trace's terms, and a model line with any other is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from stork import lifecycle as lc
from stork.paths import MODEL_DIR

APIS = {"init": "mon_init", "queue": "mon_queue", "free": "mon_free"}
RUNNING_STATES = (lc.RUNNING, lc.RUNNING_QUEUED, lc.FREED_RUNNING)

# The model's conditions, as a trace step shows them.
CONDITIONS: dict[str, Callable[[lc.Step], bool]] = {
    "h == 0 || cb == 0": lambda st: st.event.handle == "null" or st.event.routine == "null",
    "ISSUED(h) && g_runner[h] != 0": lambda st: st.state in RUNNING_STATES,
}

_ALLOW = re.compile(r"\b(ALLOW|ALLOW_EITHER|ALLOW_ALSO)\((S_[A-Z_]+),\s*([^;]*?)\)\s*(?:/\*|$)")
_RULE = re.compile(r"^(WI|ENV)_([A-Z])(\d+)$")


class ModelError(ValueError):
    """contract.pml says a status's rule in a way this module does not read."""


@dataclass(frozen=True)
class Allow:
    status: str                 # trace name: SUCCESS, BUSY, ...
    rule: str                   # WI-Q1; ALLOW_EITHER: where the condition holds
    condition: str = ""         # the model's expression, a key of CONDITIONS
    other: str = ""             # ALLOW_EITHER: where it does not; ALLOW_ALSO: beside `rule` where it does
    also: bool = False          # ALLOW_ALSO (else ALLOW_EITHER, when there is a condition)
    line: int = 0               # in contract.pml

    def rules(self, step: lc.Step) -> tuple[str, ...]:
        if not self.condition:
            return (self.rule,)
        holds = CONDITIONS[self.condition](step)
        if self.also:
            return (self.rule, self.other) if holds else (self.rule,)
        return (self.rule,) if holds else (self.other,)


def _rule_id(name: str, where: str) -> str:
    m = _RULE.match(name.strip())
    if not m:
        raise ModelError(f"{where}: '{name.strip()}' is not a rule id")
    return f"{m.group(1)}-{m.group(2)}{m.group(3)}"


def parse(text: str, path: str = "contract.pml") -> dict[str, tuple[Allow, ...]]:
    """Each API's ALLOW lines, in the order the monitor makes them."""
    lines = text.splitlines()
    out: dict[str, tuple[Allow, ...]] = {}
    for api, inline in APIS.items():
        start = next((i for i, ln in enumerate(lines) if ln.startswith(f"inline {inline}(")), None)
        if start is None:
            raise ModelError(f"{path}: no inline {inline}")
        found = []
        for i in range(start + 1, len(lines)):
            if lines[i].startswith("}"):
                break
            m = _ALLOW.search(lines[i])
            if not m:
                continue
            where = f"{path}:{i + 1}"
            macro, status, args = m.group(1), m.group(2)[2:], [a.strip() for a in m.group(3).split(",")]
            if macro == "ALLOW" and len(args) == 1:
                found.append(Allow(status, _rule_id(args[0], where), line=i + 1))
                continue
            if len(args) != 3:
                raise ModelError(f"{where}: {macro} of {status} does not have its arguments")
            cond, rule, other = (args[0], args[1], args[2]) if macro == "ALLOW_EITHER" else \
                (args[1], args[0], args[2])
            if cond not in CONDITIONS:
                raise ModelError(f"{where}: the condition '{cond}' is not one coverage can read "
                                 f"from a trace (stork/status_rules.py CONDITIONS)")
            found.append(Allow(status, _rule_id(rule, where), cond, _rule_id(other, where),
                               macro == "ALLOW_ALSO", i + 1))
        if not found:
            raise ModelError(f"{path}: inline {inline} allows no status")
        out[api] = tuple(found)
    return out


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, Allow]]:
    """api -> status -> how the model allows it (one line per status and API)."""
    path = MODEL_DIR / "contract.pml"
    out: dict[str, dict[str, Allow]] = {}
    for api, allows in parse(path.read_text(encoding="utf-8"), str(path)).items():
        by_status: dict[str, Allow] = {}
        for a in allows:
            if a.status in by_status:
                raise ModelError(f"{path}:{a.line}: {a.status} of {api} is allowed twice")
            by_status[a.status] = a
        out[api] = by_status
    return out


def rules_of_status(api: str, status: str, step: lc.Step) -> tuple[str, ...]:
    """The rules the model names for `status` of this call; () for one it never allows."""
    a = table()[api].get(status)
    return a.rules(step) if a else ()
