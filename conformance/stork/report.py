"""One self-contained HTML page for a folder of results: the verdict tables of the verify runs
saved there (DESIGN.verify.json) and a sequence chart of every trace (counterexamples,
audit findings, recorded runs). No script, no network, no framework: inline CSS and SVG."""

from __future__ import annotations

import html
import json
from pathlib import Path

from stork import chart
from stork import trace as tracefmt

STYLE = """body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}
.VIOLATED{color:#c00;font-weight:bold}.holds{color:#070}.incomplete,.vacuous{color:#a60}
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


def page(folder: Path) -> tuple[str, int, int]:
    """The page's HTML, the number of result tables and the number of charts."""
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>stork report: "
             f"{e(folder.name)}</title><style>{STYLE}</style></head><body>",
             f"<h1>stork report: {e(str(folder))}</h1>"]
    tables = charts = 0
    for path in sorted(folder.glob("*.verify.json")):
        parts.append(_verify_table(json.loads(path.read_text(encoding="utf-8"))))
        tables += 1
    for path in sorted(folder.glob("*.trace")):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            drawn = chart.build(text, path.name)
        except tracefmt.TraceError as err:
            parts.append(f"<section><h2>{e(path.name)}</h2><p>not a valid trace: {e(str(err))}</p></section>")
            continue
        parts.append(f'<section class="chart"><h2>{e(path.name)}</h2>{chart.svg(drawn)}'
                     f"<details><summary>as text</summary><pre>{e(chart.text(drawn))}</pre>"
                     f"</details></section>")
        charts += 1
    if not tables and not charts:
        parts.append("<p>Nothing to show: no *.verify.json and no *.trace in this folder.</p>")
    parts.append("</body></html>")
    return "\n".join(parts), tables, charts
