"""Verify a design: one verdict per property, each from a parsed, complete SPIN search.

Safety properties (the monitor's assertions, the design's own assert(...) and terminates'
invalid end states) share one pan, compiled once with every never claim out (-DNOCLAIM) and
wrapped in spin.switch_hook: a search with all of them enabled either finds a violation,
which names its property, or proves them all. A found property is then switched off for the
next search, at run time (STORK_OFF=<name>, or pan -E for end states), and the search repeated
for the rest -- one search per violated property plus one, one compile. A violation that
comes after another on every path is found so, never reported holds. The claims --
callback_eventually, terminates' `<> released` (a livelock never releases) and each `ltl
NAME` of the design -- share a second pan, with every switchable property off at run time,
and run one at a time (-a -f -N NAME: acceptance cycles under weak fairness). Both pans are
compiles of one pan.c: the design is preprocessed once (with -DSTORK_LIVENESS, which adds the
claims the safety pan compiles out) and spin -a runs once. Both come from the cache of
compiled pans (stork.pancache) when they are there.

Every run that finds no violation is also asked what it reached (pan's unreached-code
report, with the model's reachability markers, -DSTORK_VERIFY): a "holds" over a search in
which no run reaches the adapter's release, or no API call is ever made, is **vacuous**.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from stork import __version__, hosts, pancache
from stork import trace as tracefmt
from stork.design import (VERIFY_FLAGS, DesignError, at_design, check_expanded,
                          check_hidden_names, check_source, check_writes, design_globals,
                          makes_assertions,
                          names_used, own_bounds, own_ltl, preprocessed, sources)
from stork.paths import MODEL_DIR, ROOT
from stork.properties import Property, all_properties, rule_table
from stork.spin import (SWITCH_ENV, PanOptions, PanResult, SpinInputError, Unreached,
                        compile_command, compile_pan,
                        generate, hidden_clashes, replay_pan_trail, replay_pan_trail_with_values,
                        replay_trail_with_values, run_pan,
                        switch_hook)

HOLDS, VIOLATED, INCOMPLETE, VACUOUS = "holds", "VIOLATED", "incomplete", "vacuous"
DESIGN_LTL = "design LTL"
RELEASE_MARK = "stork_reached_release = 1"
CALL_MARK = "stork_reached_call = 1"


class ModelError(Exception):
    """pan reported an error that is no property's (e.g. an array index out of bounds)."""


class BadDefine(Exception):
    """A -D the model and the design do not use, or one that would rewrite the monitor."""


@dataclass
class Reach:
    """What one complete search without violations reached."""
    release: bool          # some run reaches the adapter's release
    calls: bool            # some run makes an API call
    unreached_design: list[str] = field(default_factory=list)   # FILE:LINE: statement


@dataclass
class PropertyResult:
    prop: Property
    verdict: str
    states: int
    depth: int
    seconds: float
    memory_mb: float
    reason: str = ""                   # why incomplete or vacuous, or pan's violation message
    trace_text: str = ""               # the counterexample, in the trace format
    trail: Path | None = None          # SPIN's own trail (valid only with the same pan)
    reach: Reach | None = None         # None: the run stopped at a violation or was cut short
    scope: str = ""                    # what a "holds" covers, when not every run
    others: list[str] = field(default_factory=list)   # more counterexamples, each of its own shape


@dataclass
class VerifyResult:
    design: Path
    defines: list[str]
    bounds: list[str] = field(default_factory=list)     # NAME=VALUE in force
    results: list[PropertyResult] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)      # each role's multiplicity bound
    seconds: float = 0.0              # wall clock of the whole verification, compiles included
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        from stork import exitcodes
        verdicts = {r.verdict for r in self.results}
        if VIOLATED in verdicts:
            return exitcodes.VIOLATED
        if VACUOUS in verdicts:
            return exitcodes.VACUOUS
        if INCOMPLETE in verdicts:
            return exitcodes.INCOMPLETE
        return exitcodes.OK

    def verdict_of(self, name: str) -> str:
        """The property's verdict, or "" if it was not checked."""
        return next((r.verdict for r in self.results if r.prop.name == name), "")


def display_path(design: Path) -> str:
    try:
        return str(design.resolve().relative_to(ROOT))
    except ValueError:
        return str(design)


