"""The student distribution of each homework, built outside the repository and used there as a
student would: every question has its text, `check` and `submit` work with no `solutions/`,
hidden suites or repository around, the leak scan is clean, and the plain zip matches.

The commands run in a fresh interpreter from the release folder with the repository's
editable install switched off (``BOOT``), so ``import solutions`` fails there, as on a
student's machine. Executing notebooks is limited to the example homework (CI time).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.build.notebooks import is_manual, missing_prompts
from autograder.engine import grade_submission
from autograder.engine.submission import student_files
from autograder.instructor import leaks
from autograder.instructor import notebooks as nbs
from autograder.instructor.release import release

REPO = Path(__file__).resolve().parents[2]
HOMEWORKS = nbs.homeworks_with_notebooks()
# the repository is installed in editable mode: drop that finder so only the release folder is importable
BOOT = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
sys.path[:] = [""] + [p for p in sys.path if "__editable__" not in p and p not in ("", {repo!r})]
for name in ("solutions", "autograder.{hw}.hidden"):
    try:
        __import__(name)
    except ModuleNotFoundError:
        pass
    else:
        sys.exit("grading-side module importable in the release: " + name)
sys.argv = ["course"] + sys.argv[1:]
runpy.run_module("autograder", run_name="__main__")
"""


def course_cmd(folder: Path, hw: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNCOURSE_GRADER_ROOT")}
    env["COLUMNS"] = "100"
    return subprocess.run([sys.executable, "-c", BOOT.format(repo=str(REPO), hw=hw), *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module", params=HOMEWORKS)
def released(request, tmp_path_factory):
    hw = request.param
    root = tmp_path_factory.mktemp(f"release-{hw}")
    assert not root.resolve().is_relative_to(REPO)
    rep = release(hw, root / "course")  # raises ReleaseError on any leak-scan finding
    return hw, rep


def test_every_hand_graded_cell_has_its_question(released):
    hw, rep = released
    n = 0
    for nb_path in sorted(rep.release.glob("*.ipynb")):
        assert missing_prompts(nb_path) == [], nb_path.name
        n += sum(is_manual(c) for c in nbformat.read(str(nb_path), as_version=4).cells)
    assert n == len(nbs.manual_points(hw))


def test_release_holds_what_students_need_and_nothing_grading_side(released):
    hw, rep = released
    rel = rep.release
    for need in ("README.md", "DATA.md", "autograder/__main__.py", "autograder/cli/check.py",
                 "autograder/cli/submit.py", f"autograder/{hw}/public.py", "coursedata/paths.py", f"starter/{hw}"):
        assert (rel / need).exists(), need
    for staff in ("autograder/cli/release.py", "autograder/cli/export.py", "autograder/instructor", "solutions"):
        assert not (rel / staff).exists(), staff
    assert not list(rel.rglob("hidden*")) and not list(rel.rglob("solutions"))
    assert leaks.scan(rel, leaks.fingerprints(hw), hw) == []
    # the plain zip (courses without nbgrader) is the same folder
    with zipfile.ZipFile(rep.student_zip) as zf:
        names = {n.split("/", 1)[1] for n in zf.namelist()}
    assert names == {p.relative_to(rel).as_posix() for p in rel.rglob("*") if p.is_file()}


def test_notebooks_data_imports_are_shipped(released):
    """Every `coursedata` / `starter` module the notebooks and the starter import is in the release."""
    import re

    hw, rep = released
    text = "\n".join(p.read_text(encoding="utf-8") for p in rep.release.rglob("*.py"))
    text += "\n".join(p.read_text(encoding="utf-8") for p in rep.release.glob("*.ipynb"))
    for mod in set(re.findall(r"\b(coursedata(?:\.\w+)*)", text)):
        parts = mod.split(".")
        ok = any((rep.release / Path(*parts[:k])).with_suffix(".py").is_file()
                 or (rep.release / Path(*parts[:k]) / "__init__.py").is_file() for k in range(len(parts), 0, -1))
        assert ok, f"{mod} is imported but not shipped"


def test_check_works_in_the_release_without_the_repository(released, tmp_path):
    hw, rep = released
    student = tmp_path / "student"
    shutil.copytree(rep.release, student)
    proc = course_cmd(student, hw, "check", hw)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]  # the blank stubs fail, and say why
    assert "not implemented yet" in out and "still stubs" in out and "Traceback" not in out
    assert "score: 0 /" in out


def test_a_finished_homework_checks_clean_and_submits_a_zip_that_grades(tmp_path, tmp_path_factory):
    """The example end to end, as a student: fill in the code, run the notebook, check, submit;
    the zip then grades in full with the repository's grader (hidden checks included)."""
    hw = "example"
    rep = release(hw, tmp_path_factory.mktemp("release-example-e2e") / "course")
    student = tmp_path / "student"
    shutil.copytree(rep.release, student)
    for f in student_files(hw):
        shutil.copyfile(REPO / "solutions" / hw / f, student / "starter" / hw / f)
    from nbclient import NotebookClient

    nb = nbformat.read(str(student / "example.ipynb"), as_version=4)
    for cell in nb.cells:  # the student's answer in the notebook's own solution cell
        cell.source = cell.source.replace("raise NotImplementedError()",
                                          "row_means = ops.mean_rows(np.array([[1.0, 2.0], [3.0, 5.0]]))")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(student)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert "example.scale_gradcheck: 1/1" in json.dumps(nb.dict())
    check = course_cmd(student, hw, "check", hw)
    assert check.returncode == 0, (check.stdout + check.stderr)[-3000:]
    sub = course_cmd(student, hw, "submit", hw)
    assert sub.returncode == 0, (sub.stdout + sub.stderr)[-3000:]
    zpath = student / f"{hw}-submission.zip"
    with zipfile.ZipFile(zpath) as zf:
        assert {"starter/example/ops.py", "example.ipynb"} <= set(zf.namelist())
    r = grade_submission(hw, zpath)
    assert r.score == r.max_score == 7 and not r.error


def test_fms_release_ships_the_graders_test_frames_without_labels(released, tmp_path, monkeypatch):
    """fms part 4g: the test frames the grader scores (drawn from its own seed) come with the
    release, their labels do not, and the student's `data mds189 --force` keeps the frames."""
    hw, rep = released
    if hw != "fms":
        pytest.skip("only fms ships data with its release")
    from autograder.fms import hidden_cnn as H
    from coursedata.mds189 import TEST_ITEMS, TRAINVAL_ITEMS, test_digest

    data = rep.release / "data" / "mds189"
    assert sorted(p.name for p in data.iterdir()) == sorted(TEST_ITEMS)
    assert H._split_is_current(H.mds189_root())
    shipped = test_digest(data)
    assert shipped is not None and shipped == test_digest(H.mds189_root())
    labels = H.hidden_labels_path().read_bytes()
    for p in rep.release.rglob("*"):
        assert "_grader" not in p.parts and "test_labels" not in p.name and "test_poses" not in p.name, p
        if p.is_file() and p.suffix != ".jpg":
            assert labels[:2000] not in p.read_bytes(), p
    # as a student: write the training data next to the shipped frames (tiny preset: fast)
    student = tmp_path / "student"
    shutil.copytree(rep.release, student)
    monkeypatch.delenv("NNCOURSE_DATA", raising=False)  # the student's own data/ folder, never the grader's
    proc = course_cmd(student, hw, "data", "mds189", "--preset", "tiny", "--force")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    mine = student / "data" / "mds189"
    assert sorted(p.name for p in mine.iterdir()) == sorted(TEST_ITEMS + TRAINVAL_ITEMS)
    assert test_digest(mine) == shipped
