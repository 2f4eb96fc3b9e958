"""grade_submission: the reference passes for any seed, results are deterministic, and
what a student sees of hidden checks carries no inputs and no grader code."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.engine import Check, grade_submission, run_check
from autograder.engine.results import ERROR, PASSED

from .conftest import FIXTURES, REPO, by_id


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_reference_passes_every_check_for_any_seed(seed):
    r = grade_submission("example", REPO / "solutions", seed=seed)
    assert [c.status for c in r.checks] == [PASSED] * len(r.checks), [c.message for c in r.checks]
    assert r.score == r.max_score > 0


def _strip(d):
    d = dict(d)
    d.pop("duration", None)
    d["checks"] = [{k: v for k, v in c.items() if k != "duration"} for c in d["checks"]]
    return d


def test_same_submission_same_result():
    sub = FIXTURES / "buggy_factor"
    a = grade_submission("example", sub).to_dict()
    b = grade_submission("example", sub).to_dict()
    assert _strip(a) == _strip(b)
    assert a["score"] < a["max_score"]


def test_blank_starter_fails_cleanly():
    r = grade_submission("example", REPO / "starter")
    assert r.score == 0 and all(c.status == ERROR and "not implemented" in c.message for c in r.checks)


def test_hidden_feedback_carries_no_values():
    r = grade_submission("example", FIXTURES / "buggy_factor")
    for c in r.checks:
        if c.hidden and not c.passed:
            assert re.search(r"\d\.\d", c.message), c.message  # staff see the numbers
            assert not re.search(r"\d", c.safe_message), c.safe_message  # students do not
            assert c.feedback() == c.safe_message


def test_exception_messages_and_output_of_hidden_checks_are_withheld():
    r = grade_submission("example", FIXTURES / "raise_baseexception", only=["example.mean_rows"])
    c = by_id(r)["example.mean_rows"]
    assert "pass me" in c.message and "pass me" not in c.safe_message
    r = grade_submission("example", FIXTURES / "forged_results", only=["example.mean_rows"])
    assert "1000" not in by_id(r)["example.mean_rows"].safe_message


def test_a_grader_bug_is_an_error_without_traceback_in_the_message(tmp_path):
    def broken(t):
        secret_hidden_input = [1, 2, 3]  # noqa: F841
        raise ZeroDivisionError("grader-side bug")

    chk = Check(id="example.broken", func=broken, part="1", points=1, hidden=True, timeout=5, description="x")
    r = run_check(chk, tmp_path, {})
    assert r.status == ERROR and r.score == 0
    assert "internal grader error" in r.message and "Traceback" not in r.message and "secret" not in r.message
    assert "ZeroDivisionError" in r.log and "Traceback" in r.log
