"""The master notebook: in sync with its generator, executes, and yields a student version
without answers."""
import json

import nbformat
import pytest

from autograder.build.notebooks import student_notebook
from solutions.lenet.notebooks import make_notebook as mk

pytestmark = pytest.mark.slow


def test_saved_notebook_matches_its_generator():
    saved = nbformat.read(str(mk.NOTEBOOK), as_version=4)
    built = mk.build()
    assert [c.source for c in saved.cells] == [c.source for c in built.cells]
    assert [c.cell_type for c in saved.cells] == [c.cell_type for c in built.cells]


def test_notebook_executes():
    nb = mk.execute(mk.build(), timeout=240)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = json.dumps(nb)
    assert "test accuracy after" in text and "image/png" in text


def test_student_notebook_has_no_answers():
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "lenet"), as_version=4)
    src = "\n".join(c.source for c in student.cells)
    assert "solutions." not in src and "starter.lenet" in src
    assert "toy_forward_backward()" not in src  # the solution region is cleared
    assert "Each map of the convolution layer" not in src  # written answers are cleared
    graded = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert sorted(c.metadata["nbgrader"]["grade_id"] for c in graded) == sorted(
        ["lenet.written.q8_feature_maps", "lenet.written.q9a_conv_vs_input", "lenet.written.q9b_pool_vs_conv",
         "lenet.written.q9c_explanation", "lenet.written.q10_full_mnist"])