def _attribute(error_line: str, candidates: list[Property]) -> Property:
    """Which property does pan's error message belong to?"""
    names = {p.name: p for p in candidates}
    if "invalid end state" in error_line and "terminates" in names:
        return names["terminates"]
    claims = [p for p in candidates if p.kind in ("LTL", DESIGN_LTL, "progress")]
    if len(claims) == 1 and len(candidates) == 1:
        # A claim run, every assertion compiled out: a cycle, or the assert SPIN writes into
        # the never claim of a safety formula ([] p), is the claim's.
        if re.search(r"acceptance cycle|non-progress cycle|assertion violated", error_line):
            return claims[0]
    if "assertion violated" in error_line:
        tokens = re.findall(r"\|\|([A-Za-z_]\w*)\)", error_line)
        for tok in tokens:                       # the monitor's own name comes first
            if tok in names and tok != "design_assertion":
                return names[tok]
        if "design_assertion" in tokens and "design_assertion" in names:
            return names["design_assertion"]
    raise ModelError(f"pan reported an error that is no property's: {error_line}")


def _rules_in(error_line: str) -> list[str]:
    return [r.replace("_", "-") for r in re.findall(r"\|\|((?:WI|ENV)_[A-Z]\d+)\)", error_line)]


def model_bounds(defines: list[str], design: Path | None = None) -> list[str]:
    """The bounds in force: the model's and the design's defaults overridden by -D NAME=VALUE
    (the last -D of a name wins, as for cpp)."""
    text = (MODEL_DIR / "storport.pml").read_text(encoding="utf-8")
    bounds = dict(re.findall(r"#ifndef (\w+)\n#define \1 (\S+)", text))
    if design is not None:
        bounds.update(own_bounds(design))
    for d in defines:
        name, _, value = d.partition("=")
        bounds[name] = value or "1"
    return [f"{k}={v}" for k, v in bounds.items()]


_ROLE = re.compile(r"hidden\s+byte\s+stork_role_(\w+)\s*=\s*(\d+)\s*,\s*"
                   r"stork_role_at_once_\1\s*=\s*(\d+)\s*;")


def role_bounds(preprocessed_text: str | None) -> list[str]:
    """The roles the design declares and their multiplicity bounds, as lifecycle.pml's
    STORK_ROLE table states them: "startio 2 (1 at once)", 0 runs meaning any number."""
    out = []
    for name, runs, at_once in _ROLE.findall(preprocessed_text or ""):
        count = "any" if runs == "0" else runs
        out.append(name + " " + count + ("" if runs == "1" else f" ({at_once} at once)"))
    return out


def check_defines(design: Path, defines: list[str]) -> None:
    """A -D must name something the model or the design uses, and may not rewrite the
    monitor (STORK_*): raise BadDefine."""
    used = names_used(design)
    for d in defines:
        name = d.partition("=")[0]
        if name.startswith("STORK_") or name in ("assert", "NOCLAIM"):
            raise BadDefine(f"-D {name}: stork's own switches cannot be set from outside "
                            "(they would turn the monitor's checks off)")
        if name not in used:
            raise BadDefine(f"-D {name}: neither the model nor {display_path(design)} uses "
                            f"'{name}' (a typo?)")


def merged_defines(header_config: list[str], defines: list[str]) -> list[str]:
    """The header's config: bounds, then the command line's -D (which override them)."""
    given = {d.partition("=")[0] for d in defines}
    return [c for c in header_config if c.partition("=")[0] not in given] + list(defines)


SITE = "# at "        # a trace comment: the design's FILE:LINE of the call on the next line
STATE = "# design: "   # a trace comment: the design's globals that changed before the next line


def call_site(line: int, design_files: list[Path]) -> str:
    """FILE:LINE of the design's API call that the model reports by its line (__LINE__):
    the design's own file, or the one file of its own includes with a call on that line."""
    hits = [p for p in design_files
            if 0 < line <= len(lines := p.read_text(encoding="utf-8", errors="replace").splitlines())
            and re.search(r"\bStorPort\w+\s*\(", lines[line - 1])]
    return f"{display_path(hits[0] if len(hits) == 1 else design_files[0])}:{line}"


