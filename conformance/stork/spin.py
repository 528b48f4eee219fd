"""Running SPIN: generate pan, compile it, run it, and read its report.

pan's exit status says nothing about the verdict (it is 0 after finding errors), so every
verdict here comes from parsing its report. A search counts as complete only if pan did an
exhaustive, exact search to the end: not cut by the depth limit, memory or time, and not a
bitstate or hash-compaction run (which may drop states without warning).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from stork.paths import MODEL_DIR


class SpinInputError(Exception):
    """The design does not compile: a message with file:line where SPIN or cpp gave one."""


class SpinToolError(Exception):
    """spin or the C compiler is missing or failed for a reason that is not the design's."""


class PanCompileError(SpinToolError):
    """pan.c (and the switch hook around it) does not compile: the compiler's first error, on
    one line."""


class SpinTimeout(SpinToolError):
    """A SPIN run took longer than its time limit."""


@dataclass
class PanOptions:
    depth: int = 100_000              # pan -m
    hash_bits: int = 14               # pan -w: initial table size (pan grows it, AUTO_RESIZE)
    memlim_mb: int = 4096             # -DMEMLIM: pan stops (incomplete) past this
    time_limit: float = 600.0         # seconds for one pan run
    cc_opt: str = "-O0"               # gcc's: compiling dominates small searches; -O2 pays on big ones
    compiler: str = "auto"            # "auto": tcc where installed, else gcc; or "tcc", "gcc"
    compress: str = ""                # "", "COLLAPSE" (exact), "HC4" or "BITSTATE" (incomplete)
    extra_cc: list[str] = field(default_factory=list)
    cache: bool = True                # keep compiled pans (stork.pancache), unless STORK_NO_CACHE


@dataclass
class PanResult:
    errors: int
    states: int
    transitions: int
    depth: int
    memory_mb: float
    seconds: float
    complete: bool
    incomplete_reason: str            # why not complete ("" if complete)
    error_line: str                   # pan's first error message ("" if none)
    trail: Path | None
    report: str
    unreached: list["Unreached"] = field(default_factory=list)


def _spin_env() -> dict[str, str]:
    """spin preprocesses with gcc -E; CPATH lets a design anywhere `#include "storport.pml"`."""
    env = dict(os.environ)
    env["CPATH"] = str(MODEL_DIR) + (os.pathsep + env["CPATH"] if env.get("CPATH") else "")
    return env


