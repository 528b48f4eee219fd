"""Regression traces generated from the model (stork gen): a witness per coverage goal, found
by SPIN, minimised to a small set that still meets every goal, plus seeded random walks.

Witnesses. model/gen/general_miniport.pml is a miniport that may make any call from any kind
of caller; model/gen/gen_trap.pml classifies each event the way lifecycle.py classifies a
trace's events and marks a run that meets the goal pan reads from STORK_GOAL. One pan is
compiled for all goals; for each goal pan searches (DFS with iterative shortening, -i, so the
witness is the shortest run SPIN finds) for a whole run, adapter release included, that meets
it. A complete search that finds none shows the goal unreachable at these bounds; a search
cut short leaves it unknown. Each witness is replayed (pan -r) into a trace and checked with
coverage.goals_of: the trap and the Python classifier must agree, or generation fails.

Transitions. The (abstract state, event) pairs of spec/coverage.md's transitions family:
SPIN's complete search of the same miniport with model/gen/transition_trap.pml gives every
pair the model reaches at these bounds (transitions.explore); transitions.plan writes runs
that take every one of them; each is classified again and must give exactly the planned
pairs, all reachable. The goal-directed part is minimised over every family together.

The k = 3 part. The same over three worker slots, cut at k3_ops calls (stork.corpus_k3): every
pair SPIN reaches within them, taken by planned runs, written as one pack (DIR/k3.pack).

Random walks. spin -n SEED simulates the same miniport (trap compiled out) once per seed.

Everything is deterministic: the same model, bounds and seed give a byte-identical corpus.
"""

from __future__ import annotations

import heapq
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from stork import __version__
from stork import corpus_k3
from stork import coverage
from stork import lifecycle as lc
from stork import trace as tracefmt
from stork import transitions
from stork.paths import MODEL_DIR, ROOT
from stork.spin import (PanOptions, compile_pan, generate, random_simulation, replay_pan_trail,
                        run_pan)

GEN_DESIGN = MODEL_DIR / "gen" / "general_miniport.pml"
TIME_LIMIT = 1800.0      # seconds for all the goals' searches (the shipped corpus takes 15-60)
# The generator breaks the miniport's obligations on purpose, so the properties the miniport
# keeps are compiled out (the ones check-trace turns into notes); the runtime's stay on.
MINIPORT_PROPERTIES = ("no_double_free", "no_use_after_free", "valid_handle",
                       "no_free_while_running", "no_leak", "irql", "requests_complete",
                       "pause_resumed", "hba_running", "storport_calls")

# Codes shared with model/gen/gen_trap.pml.
KIND = {"any": 0, "call": 1, "start": 2, "return": 3, "remove-begin": 4}
API = {"init": 1, "queue": 2, "free": 3}
STATE = {lc.NEW: 1, lc.IDLE: 2, lc.QUEUED: 3, lc.RUNNING: 4, lc.RUNNING_QUEUED: 5,
         lc.FREED: 6, lc.FREED_RUNNING: 7, lc.NONE: 8, lc.UNISSUED: 9}
CALLER = {"passive": 1, "dispatch": 2, "dirql": 3, "own-callback": 4, "other-callback": 5}
TRANSITION = {"init:ok": 1, "queue:ok": 2, "queue:BUSY": 3, "queue:INVALID_DEVICE_STATE": 4,
              "start": 5, "return": 6, "free:ok": 7, "free:BUSY": 8, "free:UNSUCCESSFUL": 9}
F_ELSEWHERE, F_OTHERS, F_ANY_QUEUED, F_ANY_RUNNING, F_INJECTED, F_REMOVING, F_ENDED = (
    1, 2, 4, 8, 16, 32, 64)

# Rule goals that no call, pair or interleaving goal implies get a trap of their own; the
# others are met by the witnesses of the goals that imply them (checked after minimising).
RULE_TRAPS = {
    "rule:WI-C6": ("start", {}, F_OTHERS),              # a start while another callback runs
    "rule:WI-R2": ("start", {}, F_REMOVING),            # a start after removal began
    "rule:WI-R3": ("return", {}, F_ENDED),              # a return after the remove handler
    "rule:WI-M8": ("return", {}, F_ENDED),
    "rule:WI-C7": ("return", {"state": lc.FREED_RUNNING}, 0),
}