def steps_of(trace_text: str) -> list[tuple[str, str]]:
    """A counterexample's lines after its header, as (line, FILE:LINE of the call or "")."""
    steps, site = [], ""
    for ln in trace_text.splitlines():
        if ln.startswith(SITE):
            site = ln[len(SITE):]
        elif ln and not ln.startswith((tracefmt.HEADER, "meta ")) and ln != "end":
            steps.append((ln, site if ln.startswith("call ") else ""))
            site = "" if ln.startswith("call ") else site
    return steps


def _leaks(events: list[str]) -> list[str]:
    """Comments naming each worker issued and never freed, with its init's call site."""
    body = "\n".join([tracefmt.HEADER] + events + ["end"]) + "\n"
    try:
        parsed = tracefmt.parse(body, "counterexample").events
    except tracefmt.TraceError:
        return []                         # reported by the caller's own parse
    sites = [ln[len(SITE):] for ln in events if ln.startswith(SITE)]
    issued: dict[str, str] = {}
    calls = 0
    for ev in parsed:
        if ev.kind != "call":
            continue
        site = sites[calls] if calls < len(sites) else ""
        calls += 1
        if ev.api == "init" and ev.worker:
            issued[ev.worker] = site
        elif ev.api == "free" and ev.statuses == ("SUCCESS",):
            issued.pop(ev.handle, None)
    return [f"# {w} leaked: initialised at {site or 'an unknown line'}, never freed"
            for w, site in issued.items()]


def _state_changes(lines: list[str], states: list[dict[str, str]],
                   names: list[str]) -> dict[int, str]:
    """line index -> a STATE comment: the design's globals (`names`) that changed between
    that step and the next (a trace event, or a request or pause of the environment)."""
    marks = [i for i, ln in enumerate(lines)
             if (ln.strip().split(" ", 1)[0] in tracefmt.EVENT_WORDS and ln.strip() != "loop")
             or ln.startswith(("# request ", "# adapter ", "# removal: ", "# dpc object ",
                               "# timer ", "# interrupt"))]
    after: dict[int, str] = {}
    shown: dict[str, str] = {}
    for k, i in enumerate(marks):
        nxt = states[marks[k + 1]] if k + 1 < len(marks) else states[-1]
        now = {v: x for v, x in nxt.items() if v.split("[", 1)[0] in names}
        changed = [f"{v}={x}" for v, x in now.items() if shown.get(v) != x]
        if changed:
            after[i] = STATE + " ".join(changed)
            shown.update(now)
    return after


def counterexample(design: Path, workdir: Path, trail: Path,
                   prop: Property, error_line: str, bounds: list[str],
                   claim: str | None = None, env: dict[str, str] | None = None) -> str:
    """Replay the trail and keep the model's trace lines: a trace, checked by the parser. The
    pan that wrote the trail replays it, with `env` (the properties its search had off): a
    claim's with no values, a safety trail with the globals' values (pan -r -v). spin -t
    replays a safety trail instead, on the model the pan was generated from (written beside
    it by _Pan), where pan cannot tell all: for the design's own assert (spin names its line)
    and when spin -a hid a design variable that no expression reads (pan has no value for it)."""
    events = []
    files = sources(design)
    names = design_globals(design)
    if claim:
        lines, states = replay_pan_trail(workdir, trail, env, claim=claim), []
    elif prop.kind == "design":
        lines, states = replay_trail_with_values(workdir / design.name, workdir, trail)
    else:
        lines, states, shown = replay_pan_trail_with_values(workdir, trail, env)
        if not set(names) <= shown:
            lines, states = replay_trail_with_values(workdir / design.name, workdir, trail)
    after = _state_changes(lines, states, names) if states else {}
    for i, line in enumerate(lines):
        s = line.strip()
        if i - 1 in after:
            events.append(after.pop(i - 1))
        where = re.match(r"spin: (\S+):(\d+), Error: assertion violated", s)
        site = re.fullmatch(r"# at line (\d+)", s)
        if s.startswith("<<<<<START OF CYCLE>>>>>"):
            events.append("loop")
        elif site:
            events.append(SITE + call_site(int(site.group(1)), files))
        elif s.split(" ", 1)[0] in tracefmt.EVENT_WORDS or s.startswith("# "):
            events.append(s)
        elif where and prop.kind == "design" and _names_design_assertion(lines, i):
            events.append(f"# the design's assert at {_source_line(where, design)} fails")
    events += list(after.values())
    if prop.name == "no_leak":
        events += _leaks(events)
    rules = _rules_in(error_line) or list(prop.rules)
    head = [
        tracefmt.HEADER,
        f"meta generator stork-verify {__version__}",
        f"meta design {display_path(design)}",
        f"meta config {' '.join(bounds)}",
        f"meta property {prop.name} {' '.join(rules)}".rstrip(),
    ]
    text = "\n".join(head + events + ["end"]) + "\n"
    try:
        tracefmt.parse(text, f"{design.name}:{prop.name}")   # the model must speak the format
    except tracefmt.TraceError as e:
        raise ModelError(f"the model printed a malformed counterexample trace: {e}") from None
    return text


