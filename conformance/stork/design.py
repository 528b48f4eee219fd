"""What a design file says of itself: its header (`expect:`, `config:`), its own `ltl`
properties and bounds, and whether it tampers with the monitor (refused)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from stork.expect import Expectation, ExpectError, read_on_hosts
from stork.expect import read as read_expectation
from stork.paths import MODEL_DIR, ROOT
from stork.spin import preprocess


class DesignError(Exception):
    """The design cannot be verified as written: FILE:LINE: what is wrong."""


@dataclass
class DesignHeader:
    """`expect:` is one of holds, VIOLATED p... [rest R], vacuous [p...], incomplete, refused
    LINE (spec/expectations.md: the grammar of every `expect:`), Windows's; `expect on HOST:`
    what it gives under another host (on_host, for_host); `config:` NAME=VALUE... are bounds
    the design needs."""
    expect_holds: bool | None = None           # None: the design states no expectation
    expect_violated: list[str] = field(default_factory=list)   # vacuous: the vacuous ones
    expect_rest: str = "holds"                 # what the properties not listed must be
    expect_word: str = ""                      # holds, VIOLATED, vacuous, incomplete, refused
    expect_line: int = 0                       # refused: the line named
    config: list[str] = field(default_factory=list)   # NAME=VALUE
    on_host: dict[str, Expectation] = field(default_factory=dict)   # `expect on HOST:`

    def for_host(self, host: str) -> "DesignHeader | None":
        """The header as `stork verify --host HOST` compares it: Windows's is this one; another
        host's has the expectation of its `expect on HOST:` line (None without one)."""
        if host == "windows":
            return self
        if host not in self.on_host:
            return None
        head = DesignHeader(config=list(self.config))
        set_expectation(head, self.on_host[host])
        return head

    def expected_text(self) -> str:
        if not self.expect_word:
            return "-"
        if self.expect_word == "VIOLATED":
            rest = f" rest {self.expect_rest}" if self.expect_rest != "holds" else ""
            return "VIOLATED " + " ".join(self.expect_violated) + rest
        if self.expect_word == "refused":
            return f"refused {self.expect_line}"
        if self.expect_word == "vacuous" and self.expect_violated:
            return "vacuous " + " ".join(self.expect_violated)
        return self.expect_word


def set_expectation(head: DesignHeader, e: Expectation) -> None:
    """Set head's expectation from an `expect:` line (stork.expect, kind "design")."""
    head.expect_holds, head.expect_word = e.verdict == "holds", e.verdict
    head.expect_violated = list(e.names)       # vacuous: the vacuous ones
    head.expect_rest, head.expect_line = e.rest, e.line


def read_header(path: Path) -> DesignHeader:
    """The design's header; DesignError at a bad `expect:` line."""
    head = DesignHeader()
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        found = read_expectation(path, "design", text)
        head.on_host = read_on_hosts(path, text)
    except ExpectError as e:
        raise DesignError(str(e)) from None
    if found is not None:
        set_expectation(head, found)
    comment = text.split("*/", 1)[0] if text.lstrip().startswith("/*") else ""
    for line in comment.splitlines():
        line = line.strip().lstrip("*").strip()
        m = re.match(r"config:\s*(.*)$", line)
        if m:
            head.config = m.group(1).split()
    return head


# Names the monitor and the runtime own: a design that defines or undefines them could make
# every check vacuous (`#define assert(x) skip`, `#define STORK_OFF_no_leak`).
_OWNED = re.compile(r"(assert|STORK_\w*|StorPort\w*|REACH_\w*|CHECK_\w*|mon_\w*|rt_\w*|RT_\w*|"
                    r"g_\w*|m_allowed|m_i|NEVER_CLAIMS|PICK|print_\w*|stork_\w*|MAIN_\w*|"
                    r"ROUTINE_BEGIN|ROUTINE_END)\Z")
