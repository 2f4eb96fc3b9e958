"""The class view (`course report HW OUT --class`): built from stored records alone.

The records are written as `course grade` writes them (``write_outputs``), and their failure
messages come from the engine's own ``assert_close`` (a check's ``mistakes=`` and the generic
detectors), so the mistake ranking is tested on the text the grader really produces.
"""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from contextlib import redirect_stdout

import numpy as np
import pytest

from autograder.engine import compare
from autograder.engine.batch import write_outputs
from autograder.engine.checks import load_suite
from autograder.engine.compare import CheckFailed
from autograder.engine.results import CheckResult, SubmissionResult
from autograder.instructor.classreport import (CLOSE_NAME, HTML_NAME, MD_NAME, mistake_names, synthetic_records,
                                               write_class_report)

HW = "example"
BAR_BLUE = (0x3A, 0x78, 0xC2)


def _failure(actual, expected, **kw) -> tuple[str, str]:
    """The (staff, student-safe) messages the engine writes for a wrong value."""
    with pytest.raises(CheckFailed) as info:
        compare.assert_close(np.asarray(actual, float), np.asarray(expected, float), **kw)
    exc = info.value
    return str(exc), exc.summary if exc.summary is not None else compare.redact(str(exc))


def _result(student_checks: dict) -> SubmissionResult:
    """A result of the example suite: every check passes unless ``student_checks`` says otherwise
    (check id -> (status, message, safe, cases))."""
    res = SubmissionResult(HW, "sub.zip", isolation="namespaces")
    for chk in load_suite(HW).checks(include_hidden=True):
        status, msg, safe, cases = student_checks.get(chk.id, ("passed", "", "", []))
        if cases:
            score = chk.points * sum(c["passed"] for c in cases) / len(cases)
        else:
            score = chk.points if status == "passed" else 0.0
        res.checks.append(CheckResult(chk.id, chk.name, chk.part, chk.points, score, status, msg, 0.1, chk.hidden,
                                      chk.description, safe_message=safe, cases=cases))
    return res


def _case(name, passed, msg="", safe=""):
    return {"name": name, "passed": passed, "status": "passed" if passed else "failed", "message": msg,
            "safe_message": safe}


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades") / HW
    x = np.arange(1.0, 13.0).reshape(3, 4)
    # da averaged instead of summed: the check's own named mistake (two students, other numbers)
    avg_msg = _failure(x.sum() / x.size, x.sum(), name="da", what="scale_backward",
                       mistakes={"da averaged instead of summed": x.sum() / x.size})
    avg_msg2 = _failure(2 * x.sum() / x.size, 2 * x.sum(), name="da", what="scale_backward",
                        mistakes={"da averaged instead of summed": 2 * x.sum() / x.size})
    # the sign flipped: a generic detector of engine/mistakes.py (three students, on two checks)
    flip = _failure(-x, x, name="out", what="scale_forward")
    flip_rows = _failure(-x.mean(axis=1), x.mean(axis=1), name="mean", what="mean_rows")
    near = _failure(x * (1 + 1e-4), x, name="out", what="scale_forward")
    students = {
        "alice": ({}, {"example-written-da_sum": 1.0}, "2026-04-24T10:00:00+00:00", False),
        "bob": ({"example.scale_backward": ("failed", avg_msg[0], avg_msg[1], []),
                 "example.scale_forward": ("failed", flip[0], flip[1], [])},
                None, "2026-04-24T11:00:00+00:00", False),
        "carol": ({"example.scale_backward": ("failed", avg_msg2[0], avg_msg2[1], []),
                   "example.mean_rows": ("failed", "1 of 2 cases passed.", "1 of 2 cases passed.",
                                         [_case("square", True), _case("one row", False, *flip_rows)])},
                  {"example-written-da_sum": 0.0}, "2026-04-25T03:00:00+00:00", True),
        "dave": ({"example.scale_forward": ("failed", flip[0], flip[1], []),
                  "example.scale_shapes": ("failed", near[0], near[1], [])},
                 None, "2026-04-24T09:00:00+00:00", False),
    }
    for student, (checks, manual, when, late) in students.items():
        meta = {"submission": f"{student}.zip", "submitted_at": when, "late": late, "late_mark": False,
                "grader_error": False, "sha256": "0" * 64}
        if manual is not None:
            meta["manual"] = manual
        write_outputs(_result(checks), out, student, ("json",), meta=meta)
    # a grader failure (listed, never averaged) and an unreadable submission
    broken = _result({})
    for c in broken.checks:
        c.status, c.score, c.message, c.log = "error", 0.0, "not graded: internal grader error", "KeyError: 'w1'"
    broken.error = "internal grader error: this submission could not be graded"
    write_outputs(broken, out, "erin", ("json",), meta={"submission": "erin.zip", "grader_error": True})
    bad = _result({})
    bad.error = "not a zip file"
    for c in bad.checks:
        c.status, c.score, c.message = "error", 0.0, "not graded: not a zip file"
    write_outputs(bad, out, "frank", ("json",), meta={"submission": "frank.zip", "grader_error": False})
    page = write_class_report(HW, out)
    return out, page


