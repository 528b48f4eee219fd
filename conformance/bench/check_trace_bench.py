"""Benchmark of `stork check-trace`: time per trace on the repository's traces, and how the
time grows with a trace's length. Each trace is one SPIN simulation of a generated driver (no
pan, no C compiler), so there is no compile time to amortise over several traces.

Run with `cmake --build build --target bench` (or directly with Debian's python3). Prints
tables in Markdown.

  --quick   shorter synthetic traces
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork.check_trace import CONFORMS, check, check_all  # noqa: E402
from stork.paths import in_testdata  # noqa: E402


def repository_traces() -> list[str]:
    dirs = [in_testdata("golden", "valid"), in_testdata("golden", "rejected"), in_testdata("traces")]
    return [str(p) for d in dirs for p in sorted(d.glob("*.trace"))]


def synthetic(rounds: int, folder: Path) -> str:
    """A persistent worker queued, run and returned `rounds` times: 3 events a round."""
    lines = ["stork-trace 1", "call findadapter PASSIVE init -> SUCCESS w1"]
    for _ in range(rounds):
        lines += ["call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS", "start sys0 w1 cb1 ctx1",
                  "return sys0 w1"]
    lines += ["call teardown PASSIVE free w1 -> SUCCESS", "end"]
    path = folder / f"rounds{rounds}.trace"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter synthetic traces")
    args = ap.parse_args()

    paths = repository_traces()
    singles = [check(p).seconds for p in paths]
    print(f"## check-trace on the repository's {len(paths)} traces\n")
    print("| measure | value |\n|---|---|")
    print(f"| per trace, median | {statistics.median(singles) * 1000:.0f} ms |")
    print(f"| per trace, slowest | {max(singles) * 1000:.0f} ms |")
    for jobs in (1, 2):
        t0 = time.monotonic()
        check_all(paths, jobs=jobs)
        wall = time.monotonic() - t0
        print(f"| all {len(paths)}, --jobs {jobs} | {wall:.2f} s ({wall / len(paths) * 1000:.0f} ms a trace) |")

    print("\n## time against trace length (one SPIN run each)\n")
    print("| events | seconds | verdict |\n|---|---|---|")
    sizes = (100, 1_000) if args.quick else (100, 1_000, 10_000, 33_333)
    with tempfile.TemporaryDirectory() as tmp:
        for rounds in sizes:
            r = check(synthetic(rounds, Path(tmp)))
            print(f"| {r.events:,} | {r.seconds:.2f} | {r.verdict} |")
            if r.verdict != CONFORMS:
                print(f"unexpected verdict: {r.failure or r.error}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
