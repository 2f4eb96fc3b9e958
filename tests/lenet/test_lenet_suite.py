"""The lenet suite through the real engine: the reference passes every check, the blank
starter fails every implementation check cleanly (no grader error), the suite's
metadata is consistent."""
from autograder.engine import load_suite
from tests import helpers_common as kit

from .helpers import grade, make_tree


reference_results, blank_results = kit.suite_fixtures(make_tree, grade)


def test_reference_passes_every_check(reference_results):
    kit.assert_all_passed(reference_results)


def test_blank_starter_fails_without_crashing_the_grader(blank_results):
    kit.assert_all_fail_cleanly(blank_results, says={"lenet.pool_forward": "not implemented yet",
                                                     "lenet.public.toy_answers": "not answered yet"})


def test_suite_metadata():
    suite = load_suite("lenet")
    checks = suite.checks()
    ids = {c.id for c in checks}
    assert {f"lenet.toy.q{n:02d}" for n in range(1, 13)} <= ids
    assert {"lenet.pool_forward", "lenet.pool_backward", "lenet.relu_forward", "lenet.relu_backward",
            "lenet.ip_forward", "lenet.ip_backward", "lenet.sgd_momentum", "lenet.train"} <= ids
    assert all(c.part in suite.parts for c in checks)
    # the handout's points: Q1 20, Q2 3, Q3 10, Q4 20, Q5 3, Q6 10, Q7 7, QnA 12
    per_part = {}
    for c in checks:
        per_part[c.part] = per_part.get(c.part, 0) + c.points
    assert per_part == {"Q1": 20, "Q2": 3, "Q3": 10, "Q4": 20, "Q5": 3, "Q6": 10, "Q7": 7, "QnA": 12, "5.5": 5}
    public = [c for c in checks if not c.hidden]
    assert public and all(c.func.__module__ == "autograder.lenet.public" for c in public)


def test_public_checks_do_not_import_the_reference(repo):
    text = (repo / "autograder" / "lenet" / "public.py").read_text()
    probes = (repo / "autograder" / "lenet" / "probes.py").read_text()
    assert "solutions" not in text and "solutions" not in probes