def test_mistake_names_come_from_the_safe_text():
    full, safe = _failure(np.ones(4) / 4, np.ones(4), name="dx")
    assert mistake_names(safe, full) == ["off by a constant factor smaller than one: averaged where a sum was "
                                         "expected?"]
    # without a safe text, numbers of the staff text are folded so one mistake stays one
    assert mistake_names("", full) == mistake_names("", _failure(np.ones(4) / 7, np.ones(4), name="dx")[0])
    assert mistake_names(*reversed(_failure(np.ones(3) * (1 + 1e-4), np.ones(3), name="p"))) == [CLOSE_NAME]
    assert mistake_names("dx has wrong values.", "dx is wrong at index (0,)") == []


def test_class_report_tables(gradebook):
    out, page = gradebook
    assert page == out / HTML_NAME and page.is_file() and (out / MD_NAME).is_file()
    text = page.read_text(encoding="utf-8")
    md = (out / MD_NAME).read_text(encoding="utf-8")
    assert "6 record(s): 4 graded, 1 not readable, 1 internal grader error(s) (regrade), 1 late." in text
    # the named mistakes, ranked by students: the sign (bob, dave, carol's case) before the average (bob, carol)
    rows = re.findall(r"<tr><td class=\"n\">(\d+)</td><td>([^<]*)</td><td class=\"n\">([^<]*)</td>"
                      r"<td>([^<]*)</td>", text)
    ranked = [(name, students, where) for _, name, students, where in rows]
    assert ranked[0][0] == "the sign is flipped" and ranked[0][1].startswith("3/4")
    assert "example.scale_forward (2)" in ranked[0][2] and "example.mean_rows (1)" in ranked[0][2]
    assert ranked[1][0] == "da averaged instead of summed" and ranked[1][1].startswith("2/4")
    assert ranked[1][2] == "example.scale_backward (2)"
    assert any(name == CLOSE_NAME for name, _, _ in ranked)
    # a one-line example, the staff text, names the check
    assert "example.scale_forward:</span> scale_forward: out is wrong at index (2, 3): got -12, expected 12" in text
    assert "| 1 | the sign is flipped | 3/4 (75%) |" in md
    # share passing each check and case; the unreadable and broken records are not counted
    assert re.search(r"example\.scale_backward.*?2/4 \(50%\)", text, re.S)
    assert "one row: 0/1 (0%)" in text and "square: 1/1 (100%)" in text
    # hand-graded where filled, late, not readable, internal errors
    assert "example-written-da_sum" in text and "2/6" in text
    assert re.search(r"<h2>Late submissions</h2>\s*<table>.*?carol.*?2026-04-25T03:00:00", text, re.S)
    assert re.search(r"<h2>Not readable</h2>\s*<table>.*?frank.*?not a zip file", text, re.S)
    assert re.search(r"<h2>Internal grader errors</h2>\s*<table>.*?erin.*?KeyError", text, re.S)
    # no script, no external resource: it opens from the disk
    assert "<script" not in text and not re.search(r"(src|href)=\"(https?:|//)", text)


