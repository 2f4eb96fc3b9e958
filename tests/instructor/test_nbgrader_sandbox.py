"""`nbgrader autograde` with hostile notebooks: the kernel runs in the sandbox, the gradebook's
points come from the engine, and one student's broken notebook costs only that student."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.instructor.nbgrader_course import Course
from autograder.instructor.release import student_tree

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandboxed kernel needs root (CI runs as root)")]

REPO = Path(__file__).resolve().parents[2]

# a free cell at the top of an attacker's notebook: fakes every graded cell's result, looks
# for the reference, the gradebook and other students' files, and writes down what it reached
ATTACK = '''
import os, json, glob
import autograder.notebook as _nb
_nb.grade_cell = lambda *a, **k: print("all checks passed")
_nb.cell_result = lambda *a, **k: {"checks": [], "score": 7, "max_score": 7, "matched": 1}
reach = {"uid": os.getuid()}
for name, path in {"reference": %(ref)r, "gradebook": %(gb)r, "victim": %(victim)r}.items():
    try:
        open(path).read(1)
        reach[name] = True
    except Exception:
        reach[name] = False
try:
    open(%(victim)r, "a").write("\\nraise SystemExit('pwned')\\n")
    reach["victim_written"] = True
except Exception:
    reach["victim_written"] = False
json.dump(reach, open("reach.json", "w"))
'''


def _notebook(tree: Path) -> Path:
    return sorted(tree.glob("*.ipynb"))[0]


@pytest.fixture(scope="module")
def attacked(course: Course, work: Path):
    victim_tree = student_tree(course, "example", None, work / "sbx" / "victim")
    shutil.copy(REPO / "solutions" / "example" / "ops.py", victim_tree / "starter" / "example" / "ops.py")
    course.submit("example", "victim", victim_tree)
    victim_file = course.root / "autograded" / "victim" / "example" / "starter" / "example" / "ops.py"

    evil = student_tree(course, "example", None, work / "sbx" / "attacker")  # the blank starter
    nb_path = _notebook(evil)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(ATTACK % {
        "ref": str(REPO / "solutions" / "example" / "ops.py"), "gb": str(course.root / "gradebook.db"),
        "victim": str(victim_file)}))
    nbformat.write(nb, nb_path)
    course.submit("example", "attacker", evil)

    broken = student_tree(course, "example", None, work / "sbx" / "broken")  # a duplicated graded cell
    nb_path = _notebook(broken)
    nb = nbformat.read(nb_path, as_version=4)
    graded = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    nb.cells.append(nbformat.from_dict(json.loads(json.dumps(graded))))
    nbformat.write(nb, nb_path)
    course.submit("example", "broken", broken)

    course.autograde("example")
    return course, victim_file


def test_faking_the_cell_results_earns_nothing(attacked):
    course, _ = attacked
    scores = course.scores("example")
    assert scores["attacker"].code_score == 0, scores["attacker"]
    assert scores["victim"].code_score == scores["victim"].max_code_score == 7


def test_the_kernel_reaches_neither_reference_nor_gradebook_nor_other_students(attacked):
    course, victim_file = attacked
    reach = json.loads((course.root / "autograded" / "attacker" / "example" / "reach.json").read_text())
    assert reach["uid"] != 0
    assert reach == {"uid": reach["uid"], "reference": False, "gradebook": False, "victim": False,
                     "victim_written": False}
    assert "pwned" not in victim_file.read_text()


def test_a_broken_notebook_costs_its_student_only(attacked):
    course, _ = attacked
    assert "broken" in course.failures and "victim" not in course.failures
    # nbgrader's warning names the duplicated cell; its INFO lines (a line per file copied) are left out
    assert "exists multiple times" in course.failures["broken"] and "| INFO]" not in course.failures["broken"]
    assert course.scores("example")["victim"].code_score == 7


def test_a_class_run_goes_on_past_a_student_nbgrader_fails_and_reruns_nobody(course: Course, work: Path,
                                                                           monkeypatch):
    """The class in nbgrader runs of CLASS_GROUP students: a notebook nbgrader cannot read fails its
    student (nbgrader's own error kept), the others are graded by their group's one run, with no
    second one; a run leaves out the students of other groups."""
    from autograder.instructor import nbgrader_course

    for name in ("cls_a", "cls_b", "cls_c"):
        tree = student_tree(course, "example", None, work / "cls" / name)
        shutil.copy(REPO / "solutions" / "example" / "ops.py", tree / "starter" / "example" / "ops.py")
        if name == "cls_b":
            _notebook(tree).write_text("{ this is not a notebook")
        course.submit("example", name, tree)
    others = [p for p in (course.root / "submitted").iterdir() if not p.name.startswith("cls_")]
    away = work / "cls-away"
    away.mkdir()
    for p in others:  # the module's other students: out of the class for this run
        p.rename(away / p.name)
    runs = []
    real = course.nbgrader

    def watched(*args, **kw):
        try:
            return real(*args, **kw)
        finally:
            runs.append((args, (course.root / "autograded" / "cls_c" / "example").exists()))

    monkeypatch.setattr(course, "nbgrader", watched)
    monkeypatch.setattr(nbgrader_course, "CLASS_GROUP", 2)
    try:
        course.autograde("example")
    finally:
        for p in others:
            (away / p.name).rename(p)
        for name in ("cls_a", "cls_b", "cls_c"):  # the session's course is shared with other files' tests
            shutil.move(str(course.root / "submitted" / name), str(away / name))
    assert [r for r in runs if r[0][0] == "autograde"] == [
        (("autograde", "example", "--force", "--CourseDirectory.student_id_exclude=cls_c"), False),
        (("autograde", "example", "--force", "--student=cls_c"), True)]
    assert "cls_b" in course.failures and "cls_b" in course.failures["cls_b"]
    assert "NotJSONError" in course.failures["cls_b"]  # nbgrader's own error, at the end of the message
    assert "cls_a" not in course.failures and "cls_c" not in course.failures
    scores = course.scores("example")
    assert scores["cls_a"].code_score == scores["cls_c"].code_score == 7
