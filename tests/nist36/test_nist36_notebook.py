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


def _student_text():
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "nist36"), as_version=4)
    return student, "\n".join(c.source for c in student.cells)


def test_q3_tuning_is_left_to_students():
    """Q3.1 (the handout: tune the batch size and learning rate): the student notebook and the
    starter's run_q3.py give the search space and the bar, never the reference's schedule; the
    starter's tuned_schedule() is a stub."""
    from autograder.build.answerfacts import _number_values
    from solutions.nist36.run_q3 import tuned_schedule

    batch, lr, epochs = tuned_schedule()
    _, text = _student_text()
    starter = (mk.REPO / "starter" / "nist36" / "run_q3.py").read_text()
    assert "tuned_schedule" in text and "Search space" in text and "75%" in text
    for where, src in (("student notebook", text), ("starter/nist36/run_q3.py", starter)):
        assert lr not in _number_values(src), f"the reference's learning rate {lr:g} appears in the {where}"
    assert 'raise NotImplementedError("tuned_schedule' in starter


def test_q3_2_compares_the_rates_at_equal_epoch_budgets():
    """The x10 and x0.1 runs train for as many epochs as the tuned run (EPOCHS of Q3.1)."""
    cells = [c.source for c in mk.build().cells if c.cell_type == "code"]
    q31 = next(c for c in cells if "tuned_schedule()" in c)
    q32 = next(c for c in cells if "for factor in (10, 0.1)" in c)
    assert "max_iters=EPOCHS" in q31 and "max_iters=EPOCHS" in q32
    assert "max_iters=" not in q32.replace("max_iters=EPOCHS", "")


def test_q6_1_4_asks_the_handouts_comparison_offline():
    """Q6.1.4 compares the CNN with homework 1's bag-of-words scene classifier (not Q6.1.2 again)."""
    student, _ = _student_text()
    i = next(i for i, c in enumerate(student.cells) if "**Q6.1.4**" in c.source)
    prompt = student.cells[i].source
    assert "bag of visual words" in prompt and "homework 1" in prompt and "scene" in prompt
    assert "10 points" in prompt
    assert "YOUR ANSWER HERE" in student.cells[i + 1].source


def test_timing_promises_are_cpu_time_on_a_named_machine():
    _, text = _student_text()
    assert "@@" not in text
    assert "CPU time" in text and "AMD EPYC" in text and "NIST36_FAST=1" in text
