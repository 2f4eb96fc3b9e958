"""The master notebook: in sync with its generator, one graded cell per check, executes in
fast mode (POSE_FAST=1: tiny training runs), and yields a student version without answers."""
import json
import shutil

import nbformat
import pytest

from autograder.build.notebooks import student_notebook
from autograder.engine import load_suite
from solutions.pose.notebooks import make_notebook as mk


def test_graded_cells_follow_the_suite():
    checks = {c.id: c for c in load_suite("pose").checks()}
    nb = mk.build()
    seen = {}
    for cell in nb.cells:
        if mk.is_graded_test(cell):
            (cid,) = [c for c in checks if f'grade_cell("pose", "{c}")' in cell.source]
            assert cid not in seen
            seen[cid] = cell
            assert cell.metadata["nbgrader"]["points"] == checks[cid].points
            assert ("BEGIN HIDDEN TESTS" in cell.source) == checks[cid].hidden
    assert sorted(seen) == sorted(checks)
    written = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}
    assert written == {g: p for g, (_, p) in load_suite("pose").manual().items()}


def test_student_notebook_has_no_answers():
    saved = mk.NOTEBOOK if mk.NOTEBOOK.is_file() else None
    if saved is None:
        pytest.skip("master notebook not written yet")
    student = nbformat.reads(student_notebook(mk.NOTEBOOK, "pose"), as_version=4)
    src = "\n".join(c.source for c in student.cells)
    assert "solutions." not in src and "starter.pose" in src
    assert "accumulate what is constant over the clip" not in src  # written answers are cleared
    assert "Likely" not in src
    # no architecture of the graded model (a per-frame copy of it) and no answer to 7b in the text
    assert "PerFrameModel" not in src and "nn.Conv2d" not in src and "BatchNorm" not in src
    assert "no past" not in src and "carries what the earlier frames" not in src


def test_notebook_saves_the_weights_where_submit_packs_them():
    src = "\n".join(c.source for c in mk.build().cells if c.cell_type == "code")
    assert 'train.save_weights(model, WEIGHTS)' in src and '"starter" / "pose"' in src


@pytest.mark.slow
def test_notebook_executes_in_fast_mode(tmp_path):
    from coursedata.h36m import ensure

    ensure()
    nb = mk.execute(mk.build(), timeout=300, cwd=tmp_path, fast=True)
    ran = [c for c in nb.cells if c.cell_type == "code" and not mk.is_graded_test(c)]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    text = json.dumps(nb)
    assert "mean-pose MPJPE" in text and "image/png" in text and "per-frame CNN" in text
    assert (tmp_path / "starter" / "pose" / "pose_model.pt").is_file()  # where `submit pose` packs it


@pytest.mark.slow
def test_autograding_loads_the_handed_in_weights_and_never_rewrites_them(tmp_path, monkeypatch):
    """Under ``nbgrader autograde`` the training cell loads the student's pose_model.pt instead of
    training for minutes, only the clips it uses are rendered when the data set is absent (the
    sandboxed kernel), the per-frame run is a short one, and the
    save cell leaves the handed-in file untouched (the grader scores that file, not a rerun's)."""
    import torch

    from solutions.pose import pose, train

    pkg = tmp_path / "starter" / "pose"  # a student's working folder: starter/pose/ with the code
    shutil.copytree(mk.REPO / "solutions" / "pose", pkg, ignore=shutil.ignore_patterns("notebooks", "__pycache__"))
    (tmp_path / "starter" / "__init__.py").touch()
    torch.manual_seed(1)
    weights = pkg / "pose_model.pt"
    train.save_weights(pose.DeepDynamicModel(), weights)
    handed_in = weights.read_bytes(), weights.stat().st_mtime_ns  # a rewrite of the same weights changes the time
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path / "data"))  # no data set, as in the sandboxed kernel
    nb = mk.execute(mk.build(), timeout=300, cwd=tmp_path)
    ran = [c for c in nb.cells if c.cell_type == "code" and not mk.is_graded_test(c)]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    text = json.dumps([c.outputs for c in ran])
    assert "autograding: loaded your pose_model.pt" in text and "training took" not in text
    assert "train (64, 8" in text  # the data are cut as in fast mode
    assert not list(tmp_path.glob("data/**/*.npy"))  # only those clips were rendered, not the whole set
    assert "graded as handed in" in text and (weights.read_bytes(), weights.stat().st_mtime_ns) == handed_in


def test_autograding_skips_the_long_runs_in_the_source():
    """The student reads why: each training cell says the grader trains and judges on its own."""
    src = {i: c.source for i, c in enumerate(mk.build().cells) if c.cell_type == "code"}
    setup = next(s for s in src.values() if "AUTOGRADE = " in s)
    assert 'os.environ.get("NBGRADER_EXECUTION") == "autograde"' in setup and "grader trains" in setup
    save = next(s for s in src.values() if "train.save_weights(model, WEIGHTS)" in s)
    assert save.index("if AUTOGRADE") < save.index("train.save_weights")
