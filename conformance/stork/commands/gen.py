"""stork gen --out DIR: regression traces generated from the model (see stork.gen)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stork import corpus_k3, exitcodes
from stork.gen import TIME_LIMIT, GenConfig, GenError, generate_corpus, write_corpus
from stork.verify import finite_time_limit
from stork.spin import SpinInputError, SpinToolError

NAME = "gen"
SUMMARY = "generate the regression trace corpus from the model"
HELP = ("Generate regression traces from the model: a shortest witness per coverage goal of "
        "spec/coverage.md found by SPIN, and runs taking every (abstract state, event) pair "
        "SPIN's complete search reaches (the transitions family), minimised to a set that "
        "still meets every goal (DIR/goals), seeded random walks (DIR/random), and the k = 3 part: "
        "runs taking every pair over three workers SPIN reaches within --k3-ops calls, as one "
        "pack (DIR/k3.pack, written by the C harness's stork-replay), with DIR/COVERAGE.md and "
        "the unreachable pairs. The same "
        "bounds and seed give a byte-identical corpus. Exit 0 every goal met or shown "
        "unreachable, 2 bad input or a tool failure, 3 a goal's search was cut short.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = GenConfig()
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where to write the corpus (DIR/goals and DIR/random are replaced)")
    p.add_argument("--ops", type=int, default=d.ops, metavar="N",
                   help=f"calls the general miniport makes in a witness run (default {d.ops})")
    p.add_argument("--maxw", type=int, default=d.maxw, metavar="N",
                   help=f"worker handles in a witness run (default {d.maxw})")
    p.add_argument("--nthreads", type=int, default=d.nthreads, metavar="N",
                   help=f"system worker threads (default {d.nthreads})")
    p.add_argument("--tr-ops", type=int, default=d.tr_ops, metavar="N",
                   help=f"calls in the transitions family's search (default {d.tr_ops})")
    p.add_argument("--k3-ops", type=corpus_k3.parse_ops, default=d.k3_ops, metavar="N",
                   help=f"calls in the k = 3 part's search (default {d.k3_ops}, the shipped "
                   "part; 0: no k = 3 part, DIR/k3.pack removed; full: the whole k = 3 "
                   "criterion, at the calls after which no run reaches another pair: "
                   "minutes, gigabytes and a pack of about 150 MB, docs/benchmarks.md)")
    p.add_argument("--walks", type=int, default=d.walks, metavar="N",
                   help=f"random walks (default {d.walks})")
    p.add_argument("--walk-ops", type=int, default=d.walk_ops, metavar="N",
                   help=f"calls in a random walk at most (default {d.walk_ops})")
    p.add_argument("--walk-maxw", type=int, default=d.walk_maxw, metavar="N",
                   help=f"worker handles in a random walk (default {d.walk_maxw})")
    p.add_argument("--seed", type=int, default=d.seed, metavar="N",
                   help=f"seed of the first random walk; walk i uses SEED+i (default {d.seed})")
    p.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                   help=f"seconds for all the goals' searches (default {TIME_LIMIT:g}); a goal "
                   "not decided by then is unknown (exit 3)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line on stderr (there is none unless stderr is a terminal)")


def config_of(args: argparse.Namespace) -> GenConfig:
    return GenConfig(ops=args.ops, maxw=args.maxw, nthreads=args.nthreads, tr_ops=args.tr_ops,
                     k3_ops=args.k3_ops, walks=args.walks,
                     walk_ops=args.walk_ops, walk_maxw=args.walk_maxw, seed=args.seed)


def check_bounds(cfg: GenConfig) -> str:
    """An error message for bounds the model cannot take, or ""."""
    if not 1 <= cfg.maxw <= 3 or not 1 <= cfg.walk_maxw <= 3:
        return "--maxw and --walk-maxw must be 1..3 (the general miniport names w1..w3)"
    if not 1 <= cfg.nthreads <= 4:
        return "--nthreads must be 1..4"
    if not 1 <= cfg.ops <= 20 or not 1 <= cfg.tr_ops <= 20 or not 1 <= cfg.walk_ops <= 60:
        return "--ops and --tr-ops must be 1..20 and --walk-ops 1..60"
    if cfg.k3_ops != corpus_k3.FULL and not 0 <= int(cfg.k3_ops) <= 20:
        return "--k3-ops must be 0..20 (0: no k = 3 part) or full"
    if cfg.walks < 0 or cfg.seed < 1:
        return "--walks must be >= 0 and --seed >= 1"
    return ""


def run(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    problem = check_bounds(cfg)
    if not problem and not finite_time_limit(args.time_limit):
        problem = "--time-limit must be a number of seconds above 0 and at most a week"
    if problem:
        print(f"stork gen: {problem}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not args.out:                    # Path("") would be the current folder
        print("stork gen: an empty --out names no folder", file=sys.stderr)
        return exitcodes.BAD_INPUT
    out = Path(args.out)
    try:                                # a folder it cannot write is bad input, found up front
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"stork gen: cannot create {out}: {e.strerror}", file=sys.stderr)
        return exitcodes.BAD_INPUT

    def progress(done: int, total: int, w) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\rstork gen: goal {done}/{total} {w.verdict:<11}", end="", file=sys.stderr,
                  flush=True)

    try:
        corpus = generate_corpus(cfg, progress, args.time_limit)
    except (SpinInputError, SpinToolError, GenError) as e:
        print(f"\nstork gen: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    try:
        write_corpus(corpus, out)
    except OSError as e:
        print(f"stork gen: cannot write the corpus into {out}: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    except GenError as e:
        print(f"stork gen: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    found = [w for w in corpus.witnesses if w.verdict == "found"]
    unreachable = [w for w in corpus.witnesses if w.verdict == "unreachable"]
    unknown = [w for w in corpus.witnesses if w.verdict == "unknown"]
    print(f"{len(corpus.witnesses)} goals trapped: {len(found)} witnessed, "
          f"{len(unreachable)} unreachable, {len(unknown)} unknown (search cut short)")
    r = corpus.reach
    tr_cut = r is not None and not r.complete
    if r is not None:
        print(f"transitions (k={cfg.maxw}): {len(r.keys)} (abstract state, event) pairs reached "
              + (f"by SPIN's complete search of {r.states} states, {len(corpus.unreachable)} "
                 f"unreachable; {corpus.planned} planned runs take them all" if not tr_cut else
                 f"before SPIN's search was cut short ({r.reason}): unknown"))
    k3 = corpus.k3
    k3_cut = k3 is not None and not k3.complete
    if k3 is not None:
        print(f"k = 3 part (OPS={k3.ops}"
              + (", the whole k = 3 criterion" if k3.criterion else "") + "): " + (
            f"{len(k3.whole.keys)} pairs reached by SPIN's complete search of "
            f"{k3.whole.states} states, {k3.full_pending()} more with three pending within "
            f"{k3.ops + 1} calls ({k3.sliced.states} states); {len(k3.traces)} planned runs "
            f"({k3.events} events) take all {len(k3.goals)}" if not k3_cut else
            f"SPIN's search was cut short ({k3.reason}): unknown, no pack"))
    print(f"{len(corpus.chosen)} goal-directed traces after minimising, "
          f"{len(corpus.walks)} random walks; {corpus.seconds:.1f} s")
    print(f"wrote {out}/goals, {out}/random"
          + (f", {out}/k3.pack" if k3 is not None and not k3_cut else "")
          + f" and {out}/COVERAGE.md")
    for w in unreachable + unknown:
        print(f"  {w.goal}: {w.verdict}: {w.reason}")
    return exitcodes.INCOMPLETE if unknown or tr_cut or k3_cut else exitcodes.OK
