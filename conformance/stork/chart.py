"""A trace as a message-sequence chart: a lane per context, per system worker thread and for
the runtime; a row per event; links from a queue to the start of its callback and from a
callback's return to the free that follows it; the violating step marked. Drawn as text (for
a terminal) or as SVG.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from stork import trace as tracefmt
from stork.properties import by_name, rule_rows

RUNTIME = "runtime"
# What `stork replay --record` writes into a recording (c-harness/replay/driver.c): where it
# came from, and, for a run that failed, the report where the recording stops.
RECORDING = re.compile(r"#\s*the run of (\S+) observed by stork replay against (.+)$")
REPLAY_FAILED = re.compile(r"#\s*stork replay: the run failed here, so it ends without `end`: (.+)$")
RULE_ID = re.compile(r"\b(?:WI|ENV)-[A-Z]\d+\b")


@dataclass
class Row:
    step: int                  # 1-based event number (0 for the loop marker)
    src: str                   # lane the arrow starts in
    dst: str                   # lane it ends in (== src: a note in that lane)
    label: str
    site: str = ""             # the design's or miniport's FILE:LINE
    notes: list[str] = field(default_factory=list)   # the design's state after it, ...
    link: int = 0              # the step this one follows from (queue -> start, return -> free)


@dataclass
class Chart:
    title: str
    lanes: list[str]
    rows: list[Row]
    violation: str = ""        # what the last step breaks ("" for a trace that conforms)
    ending: str = ""           # for a truncated trace: that nothing after its last step is known


def _lane_order(lanes: list[str]) -> list[str]:
    """Miniport contexts first (in order of appearance), the teardown, the system threads,
    the runtime last."""
    ctxs = [x for x in lanes if not re.fullmatch(r"sys\d+", x) and x not in ("teardown", RUNTIME)]
    syss = sorted((x for x in lanes if re.fullmatch(r"sys\d+", x)), key=lambda x: int(x[3:]))
    return ctxs + (["teardown"] if "teardown" in lanes else []) + syss + [RUNTIME]


def _rules_explained(rules: list[str]) -> list[str]:
    return [f"{r}: {rule_rows()[r][0]}" for r in rules if r in rule_rows()]


def build(text: str, name: str = "trace") -> Chart:
    """The chart of a trace's text (raises tracefmt.TraceError for a malformed one)."""
    # a truncated trace (no `end`: a recording of a failed replay, an audit run that crashed)
    # is drawn up to where it stops, which the chart says
    parsed = tracefmt.parse(text, name, allow_truncated=True)
    truncated = bool(parsed.truncated)
    sites, notes, pending = {}, {}, ""
    recorded = failed = None
    n = 0
    for ln in (x.strip() for x in text.splitlines()):
        recorded = recorded or RECORDING.match(ln)
        if REPLAY_FAILED.match(ln):
            failed = REPLAY_FAILED.match(ln)
        elif ln.startswith("# at "):
            pending = ln[5:]
        elif ln.startswith("#") and n:
            notes.setdefault(n, []).append(ln.lstrip("# ").strip())
        elif ln.split(" ", 1)[0] in tracefmt.EVENT_WORDS and ln != "loop":
            n += 1
            if pending and ln.startswith("call "):
                sites[n] = pending
            pending = ""
    rows: list[Row] = []
    last_queue: dict[str, int] = {}
    last_return: dict[str, int] = {}
    issued: dict[str, int] = {}
    loop = Row(0, RUNTIME, RUNTIME, "loop: from here the run repeats for ever")
    for i, ev in enumerate(parsed.events, 1):
        if parsed.loop_at == i - 1:
            rows.append(loop)
        rows.append(_row(i, ev, sites.get(i, ""), notes.get(i, []), last_queue, last_return, issued))
    if parsed.loop_at is not None and parsed.loop_at == len(parsed.events):
        rows.append(loop)
    lanes = []
    for r in rows:
        for lane in (r.src, r.dst):
            if lane not in lanes:
                lanes.append(lane)
    meta = {m.split(" ", 1)[0]: m.split(" ", 1)[1] if " " in m else "" for m in _metas(text)}
    violation = ""
    if "property" in meta:
        words = meta["property"].split()
        prop = by_name(words[0])
        rules = words[1:]
        texts = _rules_explained(rules)
        violation = (f"violates {words[0]}" + (f" ({', '.join(rules)})" if rules else "")
                     + (f": {prop.summary}" if prop else "")
                     + ("; " + " ".join(texts) if texts else ""))
    if failed:                          # a replay mismatch: the report, its rules explained
        texts = _rules_explained(list(dict.fromkeys(RULE_ID.findall(failed.group(1)))))
        violation = (f"the replay failed here: {failed.group(1)}"
                     + ("; " + " ".join(texts) if texts else ""))
    ending = ("the trace stops here without `end`: what would have happened next is not known"
              if truncated else "")
    title = meta.get("design", meta.get("scenario", name))
    if recorded:
        title = f"{Path(recorded.group(1)).name} as run by {recorded.group(2)}"
    return Chart(title, _lane_order(lanes), rows, violation, ending)