def _run(cmd: list[str], cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run spin in a session of its own: it runs the preprocessor as a child, which a timeout
    (subprocess.TimeoutExpired) or an interrupt must end too; left running, it wrote into a
    folder being removed (an internal error)."""
    try:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, errors="replace", env=_spin_env(), start_new_session=True)
    except FileNotFoundError:
        raise SpinToolError(f"'{cmd[0]}' is not installed (apt-get install spin gcc)") from None
    try:
        out, err = p.communicate(timeout=timeout)
    except BaseException:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:      # every one of them has ended already
            pass
        p.communicate()
        raise
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


_CPP_ERR = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<msg>.*)$", re.M)
_SPIN_ERR = re.compile(r"^spin: (?P<file>[^:\s]+):(?P<line>\d+),? (?:Error: )?(?P<msg>.*)$", re.M)


def generate(design: Path, workdir: Path, defines: list[str], text: str | None = None) -> None:
    """spin -a: write pan.c for the design into workdir, or raise SpinInputError. `text`: the
    design already preprocessed with these defines (preprocess), which spin then reads as it
    is (-Pcat), in a file of the design's name: the same pan.c, less one cpp."""
    cmd = ["spin", "-a"] + [f"-D{d}" for d in defines] + [str(design.resolve())]
    if text is not None:
        (workdir / design.name).write_text(text, encoding="utf-8", errors="surrogateescape")
        cmd = ["spin", "-a", "-Pcat", design.name]
    p = _run(cmd, workdir)
    out = p.stdout + p.stderr
    if p.returncode != 0 or not (workdir / "pan.c").exists() or "Error" in out:
        m = _CPP_ERR.search(out) or _SPIN_ERR.search(out)
        if m:
            raise SpinInputError(f"{m.group('file')}:{m.group('line')}: {m.group('msg').strip()}")
        first = next((ln for ln in out.splitlines() if ln.strip()), "spin failed")
        raise SpinInputError(f"{design}: {first.strip()}")


SPIN_CPP = ["gcc", "-std=gnu99", "-E", "-x", "c"]    # the preprocessor spin -a runs (spin -V 6.5)
# tcc's preprocessor gives spin the same model in a fifth of gcc's time (7-13 ms a design);
# the two names gcc -std=gnu99 predefines and tcc does not are given to it.
# tests/test_preprocessor.py compares the pan.c spin -a makes from each, design by design.
FAST_CPP = ["tcc", "-E", "-x", "c", "-Dlinux=1", "-D_LP64=1"]


def preprocess(design: Path, defines: list[str], cpp: list[str] | None = None) -> str | None:
    """The design with these -D as spin -a reads it, after the preprocessor spin runs, with
    model/ on the include path; None if cpp fails (spin -a then says why). FAST_CPP when tcc
    is installed, spin's own (SPIN_CPP) when it is not or when tcc refuses the text, so that
    what gcc accepts is never refused. `cpp`: this preprocessor only. Not memoised here
    (design.preprocessed keeps it while none of the files it reads changes)."""
    tried = [cpp] if cpp else [FAST_CPP, SPIN_CPP]
    for cmd in tried:
        cc = shutil.which(cmd[0]) or (shutil.which("cc") if cmd is SPIN_CPP else None)
        if cc is None:
            continue
        p = subprocess.run([cc, *cmd[1:], *[f"-D{d}" for d in defines], str(design.resolve())],
                           capture_output=True, text=True, errors="replace", env=_spin_env())
        if p.returncode == 0:
            return p.stdout
    return None


def pan_compiler(opts: PanOptions) -> str:
    """The C compiler for pan.c. tcc compiles a design's pan in about 0.02 s where gcc -O0
    takes 0.4-2 s, and its pan searches about half as fast as gcc -O2's: for the searches of
    a design (well under a second) compiling is all the time. gcc when asked for -O2, or when
    tcc is not installed."""
    tcc = shutil.which("tcc")
    if opts.compiler == "tcc" or (opts.compiler == "auto" and tcc and opts.cc_opt == "-O0"):
        if not tcc:
            raise SpinToolError("tcc is not installed (apt-get install tcc)")
        return tcc
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise SpinToolError("no C compiler found (apt-get install gcc)")
    return cc


def compile_command(opts: PanOptions, safety: bool, source: str = "pan.c") -> list[str]:
    """The command that compiles pan from `source` (pan.c, or the switch hook around it)."""
    flags = [opts.cc_opt, f"-DMEMLIM={opts.memlim_mb}"]
    if safety:
        flags.append("-DSAFETY")          # no cycle detection: smaller, faster pan
        flags.append("-DNOCLAIM")         # a design's own ltl is its own run, never this one
        flags.append("-DNOFAIR")          # no -f without cycles: a fifth less for tcc to compile
    else:
        flags.append("-DNFAIR=5")         # fairness counters: the default (2) allows only 6 processes
    if opts.compress != "BITSTATE":
        flags.append("-DAUTO_RESIZE")     # the hash table grows 4x when it holds 2 states a slot
    if opts.compress == "COLLAPSE":
        flags.append("-DCOLLAPSE")
    elif opts.compress.startswith("HC"):
        flags.append(f"-D{opts.compress}")
    elif opts.compress == "BITSTATE":
        flags.append("-DBITSTATE")
    cc = pan_compiler(opts)
    if cc.endswith("tcc"):
        flags.remove(opts.cc_opt)         # tcc does not optimise; it compiles pan.c 20x faster
    return [cc, *flags, *opts.extra_cc, "-w", "-o", "pan", source]


def compile_pan(workdir: Path, opts: PanOptions, safety: bool, switches: list[str] | None = None,
                claimed: bool = False, source_dir: Path | None = None) -> None:
    """Compile pan.c (in workdir, or in source_dir, where spin -a wrote it: one pan.c then
    serves several pans without a copy) into workdir/pan; with `switches` (hidden variables
    of the model), wrapped in switch_hook(switches), so that a run turns them on by name."""
    source = "pan.c"
    if switches is not None:
        source = "stork_pan.c"
        (workdir / source).write_text(switch_hook(switches, claimed), encoding="utf-8")
    cmd = compile_command(opts, safety, source)
    if source_dir is not None:
        where = ["-I", str(source_dir)]
        cmd = cmd[:1] + where + cmd[1:-1] + [str(source_dir / "pan.c") if switches is None
                                             else source]
    p = _run(cmd, workdir)
    if p.returncode != 0:
        raise PanCompileError(f"compiling pan failed: {first_error(p.stderr or p.stdout)}")


def first_error(compiler_output: str) -> str:
    """The compiler's first error line, its work folder's path left out: one line."""
    lines = [ln.strip() for ln in compiler_output.splitlines() if ln.strip()]
    line = next((ln for ln in lines if "error" in ln), lines[0] if lines else "no message")
    return re.sub(r"\S*/stork-[^/\s]+/", "", line)[:300]


_HIDDEN = re.compile(r"^/\* hidden variable: \*/\s*[\w ]*?\b(\w+)\s*(?:\[[^\]]*\])?\s*;", re.M)
_C_DEFINE = re.compile(r"#\s*define\s+(\w+)")
_C_NAME = re.compile(r"[A-Za-z_]\w*")
_C_NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def hidden_clashes(folder: Path, names: Iterable[str] | None = None) -> list[str]:
    """The hidden variables of the pan.c spin -a wrote in folder whose names pan.c declares at
    file scope too; with `names`, only those of them (the design's own globals: when none of
    them is hidden, pan.c is not read, which saves 8-14 ms a design). SPIN keeps a hidden
    variable (one declared `hidden`, or a global never read: spin -a hides write-only
    variables) out of the state vector, as a C variable of
    pan.h under its own name; pan.c's own globals and macros have names too (`have`, `done`,
    `trcnt`, ...): the two do not compile together, or, of the same type, silently become one
    variable. The names, in the files spin -a wrote that pan.c includes at file scope (pan.h,
    whose hidden declarations start with their comment, and pan.t): a #define's, and those a
    line at column 0 declares before any `(`."""
    hidden = set(_HIDDEN.findall((folder / "pan.h").read_text(errors="replace")))
    if names is not None:
        hidden &= set(names)
    if not hidden:
        return []
    text = "\n".join((folder / f).read_text(errors="replace") for f in ("pan.c", "pan.h", "pan.t")
                     if (folder / f).is_file())
    declared: set[str] = set()
    for line in _C_NOISE.sub(" ", text).splitlines():
        head = line[:1]
        if head == "#":
            m = _C_DEFINE.match(line)
            if m:
                declared.add(m.group(1))
        elif head.isalpha() or head == "_":
            declared.update(_C_NAME.findall(line.split("(", 1)[0]))
    return sorted(hidden & declared)


SWITCH_ENV = "STORK_OFF"   # the properties a switch-hooked pan checks nothing of, comma-separated


def switch_hook(names: list[str], claimed: bool = False) -> str:
    """C around pan.c that sets, before the search, each hidden variable named in $STORK_OFF
    to 1. The model's assertions name their property by such a variable, always 0 otherwise:
    `assert((c) || no_leak || WI_M7)`; set, the assertion cannot fail, so one compiled pan
    checks any set of properties, chosen when it runs. A hidden variable is no part of the
    state vector, and pan sets its initial value (iniglobals) before do_the_search, which the
    macro below wraps: `do_the_search()` (the call) becomes stork_search_(), the
    definition `do_the_search(void)` stork_search_void. A name this pan does not know stops
    it before the search with pan's own "pan: error:" (read as incomplete, never holds).
    `claimed`: the model has the hidden stork_claimed (lifecycle.pml, -DSTORK_LIVENESS),
    which the hook sets to 1 in a pan compiled with its never claims (no -DNOCLAIM), so that
    one pan.c serves the safety pan and the claims' pan."""
    claim = "#ifndef NOCLAIM\n    stork_claimed = 1;\n#endif\n" if claimed else ""
    sets = "\n".join(f'    if (stork_named(off, "{n}")) {{ {n} = 1; known++; }}' for n in names)
    return f"""/* Generated by stork (spin.switch_hook): pan.c, its properties chosen at run time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void stork_search_(void);
#define do_the_search(...) stork_search_##__VA_ARGS__(__VA_ARGS__)
#include "pan.c"
#undef do_the_search

static int stork_named(const char *off, const char *name)
{{
    size_t n = strlen(name);
    for (const char *p = strstr(off, name); p != NULL; p = strstr(p + n, name))
        if ((p == off || p[-1] == ',') && (p[n] == ',' || p[n] == '\\0'))
            return 1;
    return 0;
}}

void stork_search_(void)
{{
    const char *off = getenv("{SWITCH_ENV}");
    int known = 0, named = 1;
{claim}    if (off == NULL || *off == '\\0') {{
        stork_search_void();
        return;
    }}
    for (const char *p = off; *p; p++)
        named += *p == ',';
{sets}
    if (known != named) {{
        printf("pan: error: {SWITCH_ENV}=%s names a property this pan does not have\\n", off);
        exit(1);
    }}
    stork_search_void();
}}
"""


def _num(pattern: str, text: str, default: float = 0) -> float:
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default


@dataclass(frozen=True)
class Unreached:
    """One entry of pan's unreached-code report: code no run of the search reached."""
    proctype: str                     # "proctype X", "init" or "claim X"
    file: str                         # as pan names it (for included files, not always right)
    line: int
    text: str                         # the statement, as pan prints it


_UNREACHED_HEAD = re.compile(r"^unreached in (.+)$")
_UNREACHED_ITEM = re.compile(r'^\t(\S+):(\d+), state \d+, "(.*)"$')


def parse_unreached(report: str) -> list[Unreached]:
    out, where = [], ""
    for line in report.splitlines():
        m = _UNREACHED_HEAD.match(line)
        if m:
            where = m.group(1)
            continue
        m = _UNREACHED_ITEM.match(line)
        if m and where:
            out.append(Unreached(where, m.group(1), int(m.group(2)), m.group(3)))
    return out


DEPTH_REACHED = "max search depth too small"    # pan's words when a path reached -m


def _stop_reasons(report: str, timed_out: bool, returncode: int | None,
                  compress: str) -> list[str]:
    """Every way pan can stop short of a complete, exact search, read from its report."""
    reasons = []
    if timed_out or re.search(r"^Time limit of .* exceeded$", report, re.M):
        reasons.append("time limit reached")
    if returncode is not None and returncode < 0:
        reasons.append(f"pan was killed by signal {-returncode}")
    if re.search(r"^Interrupted$", report, re.M):
        reasons.append("pan was interrupted")
    errors = int(_num(r"errors: (\d+)", report, -1))
    if errors < 0 and not timed_out:
        fatal = re.search(r"^pan: error: (.*)$", report, re.M)
        reasons.append(f"pan stopped: {fatal.group(1)}" if fatal else "pan printed no report")
    if DEPTH_REACHED in report:
        reasons.append("depth limit reached (raise --depth)")
    if re.search(r"out of memory|reached -DMEMLIM bound", report):
        reasons.append("memory limit reached")
    if compress == "BITSTATE" or "Bit statespace search" in report:
        factor = re.search(r"hash factor: ([\d.e+]+)", report)
        reasons.append("bitstate search" + (f" (hash factor {factor.group(1)})" if factor else ""))
    if compress.startswith("HC"):
        reasons.append("hash-compaction search (may drop states)")
    if errors == 0 and "Search not completed" in report and not reasons:
        reasons.append("pan reported its search not completed")
    return reasons


def parse_report(report: str, seconds: float, workdir: Path, timed_out: bool,
                 returncode: int | None = None, compress: str = "") -> PanResult:
    """pan's report as a result; `compress` is the storage pan was compiled with."""
    errors = int(_num(r"errors: (\d+)", report, -1))
    reasons = _stop_reasons(report, timed_out, returncode, compress)
    err = re.search(r"^pan:\d+: (.*?)(?: \(at depth \d+\))?$", report, re.M)
    trail = None
    m = re.search(r"pan: wrote (\S+\.trail)", report)
    if m:
        trail = workdir / m.group(1)
    return PanResult(
        errors=max(errors, 0),
        states=int(_num(r"(\d+) states, stored", report)),
        transitions=int(_num(r"(\d+) transitions \(= ", report)),
        depth=int(_num(r"depth reached (\d+)", report)),
        memory_mb=_num(r"([\d.]+)\s+total actual memory usage", report),
        seconds=seconds,
        complete=not reasons,
        incomplete_reason="; ".join(reasons),
        error_line=err.group(1) if err else "",
        trail=trail,
        report=report,
        unreached=parse_unreached(report),
    )


FIRST_DEPTH = 10_000     # pan -m of a first search; see run_pan


def run_pan(workdir: Path, opts: PanOptions, args: list[str],
            env: dict[str, str] | None = None, unreached: bool = False,
            time_limit: float | None = None, shallow_first: bool = False) -> PanResult:
    """Run the compiled pan; env (if given) is added to the environment it runs in. With
    `unreached`, pan prints its unreached-code report (PanResult.unreached). `time_limit`
    (default opts.time_limit) bounds this run.

    With `shallow_first`, the search first runs with a depth limit of FIRST_DEPTH, and again
    with opts.depth only if that one reached its limit: pan sets up its whole stack for -m
    before it starts (at -m100000, 5 MB and 4 ms for a search that itself takes 1 ms), and a
    depth-first search that never reached the smaller limit is exactly the search the larger
    one makes (the limit only cuts paths that reach it)."""
    limit = opts.time_limit if time_limit is None else time_limit
    if limit <= 0:                       # the whole budget is spent: no search, none cut short
        return parse_report("", 0.0, workdir, True, None, opts.compress)
    depths = [opts.depth]
    if shallow_first and opts.depth > FIRST_DEPTH:
        depths = [FIRST_DEPTH, opts.depth]
    t0 = time.monotonic()
    for depth in depths:
        # -Q: pan's own limit, in whole minutes past this run's, so that a pan this process
        # could not kill (its start cut by a signal) still ends
        cmd = ["./pan", f"-m{depth}", f"-Q{math.ceil(limit / 60) + 1}"] + \
            ([] if unreached else ["-n"]) + args
        if opts.compress != "BITSTATE":
            cmd.append(f"-w{opts.hash_bits}")
        returncode: int | None = None
        try:
            p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                               timeout=max(limit - (time.monotonic() - t0), 0.001),
                               errors="replace", env={**os.environ, **env} if env else None)
            report, timed_out, returncode = p.stdout + p.stderr, False, p.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            report, timed_out = out, True
        if timed_out or DEPTH_REACHED not in report:
            break
    return parse_report(report, time.monotonic() - t0, workdir, timed_out, returncode,
                        opts.compress)


