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


# ----------------------------------------------------------------------------- cases
def _run(func, sub="buggy_factor", points=3, hidden=True, timeout=20):
    from autograder.engine.submission import prepare

    chk = Check(id="example.cases", func=func, part="1", points=points, hidden=hidden, timeout=timeout,
                description="x")
    prep = prepare(FIXTURES / sub if isinstance(sub, str) else sub, "example", REPO)
    try:
        return run_check(chk, prep.subdir, {})
    finally:
        prep.cleanup()


def test_points_are_shared_among_cases():
    import numpy as np

    def f(t):
        for name, shape, scale in [("shape 2x3", (2, 3), 1.0), ("one element", (1, 1), 1.0),
                                   ("zero upstream gradient", (2, 3), 0.0)]:
            with t.case(name):
                x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
                dout = scale * np.ones(shape)
                _, da = t.call("example.ops:scale_backward", dout, (x, 2.0))
                t.assert_close(da, np.sum(dout * x), name="da")

    ref = _run(f, sub=REPO / "solutions")
    assert ref.status == PASSED and ref.score == 3 and [c["passed"] for c in ref.cases] == [True] * 3
    r = _run(f)  # buggy_factor: averages where the sum is expected (right for one element or zeros)
    assert [c["passed"] for c in r.cases] == [False, True, True], r.cases
    assert r.status == "failed" and abs(r.score - 2.0) < 1e-9, r.score
    assert r.cases[0]["name"] == "shape 2x3" and "case 'shape 2x3'" in r.safe_message
    assert "2 of 3 cases passed" in r.message and "2 of 3 cases passed" in r.safe_message
    assert "averaged" in r.cases[0]["message"]


def test_a_timeout_fails_its_case_and_the_later_ones():
    import numpy as np

    def f(t):
        for name in ("first", "second", "third"):
            with t.case(name):
                t.call("example.ops:scale_forward", np.ones(3), 2.0)

    r = _run(f, sub="sleep", timeout=3)
    assert [c["status"] for c in r.cases] == ["timeout", "error", "error"]
    assert r.score == 0 and "scale_forward" in r.cases[0]["message"] and "not run" in r.cases[2]["message"]


def test_an_error_in_the_students_code_ends_only_its_case():
    import numpy as np

    def f(t):
        with t.case("good"):
            t.assert_true(True, "x")
        with t.case("raises"):
            t.call("example.ops:mean_rows", np.ones((2, 3)))

    r = _run(f, sub="raise_baseexception", points=2)
    assert [c["passed"] for c in r.cases] == [True, False] and r.score == 1.0
    assert r.cases[1]["status"] == "error"


def test_student_code_cannot_change_the_graders_arguments():
    import numpy as np

    def f(t):
        x = np.arange(4.0)
        t.call("example.ops:scale_forward", x, 2.0)
        t.assert_true(np.array_equal(x, np.arange(4.0)), "the grader's copy changed")

    assert _run(f, sub="mutates_input").status == PASSED


def test_results_without_cases_still_read():
    from autograder.engine.results import SubmissionResult

    old = {"homework": "x", "submission": "s", "checks": [
        {"id": "x.a", "name": "a", "part": "1", "points": 2, "score": 2, "status": "passed"}]}
    r = SubmissionResult.from_dict(old)
    assert r.checks[0].cases == [] and r.score == 2
    again = SubmissionResult.from_dict(r.to_dict())
    assert again.to_dict() == r.to_dict()


def test_the_graders_own_numpy_runs_on_one_blas_thread(monkeypatch):
    """While a submission is graded, numpy's BLAS in the grader's process runs on one thread (idle
    OpenBLAS threads spin beside the sandboxed child), and the setting is given back afterwards."""
    import os

    import numpy as np  # noqa: F401 - BLAS loaded before threadpoolctl looks
    import pytest

    threadpoolctl = pytest.importorskip("threadpoolctl")
    from autograder.engine import grade as grade_mod

    def blas_threads():
        return sorted({i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"})

    seen = []
    inner = grade_mod._grade_submission
    monkeypatch.setattr(grade_mod, "_grade_submission", lambda *a, **k: seen.append(blas_threads()) or inner(*a, **k))
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        r = grade_submission("example", REPO / "solutions", only=["example.scale_forward"])
        after = blas_threads()
    assert r.checks and seen == [[1]], seen
    assert after == [2] or after == [1] and (os.cpu_count() or 1) == 1, after  # OpenBLAS caps at the CPUs