class GenError(Exception):
    """Generation failed for a reason that is the model's or the tools', not the user's."""


@dataclass(frozen=True)
class GenConfig:
    """Bounds of the witness search and of the random walks."""

    ops: int = 6             # calls the general miniport makes in all (witnesses)
    maxw: int = 2
    nthreads: int = 2
    walks: int = 40          # random walks
    walk_ops: int = 10
    walk_maxw: int = 3
    seed: int = 1            # the first walk's seed; walk i uses seed + i
    tr_ops: int = 9          # calls in the transitions search (at MAXW=2 NTHREADS=2 OPS=10
                             # reaches no pair more: bench/transitions_bench.py)
    k3_ops: int | str = corpus_k3.OPS  # calls in the k = 3 part's search (0: no k = 3
                                       # part; corpus_k3.FULL: the whole criterion)

    def witness_bounds(self) -> list[str]:
        return [f"OPS={self.ops}", f"MAXW={self.maxw}", f"NTHREADS={self.nthreads}", "ALLOC_FAIL=1"]

    def walk_bounds(self) -> list[str]:
        return [f"OPS={self.walk_ops}", f"MAXW={self.walk_maxw}", f"NTHREADS={self.nthreads}",
                "ALLOC_FAIL=1"]


@dataclass
class Witness:
    goal: str
    verdict: str             # "found", "unreachable" or "unknown"
    states: int
    seconds: float
    reason: str = ""         # for unreachable/unknown: SPIN's verdict
    text: str = ""           # the trace, for found
    meets: frozenset[str] = frozenset()


@dataclass
class Corpus:
    config: GenConfig
    witnesses: list[Witness] = field(default_factory=list)
    chosen: list[Witness] = field(default_factory=list)     # the minimised goal-directed set
    walks: list[tuple[int, str]] = field(default_factory=list)  # (seed, trace text)
    seconds: float = 0.0
    reach: transitions.Reach | None = None      # SPIN's reachable transitions
    unreachable: list[str] = field(default_factory=list)    # candidate pairs SPIN never met
    planned: int = 0                            # runs planned over the transitions
    k3: corpus_k3.K3Part | None = None          # the k = 3 part (None: not asked for)

    def transition_goals(self) -> list[str]:
        return [f"tr:{k}" for k in self.reach.keys] if self.reach else []


def _goal(kind: str = "any", api: str = "", state: str = "", caller: str = "",
          allowed: str = "", prev: str = "", cur: str = "", flags: int = 0) -> str:
    nums = [KIND[kind], API.get(api, 0), STATE.get(state, 0), CALLER.get(caller, 0),
            tracefmt.status_mask(allowed.split("|")) if allowed else 0, TRANSITION.get(prev, 0), TRANSITION.get(cur, 0),
            flags]
    return " ".join(map(str, nums))


def encode(goal: str) -> str | None:
    """The STORK_GOAL value that traps `goal`, or None if the goal has no trap of its own."""
    fam, _, rest = goal.partition(":")
    if fam == "call":
        api, state, caller, allowed = rest.split(":")
        return _goal("call", api, state, caller, allowed)
    if fam == "pair":
        a, b = rest.split(">")
        return _goal(prev=a, cur=b)
    if goal == "race:queue-vs-callback":
        return _goal("call", "queue", flags=F_ELSEWHERE)
    if goal == "race:free-vs-callback":
        return _goal("call", "free", flags=F_ELSEWHERE)
    if goal == "race:requeue-vs-callback":
        return _goal("call", "queue", caller="own-callback", flags=F_OTHERS)
    if goal == "race:removal-vs-queued":
        return _goal("remove-begin", flags=F_ANY_QUEUED)
    if goal == "race:removal-vs-running":
        return _goal("remove-begin", flags=F_ANY_RUNNING)
    if fam == "alloc-fail":
        caller = {"passive": "passive", "dispatch": "dispatch", "callback": "other-callback"}[rest]
        return _goal("call", "init", caller=caller, flags=F_INJECTED)
    if goal in RULE_TRAPS:
        kind, fields, flags = RULE_TRAPS[goal]
        return _goal(kind, flags=flags, **fields)
    return None