# spin -p's step lines start with the step number as %3d (the model's own output may end in
# spaces just before one), and its "proc N terminates" lines.
_STEP = re.compile(r"(?: {2}\d| \d\d|\d{3,}):\t?\s*proc\s+\d+ (?:\(.*?\) \S+ \(state \d+\)\t\[.*\]|terminates)\n")
_VALUE = re.compile(r"\t\t([A-Za-z_]\w*(?:\[\d+\])?) = (-?\d+)\n")
_STEP_OR_VALUE = re.compile(f"{_STEP.pattern}|{_VALUE.pattern}")   # groups 1, 2: a value
_DIGITS = re.compile(r"\s*(\d+)")


def _step_start(text: str, start: int, last: int) -> tuple[int, int]:
    """Where a step line found at start really begins, and its number. spin prints a step as
    %3d, so one of 100 or more follows, with no space, a model's print that has no newline
    yet ("w1" then "123:" reads "w1123:"): the step is the shortest number of three digits or
    more, no smaller than the step before it; the digits in front are the model's."""
    digits = _DIGITS.match(text, start)
    assert digits is not None
    number = digits.group(1)
    if len(number) <= 3 or digits.group(0) != number:
        return start, int(number)
    for cut in range(len(number) - 3, -1, -1):
        if int(number[cut:]) >= last:
            return start + cut, int(number[cut:])
    return start, int(number)