def _metas(text: str) -> list[str]:
    return [ln.strip()[5:] for ln in text.splitlines() if ln.strip().startswith("meta ")]


def _row(i: int, ev: tracefmt.Event, site: str, notes: list[str],
         last_queue: dict[str, int], last_return: dict[str, int], issued: dict[str, int]) -> Row:
    if ev.kind == "call":
        outcome = "|".join(ev.statuses) + (f" {ev.worker}" if ev.worker else "")
        if ev.worker:
            issued[ev.worker] = i
        if ev.reissues:         # trace version 3: the handle of an earlier worker again
            outcome += f" = {ev.reissues}"
            step = f" (step {issued[ev.reissues]})" if ev.reissues in issued else ""
            notes = [f"{ev.worker} is issued with the handle of {ev.reissues}{step} again: "
                     f"WI-I1 wants a new one"] + notes
        if ev.api == "queue":
            label = f"queue {ev.handle} {ev.routine} {ev.context} -> {outcome}"
        elif ev.api == "free":
            label = f"free {ev.handle} -> {outcome}"
        else:
            label = f"init -> {outcome}"
        row = Row(i, ev.ctx, RUNTIME, f"{ev.irql} {label}", site, notes)
        if ev.api == "queue" and ev.statuses == ("SUCCESS",):
            last_queue[ev.handle] = i
        if ev.api == "free" and ev.handle in last_return:
            row.link = last_return.pop(ev.handle)
        return row
    if ev.kind == "start":
        return Row(i, RUNTIME, ev.ctx, f"start {ev.handle} {ev.routine} {ev.context}", "", notes,
                   last_queue.pop(ev.handle, 0))
    if ev.kind == "return":
        last_return[ev.handle] = i
        return Row(i, ev.ctx, RUNTIME, f"return {ev.handle}", "", notes)
    if ev.kind == "remove":
        return Row(i, "teardown", "teardown", f"remove {ev.api}", "", notes)
    return Row(i, RUNTIME, RUNTIME, ev.kind, "", notes)


# ---- text ----

WIDTH = 13          # columns per lane


