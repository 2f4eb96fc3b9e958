"""Results writers: staff JSON and CSV, Gradescope results.json, student feedback."""
import csv
import io
import json
import os

import pytest

from autograder.engine import grade_submission
from autograder.engine.results import SubmissionResult
from autograder.engine.writers import (atomic_write, check_table, gradescope_json, to_csv, to_gradescope, to_html,
                                       to_json, to_markdown)

from .conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def buggy():
    return grade_submission("example", FIXTURES / "buggy_factor")


@pytest.fixture(scope="module")
def ref():
    return grade_submission("example", REPO / "solutions")


def test_json_roundtrip(buggy):
    back = SubmissionResult.from_dict(json.loads(to_json(buggy)))
    assert back == buggy
    assert json.loads(to_json(buggy))["score"] == buggy.score


def test_gradescope_fields(buggy):
    gs = to_gradescope(buggy)
    assert set(gs) >= {"score", "execution_time", "output", "tests"}
    assert gs["score"] == buggy.score
    assert isinstance(gs["execution_time"], int)
    for t, c in zip(gs["tests"], buggy.checks):
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] == ("after_published" if c.hidden else "visible")
        if c.hidden:
            assert c.message not in t["output"] or not c.message
    assert json.loads(gradescope_json(buggy, hidden_visibility="hidden"))["tests"][-1]["visibility"] == "hidden"


def test_csv_one_row_per_submission(buggy, ref):
    rows = list(csv.DictReader(io.StringIO(to_csv([ref, buggy]))))
    assert len(rows) == 2
    assert rows[0]["total"] == "7" and rows[0]["part 1"] == "6" and rows[0]["part 2"] == "1"
    assert float(rows[1]["total"]) == buggy.score


@pytest.mark.parametrize("render", [to_markdown, to_html])
def test_feedback_reports_hide_hidden_details(buggy, render):
    text = render(buggy, "Practice")
    assert "✓" in text and "✗" in text and "Practice" in text
    for c in buggy.checks:
        assert c.name in text
        if c.hidden and c.message:
            assert c.message not in text
            assert "expected" not in c.safe_message
    assert "Traceback" not in text


def test_html_escapes(buggy):
    r = SubmissionResult.from_dict(buggy.to_dict())
    r.checks[0].message = "<script>alert(1)</script>"
    r.checks[0].hidden = False
    assert "<script>" not in to_html(r)


def test_check_table(buggy):
    t = check_table(buggy)
    assert t.splitlines()[-1].startswith(f"score: {buggy.score:g} / 7")


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    p = atomic_write(tmp_path / "a" / "r.json", "{}")
    atomic_write(p, b"[1]")
    assert p.read_text() == "[1]" and os.listdir(p.parent) == ["r.json"]


def _result(checks):
    from autograder.engine.results import CheckResult

    r = SubmissionResult("example", "alice.zip")
    for cid, part, status, msg, kw in checks:
        r.checks.append(CheckResult(cid, cid.split(".")[-1], part, 2.0, 2.0 if status == "passed" else 0.0, status,
                                    msg, safe_message=kw.pop("safe", ""), **kw))
    return r


def test_check_table_prints_whole_messages_wrapped_without_sandbox_paths():
    long = ("dx is wrong at element (3, 1): got -1.7955, expected 2.2011 (relative error 1.8); " * 4).strip()
    tb = 'your code raised File "/box/0ad7ef0076980aec0ff84b46558b1532/sub/starter/example/ops.py", line 36'
    r = _result([("example.a", "1", "failed", long, {}), ("example.b", "1", "error", tb, {})])
    t = check_table(r, width=80)
    assert all(len(line) <= 80 for line in t.splitlines())
    assert " ".join(t.split()).count("expected 2.2011") == 4  # nothing cut
    assert 'File "starter/example/ops.py", line 36' in t and "/box/" not in t


def test_feedback_follows_the_handout_order_with_titles_cases_and_pending_hand_grading():
    cases = [{"name": "batch of 1", "passed": True, "message": "", "safe_message": ""},
             {"name": "non-square 7x13", "passed": False, "message": "got 3.5, expected 1.25",
              "safe_message": "values differ"}]
    r = _result([("example.mean_rows", "2", "failed", "", {"hidden": True, "cases": cases}),
                 ("example.scale_forward", "1", "passed", "", {})])
    parts = {"1": "scale layer", "2": "row means"}
    for render in (to_markdown, to_html):
        text = render(r, "Practice", parts=parts, manual_points=3)
        assert text.index("Part 1: scale layer") < text.index("Part 2: row means")
        assert "non-square 7x13: values differ" in text and "batch of 1" in text
        assert "got 3.5" not in text  # a hidden check's case shows its safe message only
        assert "3 point(s) of written answers are still to be graded by hand" in text
    assert "non-square 7x13: values differ" in check_table(r)
