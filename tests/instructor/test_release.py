"""`course release`: the nbgrader course directory, the student release, and the leak scan."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.build import REPO
from autograder.engine.checks import load_suite
from autograder.instructor import leaks
from autograder.instructor import notebooks as nbs
from autograder.instructor.release import release

released_homeworks = nbs.homeworks_with_notebooks


def test_release_layout(course):
    rel = course.root / "release" / "example"
    assert (course.root / "nbgrader_config.py").is_file()
    assert (rel / "example.ipynb").is_file()
    assert (rel / "starter" / "example" / "ops.py").read_bytes() == (REPO / "starter/example/ops.py").read_bytes()
    assert (rel / "autograder" / "example" / "public.py").is_file()
    assert (rel / "autograder" / "notebook.py").is_file()
    assert (rel / "DATA.md").is_file()
    assert not (rel / "autograder" / "example" / "hidden.py").exists()
    assert not list(rel.rglob("solutions")) and not list(rel.rglob("hidden*"))


def test_release_notebook_cells(course):
    nb = nbformat.read(str(course.root / "release" / "example" / "example.ipynb"), as_version=4)
    graded = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert "example.scale_shapes" in graded["test_example_scale_shapes"].source  # public checks stay visible
    for hidden in ("scale_forward", "scale_backward", "mean_rows"):
        src = graded[f"test_example_{hidden}"].source
        assert "grade_cell" not in src and "HIDDEN" not in src
    manual = graded["example-written-da_sum"]
    assert manual.cell_type == "markdown" and manual.source.strip() == "YOUR ANSWER HERE"
    assert manual.metadata["nbgrader"]["points"] == 1 and manual.metadata["nbgrader"]["solution"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "from starter.example import ops" in nb.cells[1].source


def test_course_config_keeps_student_files_and_sets_cell_limits(course):
    state = json.loads((course.root / "course.json").read_text())
    hw = state["homeworks"]["example"]
    assert hw["exclude_overwriting"] == ["starter/example/ops.py"]
    assert hw["cell_timeout"] >= 60
    assert state["grader_root"] == str(REPO)
    cfg = (course.root / "nbgrader_config.py").read_text()
    assert "exclude_overwriting" in cfg and "Execute.timeout" in cfg and "ClearHiddenTests" in cfg


def test_example_release_holds_no_grading_side_material(course):
    assert leaks.scan(course.root / "release" / "example", leaks.fingerprints("example"), "example") == []


# every homework's release (built outside the repository) is scanned in test_student_release.py


def test_the_scan_finds_reference_code_and_hidden_tests(course, tmp_path):
    rel = tmp_path / "release"
    shutil.copytree(course.root / "release" / "example", rel)
    fps = leaks.fingerprints("example")
    assert "da = float(np.sum(dout * x))" in fps  # a reference line
    assert 'grade_cell("example", "example.scale_forward")' in fps  # a hidden-test cell line
    ops = rel / "starter" / "example" / "ops.py"
    ops.write_text(ops.read_text() + "\n# pasted:\n#\n    da = float(np.sum(dout * x))\n")
    nb = nbformat.read(str(rel / "example.ipynb"), as_version=4)
    nb.cells[-1].source = 'grade_cell("example", "example.scale_forward")'
    nbformat.write(nb, str(rel / "example.ipynb"))
    shutil.copyfile(REPO / "autograder" / "example" / "hidden.py", rel / "autograder" / "example" / "tests.py")
    found = "\n".join(str(f) for f in leaks.scan(rel, fps, "example"))
    assert "starter/example/ops.py" in found and "solutions/example/ops.py" in found
    assert "example.ipynb" in found and "hidden tests" in found
    assert "copy of autograder/example/hidden.py" in found


@pytest.mark.parametrize("hw", released_homeworks())
def test_notebooks_grade_every_check_once_with_the_suites_points(hw):
    cov = nbs.coverage(hw)
    assert not cov.unknown and not cov.foreign
    assert not cov.ungraded, f"checks no notebook cell grades: {cov.ungraded}"
    assert not cov.doubled
    cells = {c.grade_id: c for c in nbs.all_graded_cells(hw)}
    wrong = {g: (cells[g].points, p) for g, p in cov.points.items() if cells[g].points != p}
    assert not wrong, f"cell points differ from the suite's (cell, suite): {wrong}"


@pytest.mark.parametrize("hw", released_homeworks())
def test_written_questions_are_hand_graded_cells_counted_by_the_suite(hw):
    cells = nbs.manual_points(hw)
    assert all(p > 0 for p in cells.values()), "every hand-graded cell needs points"
    suite = load_suite(hw)
    if not suite.manual_points:
        pytest.skip(f"autograder/{hw}/__init__.py declares no manual_points; the notebooks have {cells} "
                    "(add manual_points={grade_id: points} so `course list` counts them)")
    declared = {gid: pts for gid, (_, pts) in suite.manual().items()}
    assert declared == dict(cells), \
        "suite manual_points (left) and the notebooks' hand-graded cells (right) differ"


def test_master_example_notebook_is_generated_by_its_script():
    import subprocess
    import sys

    script = REPO / "solutions" / "example" / "notebooks" / "make_example.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_homeworks_without_notebooks_are_refused(tmp_path, monkeypatch):
    """A homework whose master notebooks are missing (here: hidden from the release) is refused."""
    from autograder.instructor.release import ReleaseError

    monkeypatch.setattr(nbs, "master_notebooks", lambda hw, repo=None: [])
    with pytest.raises(ReleaseError, match="example has no master notebooks"):
        release("example", tmp_path)
    assert not (tmp_path / "release" / "example").exists()


def test_a_traceback_quoting_the_starter_is_not_a_leak_but_quoting_the_reference_is(tmp_path):
    """nbgrader's feedback shows IPython tracebacks with a line-number gutter: a quoted TODO line of
    the starter is fine even when a reference line is part of it; a quoted reference line is not."""
    fps = dict(leaks.fingerprints("example"))
    todo = "# TODO: use the chain rule; da sums over every element."
    fps["use the chain rule; da sums over"] = "a reference line that a TODO comment repeats"
    page = tmp_path / "feedback.html"
    page.write_text(f"<pre>     30 {todo}\n     31 raise NotImplementedError\n</pre>\n")
    assert leaks.scan(page, fps, "example") == []
    page.write_text("<pre>---&gt; 35 da = float(np.sum(dout * x))\n</pre>\n")
    found = leaks.scan(page, fps, "example")
    assert len(found) == 1 and "solutions/example/ops.py" in str(found[0])


def test_a_reference_line_the_notebook_text_quotes_is_not_a_leak(tmp_path, monkeypatch):
    """A reference line the open notebook text quotes (a handout spelling out a formula, say the
    dropout mask `mask = np.random.rand(*X.shape) > p`) is shown to students anyway, so feedback
    holding it is no leak; the same line is a secret while no open text quotes it, and a line the
    text does not quote still counts."""
    line = "mask = np.random.rand(*X.shape) > p"
    real_open_text = leaks.open_text
    assert line in leaks.fingerprints("fer")  # fer's reference draws its mask this way; no text quotes it
    monkeypatch.setattr(leaks, "open_text", lambda hw, repo=leaks.REPO: real_open_text(hw, repo)
                        + f"\nIn training, draw `{line}`.\n")
    fps = leaks.fingerprints("fer")
    assert line not in fps
    page = tmp_path / "feedback.html"
    page.write_text("<p><code>p</code> is the probability of <strong>dropping</strong> a unit. In training, draw "
                    "<code>mask = np.random.rand(*X.shape) &gt; p</code></p>\n")
    assert leaks.scan(page, fps, "fer") == []
    secret = next(k for k, v in fps.items() if v.startswith("solutions/fer/layers.py") and len(k) >= 20)
    page.write_text(f"<pre>{secret}</pre>\n")
    assert len(leaks.scan(page, fps, "fer")) == 1
