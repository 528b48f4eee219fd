"""README's quick start is exactly two command lines, and .ci/run runs exactly those."""

from __future__ import annotations

import re

from conftest import ROOT


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    return [ln for ln in block.splitlines() if ln.strip()]


def test_quick_start_is_two_lines_that_build_demo_and_test() -> None:
    lines = quick_start()
    assert len(lines) == 2
    assert lines[0].startswith("apt-get update && apt-get install -y ")
    for pkg in ("spin", "cmake", "gcc", "python3-pytest"):
        assert f" {pkg} " in lines[0]
    assert lines[0].endswith("./build/stork demo")
    assert lines[1].startswith("ctest ")


def test_ci_runs_exactly_the_quick_start() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [ln for ln in ci if ln.strip() and not ln.startswith("#")
                and not ln.startswith(("set ", "cd ", "export "))]
    assert commands == quick_start()


def test_readme_states_each_verdict_word_and_exit_status() -> None:
    from stork import exitcodes
    text = (ROOT / "README.md").read_text()
    for word in ("holds", "VIOLATED", "incomplete", "vacuous"):
        assert f"- **{word}**" in text, word
    sentence = text.split("Exit status, the same for every command:", 1)[1].split("\n\n", 1)[0]
    codes = sorted(v for k, v in vars(exitcodes).items() if k.isupper() and isinstance(v, int))
    stated = sorted(int(n) for n in re.findall(r"\*\*(\d+)\*\*", sentence))
    assert stated == codes, (stated, codes)


def test_top_level_help_is_short_and_lists_every_command_in_order() -> None:
    import pkgutil
    import subprocess

    from conftest import stork_command
    from stork import commands
    modules = {m.name for m in pkgutil.iter_modules(commands.__path__)}
    assert set(commands.ORDER) == modules, modules ^ set(commands.ORDER)
    r = subprocess.run(stork_command() + ["--help"], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "conformance"), "COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and len(lines) <= 25, r.stdout
    block = r.stdout.split("commands (stork COMMAND --help for one):\n", 1)[1].split("\n\n", 1)[0]
    listed = [ln.split()[0] for ln in block.splitlines()]
    assert listed == [n.replace("_", "-") for n in commands.ORDER], listed


def test_each_commands_usage_starts_with_its_own_name() -> None:
    import subprocess

    from conftest import stork_command
    from stork import commands
    for name in commands.ORDER:
        cmd = name.replace("_", "-")
        r = subprocess.run(stork_command() + [cmd, "--help"], capture_output=True, text=True,
                           cwd=ROOT, env={"PYTHONPATH": str(ROOT / "conformance"), "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0 and r.stdout.startswith(f"usage: stork {cmd} "), r.stdout[:200]
