"""Feedback polish: each failing case is listed once (Markdown, HTML, the terminal table), a
failure's message is body-size text, and the gradebook's totals are on screen at 1200 px.

The layout is measured in headless Chromium when it is installed (``apt-get install
chromium``): the page is opened at 1200 x 800 with a small script appended that reports the
positions and font sizes, and a screenshot is kept beside it for a person to look at."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.engine.results import CheckResult, SubmissionResult
from autograder.engine.writers import check_table, gradebook, to_html, to_markdown

CASES = [{"name": "batch of 1", "passed": True, "message": "", "safe_message": ""},
         {"name": "non-square 7x13", "passed": False, "message": "got 3.5, expected 1.25",
          "safe_message": "values differ"},
         {"name": "large logits", "passed": False, "message": "overflow: got inf", "safe_message": "inf or NaN"}]


def _result() -> SubmissionResult:
    r = SubmissionResult("example", "alice.zip")
    for hidden in (False, True):
        msg = "1 of 3 cases passed.\n" + "\n".join(f"- case '{c['name']}': {c['message']}" for c in CASES[1:])
        safe = "1 of 3 cases passed.\n" + "\n".join(f"- case '{c['name']}': {c['safe_message']}" for c in CASES[1:])
        r.checks.append(CheckResult(f"example.rows_{'hidden' if hidden else 'public'}", f"rows_{hidden}", "2", 3.0,
                                    1.0, "failed", msg, safe_message=safe, hidden=hidden, cases=[dict(c) for c in CASES]))
    r.checks.append(CheckResult("example.scale", "scale", "1", 2.0, 0.0, "failed",
                                "dx is wrong at element (3, 1): got -1.7955, expected 2.2011", safe_message=""))
    return r


@pytest.mark.parametrize("render", [to_markdown, to_html, check_table])
def test_each_failing_case_is_listed_once(render):
    text = render(_result())
    for name in ("non-square 7x13", "large logits"):
        assert text.count(name) == 2, (name, text)  # once for the public check, once for the hidden one
    assert text.count("1 of 3 cases passed.") == 2
    assert "dx is wrong at element (3, 1)" in text  # a message without cases is whole


def _gradebook_rows(n_parts=30):
    parts = [f"Q{i}.{j} ({j})" for i in range(1, 11) for j in range(1, 4)][:n_parts]
    header = (["student", "name", "submission", "submitted", "late"] + parts + ["autograded", "autograded max",
              "by hand", "by hand max", "total", "max", "status", "checks passed"])
    rows = [[f"s{k:03d}", f"Student Number {k}", f"s{k:03d}_LATE_1234_5678_submission.zip",
             "2026-04-24T23:59:00", "no"] + ["1.5"] * len(parts) + ["40", "96", "", "79", "40", "175",
                                                                   "ok", f"{k}/62"] for k in range(5)]
    return header, rows


def test_gradebook_html_shows_the_totals_next_to_the_student():
    header, rows = _gradebook_rows()
    page = gradebook(header, rows, "html", title="nist36")
    ths = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert ths[:4] == ["student", "name", "total", "max"]
    assert sorted(ths) == sorted(header)  # every column still there
    assert gradebook(header, rows, "csv").splitlines()[0].split(",") == header  # csv keeps its order


# -- in a browser ---------------------------------------------------------------------------
PROBE = """<script>
const r = document.createElement('pre'); r.id = 'probe';
const th = [...document.querySelectorAll('th')].find(t => t.textContent === 'total');
const msg = document.querySelector('.msg');
const out = {width: window.innerWidth,
             total_right: th ? th.getBoundingClientRect().right : null,
             msg_px: msg ? parseFloat(getComputedStyle(msg).fontSize) : null,
             body_px: parseFloat(getComputedStyle(document.body).fontSize)};
r.textContent = 'PROBE' + JSON.stringify(out) + 'PROBE'; document.body.appendChild(r);
</script>"""


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _measure(page: str, tmp_path: Path, name: str) -> dict:
    import json

    exe = _chromium()
    path = tmp_path / f"{name}.html"
    path.write_text(page.replace("</body>", PROBE + "</body>"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,800",
             "--user-data-dir=" + str(tmp_path / "chrome")]
    shot = subprocess.run([exe, *flags, f"--screenshot={tmp_path / (name + '.png')}", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert (tmp_path / f"{name}.png").is_file(), shot.stderr[-2000:]
    dom = subprocess.run([exe, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r"PROBE(\{.*?\})PROBE", dom.stdout)
    assert m, dom.stderr[-2000:]
    return json.loads(m.group(1))


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_in_chromium_at_1200px_totals_are_on_screen_and_failures_are_body_size(tmp_path):
    header, rows = _gradebook_rows()
    book = _measure(gradebook(header, rows, "html", title="nist36"), tmp_path, "gradebook")
    assert book["width"] == 1200
    assert book["total_right"] is not None and 0 < book["total_right"] <= 1200, book
    fb = _measure(to_html(_result(), "Practice"), tmp_path, "feedback")
    assert fb["msg_px"] is not None and fb["msg_px"] >= 15 and fb["msg_px"] >= 0.9 * fb["body_px"], fb
