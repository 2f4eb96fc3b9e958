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
    assert [c.metadata.get("nbgrader") for c in saved.cells] == [c.metadata.get("nbgrader") for c in built.cells]


def test_saved_notebook_carries_the_outputs_of_a_passing_run():
    """The master copy was executed: every graded cell ran on the reference and passed."""
    saved = nbformat.read(str(mk.NOTEBOOK), as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code if c.metadata.get("nbgrader", {}).get("grade"))
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    text = json.dumps(saved)
    assert "lenet.train: 5/5 points" in text and "image/png" in text


def test_notebook_executes():
    nb = mk.execute(mk.build(), timeout=240)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = json.dumps(nb)
    assert "test accuracy after" in text and "image/png" in text
    assert "lenet.pool_backward: 18/18 points" in text  # graded cells ran on the reference


def test_student_notebook_has_no_answers():
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "lenet"), as_version=4)
    src = "\n".join(c.source for c in student.cells)
    assert "solutions." not in src and "starter.lenet" in src
    assert "toy_forward_backward()" not in src  # the solution region is cleared
    assert "Each map of the convolution layer" not in src  # written answers are cleared
    graded = {c.metadata["nbgrader"]["grade_id"]: c for c in student.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    written = {"lenet-written-q8_feature_maps", "lenet-written-q9a_conv_vs_input", "lenet-written-q9b_pool_vs_conv",
               "lenet-written-q9c_explanation", "lenet-written-q10_full_mnist"}
    assert written <= set(graded)
    assert all(graded[g].cell_type == "markdown" for g in written)
    tests = {g: c for g, c in graded.items() if g not in written}
    assert len(tests) == 28 and all(c.cell_type == "code" for c in tests.values())
    assert 'grade_cell("lenet", "lenet.public.pool_forward")' in tests["test_lenet_public_pool_forward"].source
    for g in ("test_lenet_pool_forward", "test_lenet_train", "test_lenet_toy_q12"):  # hidden tests are cleared
        assert "grade_cell" not in tests[g].source and "HIDDEN" not in tests[g].source


def test_autograding_runs_a_few_steps_that_feed_the_feature_maps(tmp_path, monkeypatch):
    """Under ``nbgrader autograde`` the training cell runs a few steps, not the notebook's run (the
    grader trains LeNet itself: lenet.train), and the feature-map cell after it still draws."""
    from nbclient import NotebookClient

    nb = mk.build()
    keep = [c for c in nb.cells if c.cell_type == "code" and ("import numpy as np" in c.source or "train_lenet(" in c.source
                                                             or "plot_feature_maps(" in c.source)]
    assert len(keep) == 3 and "When your instructor autogrades" in keep[1].source
    nb.cells = keep
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    NotebookClient(nb, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(mk.working_folder(tmp_path))}}).execute()
    text = json.dumps(nb)
    assert f"test accuracy after {mk.AUTOGRADE_ITERS} steps" in text and "image/png" in text
    assert mk.AUTOGRADE_ITERS * 10 <= mk.NOTEBOOK_ITERS