def text(chart: Chart) -> str:
    lanes = chart.lanes
    col = {lane: 6 + k * WIDTH + WIDTH // 2 for k, lane in enumerate(lanes)}
    width = 6 + len(lanes) * WIDTH
    head = " " * 6 + "".join(f"{lane[:WIDTH - 1]:^{WIDTH}}" for lane in lanes)
    out = [chart.title, head]

    def blank() -> list[str]:
        line = [" "] * width
        for lane in lanes:
            line[col[lane]] = "│"
        return line

    for r in chart.rows:
        line = blank()
        if r.step == 0:
            out.append("      " + "┄" * (width - 6) + " " + r.label)
            continue
        a, b = col[r.src], col[r.dst]
        tag = f"{r.step:>4}  "
        if a == b:
            line[a] = "●"
            label = r.label
        else:
            lo, hi = min(a, b), max(a, b)
            for x in range(lo + 1, hi):
                line[x] = "─"
            line[a] = "●"
            line[b] = "▶" if b > a else "◀"
            label = r.label
        extra = [label] + ([r.site] if r.site else []) + ([f"after step {r.link}"] if r.link else [])
        out.append(tag + "".join(line)[6:] + "  " + "  ".join(extra))
        for note in r.notes:
            out.append(" " * 6 + "".join(blank())[6:] + "    " + note)
    if chart.violation:
        out.append(f"  ✗ step {chart.rows[-1].step if chart.rows else 0} {chart.violation}")
    if chart.ending:
        out.append(f"  ┄ {chart.ending}")
    return "\n".join(out)


# ---- SVG ----

LANE_W, ROW_H, TOP, LEFT = 150, 34, 60, 60


def svg(chart: Chart) -> str:
    lanes = chart.lanes
    x = {lane: LEFT + k * LANE_W + LANE_W // 2 for k, lane in enumerate(lanes)}
    rows = chart.rows
    wrapped = textwrap.wrap("✗ " + chart.violation, 110) if chart.violation else []
    side_chars = max((len("  ".join(s for s in [r.site] + r.notes if s)) for r in rows), default=0)
    height = TOP + (len(rows) + 2) * ROW_H + 18 * (len(wrapped) + bool(chart.ending))
    width = max(LEFT + len(lanes) * LANE_W + 16 + int(side_chars * 7.3), 110 * 7 + 2 * LEFT)
    e = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#333"/></marker></defs>',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{e(chart.title)}</text>']
    bottom = TOP + (len(rows) + 1) * ROW_H
    for lane in lanes:
        parts.append(f'<g class="lane" data-lane="{e(lane)}">'
                     f'<rect x="{x[lane] - 55}" y="{TOP - 24}" width="110" height="20" rx="4" '
                     f'fill="#eef" stroke="#335"/>'
                     f'<text x="{x[lane]}" y="{TOP - 10}" text-anchor="middle">{e(lane)}</text>'
                     f'<line x1="{x[lane]}" y1="{TOP - 4}" x2="{x[lane]}" y2="{bottom}" '
                     f'stroke="#99a" stroke-dasharray="4 3"/></g>')
    y_of = {}
    for k, r in enumerate(rows):
        y = TOP + (k + 1) * ROW_H
        y_of[r.step] = y
        last = chart.violation and k == len(rows) - 1
        colour = "#c00" if last else "#333"
        if r.step == 0:
            parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + len(lanes) * LANE_W}" y2="{y}" '
                         f'stroke="#888" stroke-dasharray="2 2"/><text x="{LEFT + len(lanes) * LANE_W + 8}" '
                         f'y="{y + 4}" fill="#555">{e(r.label)}</text>')
            continue
        parts.append(f'<g class="step" data-step="{r.step}">')
        parts.append(f'<text x="8" y="{y + 4}" fill="#555">{r.step}</text>')
        if r.src == r.dst:
            parts.append(f'<circle cx="{x[r.src]}" cy="{y}" r="5" fill="{colour}"/>')
        else:
            parts.append(f'<line x1="{x[r.src]}" y1="{y}" x2="{x[r.dst]}" y2="{y}" stroke="{colour}" '
                         f'stroke-width="{2 if last else 1.2}" marker-end="url(#arrow)"/>')
        parts.append(f'<text x="{(x[r.src] + x[r.dst]) // 2 if r.src != r.dst else x[r.src] + 10}" '
                     f'y="{y - 5}" text-anchor="{"middle" if r.src != r.dst else "start"}" '
                     f'fill="{colour}">{e(r.label)}</text>')
        side = [r.site] + r.notes
        side = [s for s in side if s]
        if side:
            parts.append(f'<text x="{LEFT + len(lanes) * LANE_W + 8}" y="{y + 4}" fill="#555">'
                         f'{e("  ".join(side))}</text>')
        if r.link and r.link in y_of:
            src_row = next(q for q in rows if q.step == r.link)
            x0 = x[src_row.src if src_row.dst == RUNTIME else src_row.dst]
            y0 = y_of[r.link]
            x1 = x[r.dst if r.dst != RUNTIME else r.src]
            parts.append(f'<path class="link" d="M{x0},{y0 + 4} C{x0},{(y0 + y) // 2} {x1},{(y0 + y) // 2} '
                         f'{x1},{y - 6}" fill="none" stroke="#07a" stroke-dasharray="5 3" '
                         f'marker-end="url(#arrow)"/>')
        parts.append('</g>')
    if wrapped:
        y0 = TOP + (len(rows) + 2) * ROW_H - 10
        parts.append(f'<text class="violation" x="{LEFT}" y="{y0}" fill="#c00">'
                     + "".join(f'<tspan x="{LEFT}" dy="{0 if k == 0 else 18}">{e(ln)}</tspan>'
                               for k, ln in enumerate(wrapped)) + '</text>')
    if chart.ending:
        y0 = TOP + (len(rows) + 2) * ROW_H - 10 + 18 * len(wrapped)
        parts.append(f'<text class="ending" x="{LEFT}" y="{y0}" fill="#555">┄ {e(chart.ending)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