_DIRECTIVE = re.compile(r"^\s*#\s*(define|undef)\s+([A-Za-z_]\w*)")
_INLINE = re.compile(r"^\s*inline\s+([A-Za-z_]\w*)\s*\(")
_LTL = re.compile(r"\bltl\s*([A-Za-z_]\w*)?\s*\{")
_NEVER = re.compile(r"\bnever\s*\{")


def _code_lines(text: str) -> list[str]:
    """The design's lines with comments blanked out (line numbers kept)."""
    out = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return [re.sub(r"//.*", "", ln) for ln in out.splitlines()]


_SOURCES: dict[Path, tuple[tuple[Path, int], ...]] = {}   # design: its sources, their mtimes


def sources(design: Path) -> list[Path]:
    """The design and the files it includes that are not the model's own; read again when
    one of them has changed since the last time."""
    path = design.resolve()
    try:
        known = _SOURCES.get(path)
        if known and all(f.stat().st_mtime_ns == t for f, t in known):
            return [f for f, _ in known]
        found = _read_sources(path)
        _SOURCES[path] = tuple((f, f.stat().st_mtime_ns) for f in found)
        return found
    except OSError:
        return _read_sources(path)


def _read_sources(design: Path) -> list[Path]:
    seen: list[Path] = []
    todo = [design.resolve()]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file() or path.parent == MODEL_DIR.resolve():
            continue
        seen.append(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            local = (path.parent / inc).resolve()
            if local.parent != MODEL_DIR.resolve() and local.is_file():
                todo.append(local)
    return seen


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def check_source(design: Path) -> None:
    """Refuse a design that redefines what belongs to the monitor or declares a claim stork
    cannot run as a property of its own; raise DesignError with file:line."""
    for path in sources(design):
        where = _shown(path)
        for n, line in enumerate(_code_lines(path.read_text(encoding="utf-8", errors="replace")), 1):
            m = _DIRECTIVE.match(line)
            if m and _OWNED.match(m.group(2)):
                raise DesignError(f"{where}:{n}: a design may not {m.group(1)} '{m.group(2)}': "
                                  "it belongs to stork's model and monitor")
            m = _INLINE.match(line)
            if m and _OWNED.match(m.group(1)):
                raise DesignError(f"{where}:{n}: a design may not define '{m.group(1)}': "
                                  "it belongs to stork's model and monitor")
            m = _LTL.search(line)
            if m and not m.group(1):
                raise DesignError(f"{where}:{n}: name the formula (ltl NAME {{ ... }}): "
                                  "stork verifies it as the property NAME")
            if _NEVER.search(line):
                raise DesignError(f"{where}:{n}: write the property as `ltl NAME {{ ... }}`, "
                                  "not a never claim: stork runs each ltl as its own property")


_INLINE_BLOCK = re.compile(r"\binline\s+(\w+)\s*\([^)]*\)\s*\{")
_CALL = re.compile(r"\brt_api_(?:init|queue|free)\s*\(")     # an API call, after cpp
_MARKER = re.compile(r'^# (\d+) "([^"]*)"')


@lru_cache(maxsize=64)
def _preprocessed(design: str, flags: tuple[str, ...], stamp: tuple) -> str | None:
    return preprocess(Path(design), list(flags))


def _stamp(design: Path) -> tuple:
    """What a preprocessed design depends on: its own files and the model's, with their
    modification times."""
    files = sources(design) + sorted(MODEL_DIR.glob("*.pml"))
    return tuple((str(f), st.st_mtime_ns, st.st_size) for f in files for st in [f.stat()])


def preprocessed(design: Path, flags: list[str]) -> str | None:
    """spin.preprocess, kept while none of the files it reads changes: the design checks and
    `stork verify`'s pan read one cpp run."""
    path = design.resolve()
    return _preprocessed(str(path), tuple(flags), _stamp(path))


VERIFY_FLAGS = ("STORK_VERIFY", "STORK_LIVENESS")   # the -D verify adds around a design's own


@lru_cache(maxsize=64)
def _expanded(design: str, defines: tuple[str, ...], stamp: tuple) -> tuple[tuple[str, int, str], ...]:
    cpp = _preprocessed(design, defines, stamp)
    if cpp is None:
        return ()                     # spin -a reports the error, with its file and line
    own = {str(x) for x in sources(Path(design))}
    out, file, line = [], "", 0
    resolved: dict[str, str] = {}
    for text in cpp.splitlines():
        m = _MARKER.match(text)
        if m:
            name = m.group(2)
            if name not in resolved:
                resolved[name] = str(Path(name).resolve())
            line, file = int(m.group(1)), resolved[name]
            continue
        if file in own and text.strip():
            out.append((file, line, text))
        line += 1
    return tuple(out)


def expanded(design: Path, defines: list[str]) -> list[tuple[Path, int, str]]:
    """The design's own lines as SPIN reads them: after cpp, with verify's switches and these
    -D, each with its file and line; nothing if cpp fails (spin -a then says why). What a
    design says of itself (its ltl, its asserts, its calls in d_steps) is read from here, so
    that a macro cannot hide it."""
    path = design.resolve()
    flags = (VERIFY_FLAGS[0], *defines, VERIFY_FLAGS[1])
    lines = _expanded(str(path), flags, _stamp(path))
    return [(Path(f), n, t) for f, n, t in lines]


_BRACE = re.compile(r"[{}]")


def _blocks(text: str, opener: re.Pattern) -> list[tuple[int, str]]:
    """(offset, body) of each `opener { body }` in text, braces matched."""
    out = []
    for m in opener.finditer(text):
        start = text.find("{", m.end() - 1)
        depth, i = 0, len(text) - 1
        for b in _BRACE.finditer(text, start):
            depth += 1 if b.group() == "{" else -1
            if depth == 0:
                i = b.start()
                break
        out.append((m.start(), text[start:i + 1]))
    return out


def check_expanded(design: Path, defines: list[str]) -> None:
    """Refuse, in the design as SPIN reads it:
    - an API call inside the design's own d_step (directly or through its inlines): a d_step
      resolves every choice the first way (allocation never fails there) and hides the call
      from pan's unreached-code report, which tells a vacuous design;
    - an assert that is not the design's property (written before storport.pml is included,
      where the monitor's assert macro does not reach it), which pan would report as an error
      of no property's;
    - SRB_HANDED in a design of its own processes that does not say so with HW_OWN_STARTIO (nor
      has HwStartIo, HW_STARTIO): the stop and the removal would not wait for the SRBs it takes
      (ENV-R5, ENV-Q6), a looser model than Storport's."""
    lines = expanded(design, defines)
    takes = next(((p, n) for p, n, t in lines if re.search(r"\bSRB_HANDED\s*\(", t)), None)
    if takes and not _defines_srb_taker(design, defines):
        raise DesignError(f"{_shown(takes[0])}:{takes[1]}: SRB_HANDED in the design's own process: "
                          "#define HW_OWN_STARTIO 1 before lifecycle.pml, or the stop and the "
                          "removal do not wait for the SRBs it takes (ENV-R5)")
    for path, n, line in lines:
        if re.search(r"\bassert\s*\(", line) and "design_assertion" not in line:
            raise DesignError(f"{_shown(path)}:{n}: an assert before `#include \"storport.pml\"`: "
                              "move it after, where it is the property design_assertion")
    text = "\n".join(t for _, _, t in lines)
    inlines = [(_INLINE_BLOCK.match(text, off).group(1), body)
               for off, body in _blocks(text, _INLINE_BLOCK)]
    calling: set[str] = set()                      # inlines that make a call, however deep
    changed = True
    while changed:
        changed = False
        for name, body in inlines:
            if name not in calling and (_CALL.search(body) or any(
                    re.search(rf"\b{c}\s*\(", body) for c in calling)):
                calling.add(name)
                changed = True
    for off, body in _blocks(text, re.compile(r"\bd_step\s*\{")):
        if _CALL.search(body) or any(re.search(rf"\b{c}\s*\(", body) for c in calling):
            path, n, _ = lines[text.count("\n", 0, off)]
            raise DesignError(f"{_shown(path)}:{n}: an API call inside a d_step: a d_step "
                              "takes every choice the first way (an allocation never fails "
                              "there) and hides the call from stork's reachability check; "
                              "use atomic")


_SRB_TAKER = re.compile(r"^\s*#\s*define\s+(HW_OWN_STARTIO|HW_STARTIO)\b")


def _defines_srb_taker(design: Path, defines: list[str]) -> bool:
    """Does the design (or -D) define HW_OWN_STARTIO or HW_STARTIO, which make the stop and the
    removal wait for the SRBs handed (lifecycle.pml's Q_STOP_QUIET)?"""
    if any(d.split("=")[0] in ("HW_OWN_STARTIO", "HW_STARTIO") for d in defines):
        return True
    return any(_SRB_TAKER.match(line) for path in sources(design)
               for line in _code_lines(path.read_text(encoding="utf-8", errors="replace")))


def own_ltl(design: Path, defines: list[str]) -> list[tuple[str, Path, int]]:
    """The design's own `ltl NAME { ... }` properties, names as cpp leaves them: (name,
    file, line)."""
    return [(m.group(1), path, n) for path, n, line in expanded(design, defines)
            for m in _LTL.finditer(line) if m.group(1)]


_DECL = re.compile(r"^\s*(?:hidden\s+|show\s+)?(?:bit|bool|byte|short|int|unsigned|mtype)\b"
                   r"(?:\s*:\s*\d+)?\s+(.*?);?\s*$")


def _global_declarations(design: Path) -> list[tuple[str, str]]:
    """(name, FILE:LINE) of each of the design's own global variables (declared outside any
    body), first declarations first."""
    found: list[tuple[str, str]] = []
    for path in sources(design):
        depth = 0
        for n, line in enumerate(_code_lines(path.read_text(encoding="utf-8", errors="replace")), 1):
            m = _DECL.match(line) if depth == 0 and not line.lstrip().startswith("#") else None
            if m:
                for part in m.group(1).split(","):
                    word = re.match(r"\s*([A-Za-z_]\w*)", part)
                    if word and word.group(1) not in (f for f, _ in found):
                        found.append((word.group(1), f"{_shown(path)}:{n}"))
            depth += line.count("{") - line.count("}")
    return found


def design_globals(design: Path) -> list[str]:
    """The names of the design's own global variables (declared outside any body)."""
    return [name for name, _ in _global_declarations(design)]


def embeds_c(design: Path) -> bool:
    """Does the design (or a file of its own) embed C (c_code, c_expr, c_decl, c_state,
    c_track)? Only then is a pan.c that does not compile the design's doing."""
    return any(re.search(r"\bc_(?:code|expr|decl|state|track)\b", line)
               for path in sources(design)
               for line in _code_lines(path.read_text(encoding="utf-8", errors="replace")))


def check_hidden_names(design: Path, clashes: list[str]) -> None:
    """Refuse a design global that SPIN hides under a name pan.c declares too
    (spin.hidden_clashes): DesignError at its declaration. A name the design does not declare
    is the model's, not refused here."""
    if not clashes:                      # the usual case: the declarations are not read again
        return
    where = dict(_global_declarations(design))
    for name in clashes:
        if name in where:
            raise DesignError(
                f"{where[name]}: global '{name}' is never read (or is declared hidden), so SPIN "
                f"keeps it as a C variable of pan.c, which has a '{name}' of its own: "
                "read it, or rename it")


_MODEL_ERROR = re.compile(r"(?P<file>[^:\s]+):(?P<line>\d+): (?P<msg>#error.*)\Z", re.S)


def at_design(design: Path, error: str, defines: list[str]) -> str:
    """A model file's #error (FILE:LINE: #error "...") refuses the design's configuration, its
    roles and bounds, and names the macro at fault first: put at the #define of the first
    macro it names in the design or a file of its own, or at the -D (of `defines`) that gives
    it, the model's line after it. Any other error as it is."""
    m = _MODEL_ERROR.match(error)
    if not m or MODEL_DIR.resolve() not in Path(m["file"]).resolve().parents:
        return error
    sites: dict[str, str] = {}
    for path in sources(design):
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(_code_lines(text), 1):
            d = _DIRECTIVE.match(line)
            if d and d.group(1) == "define":
                where = design if path == design.resolve() else path
                sites.setdefault(d.group(2), f"{where}:{n}")
    given = {d.split("=", 1)[0]: f"-D {d}" for d in defines}
    # the file the #error is in: the model's, or the design's own (its copy sits beside them)
    own = Path(m["file"]).name == design.name
    model = f"({design if own else 'model/' + Path(m['file']).name}:{m['line']})"
    defaults = own_bounds(design)   # `#ifndef NAME` defaults, which a -D of NAME overrides
    for name in re.findall(r"\b[A-Z][A-Z0-9_]*\b", m["msg"]):
        if name in given and (name not in sites or name in defaults):
            return f"{given[name]}: {m['msg']} {model}"
        if name in sites:
            return f"{sites[name]}: {m['msg']} {model}"
    return error


def makes_assertions(design: Path, defines: list[str]) -> bool:
    """Does the design (or a file of its own that it includes) assert anything?"""
    return any(re.search(r"\bassert\s*\(", t) for _, _, t in expanded(design, defines))


def own_bounds(design: Path) -> dict[str, str]:
    """Bounds a design gives a default to (`#ifndef NAME` / `#define NAME VALUE`)."""
    bounds: dict[str, str] = {}
    for path in sources(design):
        text = "\n".join(_code_lines(path.read_text(encoding="utf-8", errors="replace")))
        bounds.update(re.findall(r"#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+\1[ \t]+(\S+)", text))
    return bounds


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@lru_cache(maxsize=256)
def _words(path: str, stamp: tuple[int, int]) -> frozenset[str]:
    return frozenset(_IDENTIFIER.findall(Path(path).read_text(encoding="utf-8", errors="replace")))


def names_used(design: Path) -> set[str]:
    """Every identifier in the design (and its own includes) and in the model's files; each
    file's read again only when it has changed (the model's are most of the text)."""
    words: set[str] = set()
    for path in sources(design) + sorted(MODEL_DIR.glob("*.pml")):
        st = path.stat()
        words |= _words(str(path), (st.st_mtime_ns, st.st_size))
    return words


# ---- writes to the model's own variables (issue 15) ----

MODEL_FILES = ("storport.pml", "contract.pml", "lifecycle.pml")   # what a design includes
_TYPES = re.compile(r"^\s*(?:hidden\s+|show\s+|local\s+)?(?:bit|bool|byte|short|int|unsigned|mtype|"
                    r"chan|pid)\b(?:\s*:\s*\d+)?\s+(.*)$", re.S)
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\([^)]*\))?(.*)$", re.S)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _units(path: Path) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """A file's top-level declarations ((line, text) of each, across lines to its `;`) and its
    #defines (name, body), comments blanked and continuation lines joined."""
    decls: list[tuple[int, str]] = []
    defines: list[tuple[str, str]] = []
    lines = _code_lines(path.read_text(encoding="utf-8", errors="replace"))
    depth, i, pending, start = 0, 0, "", 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("#"):
            text = line
            while text.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text.rstrip()[:-1] + " " + lines[i]
            m = _DEFINE.match(text)
            if m:
                defines.append((m.group(1), m.group(3)))
            i += 1
            continue
        if depth == 0 and (pending or _TYPES.match(line)):
            if not pending:
                start = i + 1
            pending += " " + line
            if not line.rstrip().endswith(","):
                decls.append((start, pending))
                pending = ""
        depth += line.count("{") - line.count("}")
        i += 1
    return decls, defines