def _names_design_assertion(lines: list[str], i: int) -> bool:
    """Is the assertion spin says failed at lines[i] the design's own? spin names its text on
    the next line. The replay goes on past a failure of a property the search had switched
    off, which is no part of this counterexample."""
    return i + 1 < len(lines) and "design_assertion" in lines[i + 1]


def _source_line(where: re.Match, design: Path) -> str:
    """FILE:LINE of a failed assert as spin names it, the design's path made readable."""
    file, line = where.group(1), where.group(2)
    path = Path(file)
    if path.name == design.name or not path.is_absolute():
        path = design
    return f"{display_path(path)}:{line}"


def _design_line(entry: Unreached, design_files: list[tuple[Path, list[str]]]) -> str | None:
    """FILE:LINE of an unreached statement of the design's own code (each file with its
    lines), or None for the model's. pan names the file of included code unreliably, so the
    line is matched by its text."""
    if entry.text in ("-end-", RELEASE_MARK, CALL_MARK) or entry.text.startswith("D_STEP"):
        return None
    word = re.match(r"[(!]*([A-Za-z_]\w*)", entry.text)
    if word is None:                               # "(1)", "else": nothing to match by
        return None
    for path, lines in design_files:
        if 0 < entry.line <= len(lines) and re.search(rf"\b{word.group(1)}\b", lines[entry.line - 1]):
            return f"{display_path(path)}:{entry.line}: {entry.text}"
    return None


# lifecycle.pml: the handlers NeptuneOS never calls (ENV-H5), in a proctype no run starts. All of
# it is unreached; its lines are no warning (a line there may be reached where a handler the
# host does call shares it, which pan's report, per proctype, does not say).
HOST_NEVER_CALLS = "proctype StorkHostNeverCalls"


def reach_of(res: PanResult, workdir: Path, design_files: list[Path]) -> Reach:
    """Reachability from pan's unreached-code report, for a run that found no violation."""
    marks = (workdir / "pan.t").read_text(errors="replace").count(f'"{CALL_MARK}"') \
        if (workdir / "pan.t").exists() else 0
    unreached_calls = sum(1 for u in res.unreached if u.text == CALL_MARK)
    release = not any(u.text == RELEASE_MARK for u in res.unreached)
    files = [(f, f.read_text(encoding="utf-8", errors="replace").splitlines()) for f in design_files]
    design = [d for d in (_design_line(u, files) for u in res.unreached
                          if u.proctype != HOST_NEVER_CALLS) if d]
    return Reach(release, marks > unreached_calls, sorted(set(design)))