def replay_trail_with_values(model: Path, workdir: Path,
                             trail: Path) -> tuple[list[str], list[dict[str, str]]]:
    """spin -t -p -g: the design's printed lines along the trail (the model prints trace
    events), and for each line the global variables' values when it was printed (spin interleaves its step
    and value lines with the model's output; they are taken out of it here). `model`: the
    design as the pan that wrote the trail was generated from, already preprocessed (read
    as it is, -Pcat)."""
    cmd = ["spin", "-t", "-p", "-g", "-T", "-B", "-k", str(trail), "-Pcat", str(model)]
    out = _run(cmd, workdir, timeout=120)
    text = out.stdout + out.stderr
    printed: list[str] = []
    values: dict[str, str] = {}
    states: list[dict[str, str]] = []
    pos = 0
    last = 0
    newlines = 0                         # in what printed holds so far
    for m in _STEP_OR_VALUE.finditer(text):
        start = m.start()
        name = m.group(1)
        if name is None:
            start, last = _step_start(text, start, last)
        printed.append(text[pos:start])
        newlines += printed[-1].count("\n")
        pos = m.end()
        if name is not None:
            if newlines > len(states):
                states += [dict(values)] * (newlines - len(states))
            values[name] = m.group(2)
    printed.append(text[pos:])
    lines = "".join(printed).splitlines()
    states += [dict(values)] * (len(lines) - len(states))
    return lines, states