def _top_split(text: str) -> list[str]:
    """text split at the commas outside brackets, braces and parentheses."""
    parts, depth, cur = [], 0, ""
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    return [*parts, cur]


@lru_cache(maxsize=4)
def _model_tables(stamp: tuple) -> tuple[dict[str, str], dict[str, str], dict[str, frozenset[str]],
                                         dict[str, set[int]]]:
    """The model's global variables (name: the file declaring it), its #define bodies, per
    macro the model variables its expansion writes (through other macros and inlines too), and
    per inline the positions of the parameters it writes."""
    variables: dict[str, str] = {}
    bodies: dict[str, str] = {}
    texts = []
    for name in MODEL_FILES:
        decls, defines = _units(MODEL_DIR / name)
        for _, text in decls:
            m = _TYPES.match(text.strip())
            for part in _top_split(m.group(1).split(";")[0]) if m else []:
                word = re.match(r"\s*([A-Za-z_]\w*)\s*(?:\[|=|$)", part)
                if word:
                    variables.setdefault(word.group(1), f"model/{name}")
        for macro, body in defines:
            bodies[macro] = bodies.get(macro, "") + " " + body
        texts.append("\n".join(_code_lines((MODEL_DIR / name).read_text(encoding="utf-8"))))
    inlines = _inline_params_written("\n".join(texts), {})
    writes = {m: frozenset(_all_writes(b, variables, inlines)) for m, b in bodies.items()}
    def named(body: str) -> set[str]:
        """The macros a body names, and those a pasted name may become (SP_CAT(SP_SYNC_, X)
        can be any macro whose name starts with SP_SYNC_)."""
        words = set(re.findall(r"[A-Za-z_]\w*", body))
        stems = [w for w in words if w.endswith("_") and len(w) > 2]
        return words | {m for m in bodies if any(m.startswith(st) for st in stems)}
    changed = True
    while changed:               # a macro writes what the macros in its body write
        changed = False
        for m, b in bodies.items():
            more = writes[m].union(*(writes[w] for w in named(b) if w in writes and w != m))
            if more != writes[m]:
                writes[m], changed = frozenset(more), True
    return variables, bodies, writes, inlines


