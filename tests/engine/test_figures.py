"""Figures in the feedback (issue 27): ``t.figure`` draws in the grader's process, the record
survives the result JSON, the HTML embeds a PNG that is not blank, Markdown embeds it, text
feedback names it, and the caps hold (size per figure, count per check and per submission).
A figure that cannot be made never changes a check's outcome."""
from __future__ import annotations

import base64
import io
import re
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

from autograder.engine import figures as F
from autograder.engine.checks import Check
from autograder.engine.grade import run_check
from autograder.engine.results import CheckResult, SubmissionResult
from autograder.engine.writers import check_table, to_gradescope, to_html, to_json, to_markdown

_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def _run(func, tmp_path, hidden=True):
    chk = Check(id="example.fig", func=func, part="1", points=2, hidden=hidden, timeout=20, description="x")
    return run_check(chk, tmp_path, {})


def _curve(t):
    t.figure("training loss", lambda: F.learning_curve(np.exp(-np.arange(300) / 80.0) + 0.05, title="loss"))


def _result(checks) -> SubmissionResult:
    return SubmissionResult("example", "alice.zip", checks=list(checks))


def test_a_figure_survives_the_json_round_trip(tmp_path):
    r = _run(_curve, tmp_path)
    assert r.status == "passed" and len(r.figures) == 1, (r.status, r.log)
    rec = r.figures[0]
    assert rec["title"] == "training loss" and rec["bytes"] == len(F.decode(rec)) <= F.MAX_PNG_BYTES
    assert (rec["width"], rec["height"]) == _pixels(F.decode(rec)).shape[::-1]
    back = SubmissionResult.from_dict(__import__("json").loads(to_json(_result([r]))))
    assert back.checks[0].figures == r.figures


def test_html_embeds_a_png_that_is_not_blank(tmp_path):
    r = _run(_curve, tmp_path)
    page = to_html(_result([r]), "Practice")
    found = _DATA_URI.findall(page)
    assert len(found) == 1 and "<figcaption>training loss</figcaption>" in page
    px = _pixels(base64.b64decode(found[0]))
    assert px.std() > 10, px.std()  # a drawn curve, axes and text: not one flat colour
    assert (px < 128).mean() > 0.005  # dark ink on the white background


def test_markdown_embeds_it_and_text_feedback_names_it(tmp_path):
    r = _run(_curve, tmp_path)
    res = _result([r])
    md = to_markdown(res, "Practice")
    assert "## Figures" in md and len(_DATA_URI.findall(md)) == 1
    assert "figure: training loss (below)" in md
    assert "figure: training loss (see the HTML feedback)" in check_table(res)
    gs = to_gradescope(res)["tests"][0]["output"]
    assert "figure: training loss (see the HTML feedback)" in gs and "base64" not in gs


def test_a_figure_that_cannot_be_made_does_not_change_the_outcome(tmp_path):
    def check(t):
        assert t.figure("bad numbers", lambda: F.learning_curve("not numbers", title="x")) is False
        assert t.figure("raises", lambda: 1 / 0) is False
        assert t.figure("not a figure", object()) is False

    r = _run(check, tmp_path)
    assert r.status == "passed" and r.score == 2 and r.figures == []
    assert "bad numbers" in r.log and "ZeroDivisionError" in r.log and "not a figure" in r.log
    assert "bad numbers" not in r.feedback()  # the staff log only


def test_size_cap_lower_resolution_then_left_out():
    noise = np.random.default_rng(0).random((400, 400))  # incompressible: a large PNG

    def fig():
        return F.boxes_on_image(noise * 255, np.zeros((0, 4)), title="noise", max_side_in=9)

    full = F.record("noise", fig(), max_bytes=10 ** 9)
    capped = F.record("noise", fig(), max_bytes=full["bytes"] // 2)
    assert capped["bytes"] <= full["bytes"] // 2 and capped["width"] < full["width"]  # drawn again, smaller
    with pytest.raises(F.FigureRejected):
        F.record("noise", fig(), max_bytes=2000)
    assert full["width"] <= F.MAX_PIXELS and full["height"] <= F.MAX_PIXELS


def test_png_bytes_are_decoded_and_written_again():
    """PNG bytes handed to t.figure travel as pixels only: extra chunks (text, anything) are dropped."""
    png = F.png_bytes(F.learning_curve([3, 2, 1], title="x"))
    chunk = b"tEXt" + b"Comment\x00smuggled"
    extra = struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk))
    tampered = png[:33] + extra + png[33:]
    rec = F.record("bytes", tampered)
    assert b"smuggled" not in F.decode(rec)
    assert np.array_equal(_pixels(F.decode(rec)), _pixels(png))
    for bad in (b"GIF89a" + b"\0" * 40, png[:40]):
        with pytest.raises(Exception):
            F.record("bad", bad)


