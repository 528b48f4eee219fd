"""Benchmark of `stork coverage`: the time per MB of trace at 1, 2 and 4 MB, each as a ratio
against the 1 MB figure measured in the same run (linear time: every ratio about 1.0).

Two shapes of trace: seeded random walks of a miniport (big_trace): workers initialised,
queued, started, returned and freed, by routines and by callbacks, with wrong calls and
allowed sets among them, a removal near the end, one persistent worker taking most of the
queues; and one persistent worker queued, started and returned over and over
(persistent_trace).  The time is `stork coverage`'s work on the
loaded traces: reading the file, parsing it and classifying every event against every goal.

Run with `cmake --build build --target bench` (or directly with Debian's python3).

  --quick   0.25, 0.5 and 1 MB
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stork.coverage import measure, without_cycle_collector  # noqa: E402
from stork.trace import load  # noqa: E402

MB = 1 << 20
ROUTINES = (("findadapter", "PASSIVE"), ("startio", "DISPATCH"), ("dpc", "DISPATCH"),
            ("isr", "DIRQL"), ("control", "PASSIVE"))
SETS = ("SUCCESS", "BUSY", "INVALID_DEVICE_STATE", "INVALID_DEVICE_STATE|BUSY",
        "UNSUCCESSFUL", "INVALID_PARAMETER", "SUCCESS|BUSY", "INVALID_IRQL")


def big_trace(size: int, seed: int = 1, threads: int = 4, inits: float = 0.06) -> str:
    """A trace of about `size` bytes (see the module's comment) with system threads sys0 ..
    and about `inits` of its events initialisations; the same arguments, the same text."""
    rng = random.Random(seed)
    lines = ["stork-trace 1", f"meta generator coverage_bench seed {seed}"]
    live: list[str] = []            # workers issued and not freed
    issued = 0
    queued: set[str] = set()
    running: dict[str, str] = {}    # thread -> worker
    removal = 0                     # 0 not begun, 1 begun, 2 ended
    n = 0                           # bytes so far

    def emit(*new: str) -> None:
        nonlocal n
        lines.extend(new)
        n += sum(len(x) + 1 for x in new)

    def caller() -> tuple[str, str]:
        if running and rng.random() < 0.4:
            return rng.choice(sorted(running)), "PASSIVE"
        return rng.choice(ROUTINES)

    def handle() -> str:
        r = rng.random()
        if r < 0.02:
            return rng.choice(("null", "bad1", "bad2"))
        if live and r < 0.7:
            return live[0]          # the persistent worker
        return rng.choice(live) if live and r < 0.95 else f"w{rng.randint(1, issued + 1)}"

    while n < size:
        if removal == 0 and n > size * 0.9:
            removal = 1
            emit("remove begin")
        elif removal == 1 and n > size * 0.97 and not running:
            removal = 2
            emit("remove end")
        r = rng.random()
        ctx, irql = caller()
        if r < inits:
            if rng.random() < 0.2:
                emit("fail-alloc", f"call {ctx} {irql} init -> INSUFFICIENT_RESOURCES")
            else:
                issued += 1
                live.append(f"w{issued}")
                emit(f"call {ctx} {irql} init -> SUCCESS w{issued}")
        elif r < 0.45 + inits:
            h = handle()
            st = "BUSY" if h in queued else ("SUCCESS" if rng.random() < 0.8 else rng.choice(SETS))
            cb = rng.randint(1, 3)
            emit(f"call {ctx} {irql} queue {h} cb{cb} ctx{cb} -> {st}")
            if st == "SUCCESS" and h in live:
                queued.add(h)
        elif r < 0.7 + inits:
            idle = [t for t in (f"sys{i}" for i in range(threads)) if t not in running]
            if queued and idle:
                w = live[0] if live[0] in queued and rng.random() < 0.8 else rng.choice(sorted(queued))
                t = rng.choice(idle)
                queued.discard(w)
                running[t] = w
                cb = rng.randint(1, 3)
                emit(f"start {t} {w} cb{cb} ctx{cb}")
        elif r < 0.9 + inits:
            if running:
                t = rng.choice(sorted(running))
                emit(f"return {t} {running.pop(t)}")
        else:
            h = handle()
            st = "BUSY" if h in queued else rng.choice(("SUCCESS", "SUCCESS", "UNSUCCESSFUL"))
            emit(f"call {ctx} {irql} free {h} -> {st}")
            if st == "SUCCESS" and h in live and h != live[0]:
                live.remove(h)
    lines += [f"return {t} {w}" for t, w in sorted(running.items())]
    lines.append("end")
    return "\n".join(lines) + "\n"


def persistent_trace(size: int) -> str:
    """About `size` bytes of one persistent worker queued, started and returned again and
    again (the shape of a long recording of a polling miniport)."""
    head = ["stork-trace 1", "call findadapter PASSIVE init -> SUCCESS w1"]
    round_ = ["call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS", "start sys0 w1 cb1 ctx1",
              "return sys0 w1"]
    rounds = max(1, size // sum(len(x) + 1 for x in round_))
    tail = ["call teardown PASSIVE free w1 -> SUCCESS", "end"]
    return "\n".join(head + round_ * rounds + tail) + "\n"


SHAPES = {"random walk": big_trace, "one persistent worker": persistent_trace}


def seconds_for(path: Path, repeat: int) -> float:
    """The best of `repeat` runs of what `stork coverage PATH` does, in CPU seconds (the
    machine is shared: wall-clock time would count the other jobs)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        with without_cycle_collector():     # as the command runs it
            measure([load(path)])
        best = min(best, time.process_time() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.25, 0.5 and 1 MB")
    ap.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per size (best kept)")
    args = ap.parse_args()
    if args.repeat < 1:
        print("coverage_bench: --repeat must be >= 1", file=sys.stderr)
        return 2
    sizes = (MB // 4, MB // 2, MB) if args.quick else (MB, 2 * MB, 4 * MB)
    print("## stork coverage: time per MB against trace size\n")
    print("| trace | size | events | seconds | s per MB | x the first |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="stork-bench-") as tmp:
        for shape, make in SHAPES.items():
            base = None
            for size in sizes:
                path = Path(tmp) / f"big{size}.trace"
                path.write_text(make(size))
                mb = path.stat().st_size / MB
                events = len(load(path).events)
                per_mb = seconds_for(path, args.repeat) / mb
                base = base or per_mb
                print(f"| {shape} | {mb:.2f} MB | {events:,} | {per_mb * mb:.2f} | "
                      f"{per_mb:.2f} | {per_mb / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
