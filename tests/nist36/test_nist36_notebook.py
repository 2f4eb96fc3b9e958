"""The master notebook: in sync with its generator, executes top to bottom in fast mode
(NIST36_FAST=1, graded cells skipped), and yields a student version without answers."""
import json

import nbformat
import pytest

from autograder.build.notebooks import student_notebook
from solutions.nist36.notebooks import make_notebook as mk


def test_saved_notebook_matches_its_generator():
    saved = nbformat.read(str(mk.NOTEBOOK), as_version=4)
    built = mk.build()
    assert [c.source for c in saved.cells] == [c.source for c in built.cells]
    assert [c.metadata.get("nbgrader") for c in saved.cells] == [c.metadata.get("nbgrader") for c in built.cells]


def test_saved_notebook_carries_outputs_without_errors():
    saved = nbformat.read(str(mk.NOTEBOOK), as_version=4)
    ran = [c for c in saved.cells if c.cell_type == "code" and not mk.is_graded_test(c)]
    assert all(c.outputs for c in ran if "plt.show()" in c.source)
    assert not [o for c in ran for o in c.outputs if o.output_type == "error"]
    assert "image/png" in json.dumps(saved)


@pytest.mark.slow
def test_notebook_executes_in_fast_mode():
    nb = mk.execute(mk.build(), timeout=600, fast=True)
    ran = [c for c in nb.cells if c.cell_type == "code" and not mk.is_graded_test(c)]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert all(c.execution_count for c in ran)
    text = json.dumps(nb)
    assert "validation accuracy" in text and "average validation PSNR" in text and "image/png" in text


def test_student_notebook_has_no_answers():
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "nist36"), as_version=4)
    src = "\n".join(c.source for c in student.cells)
    assert "solutions." not in src and "starter.nist36" in src
    assert "the common factor" not in src  # written answers are cleared
    assert "graded by hand" in src  # the prompts stay
    for c in student.cells:
        if mk.is_graded_test(c) and "HIDDEN" in mk.build().cells[student.cells.index(c)].source:
            assert "grade_cell" not in c.source
