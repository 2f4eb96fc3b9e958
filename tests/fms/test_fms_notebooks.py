"""The fms master notebooks: in sync with their generator, and they execute (a CI-sized run).

``solutions/fms/notebooks/make_notebooks.py`` writes the four master notebooks. The
execution test runs each saved master (outputs cleared) from a temporary folder with
``FMS_FAST=1``, which the notebooks read to shrink every training run to a smoke test
(all four together take well under three minutes on two cores). The graded test cells
are not run here: they grade ``starter/fms`` (the stubs in this repository), and the
grading of real submissions through them is covered by the sample submissions
(tests/instructor/test_samples.py, ``make demo``).
"""
from __future__ import annotations

import csv
import time

import nbformat
import pytest

from solutions.fms.notebooks import make_notebooks as mk

NAMES = list(mk.NOTEBOOKS)


def _saved(name):
    return nbformat.read(str(mk.HERE / name), as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_matches_its_generator(name):
    saved, built = _saved(name), mk.build(name)
    assert [c.cell_type for c in saved.cells] == [c.cell_type for c in built.cells], \
        f"{name} is stale: run python solutions/fms/notebooks/make_notebooks.py"
    assert [c.source for c in saved.cells] == [c.source for c in built.cells], \
        f"{name} is stale: run python solutions/fms/notebooks/make_notebooks.py"
    assert [c.metadata.get("nbgrader") for c in saved.cells] == [c.metadata.get("nbgrader") for c in built.cells]
    assert [c.get("id") for c in saved.cells] == [c.get("id") for c in built.cells]


def test_graded_cells_follow_the_suite():
    """One graded cell per check, with its points; hidden checks only inside hidden-test regions."""
    from autograder.engine import load_suite

    checks = {c.id: c for c in load_suite("fms").checks(include_hidden=True)}
    seen = {}
    for name in NAMES:
        for cell in _saved(name).cells:
            if not mk.is_graded_test(cell):
                continue
            (cid,) = [c for c in checks if f'grade_cell("fms", "{c}")' in cell.source]
            assert cid not in seen, f"{cid} is graded in {seen[cid]} and {name}"
            seen[cid] = name
            assert cell.metadata["nbgrader"]["points"] == checks[cid].points
            assert cell.metadata["nbgrader"]["grade_id"] == "test_" + cid.replace(".", "_")
            assert ("### BEGIN HIDDEN TESTS" in cell.source) == checks[cid].hidden, cid
    assert sorted(seen) == sorted(checks)
    assert seen["fms.cnn_test_predictions"] == "fms_part4_cnn.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes_and_draws_its_plots(name, tmp_path, monkeypatch):
    from solutions.fms import data

    root = data.ensure_data()
    monkeypatch.setenv("FMS_FAST", "1")
    pred = tmp_path / "predictions.csv"
    monkeypatch.setenv(mk.PREDICTIONS_ENV, str(pred))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = _saved(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, str(tmp_path / name))  # run a copy, from a temporary folder
    nb = nbformat.read(str(tmp_path / name), as_version=4)
    start = time.monotonic()
    mk.execute(nb, timeout=300, cwd=tmp_path)
    secs = time.monotonic() - start
    ran = [c for c in nb.cells if c.cell_type == "code" and not mk.is_graded_test(c)]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert all(c.execution_count for c in ran), "some cells did not run"
    plotting = [c for c in ran if "plt.show()" in c.source]
    assert plotting, f"{name} draws no plots"
    blank = [c.source.splitlines()[0] for c in plotting
             if not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert not blank, f"cells without a plot: {blank}"
    assert not [c for c in nb.cells if mk.is_graded_test(c) and c.outputs]
    if "part4" in name:
        with open(pred, newline="") as f:
            rows = list(csv.reader(f))
        n_test = sum(1 for line in open(root / "videoframe_data_test.txt") if line.strip())
        assert rows[0] == ["Id", "Category"] and len(rows) - 1 == n_test
        assert {r[1] for r in rows[1:]} <= set(data.LABELS)
    print(f"{name}: {secs:.1f} s")
    assert secs < 150, f"{name} took {secs:.0f} s with FMS_FAST=1"
