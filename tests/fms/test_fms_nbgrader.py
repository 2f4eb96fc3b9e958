"""`course release fms` + `nbgrader autograde` on one quick submission, for real.

The submission is the `partial` sample plus the `perfect` sample's predictions.csv next to
cnn.py, where the part-4 notebook writes it: no training check runs, and the prediction
check shows that the file handed in is found through the graded cell. `make demo` grades
every fms sample through nbgrader (measured: perfect 65, blank 0, partial 25, buggy 42,
adversarial 4, the same as the command line; see tests/fixtures/samples/fms/README.md).
"""
from __future__ import annotations

import shutil

import pytest

from autograder.instructor.samples import Sample
from tests import helpers_common as kit

pytestmark = pytest.mark.slow
CSV = "files/starter/fms/predictions.csv"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    partial = kit.sample("fms", "partial")
    d = tmp_path_factory.mktemp("sample") / "partial_csv"
    shutil.copytree(partial.path, d)
    shutil.copyfile(kit.sample("fms", "perfect").path / CSV, d / CSV)
    sample = Sample("fms", "partial_csv", d, "partial + predictions.csv", partial.base, {})
    return partial, kit.grade_through_nbgrader(tmp_path_factory, "fms", [sample])


def test_partial_with_predictions_scores_as_through_the_cli(graded):
    partial, res = graded
    score = res["partial_csv"].score
    assert score.code_score == partial.expect["cli"] + 3
    assert score.max_code_score == 65 and score.max_written_score == 43


def test_each_check_is_its_own_cell_and_the_csv_is_found(graded):
    _, res = graded
    cells = res["partial_csv"].cells
    assert cells["test_fms_cnn_test_predictions"] == (3.0, 3.0)
    assert cells["test_fms_conv2d_forward"] == (3.0, 3.0) and cells["test_fms_maxpool_backward"] == (0.0, 3.0)
    assert cells["test_fms_public_affine"] == (1.0, 1.0) and cells["test_fms_cnn_keyframe_accuracy"] == (0.0, 4.0)
    assert cells["fms-written-2_1_derivations"][1] == 6


def test_only_notebooks_with_autograder_tests_run_again(graded, tmp_path_factory):
    """Part 1 (provided plots, answers graded by hand) is not executed under autograde: running it
    grades nothing. Its outputs are cleared as nbgrader does, its written answers stay in the
    gradebook (43 written points above, part 1's among them); the other three parts run."""
    import nbformat

    books = {p.stem: nbformat.read(str(p), as_version=4) for p in
             tmp_path_factory.getbasetemp().glob("course*/autograded/partial_csv/fms/*.ipynb")}
    ran = {name: any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
           for name, nb in books.items()}
    assert ran == {"fms_part1_visualization": False, "fms_part2_fc": True, "fms_part3_conv": True,
                   "fms_part4_cnn": True}
    part1 = books["fms_part1_visualization"]
    assert not any(c.outputs for c in part1.cells if c.cell_type == "code")
    answers = [c for c in part1.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all(c.source.strip() for c in answers)