def _images(html_text: str):
    from PIL import Image

    blobs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_text)
    return [Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB") for b in blobs]


def _blue_pixels(img) -> int:
    a = np.asarray(img).astype(int)
    return int((np.abs(a - np.array(BAR_BLUE)).sum(axis=-1) < 30).sum())


def test_histograms_decode_as_non_blank_pngs(gradebook):
    out, page = gradebook
    imgs = _images(page.read_text(encoding="utf-8"))
    parts = load_suite(HW).parts
    assert len(imgs) == 1 + len(parts)  # the total and one per part
    for img in imgs:
        a = np.asarray(img)
        assert img.width > 100 and img.height > 80
        assert len(np.unique(a.reshape(-1, 3), axis=0)) > 10  # drawn, not one colour
        assert _blue_pixels(img) > 50  # the bars are there


def test_cli_report_class(gradebook, tmp_path):
    from autograder.cli import main

    src, _ = gradebook
    out = tmp_path / HW
    shutil.copytree(src, out)
    (out / HTML_NAME).unlink()
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["report", HW, str(out), "--class", "--due", "2026-04-24T09:30"])
    assert code == 0, buf.getvalue()
    assert str(out / HTML_NAME) in buf.getvalue()
    text = (out / HTML_NAME).read_text(encoding="utf-8")
    # --due recomputes the late flag: alice (10:00), bob (11:00) and carol are late; dave (09:00) is not
    late = re.search(r"<h2>Late submissions</h2>(.*?)<h2>", text, re.S).group(1)
    assert "alice" in late and "bob" in late and "carol" in late and "dave" not in late
    assert (out / HTML_NAME).stat().st_mode & 0o077 == 0  # staff material: private


def test_synthetic_class_reports(tmp_path):
    records = synthetic_records(HW, 30, seed=3)
    for student, d in records.items():
        (tmp_path / f"{student}.json").write_text(json.dumps(d))
    page = write_class_report(HW, tmp_path, tmp_path / "view")
    assert page == tmp_path / "view" / HTML_NAME
    text = page.read_text(encoding="utf-8")
    assert "30 record(s): 29 graded" in text and "the sign is flipped" in text


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium here (apt-get install chromium)")
def test_screenshot_in_headless_chromium(gradebook, tmp_path):
    from PIL import Image

    _, page = gradebook
    shot = tmp_path / "class.png"
    proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1400",
                           f"--screenshot={shot}", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert shot.is_file(), proc.stderr[-2000:]
    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 1400)
    # the histograms' bars are on the rendered page: the images loaded from the file alone, no server
    from_page = sum(_blue_pixels(i) for i in _images(page.read_text(encoding="utf-8")))
    assert _blue_pixels(img) > 0.5 * from_page



def test_extra_credit_counts_in_totals_not_in_the_maximum():
    """A homework with extra-credit parts (fer's Q6): the class view's maximum leaves them out,
    each student's total keeps what they earned there, and the heading says so."""
    from autograder.engine import load_suite
    from autograder.instructor.classreport import render_html, render_md, summarize

    hw = "fer"
    extra = set(load_suite(hw).extra_credit)
    assert extra
    records = synthetic_records(hw, 8, seed=5)
    s = summarize(hw, records)
    assert s.extra_credit_max == pytest.approx(sum(v for p, v in s.part_max.items() if p in extra)) and s.extra_credit_max > 0
    assert s.max_total == pytest.approx(sum(v for p, v in s.part_max.items() if p not in extra))
    earned = {st: sum(float(c["score"]) for c in records[st]["checks"]) for st in s.graded}
    assert sorted(s.totals) == pytest.approx(sorted(earned.values()))
    assert any(c["part"] in extra and c["score"] > 0 for st in s.graded for c in records[st]["checks"])
    for text in (render_md(s), render_html(s)):
        assert f"max {s.max_total:g}; extra credit up to {s.extra_credit_max:g} more, included" in text