def _all_writes(text: str, variables: dict[str, str], inlines: dict[str, set[int]]) -> list[str]:
    """The model variables text writes: itself (_writes_in), or by handing one to a parameter
    an inline writes (the worker of StorPortInitializeWorker, a status variable)."""
    found = _writes_in(text, variables)
    for callee, args in _calls(text, inlines):
        for k in sorted(inlines[callee]):
            word = re.match(r"\s*([A-Za-z_]\w*)\s*(?:\[.*\])?\s*$", args[k]) if k < len(args) else None
            if word and word.group(1) in variables:
                found.append(word.group(1))
    return found


_ASSIGNED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?(?:\s*\.\s*\w+)*\s*"
                       r"(?:=(?!=)|\+\+|--)")
_C_STATE = re.compile(r"\bnow\s*\.\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*"
                      r"(?:[-+*/%&|^]?=(?!=)|<<=|>>=|\+\+|--)")   # c_code: pan's state vector
_BOUND = re.compile(r"\b(?:select|for)\s*\(\s*([A-Za-z_]\w*)")
_RECEIVE = re.compile(r"\?\??(?!\s*\[)\s*<?([^;\n}]*?)(?:->|;|\n|\}|::|$)")
_WORD = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_EVAL = re.compile(r"\beval\s*\([^)]*\)")
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def _writes_in(text: str, names: set[str] | dict[str, str]) -> list[str]:
    """The names of `names` that Promela text writes: `x = ...`, `x[i] = ...`, `x++`, `x--`,
    a receive into it (`c ? x`, not a poll `c ? [x]` nor `eval(x)`), select or for over it,
    and in c_code a store into pan's state (`now.x = ...`, `now.x += ...`)."""
    if not names:
        return []
    text = _STRING.sub('""', text)
    found = [w for w in _ASSIGNED.findall(text) if w in names]
    found += [w for w in _BOUND.findall(text) if w in names]
    found += [w for w in _C_STATE.findall(text) if w in names]
    for args in _RECEIVE.findall(text):
        found += [w for w in _WORD.findall(_EVAL.sub("", args)) if w in names]
    return found


