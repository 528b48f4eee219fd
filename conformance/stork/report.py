"""One self-contained HTML page for a folder of results: the verdict tables of the verify runs
saved there (DESIGN.verify.json), a replay's results (replay.junit.xml, which `stork replay
--record DIR` writes beside the recordings) with the chart of each failed run, and a sequence
chart of every other trace (counterexamples, audit findings, recorded runs). No script, no
network, no framework: inline CSS and SVG."""

from __future__ import annotations

import html
import json
from pathlib import Path

from stork import chart, replay_sarif
from stork import trace as tracefmt
from stork.properties import rule_rows

RESULTS = "replay.junit.xml"      # commands/replay.py writes it into a --record folder
PASSED_CHARTS = 10                # charts drawn of the runs that passed (all failed ones are)

STYLE = """body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}
.VIOLATED,.FAIL,.ERROR{color:#c00;font-weight:bold}.PASS{color:#070}.holds{color:#070}.incomplete,.vacuous{color:#a60}
pre{background:#f6f6f6;padding:.6em;overflow:auto}section{margin-bottom:2em}"""


def _verify_table(doc: dict) -> str:
    e = html.escape
    rows = "".join(
        f'<tr><td>{e(p["name"])}</td><td class="{e(p["verdict"])}">{e(p["verdict"])}</td>'
        f'<td>{p["states"]:,}</td><td>{e(", ".join(p["rules"]))}</td>'
        f'<td>{e(p.get("reason") or "")}</td></tr>' for p in doc["properties"])
    return (f'<section class="verify"><h2>verify {e(doc["design"])}</h2>'
            f'<p>bounds: {e(" ".join(doc.get("bounds", [])))}; exit status {doc["exit_status"]}</p>'
            f'<table><tr><th>property</th><th>verdict</th><th>states</th><th>rules</th>'
            f'<th>note</th></tr>{rows}</table></section>')


def _chart(name: str, text: str) -> tuple[str, bool]:
    """A trace's section: its chart, or why there is none; whether it is a chart."""
    e = html.escape
    try:
        drawn = chart.build(text, name)
    except tracefmt.TraceError as err:
        return f"<section><h2>{e(name)}</h2><p>not a valid trace: {e(str(err))}</p></section>", False
    return (f'<section class="chart"><h2>{e(name)}</h2>{chart.svg(drawn)}'
            f"<details><summary>as text</summary><pre>{e(chart.text(drawn))}</pre>"
            f"</details></section>"), True


def _recordings(traces: dict[Path, str]) -> dict[str, list[Path]]:
    """The recordings among the traces, by the path of the trace each is the run of."""
    out: dict[str, list[Path]] = {}
    for path, text in traces.items():
        for ln in text.splitlines()[:3]:
            m = chart.RECORDING.match(ln.strip())
            if m:
                out.setdefault(m.group(1), []).append(path)
    return out


def _replay(folder: Path, traces: dict[Path, str]) -> tuple[list[str], set[Path], int]:
    """A replay's section: its results table, the chart of every failed run's recording and of
    the first PASSED_CHARTS passed ones; the recordings drawn (or listed) and the charts."""
    e = html.escape
    impl, cases = replay_sarif.read_junit(folder / RESULTS)
    recorded = _recordings(traces)
    failed = [c for c in cases if not c.ok]
    rows = []
    for c in failed:
        texts = [f"{r}: {rule_rows()[r][0]}" for r in c.rules if r in rule_rows()]
        verdict = "ERROR" if c.error else "FAIL"
        rows.append(f'<tr><td>{e(c.path)}</td><td class="{verdict}">{verdict}</td>'
                    f"<td>{c.line or ''}</td><td>{e(c.event)}</td><td>{e(c.detail)}</td>"
                    f"<td>{e(' '.join(texts))}</td></tr>")
    parts = [f'<section class="replay"><h2>replay against {e(impl)}</h2>'
             f"<p>{len(cases)} trace(s): {len(cases) - len(failed)} passed, {len(failed)} failed"
             f"</p>"]
    if rows:
        parts.append("<table><tr><th>trace</th><th>verdict</th><th>line</th><th>event</th>"
                     f"<th>what the implementation did</th><th>rules</th></tr>{''.join(rows)}"
                     "</table>")
    parts.append("</section>")
    used: set[Path] = set()
    charts = passed_drawn = 0
    for c in sorted(cases, key=lambda c: c.ok):              # the failed runs first
        mine = recorded.get(c.path, [])
        if not mine:
            continue
        rec = mine.pop(0)
        used.add(rec)
        if c.ok and passed_drawn >= PASSED_CHARTS:
            continue
        section, drawn = _chart(rec.name, traces[rec])
        parts.append(section)
        charts += drawn
        passed_drawn += c.ok
    more = sum(1 for c in cases if c.ok) - passed_drawn
    if more > 0:
        parts.append(f"<p>{more} more run(s) passed; their recordings are not drawn here "
                     f"(stork show {e(str(folder))}/NAME draws one).</p>")
    return parts, used, charts


def page(folder: Path) -> tuple[str, int, int, int]:
    """The page's HTML, the number of verify tables, of replay tables and of charts
    (replay_sarif.ResultsError for a replay.junit.xml that is not stork replay's)."""
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>stork report: "
             f"{e(folder.name)}</title><style>{STYLE}</style></head><body>",
             f"<h1>stork report: {e(str(folder))}</h1>"]
    tables = charts = replays = 0
    for path in sorted(folder.glob("*.verify.json")):
        parts.append(_verify_table(json.loads(path.read_text(encoding="utf-8"))))
        tables += 1
    traces = {path: path.read_text(encoding="utf-8", errors="replace")
              for path in sorted(folder.glob("*.trace"))}
    used: set[Path] = set()
    if (folder / RESULTS).is_file():
        section, used, charts = _replay(folder, traces)
        parts += section
        replays = 1
    for path, text in traces.items():
        if path not in used:
            section, drawn = _chart(path.name, text)
            parts.append(section)
            charts += drawn
    if not tables and not charts and not replays:
        parts.append("<p>Nothing to show: no *.verify.json, no replay.junit.xml and no *.trace "
                     "in this folder.</p>")
    parts.append("</body></html>")
    return "\n".join(parts), tables, replays, charts
