"""verify preprocesses a design with tcc (spin.FAST_CPP) where spin -a would run gcc -E
(spin.SPIN_CPP): the model SPIN reads must be the same. For every shipped design and variant
and every adversarial design, spin -a makes byte-identical pan.c, pan.h, pan.m, pan.b, pan.t
and pan.p from the text of each preprocessor; a text tcc refuses is preprocessed by gcc."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stork import spin
from stork.design import VERIFY_FLAGS
from stork.paths import in_testdata
from stork.suite import shipped_designs

ADVERSARIAL = sorted(in_testdata("adversarial_designs").glob("*.pml"))
PAN_FILES = ("pan.c", "pan.h", "pan.m", "pan.b", "pan.t", "pan.p")


def _pan_files(design: Path, defines: list[str], cpp: list[str], folder: Path) -> dict[str, bytes]:
    text = spin.preprocess(design, defines, cpp)
    assert text is not None, (design, cpp[0])
    folder.mkdir()
    (folder / design.name).write_text(text, encoding="utf-8", errors="surrogateescape")
    subprocess.run(["spin", "-a", "-Pcat", design.name], cwd=folder, capture_output=True)
    return {f: (folder / f).read_bytes() for f in PAN_FILES if (folder / f).exists()}


def _cases() -> list[tuple[str, Path, list[str]]]:
    shipped = [(d.name, d.path, [VERIFY_FLAGS[0], *d.defines, VERIFY_FLAGS[1]])
               for d in shipped_designs()]
    return shipped + [(p.stem, p, list(VERIFY_FLAGS)) for p in ADVERSARIAL]


@pytest.mark.skipif(not spin.shutil.which("tcc"), reason="tcc not installed")
def test_both_preprocessors_give_spin_the_same_model(tmp_path: Path) -> None:
    differ, compared = [], 0
    for name, path, defines in _cases():
        if spin.preprocess(path, defines, spin.SPIN_CPP) is None:
            continue                       # a design gcc refuses: bad input either way
        fast = _pan_files(path, defines, spin.FAST_CPP, tmp_path / f"{name}.tcc")
        slow = _pan_files(path, defines, spin.SPIN_CPP, tmp_path / f"{name}.gcc")
        compared += 1
        if fast != slow or not slow:
            differ.append(name)
    assert compared >= 68 and not differ, differ


def test_a_text_tcc_refuses_is_preprocessed_by_gcc(tmp_path: Path) -> None:
    # gcc only warns about an apostrophe left open on a line; tcc stops there.
    design = tmp_path / "apostrophe.pml"
    design.write_text("#define N 2\nbyte x = N;\n#if 0\nit's\n#endif\ninit { x = 1 }\n")
    if spin.preprocess(design, [], spin.FAST_CPP) is not None:
        pytest.skip("this tcc accepts the text")
    text = spin.preprocess(design, [])
    assert text is not None and "byte x = 2;" in text
