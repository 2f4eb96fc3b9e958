"""nbgrader's maximum is the suite's: the autograded cells of the notebooks nbgrader gets (the
release's source notebooks, as ``course release`` writes them, and the student notebooks) add up
to the suite's autograded points without extra credit; a cell whose checks are all extra credit
carries 0 points (``nbgrader_sync`` enters what they earn as the grade's ``extra_credit``).

Cheap: no nbgrader run (tests/nist36/test_nist36_nbgrader.py reads nbgrader's own maximum after a
real release and autograde)."""
from __future__ import annotations

import nbformat
import pytest

from autograder.build import REPO
from autograder.engine import load_suite, registry
from autograder.instructor import notebooks as nbs
from autograder.instructor.release import _source_notebook

HOMEWORKS = registry.homeworks()


def _suite_max(hw: str) -> tuple[float, float]:
    """(autograded points without extra credit, extra-credit autograded points) of the suite."""
    suite = load_suite(hw)
    extra = set(suite.extra_credit)
    checks = suite.checks(include_hidden=True)
    return (sum(c.points for c in checks if c.part not in extra), sum(c.points for c in checks if c.part in extra))


def _auto_points(nb) -> dict[str, float]:
    """grade_id -> points of every autograded (test) cell of a notebook."""
    out = {}
    for cell in nb.cells:
        m = cell.get("metadata", {}).get("nbgrader") or {}
        if cell.cell_type == "code" and m.get("grade") and not m.get("solution") and not m.get("task"):
            out[m["grade_id"]] = float(m.get("points", 0) or 0)
    return out


def test_every_registered_homework_has_notebooks():
    assert HOMEWORKS and set(HOMEWORKS) == set(nbs.homeworks_with_notebooks())


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_release_notebooks_sum_to_the_suite_max_without_extra_credit(hw):
    want, extra = _suite_max(hw)
    cov = nbs.coverage(hw)
    notes: list[str] = []
    got = {}
    for path in nbs.master_notebooks(hw):
        got.update(_auto_points(_source_notebook(path, hw, cov.points, notes)))
    assert not notes, f"{hw}: the master notebooks carry other points than the release gives them: {notes}"
    assert sum(got.values()) == pytest.approx(want), \
        f"{hw}: nbgrader's autograded maximum {sum(got.values()):g} != the suite's {want:g} (extra credit {extra:g} apart)"


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_extra_credit_cells_carry_no_points(hw):
    suite = load_suite(hw)
    extra = set(suite.extra_credit)
    if not extra:
        pytest.skip(f"{hw} has no extra credit")
    checks = suite.checks(include_hidden=True)
    cells = [c for c in nbs.all_graded_cells(hw) if c.kind == "auto" and c.targets]
    all_extra = [c for c in cells
                 if all(t.part in extra for _, tgt in c.targets for t in nbs.target_checks(suite, tgt, checks))]
    assert all_extra, f"{hw} declares extra credit {sorted(extra)} but no graded cell grades it"
    assert {c.grade_id: c.points for c in all_extra} == {c.grade_id: 0.0 for c in all_extra}


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_student_notebooks_carry_the_same_points(hw):
    want, _ = _suite_max(hw)
    got = {}
    paths = sorted((REPO / "assignments" / hw).glob("*.ipynb"))
    assert paths, f"assignments/{hw}/ has no student notebook (run `course build`)"
    for path in paths:
        got.update(_auto_points(nbformat.read(str(path), as_version=4)))
    assert sum(got.values()) == pytest.approx(want), f"assignments/{hw}: {sum(got.values()):g} != {want:g}"
    suite = load_suite(hw)
    if suite.extra_credit:
        text = "\n".join(c.source for p in paths for c in nbformat.read(str(p), as_version=4).cells
                         if c.cell_type == "markdown").lower()
        assert "extra credit" in text, f"assignments/{hw}: the notebook never says which parts are extra credit"