def replay_pan_trail(workdir: Path, trail: Path, env: dict[str, str] | None = None,
                     claim: str | None = None) -> list[str]:
    """pan -r: replay a trail with the pan that wrote it (the only way for a model with
    c_code, or with several claims: `claim` is the one the search ran, pan -N); the model's
    printed lines, one per list item. -w10: a replay stores no state, and pan's default hash
    table (-w24, 128 MB) took it 0.8 s to set up, where the replay itself takes 0.01 s."""
    return _pan_replay(workdir, trail, env, ["-N", claim] if claim else []).splitlines()


def _pan_replay(workdir: Path, trail: Path, env: dict[str, str] | None, flags: list[str]) -> str:
    """What pan -r printed replaying the trail, with `flags` and `env` added."""
    cmd = ["./pan", "-r", str(trail), "-n", "-w10"] + flags
    p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, errors="replace",
                       timeout=120, env={**os.environ, **env} if env else None)
    return p.stdout


# pan -r -v prints, after each step of the trail, the step ("%3ld: proc %2d (%s) ... trans
# {..} [..]"), "global vars:" with every global's value, then each process's "local vars".
_PAN_STEP = re.compile(r"(?: {2}\d| \d\d|\d{3,}): proc +\d+ \(.*?\) .*?\(state \d+\) "
                       r"trans \{-?\d+,-?\d+\} \[.*\]\n")
