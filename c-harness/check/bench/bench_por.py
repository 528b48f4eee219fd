"""bench_por -- the exhaustive search with and without its partial-order reduction (reduce.h),
side by side in one run: schedules and seconds of each on the shipped case studies and on the
bench's ring scenario (ring.c) with two and three DPCs, StartIo instances and system threads.
The unreduced search is the baseline; its budget (schedules and seconds) may cut it, and then
the ratio printed is a lower bound (">=").

Usage: python3 bench_por.py SCENARIOS_DIR BENCH_DIR [SECONDS]   (cmake --build build --target
bench_por; SECONDS: the time limit of each search, default 30)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CASE_STUDIES = ["storahci", "spcnvme_as_published", "spcnvme_wrong_handle", "spcnvme_early_return",
                "spcnvme_overwritten_handle", "spcnvme_queue_status_ignored",
                "spcnvme_teardown_no_drain", "spcnvme_fixed"]
RING = ["ring", "ring_dpc2", "ring_dpc3", "ring_startio2", "ring_startio3", "ring_threads2",
        "ring_threads3"]
BUDGET = 1_000_000


@dataclass
class Search:
    schedules: int
    complete: bool
    secs: float
    findings: frozenset[tuple[str, int]]


def search(program: Path, limit: int, *args: str) -> Search:
    t = time.monotonic()
    r = subprocess.run([str(program), "--json", "--exhaustive", "--max-schedules", str(BUDGET),
                        "--time-limit", str(limit), *args], capture_output=True, text=True)
    secs = time.monotonic() - t
    if r.returncode not in (0, 1, 3):
        sys.exit(f"bench_por: {program}: exit {r.returncode}: {r.stderr.strip()}")
    out = json.loads(r.stdout)
    return Search(out["schedules"], out["complete"], secs,
                  frozenset((f["rule"], f["line"]) for f in out["findings"]))


def main() -> int:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    scenarios, bench = Path(sys.argv[1]), Path(sys.argv[2])
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    print(f"{'scenario':<30} {'reduced':>9} {'s':>6}  {'unreduced':>10} {'s':>6}  "
          f"{'schedules':>10} {'time':>8}")
    for program in [scenarios / n for n in CASE_STUDIES] + [bench / n for n in RING]:
        red = search(program, limit)
        full = search(program, limit, "--no-reduction")
        if full.complete and red.findings != full.findings:
            sys.exit(f"bench_por: {program.name}: the searches found different findings")
        bound = "" if full.complete else ">="
        mark = "" if red.complete else " (reduced: incomplete)"
        print(f"{program.name:<30} {red.schedules:>9,} {red.secs:>6.2f}  "
              f"{bound + format(full.schedules, ','):>10} {full.secs:>6.2f}  "
              f"{bound + format(full.schedules / red.schedules, '.1f') + 'x':>10} "
              f"{bound + format(full.secs / red.secs, '.1f') + 'x':>8}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