def _defines(bounds: list[str]) -> list[str]:
    return bounds + [f"STORK_OFF_{p}" for p in MINIPORT_PROPERTIES]


def _events(lines: list[str]) -> list[str]:
    """The model's event lines among what SPIN printed, blanks normalised."""
    return [" ".join(w) for w in map(str.split, lines) if w and w[0] in tracefmt.EVENT_WORDS]


def _trace_text(meta: list[str], events: list[str], where: str, check: bool = True) -> str:
    """The trace's text; with `check`, parsed (a planned run's caller parses it anyway)."""
    text = "\n".join([tracefmt.HEADER] + [f"meta {m}" for m in meta] + events + ["end"]) + "\n"
    if check:
        _parse(text, where)
    return text


def _parse(text: str, where: str) -> tracefmt.Trace:
    try:
        return tracefmt.parse(text, where)
    except tracefmt.TraceError as e:
        raise GenError(f"the model printed a malformed trace: {e}") from None


def _meta(bounds: list[str], extra: str) -> list[str]:
    return [f"generator stork-gen {__version__}",
            f"design {GEN_DESIGN.relative_to(ROOT)}",
            f"config {' '.join(bounds)}", extra]


def search_witnesses(goals: list[str], cfg: GenConfig, opts: PanOptions | None = None,
                     progress=None, jobs: int = 0, time_limit: float = TIME_LIMIT) -> list[Witness]:
    """One pan for all goals; a witness (or SPIN's verdict) per goal, in the order given.
    Goals are searched `jobs` at a time (default: one per core), each job in a folder of its
    own (pan writes its trail into the folder it runs in); the result does not depend on it.
    `time_limit` bounds the whole search: a goal not decided within it is unknown."""
    # -DREACH: with -i, what makes the witness the shortest run (and so the corpus what it is).
    # -w18: a goal's search stores up to 160,000 states; from pan's default -w14 its table
    # grew four times in each of the 126 searches.
    opts = opts or PanOptions(cc_opt="-O2", extra_cc=["-DREACH"], hash_bits=18)
    deadline = time.monotonic() + time_limit
    bounds = cfg.witness_bounds()
    for goal in goals:
        if encode(goal) is None:
            raise GenError(f"goal {goal} has no trap")
    workdir = Path(tempfile.mkdtemp(prefix="stork-gen-"))
    try:
        generate(GEN_DESIGN, workdir, _defines(bounds))
        compile_pan(workdir, opts, safety=True)
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(goals)))
        dirs = queue.SimpleQueue()
        for k in range(jobs):
            d = workdir / f"job{k}"
            d.mkdir()
            shutil.copy2(workdir / "pan", d / "pan")
            dirs.put(d)
        done = 0
        lock = threading.Lock()

        def one(goal: str) -> Witness:
            nonlocal done
            d = dirs.get()
            try:
                w = _search_one(goal, d, opts, bounds, deadline)
            finally:
                dirs.put(d)
            with lock:
                done += 1
                if progress:
                    progress(done, len(goals), w)
            return w

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(one, goals))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _search_one(goal: str, workdir: Path, opts: PanOptions, bounds: list[str],
                deadline: float) -> Witness:
    env = {"STORK_GOAL": encode(goal) or ""}
    left = min(opts.time_limit, deadline - time.monotonic())
    if left <= 0:
        return Witness(goal, "unknown", 0, 0.0, "search incomplete: gen's time limit reached "
                       "before this goal's search")
    res = run_pan(workdir, opts, ["-i"], env, time_limit=left, shallow_first=True)
    if res.errors:
        if "!(gen_hit)" not in res.error_line:
            raise GenError(f"the generator model broke a runtime property looking for "
                           f"{goal}: {res.error_line}")
        if res.trail is None or not res.trail.exists():
            raise GenError("pan found a witness but wrote no trail")
        lines = replay_pan_trail(workdir, res.trail, env)
        res.trail.unlink()
        text = _trace_text(_meta(bounds, f"goal {goal}"), _events(lines), goal)
        meets = frozenset(coverage.goals_of(tracefmt.parse(text, goal)))
        if goal not in meets:
            raise GenError(f"model/gen/gen_trap.pml and stork/lifecycle.py disagree: "
                           f"SPIN's witness for {goal} does not meet it:\n{text}")
        return Witness(goal, "found", res.states, res.seconds, text=text, meets=meets)
    if res.complete:
        return Witness(goal, "unreachable", res.states, res.seconds,
                       f"no run meets it: SPIN's full search of {res.states} states")
    return Witness(goal, "unknown", res.states, res.seconds,
                   f"search incomplete: {res.incomplete_reason}")


