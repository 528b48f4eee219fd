"""stork demo: the main job -- verify every shipped design and show the verdict table, then
regenerate the trace corpus, check it against the shipped one, replay it against the reference
and run the mutants against it, replay it again from a pack, then audit the case studies."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stork import audit, exitcodes, mutate, scenarios
from stork.gen import GenConfig, GenError, differences, generate_corpus, write_corpus
from stork.paths import ROOT, libexec_dir
from stork.properties import all_properties
from stork.spin import SpinInputError, SpinToolError
from stork.trace import load
from stork.suite import DesignOutcome, verify_all, verify_on_hosts
from stork.design import DesignError
from stork.verify import HOLDS, INCOMPLETE, VACUOUS, VIOLATED, BadDefine, ModelError, display_path

NAME = "demo"
SUMMARY = "the main job: designs, corpus, mutants and case studies"
HELP = ("Verify every design shipped in model/designs/ against every property and print a "
        "table of expected and actual verdicts; then regenerate the trace corpus "
        "(conformance/traces) and check it is identical to the shipped one, replay it against "
        "the reference implementation, run the mutants against it and replay it from a pack "
        "(stork pack); then audit the case studies' C code (conformance/case-studies) under "
        "every schedule. Exit 0 when all is as expected, 1 when a verdict or audit differs "
        "from its header, the corpus is stale, the reference fails a trace, a mutant survives "
        "or the pack's report differs from the text files', 3 when a search was incomplete, 2 "
        "when a design or scenario does not compile or a tool fails.")
CORPUS = ROOT / "conformance" / "traces"
# The case studies' scenarios; after the published code, the variants of the fixed one
# (c-harness/check/scenarios/variants.txt), one defect each.
CASE_STUDIES = ("storahci", "spcnvme_as_published", "spcnvme_fixed")
MARK = {HOLDS: ".", VIOLATED: "X", INCOMPLETE: "?", VACUOUS: "v"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, metavar="N",
                   help="designs verified in parallel (default: the number of cores)")


def run(args: argparse.Namespace) -> int:
    status = designs(args)
    if status == exitcodes.BAD_INPUT:
        return status
    statuses = [status]
    for section in (corpus, case_studies):
        print()
        statuses.append(section())
        if statuses[-1] == exitcodes.BAD_INPUT:
            return exitcodes.BAD_INPUT
    return max(statuses, key=[exitcodes.OK, exitcodes.INCOMPLETE, exitcodes.VIOLATED].index)


def _label(o: DesignOutcome) -> str:
    """A design's name in the table, with the host it was verified under if not Windows."""
    return o.name if o.host == "windows" else f"{o.name} on {o.host}"


