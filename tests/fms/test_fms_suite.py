"""The fms suite (problems 2, 3) through the real engine: the reference passes every
check, the blank starter fails every check without crashing the grader, and the
public side stays free of reference code."""
import sys

import pytest

from autograder.engine import load_suite
from autograder.fms import make_public_expected
from tests.helpers_common import imported_names

from .helpers import REPO, checks, grade, make_tree

SUITE_DIR = REPO / "autograder" / "fms"


def test_public_suite_does_not_import_reference_code():
    for name in ("public.py", "probes.py", "__init__.py"):
        assert not any(n.startswith("solutions") for n in imported_names(SUITE_DIR / name)), name


def test_probes_use_only_stdlib_and_numpy():
    # and the engine's kit (``kit`` in the sandbox, ``autograder.engine.kit`` in the grader's process)
    allowed = set(sys.stdlib_module_names) | {"numpy", "kit"}
    mods = {n.split(".")[0] for n in imported_names(SUITE_DIR / "probes.py") if n != "autograder.engine"}
    assert mods <= allowed, mods - allowed


def test_public_expected_values_are_current():
    assert make_public_expected.is_current(), "run: python -m autograder.fms.make_public_expected"


def test_check_metadata():
    suite = load_suite("fms")
    mine = checks()
    assert len(mine) >= 20
    for c in mine.values():
        assert c.part in suite.parts, (c.id, c.part)
        assert c.points > 0 and c.description
        assert c.hidden == (not c.id.startswith("fms.public.")), c.id


def test_reference_passes_every_check(tmp_path):
    results = grade(make_tree(tmp_path))
    bad = {k: (r.status, r.message) for k, r in results.items() if r.status != "passed"}
    assert not bad, bad


def test_blank_starter_fails_every_check_cleanly(tmp_path):
    results = grade(make_tree(tmp_path, blank=True))
    for k, r in results.items():
        assert r.status in ("failed", "error") and r.score == 0, (k, r.status)
        assert "internal grader error" not in r.message, (k, r.message)
        assert "not implemented yet" in r.message, (k, r.message)


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_passes_with_other_run_seeds(tmp_path, seed):
    ids = ["fms.softmax_loss", "fms.fcnet_loss_grads", "fms.conv2d_backward_dI", "fms.maxpool_backward"]
    results = grade(make_tree(tmp_path), ids, seed=seed)
    assert all(r.status == "passed" for r in results.values()), {k: r.message for k, r in results.items()}