_PAN_DUMP = re.compile(r"(?:global vars:\n|local vars proc [^\n]*\n|\t[^\n]*\n)*")
_PAN_VALUE = re.compile(r"^\t\w+ +([A-Za-z_][\w.\[\]]*):\t(-?\d+)$", re.M)


def replay_pan_trail_with_values(workdir: Path, trail: Path, env: dict[str, str] | None = None
                                 ) -> tuple[list[str], list[dict[str, str]], set[str]]:
    """What replay_trail_with_values gives, from the pan that wrote the trail (pan -r -v), in
    a tenth of spin -t's time: pan replays its own transitions where spin parses the model
    again; and the names of the globals pan shows (spin -a hides a variable no expression
    reads: pan has no value for it). A value is kept once it differs from the first step's
    (the model's init runs first, so no design variable is set before that): as with spin -g,
    a state holds only the variables the run has changed. Each step's printed lines come
    before its values (pan prints them as it takes the step), so a line's state is the one
    before its step, and a step's effect shows after its line. The replay ends at the
    failure: what the model would print after a failed check is not in it."""
    text = _pan_replay(workdir, trail, env, ["-v"])
    printed: list[str] = []
    states: list[dict[str, str]] = []
    values: dict[str, str] = {}
    first: dict[str, str] | None = None
    shown: set[str] = set()
    pos = last = newlines = 0
    while (m := _PAN_STEP.search(text, pos)) is not None:
        start, last = _step_start(text, m.start(), last)
        piece = text[pos:start]                  # what the model printed taking this step
        printed.append(piece)
        newlines += piece.count("\n")
        states += [values] * (newlines - len(states))
        dump = _PAN_DUMP.match(text, m.end())
        assert dump is not None
        block = text[m.end():dump.end()]
        cut = block.find("local vars proc ")
        step = dict(_PAN_VALUE.findall(block if cut < 0 else block[:cut]))
        if first is None:
            first = step
            shown = {k.split("[", 1)[0] for k in step}
        changed = {k: v for k, v in step.items() if values.get(k, first.get(k)) != v}
        if changed:
            values = {**values, **changed}
        pos = dump.end()
    printed.append(text[pos:])
    lines = "".join(printed).splitlines()
    states += [values] * (len(lines) - len(states))
    return lines, states, shown


