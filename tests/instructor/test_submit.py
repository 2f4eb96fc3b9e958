"""`course submit` checks what it packs, and `course check` lists every stub.

A homework's ``SUBMIT_FILES`` (``autograder/<hw>/__init__.py``) names the files its checks
read besides the code; these tests keep that declaration in step with the suite and the
notebooks, and run ``submit`` on student folders built from the repository (no grading:
``--no-check``, so each test takes about a second).
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.build.markers import find_regions
from autograder.cli import main
from autograder.cli.check import stubs_in
from autograder.cli.submit import making_cell, submit_files
from autograder.engine.checks import Context, available_homeworks, load_suite
from autograder.engine.submission import prepare, student_files

REPO = Path(__file__).resolve().parents[2]
HOMEWORKS = [hw for hw in available_homeworks() if (REPO / "solutions" / hw).is_dir()]


# -- the declaration ------------------------------------------------------------------------
@pytest.mark.parametrize("hw", HOMEWORKS)
def test_submit_files_match_the_checks_that_read_them(hw):
    """Every check named in SUBMIT_FILES exists with that part and those points; every file a
    hidden module reads with ``submission_file`` is declared, and the student notebook writes it."""
    checks = {c.id: c for c in load_suite(hw).checks()}
    declared = {n.name: n for n in submit_files(hw)}
    for need in declared.values():
        for cid, part, pts in need.checks:
            assert cid in checks, f"{hw}: SUBMIT_FILES names {cid}, not a check of the suite"
            assert (checks[cid].part, checks[cid].points) == (part, pts), cid
        assert making_cell(REPO / "assignments" / hw, need.name), f"no notebook cell of {hw} writes {need.name}"
    read = set()
    for f in sorted((REPO / "autograder" / hw).glob("hidden*.py")):
        text = f.read_text(encoding="utf-8")
        if "submission_file(" in text:
            read |= set(re.findall(r"[\"']([\w.-]+\.(?:npz|pt|pth|csv|npy|json))[\"']", text))
    # names a hidden module reads that are not outputs of the student (e.g. the grader's caches) are
    # written by the grader: only those that also appear in a notebook count
    nb_text = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "assignments" / hw).glob("*.ipynb"))
    # (names that start with "_" are the data tooling's own files, e.g. a dataset's _info.json, which a
    # notebook may read too: never a student's output)
    handed_in = {n for n in read if n in nb_text and not n.startswith("_")}
    assert handed_in <= set(declared), f"{hw}: read from submissions but not in SUBMIT_FILES: {handed_in - set(declared)}"


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_stubs_come_from_the_solution_markers(hw):
    """`check` lists exactly the functions with solution regions, wherever the stub's raise sits
    (``train_nist36``'s is inside its epoch loop), and nothing in the reference."""
    for f in student_files(hw):
        ref = (REPO / "solutions" / hw / f).read_text(encoding="utf-8")
        starter = (REPO / "starter" / hw / f).read_text(encoding="utf-8")
        assert sorted(stubs_in(starter)) == sorted({r.function for r in find_regions(ref)}), f
        assert stubs_in(ref) == [], f


def test_a_stub_inside_a_loop_is_listed():
    src = (REPO / "starter" / "nist36" / "run_q3.py").read_text(encoding="utf-8")
    assert "train_nist36" in stubs_in(src)
    mine = ("def f(x, mode='a'):\n    if mode == 'b':\n        raise NotImplementedError('mode b is not supported')\n"
            "    return x\n")
    assert stubs_in(mine) == []  # a student's own "unsupported option" is no stub


# -- submit on student folders --------------------------------------------------------------
def _student(tmp_path: Path, hw: str, *, reference=True, files=True) -> Path:
    """A homework folder as a student has it: the starter package, the notebooks, and (by
    default) the reference code in place and the files the grader reads next to the code."""
    root = tmp_path / hw
    (root / "starter").mkdir(parents=True)
    shutil.copyfile(REPO / "starter" / "__init__.py", root / "starter" / "__init__.py")
    shutil.copytree(REPO / "starter" / hw, root / "starter" / hw,
                    ignore=shutil.ignore_patterns("__pycache__", *[n.name for n in submit_files(hw)]))
    for nb in (REPO / "assignments" / hw).glob("*.ipynb"):
        shutil.copyfile(nb, root / nb.name)
    if reference:
        for f in student_files(hw):
            shutil.copyfile(REPO / "solutions" / hw / f, root / "starter" / hw / f)
    if files:
        for need in submit_files(hw):
            (root / "starter" / hw / need.name).write_bytes(b"not empty")
    return root


def _submit(root: Path, hw: str, *extra: str, capsys) -> tuple[int, str]:
    code = main(["submit", hw, str(root), "--no-check", *extra])
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def test_a_missing_weights_file_is_refused_naming_file_cell_and_cost(tmp_path, capsys):
    root = _student(tmp_path, "nist36")
    (root / "starter" / "nist36" / "q5_weights.npz").unlink()
    code, out = _submit(root, "nist36", capsys=capsys)
    assert code == 1, out
    assert not (root / "nist36-submission.zip").exists()
    line = next(ln for ln in out.splitlines() if "q5_weights.npz" in ln)
    assert "Q5.3.2 (3 points) needs q5_weights.npz" in line
    assert re.search(r"nist36\.ipynb, cell \d+", line), line  # the cell that writes it
    assert "q3_weights.npz" not in out.split("would lose points", 1)[1]  # present: not reported
    # --force packs it anyway, saying so
    code, out = _submit(root, "nist36", "--force", capsys=capsys)
    assert code == 0, out
    assert "despite the problems" in out
    with zipfile.ZipFile(root / "nist36-submission.zip") as zf:
        assert "starter/nist36/q3_weights.npz" in zf.namelist()


def test_a_file_costing_several_checks_sums_their_points(tmp_path, capsys):
    root = _student(tmp_path, "fer")
    (root / "starter" / "fer" / "fer_model.npz").unlink()
    (root / "starter" / "fer" / "fer_cnn.pt").write_bytes(b"")
    code, out = _submit(root, "fer", capsys=capsys)
    assert code == 1
    pts = {n.name: n.points for n in submit_files("fer")}
    assert pts["fer_model.npz"] == sum(c.points for c in load_suite("fer").checks()
                                       if c.id in ("fer.fer_model", "fer.test_fer_model"))
    assert f"Q5 ({pts['fer_model.npz']:g} points) needs fer_model.npz" in out
    assert f"Q6 ({pts['fer_cnn.pt']:g} points) needs fer_cnn.pt, which is empty" in out


def test_syntax_errors_stubs_and_no_notebook_are_refused(tmp_path, capsys):
    root = _student(tmp_path, "nist36")
    nn = root / "starter" / "nist36" / "nn.py"
    nn.write_text(nn.read_text() + "\ndef broken(:\n")
    q3 = root / "starter" / "nist36" / "run_q3.py"
    shutil.copyfile(REPO / "starter" / "nist36" / "run_q3.py", q3)
    for nb in root.glob("*.ipynb"):
        nb.unlink()
    code, out = _submit(root, "nist36", capsys=capsys)
    assert code == 1, out
    assert "starter/nist36/nn.py, line" in out and "does not parse" in out
    assert "run_q3.py: train_nist36, confusion_matrix" in out
    assert "no notebook" in out
    assert not (root / "nist36-submission.zip").exists()


@pytest.mark.parametrize("hw", [hw for hw in HOMEWORKS if submit_files(hw)])
def test_a_complete_folder_packs_every_file_where_the_grader_reads_it(hw, tmp_path, capsys):
    root = _student(tmp_path, hw)
    code, out = _submit(root, hw, capsys=capsys)
    assert code == 0, out
    assert "hand in this file" in out
    zpath = root / f"{hw}-submission.zip"
    _grader_finds_every_file(hw, zpath)


def test_a_file_at_the_top_of_the_folder_is_packed_there_and_found(tmp_path, capsys):
    """pose's notebook once saved pose_model.pt at the top of the folder: submit packs it from
    there (with a warning) and the grader finds it."""
    hw = "pose"
    root = _student(tmp_path, hw)
    (root / "starter" / hw / "pose_model.pt").rename(root / "pose_model.pt")
    code, out = _submit(root, hw, capsys=capsys)
    assert code == 0, out
    assert "pose_model.pt is at the top of your folder" in out
    _grader_finds_every_file(hw, root / f"{hw}-submission.zip")


def _grader_finds_every_file(hw: str, zpath: Path) -> None:
    checks = {c.id: c for c in load_suite(hw).checks()}
    prep = prepare(zpath, hw)
    try:
        for need in submit_files(hw):
            for cid, _, _ in need.checks:
                t = Context(checks[cid], prep.subdir, {})
                found = t.submission_file(need.name)
                assert found is not None and found.read_bytes() == b"not empty", (cid, need.name)
    finally:
        prep.cleanup()


def test_the_example_packs_with_nothing_to_report(tmp_path, capsys):
    root = _student(tmp_path, "example")
    code, out = _submit(root, "example", capsys=capsys)
    assert code == 0 and "would lose points" not in out, out