def minimise(found: list[Witness]) -> list[Witness]:
    """A small subset meeting every goal the witnesses meet between them: greedy set cover
    (the most new goals first, then the shorter trace, then the goal order), then a pass that
    drops, latest first, any trace the others make redundant. Deterministic."""
    goals = set().union(*(w.meets for w in found)) if found else set()
    left = set(goals)
    chosen: list[Witness] = []
    # lazily: a trace's count of new goals only falls, so the heap's stale counts are upper
    # bounds and a trace whose fresh count still tops the heap is the greedy choice
    heap = [(-len(w.meets), w.text.count("\n"), i) for i, w in enumerate(found)]
    heapq.heapify(heap)
    while left:
        _, lines, i = heapq.heappop(heap)
        fresh = (-len(found[i].meets & left), lines, i)
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)
            continue
        chosen.append(found[i])
        left -= found[i].meets
    # latest first, drop a trace every goal of which another chosen trace also meets
    count: dict[str, int] = {}
    for w in chosen:
        for g in w.meets:
            count[g] = count.get(g, 0) + 1
    for w in reversed(list(chosen)):
        if all(count[g] > 1 for g in w.meets):
            chosen.remove(w)
            for g in w.meets:
                count[g] -= 1
    return chosen


def random_walk(seed: int, cfg: GenConfig) -> str:
    bounds = cfg.walk_bounds()
    rc, out = random_simulation(GEN_DESIGN, _defines(bounds) + ["GEN_NO_TRAP"], seed)
    if rc != 0 or "invalid end state" in out or "remove end" not in out:
        tail = "\n".join(out.splitlines()[-5:])
        raise GenError(f"random walk with seed {seed} did not end with the adapter released:\n{tail}")
    return _trace_text(_meta(bounds, f"seed {seed}"), _events(out.splitlines()), f"seed {seed}")


def generate_corpus(cfg: GenConfig, progress=None, time_limit: float = TIME_LIMIT) -> Corpus:
    """The corpus; `time_limit` bounds the goals' searches (a goal left is unknown) and the
    transitions' and the k = 3 part's (cut short: incomplete).

    The parts do not depend on one another until the minimising, so the transitions (their
    search and plan), the k = 3 part and the random walks are made on threads of their own
    while the goals' searches run: the witness search keeps every core busy only while it
    runs, and each of the others spends much of its time on one core (a pan, spin -n one seed
    after another, or Python). Each part is the same whatever ran beside it (each SPIN run has
    its folder, every result is collected in a fixed order), so the corpus is too."""
    started = time.monotonic()
    goals = [g for fam in coverage.all_goals().values() for g in fam if encode(g) is not None]
    corpus = Corpus(cfg)
    with ThreadPoolExecutor(max_workers=3) as side:
        tr_part = side.submit(transition_witnesses, corpus, time_limit)
        k3_part = side.submit(_k3_part, cfg, time_limit) if cfg.k3_ops else None
        walks = side.submit(lambda: [(cfg.seed + i, random_walk(cfg.seed + i, cfg))
                                     for i in range(cfg.walks)])
        corpus.witnesses = search_witnesses(goals, cfg, progress=progress, time_limit=time_limit)
        planned = tr_part.result()
        corpus.walks = walks.result()
        corpus.k3 = k3_part.result() if k3_part else None
    found = [w for w in corpus.witnesses if w.verdict == "found"]
    k = cfg.maxw
    found = [Witness(w.goal, w.verdict, w.states, w.seconds, w.reason, w.text,
                     w.meets | _tr_goals(tracefmt.parse(w.text, w.goal), k)) for w in found]
    corpus.chosen = minimise(found + planned)
    corpus.seconds = time.monotonic() - started
    return corpus