def _inline_params_written(text: str, known: dict[str, set[int]]) -> dict[str, set[int]]:
    """Per inline defined in text: the positions of the parameters its body writes, itself or
    by passing them on to a position an inline writes (known: those found so far)."""
    found = {name: set(pos) for name, pos in known.items()}
    heads = re.compile(r"\binline\s+(\w+)\s*\(([^)]*)\)\s*\{")
    defs = []
    for off, body in _blocks(text, heads):
        m = heads.match(text, off)
        params = [p.strip() for p in m.group(2).split(",") if p.strip()]
        defs.append((m.group(1), params, body))
    changed = True
    while changed:
        changed = False
        for name, params, body in defs:
            pos = found.setdefault(name, set())
            written = set(_writes_in(body, set(params))) if params else set()
            for callee, args in _calls(body, found):
                written |= {args[k].strip() for k in found[callee] if k < len(args)} & set(params)
            more = pos | {params.index(p) for p in written}
            if more != pos:
                found[name], changed = more, True
    return found


def _calls(text: str, inlines: dict[str, set[int]]) -> list[tuple[str, list[str]]]:
    """Each call in text of an inline that writes a parameter: (name, its arguments)."""
    out = []
    for m in _CALLED.finditer(text):
        if not inlines.get(m.group(1)):
            continue
        i, depth = m.end(), 1
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append((m.group(1), _top_split(text[m.end():i - 1])))
    return out