def test_at_most_two_per_check_and_six_per_submission(tmp_path):
    def three(t):
        for k in range(3):
            t.figure(f"fig {k}", lambda: F.learning_curve([3, 2, 1], title="x"))

    r = _run(three, tmp_path)
    assert [f["title"] for f in r.figures] == ["fig 0", "fig 1"] and "at most 2 per check" in r.log
    checks = []
    for i in range(4):
        c = CheckResult(f"example.c{i}", f"c{i}", "1", 1.0, 1.0, "passed", figures=[dict(f) for f in r.figures])
        checks.append(c)
    page = to_html(_result(checks))
    assert len(_DATA_URI.findall(page)) == F.MAX_PER_SUBMISSION == 6
    assert len(_DATA_URI.findall(to_markdown(_result(checks)))) == 6


def test_a_malformed_stored_record_is_not_embedded():
    good = F.record("ok", F.learning_curve([3, 2, 1], title="x"))
    bad = [dict(good, png='x" onerror="alert(1)'), dict(good, png=base64.b64encode(b"GIF89a....").decode()),
           {"title": "no png"}, "not a dict"]
    c = CheckResult("example.c", "c", "1", 1.0, 1.0, "passed", figures=bad)
    page = to_html(_result([c]))
    assert "onerror" not in page and "<figure" not in page


def test_confusion_counts_are_sklearns():
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    assert np.array_equal(F.confusion_counts(y, p, 7), confusion_matrix(y, p, labels=list(range(7))))
    # labels outside the classes (a hostile or broken prediction) are left out, never an index error
    p2 = p.astype(float)
    p2[:5] = [-1, 7, np.nan, 2.5, 1e300]
    kept = F.confusion_counts(y, p2, 7)
    assert kept.sum() == 495 and np.array_equal(kept, confusion_matrix(y[5:], p[5:], labels=list(range(7))))


def test_numbers_from_a_sandbox_are_bounded():
    with pytest.raises(F.FigureRejected):
        F.learning_curve(np.zeros(F.MAX_INPUT_VALUES + 1), title="x")
    with pytest.raises(F.FigureRejected):
        F.learning_curve({"a": 1}, title="x")
    with pytest.raises(F.FigureRejected):
        F.confusion_matrix([0, 1], [0, 1, 2], ["a", "b", "c"], title="x")
    x, y = F.block_means(np.arange(10_000, dtype=float))
    assert len(x) == len(y) == F.MAX_CURVE_POINTS
    fig = F.learning_curve([2.0, 1.0, np.inf, np.nan], title="diverged")  # non-finite: marked, not drawn
    assert F.record("d", fig)["bytes"] > 0


# -- in a browser ---------------------------------------------------------------------------
def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_the_figure_shows_in_headless_chromium(tmp_path):
    """A screenshot of the feedback page holds the curve's blue: the data URI renders from the file alone."""
    from PIL import Image

    r = _run(_curve, tmp_path / "sub")
    page = tmp_path / "feedback.html"
    page.write_text(to_html(_result([r]), "Practice"), encoding="utf-8")
    shot = tmp_path / "feedback.png"
    proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
                           f"--screenshot={shot}", page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    assert shot.is_file(), proc.stderr[-2000:]

    def blue(img):
        a = np.asarray(img.convert("RGB")).astype(int)
        return int(np.sum((abs(a[..., 0] - 0x2a) < 40) & (abs(a[..., 1] - 0x62) < 40) & (a[..., 2] > 140)))

    drawn = blue(Image.open(io.BytesIO(F.decode(r.figures[0]))))
    assert drawn > 50 and blue(Image.open(shot)) > 0.5 * drawn