class _Budget:
    """The whole verification's time limit, shared by its pan runs."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.0)


SLOW_SEARCH = 2.0    # seconds: a search this long pays for compiling the next pans with gcc -O2


class _Model:
    """The design as spin -a reads it with a set of -D flags (preprocessed once), and its
    pan.c, generated once (spin -a) for every pan that is not in the cache."""

    def __init__(self, design: Path, flags: list[str]):
        self.design, self.flags = design, flags
        self.text = preprocessed(design, flags)        # None: cpp fails, spin -a says why
        self._lock = threading.Lock()
        self._folder: Path | None = None

    def generated(self) -> Path:
        """A folder holding pan.c and the files it includes."""
        with self._lock:
            if self._folder is None:
                folder = Path(tempfile.mkdtemp(prefix="stork-"))
                try:
                    try:
                        generate(self.design, folder, self.flags, self.text)
                    except SpinInputError as e:     # a model #error named where it is set
                        raise SpinInputError(at_design(self.design, str(e), self.flags)) from None
                    check_hidden_names(self.design,
                                       hidden_clashes(folder, design_globals(self.design)))
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
                self._folder = folder
            return self._folder

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class _Pan:
    """One compiled pan of a _Model; with `switches` (property names), wrapped in
    spin.switch_hook so that each run chooses which of those properties it checks. Taken from
    the cache (stork.pancache) when it is there. The safety pan (-DSAFETY -DNOCLAIM) and the
    claims' pan are two compiles of the same pan.c."""

    def __init__(self, model: _Model, opts: PanOptions, safety: bool,
                 switches: list[str] | None = None):
        self.design, self.flags, self.opts, self.switches = model.design, model.flags, opts, switches
        self.workdir = Path(tempfile.mkdtemp(prefix="stork-"))
        try:
            self._build(model, safety)
        except BaseException:
            self.close()
            raise

    def _build(self, model: _Model, safety: bool) -> None:
        claimed = "STORK_LIVENESS" in self.flags
        hook = switch_hook(self.switches, claimed) if self.switches is not None else ""
        root = pancache.cache_root() if self.opts.cache else None
        name = None
        if model.text is not None:                       # for counterexample's spin -t
            (self.workdir / self.design.name).write_text(model.text, encoding="utf-8",
                                                         errors="surrogateescape")
        if root and model.text is not None:
            cmd = compile_command(self.opts, safety, "stork_pan.c" if hook else "pan.c")
            name = pancache.key(model.text, self.flags, cmd, hook)
            if pancache.restore(root, name, self.workdir):
                return
        folder = model.generated()
        shutil.copyfile(folder / "pan.t", self.workdir / "pan.t")     # for reach_of
        compile_pan(self.workdir, self.opts, safety, self.switches, claimed, folder)
        if root and name:
            pancache.store(root, name, self.workdir)

    def run(self, args: list[str], budget: _Budget, off: list[str] | None = None) -> PanResult:
        """One search; `off`: the switches whose properties it does not check."""
        env = None if self.switches is None else {SWITCH_ENV: ",".join(off or [])}
        return run_pan(self.workdir, self.opts, args, env=env, unreached=True,
                       time_limit=budget.left(), shallow_first=True)

    def next_options(self, res: PanResult) -> PanOptions:
        """Options for the next pan: gcc -O2 once a search of this one (tcc's, whose pan
        searches about half as fast) was long enough for optimising to pay."""
        if self.opts.compiler == "auto" and res.seconds > SLOW_SEARCH:
            return replace(self.opts, compiler="gcc", cc_opt="-O2")
        return self.opts

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def design_properties(design: Path, defines: list[str]) -> list[Property]:
    """The design's own `ltl NAME` formulas, each a property."""
    return [Property(name, f"the design's own formula `{name}` ({display_path(path)}:{line}) "
                     "holds, under weak fairness", (), DESIGN_LTL)
            for name, path, line in own_ltl(design, defines)]


def shape(trace_text: str) -> str:
    """A counterexample's events with worker, thread, routine and context numbers dropped:
    two counterexamples of one shape show the same cause."""
    events = [ln for ln in trace_text.splitlines()
              if ln and not ln.startswith(("#", "meta ", tracefmt.HEADER))]
    return re.sub(r"\b(w|sys|cb|ctx)\d+\b", r"\1#", "\n".join(events))


def runtime_property(prop: Property) -> bool:
    """A property every rule of which the runtime keeps: it describes Windows's runtime."""
    keepers = {rule_table().get(r, ("", ""))[1] for r in prop.rules}
    return bool(prop.rules) and keepers == {"runtime"}


