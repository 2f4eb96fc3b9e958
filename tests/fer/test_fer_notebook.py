"""The master notebook: in sync with its generator, executes top to bottom in fast mode, and
yields a student version with the prompts kept and the answers removed."""
import json
import os
import shutil

import nbformat
import pytest

from autograder.build.notebooks import student_notebook
from solutions.fer.notebooks import make_notebook as mk

pytestmark = pytest.mark.slow


def test_saved_notebook_matches_its_generator():
    saved = nbformat.read(str(mk.NOTEBOOK), as_version=4)
    built = mk.build()
    assert [c.source for c in saved.cells] == [c.source for c in built.cells]
    assert [c.metadata.get("nbgrader") for c in saved.cells] == [c.metadata.get("nbgrader") for c in built.cells]


def test_notebook_executes_in_fast_mode(monkeypatch):
    """FER_FAST=1: tiny training runs; every cell runs, and the only failures are the graded cells
    whose models are then too weak for the accuracy thresholds (or were not trained to spec)."""
    monkeypatch.setenv("FER_FAST", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    nb = mk.execute(mk.build(), timeout=900, allow_errors=True)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            assert any(f'"{cid}"' in cell.source for cid in mk.MODEL_CHECKS), (cell.source, errors[0].get("evalue"))
    text = json.dumps(nb)
    assert "image/png" in text
    assert "fer.fcnet_loss_grads: 2.5/2.5 points" in text and "fer.softmax: 4/4 points" in text
    # Q6 is extra credit: its points are said apart (they never count in the maximum)
    assert "fer.cnn_metrics: 2/2 points of extra credit" in text and "fer.fer_loader: 0.5/0.5 points" in text


def test_student_notebook_keeps_prompts_and_drops_answers():
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "fer"), as_version=4)
    src = "\n".join(c.source for c in student.cells)
    assert "solutions." not in src and "starter.fer" in src
    assert "no-free-lunch" not in src and "**A1.**" in src and "**A2.**" in src
    graded = {c.metadata["nbgrader"]["grade_id"]: c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")}
    written = {g for g in graded if g.startswith("fer-written-")}
    from autograder.engine import load_suite

    assert written == set(load_suite("fer").manual())
    for g in ("test_fer_softmax", "test_fer_fer_model"):
        assert "grade_cell" not in graded[g].source
    assert 'grade_cell("fer", "fer.public.softmax")' in graded["test_fer_public_softmax"].source


def test_graded_cells_carry_the_suite_points():
    from autograder.engine import load_suite

    suite = load_suite("fer")
    # extra credit (Q6) carries 0 points: nbgrader's maximum is the suite's, what Q6 earns is extra_credit
    want = {f"test_{c.id.replace('.', '_')}": 0.0 if c.part in suite.extra_credit else c.points
            for c in suite.checks()}
    want.update({gid: pts for gid, (_, pts) in suite.manual().items()})
    got = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
           for c in mk.build().cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert got == want


def test_student_text_does_not_state_the_model_answers():
    """Instruction text says what to do and what range to expect, never the settings or results
    that answer Q4 (a), Q4 (b), the Q5 setup and topology, or Q6's architecture."""
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "fer"), as_version=4)
    text = "\n".join(c.source for c in student.cells)
    facts = ["[100, 100]", "weight scale 0.02", "learning rate 3e-3", "learning rate 2e-4", "decayed by 0.95",
             "100 hidden units", "not improved for 5", "multiply by 0.95", "momentum 0.9 throughout",
             "[512] hidden units", "0.461", "16/32/64", "conv-BN-ReLU-pool"]
    assert not [f for f in facts if f in text]
    # and the build-wide rule (autograder/build/answerfacts.py) finds no key fact of any written answer
    from autograder.build.answerfacts import notebook_leaks

    assert [leak.message() for leak in notebook_leaks(mk.REPO, "fer", mk.NOTEBOOK)] == []


def test_autograding_keeps_the_handed_in_models_and_trains_briefly(tmp_path):
    """Under ``nbgrader autograde`` the training cells make tiny runs (the grader retrains the student's
    settings itself) and save nothing: the three model files the student handed in are what the
    graded cells judge, byte for byte and untouched (before, the notebook's rerun overwrote them).
    The cells of the FC models evaluate the handed-in files instead of a tiny run's models, and the
    CNN's cell leaves fer_cnn.pt to the grader (its one-epoch run and torch's import took 3-4 s of
    autograding)."""
    from autograder.build import cells as cells_kit

    cells_kit.working_folder(tmp_path, "fer")
    pkg = tmp_path / "starter" / "fer"
    handed_in = {}
    sample = mk.REPO / "tests" / "fixtures" / "samples" / "fer" / "perfect" / "files" / "starter" / "fer"
    for name in ("cifar_two_layer.npz", "fer_model.npz", "fer_cnn.pt"):  # the files a student hands in
        shutil.copyfile(sample / name, pkg / name)
        handed_in[name] = ((pkg / name).read_bytes(), (pkg / name).stat().st_mtime_ns)
    nb = mk.build()
    nb.cells = [c for c in nb.cells if not cells_kit.is_graded_test(c)]
    cells_kit.execute(nb, "fer", cwd=tmp_path, timeout=900,
                      env={"NBGRADER_EXECUTION": "autograde", "OPENBLAS_NUM_THREADS": "1"})
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    for name, before in handed_in.items():
        assert ((pkg / name).read_bytes(), (pkg / name).stat().st_mtime_ns) == before, name
    text = json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"])
    assert "fer_cnn.pt is scored by the grader" in text and "epoch 1/" not in text  # no CNN run
    for name in ("cifar_two_layer.npz", "fer_model.npz"):
        assert f"the {name} you handed in (not trained again)" in text, name


def test_autograding_without_a_cnn_file_trains_one_epoch(tmp_path):
    """A student who hands in no fer_cnn.pt: the autograded notebook's CNN cell still runs (one epoch,
    nothing saved), so the cells after it and the written answers have their outputs."""
    from autograder.build import cells as cells_kit

    cells_kit.working_folder(tmp_path, "fer")
    nb = mk.build()
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "cnn.train_cnn(" in c.source)
    setup = [c for c in nb.cells[:start] if c.cell_type == "code" and "import" in c.source][:1]
    fer = ("import numpy as np\n"
           "rng = np.random.default_rng(0)\n"
           "fer = {'X_train': rng.standard_normal((64, 48, 48), dtype=np.float32), 'y_train': rng.integers(0, 7, 64),\n"
           "       'X_val': rng.standard_normal((20, 48, 48), dtype=np.float32), 'y_val': rng.integers(0, 7, 20),\n"
           "       'X_test': rng.standard_normal((20, 48, 48), dtype=np.float32), 'y_test': rng.integers(0, 7, 20),\n"
           "       'mean': np.zeros((48, 48), np.float32)}\n"
           "EMOTIONS = list('ABCDEFG')")
    nb.cells = setup + [nbformat.v4.new_code_cell(fer), nb.cells[start]]
    cells_kit.execute(nb, "fer", cwd=tmp_path, timeout=600,
                      env={"NBGRADER_EXECUTION": "autograde", "OPENBLAS_NUM_THREADS": "1"})
    text = json.dumps([c.outputs for c in nb.cells])
    assert "epoch 1/1:" in text and "test classification rate" in text, text[-2000:]
    assert not (tmp_path / "starter" / "fer" / "fer_cnn.pt").exists()