def _k3_part(cfg: GenConfig, time_limit: float) -> corpus_k3.K3Part:
    try:
        return corpus_k3.generate(
            cfg.k3_ops, cfg.nthreads, time_limit,
            lambda bounds, lines, goal: _trace_text(_meta(bounds, f"goal {goal}"), lines,
                                                    goal, check=False),
            _slug)
    except corpus_k3.K3Error as e:
        raise GenError(str(e)) from None


def _tr_goals(trace: tracefmt.Trace, k: int) -> frozenset[str]:
    return frozenset(f"tr:{x}" for x in transitions.keys_of(trace, k))


def transition_witnesses(corpus: Corpus, time_limit: float) -> list[Witness]:
    """The transitions family: SPIN's reachable pairs (corpus.reach, corpus.unreachable) and
    a planned run for the pairs (Witness per run, its goal the pair it was planned for)."""
    cfg = corpus.config
    k = cfg.maxw
    bounds = [f"OPS={cfg.tr_ops}"] + cfg.witness_bounds()[1:]
    tb = transitions.Bounds(cfg.tr_ops, cfg.maxw, cfg.nthreads)
    ex = transitions.explore(tb, runs=False, time_limit=time_limit)
    corpus.reach = ex.reach
    if not ex.reach.complete:
        return []
    reach = set(ex.reach.keys)
    possible = transitions.candidates(k, cfg.nthreads)
    corpus.unreachable = sorted(possible - reach)
    if reach - possible:
        raise GenError("the model reaches transitions transitions.candidates does not list: "
                       + ", ".join(sorted(reach - possible)[:3]))
    plans, untaken = transitions.plan(reach, k, cfg.nthreads)
    if untaken:
        raise GenError("model/gen/transition_trap.pml and stork/transitions.py disagree: the "
                       f"planned walk cannot take reachable transitions, e.g. {sorted(untaken)[0]}")
    out = []
    for p in plans:
        goal = f"tr:{p.goal}"
        text = _trace_text(_meta(bounds, f"goal {goal}"), list(p.lines), goal, check=False)
        t = _parse(text, goal)
        got = [x for x in transitions.keys(t, k) if x]
        if got != list(p.keys) or not set(got) <= reach:
            raise GenError(f"the planned run for {goal} classifies as other transitions than "
                           f"planned:\n{text}")
        out.append(Witness(goal, "found", 0, 0.0, text=text,
                           meets=frozenset(coverage.goals_of(t)) | {f"tr:{x}" for x in got}))
    corpus.planned = len(out)
    return out


UNREACHABLE_FILE = "transitions-unreachable.txt"


def transitions_line(corpus: Corpus) -> str:
    r = corpus.reach
    if r is None:
        return "- transitions: not searched"
    return (f"- transitions (k={corpus.config.maxw} worker slots, OPS={corpus.config.tr_ops}): SPIN's "
            f"{'complete' if r.complete else 'INCOMPLETE'} search of {r.states} states with "
            f"`model/gen/transition_trap.pml` reaches {len(r.keys)} (abstract state, event) "
            f"pairs of the {len(r.keys) + len(corpus.unreachable)} the contract makes possible "
            f"(the other {len(corpus.unreachable)}: `{UNREACHABLE_FILE}`); "
            f"{corpus.planned} planned runs take them all")