def verify(design: Path, defines: list[str], selected: list[Property] | None = None,
           opts: PanOptions | None = None, out_dir: Path | None = None,
           more: int = 0, host: str = "windows") -> VerifyResult:
    """Verify the selected properties (default all, and the design's own ltl) of a design
    with -D defines; opts.time_limit bounds the whole verification. With `more`, each
    violated safety property gets up to that many further counterexamples, each of a shape
    of its own (pan -c -e: a trail per error, out of the first 20 * more errors).

    With out_dir, each counterexample is saved there as DESIGN.PROPERTY.trace, next to SPIN's
    DESIGN.PROPERTY.trail (which replays only with the same model text and -D flags).
    """
    opts = opts or PanOptions()
    started = time.monotonic()
    budget = _Budget(opts.time_limit)
    check_source(design)
    check_defines(design, defines)
    check_expanded(design, defines)
    check_writes(design, defines)
    builtin = list(all_properties())
    own = design_properties(design, defines)
    for name, path, line in own_ltl(design, defines):
        if name in {b.name for b in builtin}:
            raise DesignError(f"{display_path(path)}:{line}: ltl {name}: the name is a "
                              "built-in property's")
    if not makes_assertions(design, defines):
        builtin = [p for p in builtin if p.kind != "design"]   # nothing of its own to check
    host_off = []                       # the runtime's properties, off under another host
    if host != "windows":
        host_off = [f"STORK_OFF_{p.name}" for p in builtin
                    if runtime_property(p) and p.kind == "assertion"]
        builtin = [p for p in builtin if not runtime_property(p)]
    props = builtin + own
    selected = [p for p in selected if p in props] if selected else props
    bounds = model_bounds(defines, design) + ([f"host={host}"] if host != "windows" else [])
    out = VerifyResult(design, defines, bounds)
    design_files = sources(design)
    switchable = [p for p in props if p.kind in ("assertion", "design")]
    # One model for both pans: the safety pan compiles its claims out, the claims' pan
    # switches every switchable property off at run time (it looks at the claims alone).
    base = [VERIFY_FLAGS[0], *defines, *hosts.defines(host), *host_off, VERIFY_FLAGS[1]]   # design.expanded's
    model = _Model(design, base)
    out.roles = role_bounds(preprocessed(design, base))
    all_off = [p.name for p in switchable]

    def violation(prop: Property, res: PanResult, pan: _Pan, claim: str | None,
                  off: list[str]) -> PropertyResult:
        text = counterexample(design, pan.workdir, res.trail, prop, res.error_line,
                              bounds, claim, {SWITCH_ENV: ",".join(off)})
        return PropertyResult(prop, VIOLATED, res.states, res.depth, res.seconds,
                              res.memory_mb, res.error_line, text,
                              _keep(res.trail, out_dir, design, prop, text))

    def later_violation(prop: Property, res: PanResult, pan: _Pan, off: list[str]) -> Future:
        """violation(), replayed on the replay thread while the next search runs: from a copy
        of the trail, which that search will overwrite."""
        if res.trail is not None and res.trail.exists():
            keep = pan.workdir / f"found.{prop.name}.trail"
            shutil.copyfile(res.trail, keep)
            res = replace(res, trail=keep)
        return replays.submit(violation, prop, res, pan, None, off)

    reaches: dict[int, tuple[PanResult, Reach]] = {}

    def no_violation(prop: Property, res: PanResult, pan: _Pan) -> PropertyResult:
        if not res.complete:
            return PropertyResult(prop, INCOMPLETE, res.states, res.depth, res.seconds,
                                  res.memory_mb, res.incomplete_reason)
        if id(res) not in reaches:                 # one report serves all its properties
            reaches[id(res)] = (res, reach_of(res, pan.workdir, design_files))
        reach = reaches[id(res)][1]
        verdict, why = HOLDS, ""
        if not reach.calls:
            verdict, why = VACUOUS, "no run makes any API call"
        elif not reach.release:
            verdict, why = VACUOUS, "no run reaches the adapter's release"
        return PropertyResult(prop, verdict, res.states, res.depth, res.seconds,
                              res.memory_mb, why, reach=reach)

    # Safety: assertions, the design's asserts, and terminates' invalid end states, in one
    # pan; each search switches off, at run time, the properties already found violated.
    remaining = [p for p in selected if p.kind in ("assertion", "design", "progress")]
    progress_pending = [p for p in remaining if p.kind == "progress"]
    claims = [p for p in selected if p.kind in ("LTL", DESIGN_LTL)]
    safety_pan = None
    replays = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stork-replay")
    builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stork-build")
    # The claims' pan is built while the safety searches run (it is needed unless terminates
    # is found deadlocking and nothing else is a claim: then it is built for nothing).
    claim_pan = builder.submit(_Pan, model, opts, False, all_off) \
        if claims or progress_pending else None
    try:
        if remaining:
            safety_pan = _Pan(model, opts, safety=True, switches=all_off)
        found: list[PropertyResult | Future] = []
        while remaining:
            off = [p.name for p in switchable if p not in remaining]
            args = [] if any(p.kind == "progress" for p in remaining) else ["-E"]
            res = safety_pan.run(args, budget, off)
            opts = safety_pan.next_options(res)
            if res.errors:
                prop = _attribute(res.error_line, remaining)
                found.append(later_violation(prop, res, safety_pan, off))
                remaining.remove(prop)
                if prop in progress_pending:
                    progress_pending.remove(prop)
            else:
                for p in remaining:
                    if p.kind == "progress" and res.complete:
                        continue               # no deadlock; the claim run looks for livelocks
                    if p in progress_pending:
                        progress_pending.remove(p)
                    found.append(no_violation(p, res, safety_pan))
                remaining = []

        # Claims: callback_eventually, terminates' livelocks, the design's own ltl.
        claims += progress_pending
        if claims:
            pan = claim_pan.result()
            claim_pan = None
            if pan.opts != opts:                   # a slow safety search: gcc -O2 pays
                pan.close()
                pan = _Pan(model, opts, safety=False, switches=all_off)
            try:
                for prop in claims:
                    res = pan.run(["-a", "-f", "-N", prop.name], budget, all_off)
                    if res.errors:
                        _attribute(res.error_line, [prop])
                        found.append(violation(prop, res, pan, prop.name, all_off))
                    else:
                        found.append(no_violation(prop, res, pan))
            finally:
                pan.close()
        out.results = [r.result() if isinstance(r, Future) else r for r in found]

        for r in out.results:
            if more and r.verdict == VIOLATED and r.prop.kind in ("assertion", "design", "progress"):
                assert safety_pan is not None
                args = [] if r.prop.kind == "progress" else ["-E"]
                off = [p.name for p in switchable if p != r.prop]
                res = safety_pan.run(args + [f"-c{20 * more}", "-e"], budget, off)
                seen = {shape(r.trace_text)}
                for n in range(1, res.errors + 1):
                    trail = safety_pan.workdir / f"{design.name}{n}.trail"
                    if len(r.others) >= more or not trail.exists():
                        break
                    text = counterexample(design, safety_pan.workdir, trail,
                                          r.prop, "", bounds, None, {SWITCH_ENV: ",".join(off)})
                    if shape(text) not in seen:
                        seen.add(shape(text))
                        r.others.append(text)
    finally:
        replays.shutdown(wait=True, cancel_futures=True)
        builder.shutdown(wait=True, cancel_futures=True)
        if claim_pan is not None and not claim_pan.cancelled() and claim_pan.exception() is None:
            claim_pan.result().close()             # built, and not needed or not reached
        if safety_pan is not None:
            safety_pan.close()
        model.close()

    order = {p.name: i for i, p in enumerate(props)}
    out.results.sort(key=lambda r: order[r.prop.name])
    _scope(out)
    out.warnings = _warnings(out)
    out.seconds = time.monotonic() - started
    return out