def random_simulation(design: Path, defines: list[str], seed: int) -> tuple[int, str]:
    """spin -n SEED: one random simulation; its exit status and everything it printed. In a
    folder of its own: spin writes pan.pre where it runs, and two gens at once must not meet."""
    cmd = ["spin", f"-n{seed}", "-T", "-B"] + [f"-D{d}" for d in defines] + [str(design.resolve())]
    with tempfile.TemporaryDirectory(prefix="stork-walk-") as d:
        p = _run(cmd, Path(d), timeout=120)
    return p.returncode, p.stdout + p.stderr


def simulate(model: Path, timeout: float) -> str:
    """spin -T: run the model's one path as a simulation (no pan); its printed output.

    -o1 -o2 -o3 turn off SPIN's data-flow, dead-variable and statement-merging optimisations,
    which only speed up pan and grow quadratically with a long sequence of statements (a
    10,000-event trace driver: 13 s with them, 0.2 s without).
    spin's preprocessor is FAST_CPP where tcc is installed (a third of a short trace's run),
    gcc's when it is not or when tcc refuses the text (spin says "preprocessing failed").
    """
    cmd = ["spin", "-o1", "-o2", "-o3", "-T", model.name]
    tried = ([cmd[:1] + ["-P" + " ".join(FAST_CPP)] + cmd[1:]] if shutil.which(FAST_CPP[0])
             else []) + [cmd]
    for run in tried:
        try:
            p = _run(run, model.parent, timeout)
        except subprocess.TimeoutExpired:
            raise SpinTimeout(f"the SPIN simulation took more than {timeout:g} s") from None
        out = p.stdout + p.stderr
        if "spin: preprocessing failed" not in out:
            break
    return out