def designs(args: argparse.Namespace) -> int:
    props = all_properties()
    t0 = time.monotonic()
    try:
        outcomes = verify_all(jobs=max(1, args.jobs))
        hosted = verify_on_hosts(jobs=max(1, args.jobs))     # each `expect on HOST:` line
    except (SpinInputError, SpinToolError, ModelError, DesignError, BadDefine) as e:
        print(f"stork demo: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    wall = time.monotonic() - t0
    print("Verifying the shipped designs against every property of spec/contract.md")
    print("(. holds   X VIOLATED   ? incomplete   v vacuous   - not checked: the design makes "
          "no assert; columns are the properties below)\n")
    width = max(len(_label(o)) for o in outcomes + hosted)
    cols = "".join(f"{i + 1:>3}" for i in range(len(props)))
    print(f"{'design':<{width}} {cols}   {'states':>8} {'seconds':>7}  expected -> ok?")
    def row(o: DesignOutcome) -> None:
        marks = "".join(f"{MARK.get(o.result.verdict_of(p.name), '-'):>3}" for p in props)
        ok = "ok" if o.matches else "MISMATCH"
        print(f"{_label(o):<{width}} {marks}   {o.states:>8,} {o.result.seconds:7.2f}  "
              f"{o.header.expected_text()} -> {ok}")

    for o in outcomes:
        row(o)
    if hosted:
        print("\nunder another host (`verify --host HOST`: the designs that state what they "
              "give there, `expect on HOST:`):")
        for o in hosted:
            row(o)
    print("\nproperties:")
    for i, p in enumerate(props):
        rules = ", ".join(p.rules) or "the design's own assert(...)"
        print(f"  {i + 1:>2} {p.name:<26} {rules}")
    bad = [o for o in outcomes + hosted if not o.matches]
    print(f"\n{len(outcomes)} designs and {len(hosted)} under another host, "
          f"{len(outcomes) + len(hosted) - len(bad)} as expected, {len(bad)} not; "
          f"{wall:.1f} s wall clock")
    for o in bad:
        print(f"  {_label(o)} ({display_path(o.path)}): expected {o.header.expected_text()}, got "
              f"VIOLATED {' '.join(o.violated) or '-'}"
              + (f", incomplete {' '.join(o.incomplete)}" if o.incomplete else ""))
    if any(o.incomplete for o in outcomes + hosted):
        return exitcodes.INCOMPLETE
    return exitcodes.OK if not bad else exitcodes.VIOLATED


def corpus() -> int:
    """The regression corpus: regenerated and compared, replayed, and its mutation score."""
    print("Regression corpus (conformance/traces, spec/coverage.md)")
    with tempfile.TemporaryDirectory(prefix="stork-demo-") as tmp:
        try:
            fresh = generate_corpus(GenConfig())
        except (SpinInputError, SpinToolError, GenError) as e:
            print(f"stork demo: {e}", file=sys.stderr)
            return exitcodes.BAD_INPUT
        write_corpus(fresh, Path(tmp))
        stale = differences(Path(tmp), CORPUS)
        packed = pack_and_compare(Path(tmp) / "corpus.pack")
    goals = sorted((CORPUS / "goals").glob("*.trace"))
    walks = sorted((CORPUS / "random").glob("*.trace"))
    events = sum(len(load(p).events) for p in goals + walks)
    trapped = len(fresh.witnesses)
    reach = len(fresh.reach.keys) if fresh.reach else 0
    print(f"  {len(goals)} goal-directed traces (a SPIN witness for each of {trapped} trapped "
          f"goals and {fresh.planned} runs taking all {reach} (abstract state, event) pairs "
          f"SPIN reaches over k={fresh.config.maxw} workers, minimised together) + "
          f"{len(walks)} random walks, {events} events")
    k3 = fresh.k3
    if k3 is not None and k3.complete and (CORPUS / "k3.pack").is_file():
        print(f"  + the k = 3 part: {len(k3.traces)} runs taking all {len(k3.whole.keys)} pairs "
              f"SPIN reaches over 3 workers within {k3.ops} calls and the {k3.full_pending()} "
              f"with three pending within {k3.ops + 1}, {k3.events} events "
              f"(k3.pack, {(CORPUS / 'k3.pack').stat().st_size // 1024} KiB)")
    print(f"  regenerated by `stork gen` in {fresh.seconds:.1f} s: "
          + ("identical to the shipped corpus" if not stale else
             f"DIFFERS from the shipped corpus in {len(stale)} file(s), e.g. {stale[0]} "
             "(run: stork gen --out conformance/traces)"))
    try:
        table = mutate.kill_table(CORPUS)
    except mutate.MutateError as e:
        print(f"stork demo: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    ref = table.reference.values()
    passed, failed = sum(r.passed for r in ref), sum(r.failed for r in ref)
    print(f"  replayed against the reference implementation: {passed} passed, {failed} failed "
          f"({table.seconds * 1000:.0f} ms)")
    n = len(table.rows)
    survivors = [m.name for m in table.survivors()]
    by_goals = table.killed_by_goal_directed()
    print(f"  mutants of the reference killed: {by_goals}/{n} by the goal-directed traces"
          + (" (all)" if by_goals == n else " (NOT ALL: the transitions criterion should kill "
             "every one)")
          + f", {table.killed_by('random')}/{n} by the random walks, "
          f"{n - len(survivors)}/{n} together"
          + (f"; SURVIVED: {', '.join(survivors)}" if survivors else "")
          + " (details: stork mutate)")
    print(f"  {packed}")
    same = packed.startswith("packed into")
    weak = by_goals < n
    return exitcodes.VIOLATED if stale or failed or survivors or weak or not same else exitcodes.OK


def pack_and_compare(pack: Path) -> str:
    """Pack the shipped corpus (stork pack) and replay it against the reference both ways: the
    reports must be identical (speed is bench_replay's business: this corpus is too small)."""
    program = libexec_dir() / mutate.REPLAY_PROGRAM
    reference = str(libexec_dir() / "stork-reference.so")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(program), *args], capture_output=True, text=True, errors="replace")

    made = run("--pack", str(pack), "--", str(CORPUS))
    if made.returncode != 0:
        return f"stork pack FAILED: {(made.stderr or made.stdout).strip()}"
    text = run("--impl", reference, "-v", "--", str(CORPUS))
    fast = run("--impl", reference, "-v", "--", str(pack))
    if (fast.returncode, fast.stdout) != (text.returncode, text.stdout):
        return "replayed from a pack (stork pack): the report DIFFERS from the text files' one"
    return (f"packed into one file (stork pack, {pack.stat().st_size // 1024} KiB) and replayed "
            f"from it: the same report as from the text files ({text.stdout.splitlines()[-1]})")


def case_studies() -> int:
    """The case studies' C scenarios audited under every schedule, against their headers."""
    print("Auditing the case studies' C code (c-harness/check/scenarios, conformance/case-studies)")
    print(f"  {'scenario':<30} {'schedules':>9}  {'expected':<24} found -> ok?")
    wrong = incomplete = 0
    try:
        studies = [scenarios.resolve(n) for n in CASE_STUDIES[:-1]] + \
            [v for v in scenarios.variants() if v.path.stem == CASE_STUDIES[-1]] + \
            [scenarios.resolve(CASE_STUDIES[-1])]
    except audit.AuditError as e:
        print(f"stork demo: {e}", file=sys.stderr)
        return exitcodes.BAD_INPUT
    for study in studies:
        name = study.name
        try:
            want = study.expectation()
            program = audit.build(study.path, defines=study.defines)
            try:
                rc, out = audit.run_json(program.path, ["--seed", "1", *want.options])
            finally:
                program.close()
        except audit.AuditError as e:
            print(f"stork demo: {e}", file=sys.stderr)
            return exitcodes.BAD_INPUT
        found = sorted({f["rule"] for f in out["findings"]})
        ok = set(found) == want.rules and (rc == 3) == want.incomplete
        wrong += not ok
        incomplete += rc == 3 and not want.incomplete
        shown = " ".join(found) or ("clean" if out.get("complete") else "incomplete")
        count = out.get("schedules")              # a crash's report has no count
        schedules = f"{count:,}" if isinstance(count, int) else "-"
        print(f"  {name:<30} {schedules:>9}  "
              f"{want.text():<24} {shown} -> "
              f"{'ok' if ok else 'MISMATCH'}")
    print(f"  {len(studies)} scenarios, {len(studies) - wrong} as expected "
          "(details: stork audit SCENARIO.c)")
    if wrong:
        return exitcodes.VIOLATED
    return exitcodes.INCOMPLETE if incomplete else exitcodes.OK
