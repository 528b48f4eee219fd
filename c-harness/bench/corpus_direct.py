"""Write the direct-call program of a trace corpus: C, one function per trace, making the
trace's calls straight to the implementation with literal arguments and checking each status
against the trace's allowed set; a callback's calls are a function of their own, which the
routine runs (bench/corpus_direct.h and corpus_direct.c are the runtime they share).

    corpus_direct.py OUT.c DIR...

Run at build time by the bench_corpus target (c-harness/CMakeLists.txt) on the shipped corpus;
the output is not committed. A trace this program cannot write (a hex status, more workers,
threads, routines or contexts than corpus_direct.h's tables) is bad input: FILE:LINE: message,
exit 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conformance"))

from stork import exitcodes  # noqa: E402
from stork import trace as tracefmt  # noqa: E402

MAXW, NSYS, NREF = 8, 4, 16          # corpus_direct.h's CD_MAXW, CD_NSYS, CD_NREF
IRQL = {"PASSIVE": "0", "APC": "1", "DISPATCH": "2", "DIRQL": "STORK_DIRQL"}  # STORK_*_LEVEL


class Unwritable(Exception):
    """A trace the direct program cannot express: (line, message)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _num(tok: str, prefix: str, limit: int, line: int) -> int:
    n = int(tok[len(prefix):])
    if n >= limit:
        raise Unwritable(line, f"'{tok}': the direct program has {prefix}0..{prefix}{limit - 1}")
    return n


def _handle(tok: str, line: int) -> str:
    if tok == "null":
        return "NULL"
    if tok.startswith("bad"):
        return f"&d->badh[{_num(tok, 'bad', NREF, line)}]"
    return f"d->w[{_num(tok, 'w', MAXW + 1, line)}]"


def _mask(ev: tracefmt.Event) -> str:
    if any(tracefmt.is_hex_status(s) for s in ev.statuses):
        raise Unwritable(ev.line, "a hex status: the direct program checks STOR_STATUS sets only")
    return f"0x{tracefmt.status_mask(ev.statuses):x}u"


def call_c(ev: tracefmt.Event) -> str:
    """One call of the trace, as C."""
    irql = IRQL[ev.irql]
    if ev.api == "init":
        n = _num(ev.worker, "w", MAXW + 1, ev.line) if ev.worker else 0
        return f"cd_init(d, {irql}, {n}, {'0x1u' if ev.worker else _mask(ev)});"
    h = _handle(ev.handle, ev.line)
    if ev.api == "free":
        return f"cd_free(d, {irql}, {h}, {_mask(ev)});"
    post_ok = ev.handle[1:] if ev.handle.startswith("w") and "SUCCESS" in ev.statuses else "0"
    routine = "NULL" if ev.routine == "null" else f"cd_routine[{_num(ev.routine, 'cb', NREF, ev.line)}]"
    ctx = "NULL" if ev.context == "null" else f"&d->ctx[{_num(ev.context, 'ctx', NREF, ev.line)}]"
    return f"cd_queue(d, {irql}, {post_ok}, {routine}, {h}, {ctx}, {_mask(ev)});"


@dataclass
class Run:
    """One callback: its start and return (event indices) and the calls it makes."""

    start: int
    end: int = -1
    body: list[str] = field(default_factory=list)
    inline: bool = True