def _scope(out: VerifyResult) -> None:
    """When some runs never reach the release, a "holds" covers only the runs that do for the
    checks made at the release (no_leak's, callback_once's WI-R2) -- and says so."""
    if any(r.prop.name == "terminates" and r.verdict == VIOLATED for r in out.results):
        for r in out.results:
            if r.verdict == HOLDS and r.prop.name != "terminates":
                r.scope = ("the checks at the adapter's release cover only the runs that reach "
                           "it (terminates is VIOLATED)")


def _warnings(out: VerifyResult) -> list[str]:
    """Design code that no run of a complete search reached."""
    seen: list[str] = []
    for r in out.results:
        if r.reach and r.prop.kind != DESIGN_LTL:
            for line in r.reach.unreached_design:
                if line not in seen:
                    seen.append(line)
            break                                  # the widest search is the first safety run
    return [f"{line} (unreached: no run gets there)" for line in seen]


def _keep(trail: Path | None, out_dir: Path | None, design: Path, prop: Property,
          text: str) -> Path | None:
    """Save the counterexample and its trail in out_dir before the work directory goes."""
    if out_dir is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{design.stem}.{prop.name}"
    (out_dir / f"{stem}.trace").write_text(text, encoding="utf-8")
    if trail is None or not trail.exists():
        return None
    keep = out_dir / f"{stem}.trail"
    shutil.copyfile(trail, keep)
    return keep


def finite_time_limit(value: float) -> bool:
    return math.isfinite(value) and 0 < value <= 7 * 24 * 3600
