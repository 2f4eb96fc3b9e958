"""The fer suite through the real engine: the reference (with the reference model files)
passes every check, on several seeds where inputs or data are drawn at random; the blank
starter scores zero without a grader error; the suite's metadata is consistent."""
import pytest

from autograder.engine import load_suite
from autograder.fer import EXTRA_CREDIT, HANDOUT_POINTS

from .helpers import MODEL_FILES, MODELS, grade, make_tree

pytestmark = pytest.mark.slow

# checks whose inputs (or training data) depend on the run seed, re-run on seeds 1-4
SEEDED = ["fer.dropout_forward", "fer.dropout_backward", "fer.public.dropout", "fer.softmax", "fer.fcnet_loss_grads",
          "fer.sgd_momentum", "fer.overfit"]


@pytest.fixture(scope="module")
def reference_tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("ref"))


def test_reference_model_files_exist():
    assert all((MODELS / name).is_file() for name in MODEL_FILES)


def test_reference_passes_every_check(reference_tree):
    results = grade(reference_tree)
    bad = {i: (r.status, r.message, r.log[-2000:] if r.log else "") for i, r in results.items()
           if r.status != "passed"}
    assert not bad
    assert sum(r.score for r in results.values()) == sum(r.points for r in results.values())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_reference_passes_on_other_seeds(reference_tree, seed):
    results = grade(reference_tree, ids=SEEDED, seed=seed)
    assert not {i: r.message for i, r in results.items() if r.status != "passed"}


def test_blank_starter_scores_zero_without_crashing(tmp_path):
    results = grade(make_tree(tmp_path, blank=True, models=False))
    for i, r in results.items():
        assert r.status in ("failed", "error"), (i, r.status)
        assert "internal grader error" not in r.message, (i, r.log)
        assert r.score == 0, i
    assert "not implemented yet" in results["fer.linear_forward"].message
    assert "no fer_model.npz" in results["fer.fer_model"].message


def test_suite_metadata(repo):
    suite = load_suite("fer")
    checks = suite.checks()
    assert all(c.part in suite.parts for c in checks)
    per_part = {}
    for c in checks:
        per_part[c.part] = per_part.get(c.part, 0) + c.points
    manual = suite.manual()
    assert {part for part, _ in manual.values()} <= set(suite.parts)
    for part, p in manual.values():
        per_part[part] = per_part.get(part, 0) + p
    # the handout's "Summary of Grading": 100 points, and Q6 a 15-point bonus on top
    assert per_part == {**HANDOUT_POINTS, **EXTRA_CREDIT}
    assert sum(HANDOUT_POINTS.values()) == 100 and EXTRA_CREDIT == {"Q6": 15}
    assert suite.extra_credit == ("Q6",)  # the engine keeps Q6 out of the maximum
    assert {c.id: c.points for c in checks if c.part == "Q6"} == {"fer.cnn_metrics": 2, "fer.cnn_model": 4,
                                                                  "fer.test_cnn_model": 2}
    public = [c for c in checks if not c.hidden]
    assert public and all(c.func.__module__ == "autograder.fer.public" for c in public)
    for name in ("public.py", "probes.py"):
        assert "solutions" not in (repo / "autograder" / "fer" / name).read_text().replace("solutions/", "")