def trace_c(t: tracefmt.Trace, name: str) -> str:
    """The trace's functions: one per callback, then the trace's own."""
    evs = t.events
    if t.loop_at is not None:
        raise Unwritable(evs[t.loop_at].line if t.loop_at < len(evs) else 1,
                         "a liveness loop: the direct program replays whole runs only")
    # which run each event belongs to (a fail-alloc goes with the call after it)
    owner: list[int] = [-1] * len(evs)
    runs: dict[int, Run] = {}
    open_on: dict[str, int] = {}
    for i, ev in enumerate(evs):
        ctx = ev.ctx if ev.kind == "call" else ""
        if ev.kind == "fail-alloc" and i + 1 < len(evs) and evs[i + 1].kind == "call":
            ctx = evs[i + 1].ctx
        if ev.kind == "start":
            _num(ev.ctx, "sys", NSYS, ev.line)
            _num(ev.handle, "w", MAXW + 1, ev.line)
            if ev.routine == "null":
                raise Unwritable(ev.line, "a start of a NULL routine")
            _num(ev.routine, "cb", NREF, ev.line)
            open_on[ev.ctx] = i
            runs[i] = Run(i)
        elif ev.kind == "return":
            runs[open_on.pop(ev.ctx)].end = i
        elif ctx in open_on:
            owner[i] = open_on[ctx]
    if open_on:
        raise Unwritable(evs[min(open_on.values())].line, "a callback that never returns")
    # each run's calls, with a pause wherever another event comes between two of them
    resume_at: dict[int, str] = {}       # event index -> the thread main resumes there
    for r in runs.values():
        paused = False
        sys_n = evs[r.start].ctx[3:]
        for i in range(r.start + 1, r.end + 1):
            if owner[i] == r.start or i == r.end:
                if paused:
                    resume_at[i] = sys_n
                    paused = False
                if i != r.end:
                    r.body.append(_event_c(evs[i]))
            elif not paused:
                r.inline = False
                r.body.append(f"cd_yield(d, {sys_n});")
                paused = True
    out = []
    for r in sorted(runs.values(), key=lambda r: r.start):
        out.append(f"static void {name}_cb{r.start}(struct cd *d)\n{{\n"
                   + "".join(f"    {s}\n" for s in r.body) + ("    (void)d;\n" if not r.body else "")
                   + "}\n")
    main = []
    for i, ev in enumerate(evs):
        if ev.kind == "start":
            r = runs[i]
            main.append(f"cd_start(d, {ev.ctx[3:]}, {ev.handle[1:]}, {ev.routine[2:]}, "
                        f"{_num(ev.context, 'ctx', NREF, ev.line) if ev.context != 'null' else 0}, "
                        f"{name}_cb{i}, {'true' if r.inline else 'false'});")
        elif i in resume_at:
            main.append(f"cd_resume(d, {resume_at[i]});")
        if ev.kind == "return" and not runs[_start_of(runs, i)].inline:
            main.append(f"cd_returned(d, {ev.ctx[3:]});")
        if owner[i] < 0 and ev.kind not in ("start", "return"):
            main.append(_event_c(ev))
    out.append(f"static void {name}(struct cd *d)\n{{\n" + "".join(f"    {s}\n" for s in main) + "}\n")
    return "\n".join(out)


def _start_of(runs: dict[int, Run], end: int) -> int:
    return next(r.start for r in runs.values() if r.end == end)


def _event_c(ev: tracefmt.Event) -> str:
    if ev.kind == "call":
        return call_c(ev)
    if ev.kind == "fail-alloc":
        return "d->fail_next = true;"
    if ev.kind == "remove":
        return ("d->core.irql = STORK_PASSIVE_LEVEL; d->impl->begin_removal(d->ad);" if ev.api == "begin"
                else "/* remove end */")
    raise Unwritable(ev.line, f"unexpected {ev.kind} event")


def program(paths: list[Path]) -> str:
    parts = ["/* Written by c-harness/bench/corpus_direct.py; do not edit. */",
             '#include "corpus_direct.h"', ""]
    table = []
    for n, p in enumerate(paths):
        t = tracefmt.load(p)
        for ev in t.events:
            if ev.kind == "call" and ev.api == "init" and ev.worker:
                _num(ev.worker, "w", MAXW + 1, ev.line)
        try:
            parts.append(f"/* {p} */\n" + trace_c(t, f"t{n}"))
        except Unwritable as e:
            raise tracefmt.TraceError(str(p), e.line, str(e)) from None
        table.append(f'    {{"{p}", {len(t.events)}u, t{n}}},')
    parts.append("const struct cd_trace cd_traces[] = {\n" + "\n".join(table) + "\n};")
    parts.append(f"const size_t cd_ntraces = {len(paths)};")
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: corpus_direct.py OUT.c DIR...", file=sys.stderr)
        return exitcodes.BAD_INPUT
    paths = sorted(p for d in argv[1:] for p in Path(d).rglob("*.trace"))
    try:
        text = program(paths)
    except tracefmt.TraceError as e:
        print(f"corpus_direct.py: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    out = Path(argv[0])
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