def _model_stamp() -> tuple:
    return tuple((name, (MODEL_DIR / name).stat().st_mtime_ns) for name in MODEL_FILES)


def check_writes(design: Path, defines: list[str]) -> None:
    """Refuse a design whose own text writes a variable the model declares (storport.pml,
    contract.pml, lifecycle.pml: the runtime's state, the monitor's, the switches its
    properties read): setting one can make a property hold vacuously or fail falsely. Read in
    the design's own lines after cpp (a macro of its own cannot hide a write), where a write
    that a macro of the model's expands to (SP_HOLD, an API call) is the model's; a model
    variable handed to a parameter an inline writes (the worker of StorPortInitializeWorker,
    a status) counts as a write. The design may read them. DesignError with file:line."""
    variables, bodies, macro_writes, model_inlines = _model_tables(_model_stamp())
    lines = expanded(design, defines)
    raw: dict[str, list[str]] = {}
    own_macros: set[str] = set()
    for path in sources(design):
        raw[str(path.resolve())] = _code_lines(path.read_text(encoding="utf-8", errors="replace"))
        own_macros |= {m for m, _ in _units(path)[1]}
    inlines = _inline_params_written("\n".join(t for _, _, t in lines), model_inlines)
    for path, n, text in lines:
        if variables.keys().isdisjoint(_IDENTIFIER.findall(text)):
            continue                     # a line naming no model variable writes none
        source = raw.get(str(path.resolve()), [])
        line = source[n - 1] if 0 < n <= len(source) else ""
        model_made = set().union(*(macro_writes.get(w, frozenset())
                                   for w in re.findall(r"[A-Za-z_]\w*", line)
                                   if w in bodies and w not in own_macros))
        written = [v for v in _all_writes(text, variables, inlines) if v not in model_made]
        if written:
            v = written[0]
            raise DesignError(f"{_shown(path)}:{n}: a design may not write '{v}': it is the "
                              f"model's own variable ({variables[v]}), which stork's checks "
                              "read; setting it can make a property hold vacuously or fail "
                              "falsely (read it, or keep a variable of the design's own)")