def unreachable_text(corpus: Corpus) -> str:
    r = corpus.reach
    head = [f"# (abstract state, event) pairs the contract makes possible over "
            f"{corpus.config.maxw} worker slots that no run of "
            f"{GEN_DESIGN.relative_to(ROOT)} reaches with OPS={corpus.config.tr_ops} "
            f"{' '.join(corpus.config.witness_bounds()[1:])}:",
            f"# SPIN's verdict: unreachable, its complete search of {r.states if r else 0} "
            "states met every other pair and none of these (spec/coverage.md, transitions).",
            "# Written by `stork gen`; do not edit."]
    return "\n".join(head + corpus.unreachable) + "\n"


def _slug(goal: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", goal.lower()).strip("-")[:120]


def write_corpus(corpus: Corpus, out: Path) -> list[Path]:
    """goals/NNN-GOAL.trace, random/seed-NNNN.trace and COVERAGE.md under out (replaced)."""
    for sub in ("goals", "random"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    files = []
    for i, w in enumerate(corpus.chosen, 1):
        files.append(out / "goals" / f"{i:03d}-{_slug(w.goal)}.trace")
        files[-1].write_text(w.text, encoding="utf-8")
    for seed, text in corpus.walks:
        files.append(out / "random" / f"seed-{seed:04d}.trace")
        files[-1].write_text(text, encoding="utf-8")
    (out / "COVERAGE.md").write_text(report(corpus), encoding="utf-8")
    (out / UNREACHABLE_FILE).write_text(unreachable_text(corpus), encoding="utf-8")
    (out / corpus_k3.PACK).unlink(missing_ok=True)     # none asked for, or its search cut short
    if corpus.k3 and corpus.k3.complete:
        try:
            files.append(corpus_k3.write_pack(corpus.k3, out))
        except corpus_k3.K3Error as e:
            raise GenError(str(e)) from None
    return files


def k3_line(corpus: Corpus) -> str:
    p = corpus.k3
    if p is None:
        return "- k = 3 part: not generated (`stork gen --k3-ops 0`)"
    if not p.complete:
        return (f"- k = 3 part (OPS={p.ops}): SPIN's search was cut short ({p.reason}): "
                "unknown, no `k3.pack` written")
    return (f"- k = 3 part (3 worker slots, `{corpus_k3.PACK}`"
            + (", the whole k = 3 criterion: no run of any length reaches another pair"
               if p.criterion else "") + "): SPIN's complete searches reach "
            f"{len(p.whole.keys)} (abstract state, event) pairs within {p.ops} calls "
            f"({p.whole.states} states) and {p.full_pending()} more with three workers pending "
            f"within {p.ops + 1} (OPS={p.ops + 1} with its last call only where it can leave "
            f"three pending, {p.sliced.states} states, {len(p.sliced.keys)} pairs); "
            f"{len(p.traces)} planned runs ({p.events} events) take all {len(p.goals)}"
            + ("" if p.criterion else " (other pairs that need more calls are not goals of "
               "this part: spec/coverage.md)"))


def k3_table(part: corpus_k3.K3Part, others: list[tracefmt.Trace]) -> tuple[list[str], list[str]]:
    """COVERAGE.md's table of the k = 3 part's goals: met by its pack, by the rest of the
    corpus, by both (what `stork coverage --k3` reports for the same traces); and the goals
    neither meets."""
    rest = set().union(*(transitions.keys_of(t, corpus_k3.K) for t in others)) if others else set()
    out = ["", "The k = 3 part's goals (`stork coverage --k3 conformance/traces`, the "
               f"folder's {corpus_k3.PACK} included, measures any traces against the same "
               "SPIN searches):", "",
           f"| family | {corpus_k3.PACK} | goals/ and random/ | all |", "|---|---|---|---|"]
    for fam, goals in part.families().items():
        keys = [g[3:] for g in goals]
        n = len(keys)
        pack = sum(x in part.taken for x in keys)
        other = sum(x in rest for x in keys)
        both = sum(x in part.taken or x in rest for x in keys)
        out.append(f"| {fam} | {pack} / {n} | {other} / {n} | {both} / {n} |")
    unmet = [g for gs in part.families().values() for g in gs
             if g[3:] not in part.taken and g[3:] not in rest]
    return out, unmet


def differences(ours: Path, theirs: Path) -> list[str]:
    """Files of two corpora that differ, are missing or are extra (relative paths)."""
    a = {p.relative_to(ours): p for p in ours.rglob("*") if p.is_file()}
    b = {p.relative_to(theirs): p for p in theirs.rglob("*") if p.is_file()}
    return sorted(str(k) for k in a.keys() | b.keys()
                  if k not in a or k not in b or a[k].read_bytes() != b[k].read_bytes())


def report(corpus: Corpus) -> str:
    """The coverage report shipped with the corpus (no timings: the corpus is reproducible)."""
    cfg = corpus.config
    goal_traces = [tracefmt.parse(w.text, w.goal) for w in corpus.chosen]
    walk_traces = [tracefmt.parse(t, str(s)) for s, t in corpus.walks]
    by_goal = coverage.measure(goal_traces)
    both = coverage.measure(goal_traces + walk_traces)
    walks_only = coverage.measure(walk_traces)
    lines = [
        "# Generated corpus: coverage report",
        "",
        "Written by `stork gen`; do not edit. Goals are those of `spec/coverage.md`.",
        "",
        f"- witness search: `{GEN_DESIGN.relative_to(ROOT)}` with "
        f"`{' '.join(cfg.witness_bounds())}`; {len(corpus.witnesses)} goals trapped, "
        f"{sum(w.verdict == 'found' for w in corpus.witnesses)} witnesses found, minimised to "
        f"{len(corpus.chosen)} traces (`goals/`)",
        f"- random walks: {len(corpus.walks)} seeds from {cfg.seed} with "
        f"`{' '.join(cfg.walk_bounds())}` (`random/`)",
        transitions_line(corpus),
        k3_line(corpus),
        "",
        "| family | goal-directed | random walks | both |",
        "|---|---|---|---|",
    ]
    for (fam, met, total), (_, wmet, _), (_, bmet, _) in zip(
            by_goal.family_counts(), walks_only.family_counts(), both.family_counts()):
        lines.append(f"| {fam} | {met} / {total} | {wmet} / {total} | {bmet} / {total} |")
    tr_goals = corpus.transition_goals()
    k = cfg.maxw
    tr_goal = set().union(*(_tr_goals(t, k) for t in goal_traces)) if goal_traces else set()
    tr_walk = set().union(*(_tr_goals(t, k) for t in walk_traces)) if walk_traces else set()
    n = len(tr_goals)
    lines.append(f"| transitions (k={k}) | {len(tr_goal & set(tr_goals))} / {n} | "
                 f"{len(tr_walk & set(tr_goals))} / {n} | "
                 f"{len((tr_goal | tr_walk) & set(tr_goals))} / {n} |")
    k3_unmet: list[str] = []
    if corpus.k3 and corpus.k3.complete:
        table, k3_unmet = k3_table(corpus.k3, goal_traces + walk_traces)
        lines += table
    lines += ["", "## Goals not met", ""]
    verdicts = {w.goal: w for w in corpus.witnesses}
    unmet = both.unmet() + sorted(set(tr_goals) - tr_goal - tr_walk) + k3_unmet
    if corpus.k3 and not corpus.k3.complete:
        unmet.append("transitions (k=3)")
        verdicts["transitions (k=3)"] = Witness("transitions (k=3)", "unknown",
                                                corpus.k3.states, 0.0,
                                                f"search incomplete: {corpus.k3.reason}")
    if corpus.reach and not corpus.reach.complete:
        unmet.append("transitions")
        verdicts["transitions"] = Witness("transitions", "unknown", corpus.reach.states, 0.0,
                                          f"search incomplete: {corpus.reach.reason}")
    if not unmet:
        lines.append("None.")
    for g in unmet:
        w = verdicts.get(g)
        why = (f"{w.verdict}: {w.reason}" if w else
               "no trap of its own, and no witness of another goal meets it")
        lines.append(f"- `{g}`: {why}")
    for rule, why in coverage.UNREACHABLE_RULES.items():
        lines.append(f"- `rule:{rule}` is not a goal: {why}")
    return "\n".join(lines) + "\n"
