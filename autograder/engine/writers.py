"""Results writers: staff JSON, Gradescope ``results.json``, a batch CSV, and per-student
feedback in Markdown and HTML.

Two audiences:

* **staff** (``to_json``, ``to_csv``): everything, including full messages of hidden
  checks and grader logs;
* **students** (``to_gradescope``, ``to_markdown``, ``to_html``, ``course check``):
  a hidden check shows its name, pass/fail and points, plus its *safe* message
  (``CheckResult.feedback()``: grader-written words only, never inputs, values,
  the student process's output or a grader traceback; see ``grade.py``). Check
  descriptions are shown (they are written for students). No writer ever shows
  ``CheckResult.log``.

Every file is written atomically (:func:`atomic_write`): a reader, or a batch killed
with SIGKILL, sees either the previous file or the complete new one.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path

from .results import PASSED, SubmissionResult

FORMATS = ("json", "gradescope", "csv", "md", "html")
SUFFIX = {"json": ".json", "gradescope": ".gradescope.json", "md": ".md", "html": ".html"}


def atomic_write(path, data, *, tmp_dir=None) -> Path:
    """Write ``data`` (str or bytes) to ``path`` via a temporary file and ``os.replace``.

    ``tmp_dir`` must be on the same filesystem (default: beside ``path``, as a dot file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp_dir = Path(tmp_dir) if tmp_dir is not None else path.parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _mark(passed: bool) -> str:
    return "✓" if passed else "✗"


def _pts(x: float) -> str:
    return f"{x:g}"


# -- staff ------------------------------------------------------------------------------

def to_json(result: SubmissionResult) -> str:
    return json.dumps(result.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def csv_columns(results) -> list[str]:
    parts: list[str] = []
    for r in results:
        for p in r.by_part():
            if p not in parts:
                parts.append(p)
    return parts


def to_csv(results, parts: list[str] | None = None) -> str:
    """One row per submission: per-part scores, the total, the maximum and a status."""
    results = list(results)
    parts = parts if parts is not None else csv_columns(results)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "homework"] + [f"part {p}" for p in parts] + ["total", "max", "passed", "checks", "error"])
    for r in results:
        bp = r.by_part()
        npass = sum(c.passed for c in r.checks)
        err = " | ".join(r.error.splitlines())
        w.writerow([r.submission, r.homework] + [_pts(bp[p][0]) if p in bp else "" for p in parts]
                   + [_pts(r.score), _pts(r.max_score), npass, len(r.checks), err])
    return buf.getvalue()


# -- students ---------------------------------------------------------------------------

def to_gradescope(result: SubmissionResult, *, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json``: public checks ``visible``; hidden ones
    ``hidden_visibility`` ("after_published" by default, or "hidden") with safe output."""
    tests = []
    for i, c in enumerate(result.checks, 1):
        out = c.feedback()
        if c.description:
            out = c.description + (f"\n\n{out}" if out else "")
        tests.append({
            "name": f"{c.part} {c.name}" + (" (hidden)" if c.hidden else ""),
            "number": str(i),
            "score": c.score,
            "max_score": c.points,
            "status": "passed" if c.passed else "failed",
            "output": out,
            "visibility": hidden_visibility if c.hidden else "visible",
            "tags": [f"part {c.part}"],
        })
    lines = [f"Autograded score: {_pts(result.score)} / {_pts(result.max_score)}"]
    if result.error:
        lines.append(result.error)
    return {
        "score": result.score,
        "execution_time": round(result.duration),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope_json(result: SubmissionResult, **kw) -> str:
    return json.dumps(to_gradescope(result, **kw), indent=2, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", "<br>")


def to_markdown(result: SubmissionResult, title: str = "") -> str:
    title = title or result.homework
    out = [f"# Feedback: {title}", "",
           f"**Autograded score: {_pts(result.score)} / {_pts(result.max_score)}**", ""]
    if result.error:
        out += ["> " + line for line in result.error.splitlines()] + [""]
    out += ["| part | score |", "|---|---|"]
    for part, (s, m) in result.by_part().items():
        out.append(f"| {part} | {_pts(s)} / {_pts(m)} |")
    out += ["", "| | check | part | points | feedback |", "|---|---|---|---|---|"]
    for c in result.checks:
        name = c.name + (" *(hidden)*" if c.hidden else "")
        msg = c.feedback() or ("" if c.passed else c.status)
        out.append(f"| {_mark(c.passed)} | {_md_cell(name)} | {_md_cell(c.part)} | {_pts(c.score)} / {_pts(c.points)} "
                   f"| {_md_cell(msg)} |")
    out += ["", "Hidden checks show only their outcome: their inputs stay with the grader."]
    return "\n".join(out) + "\n"


_CSS = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;"
        "vertical-align:top;text-align:left}tr.passed td:first-child{color:#080}tr.failed td:first-child"
        "{color:#b00}pre{white-space:pre-wrap;margin:0;font-size:.9em}.note{color:#555}")


def to_html(result: SubmissionResult, title: str = "") -> str:
    e = html.escape
    title = title or result.homework
    rows = []
    for c in result.checks:
        msg = c.feedback() or ("" if c.passed else c.status)
        cls = "passed" if c.status == PASSED else "failed"
        hid = " <em>(hidden)</em>" if c.hidden else ""
        rows.append(f"<tr class=\"{cls}\"><td>{_mark(c.passed)}</td><td>{e(c.name)}{hid}<br><span class=\"note\">"
                    f"{e(c.description)}</span></td><td>{e(c.part)}</td><td>{_pts(c.score)} / {_pts(c.points)}</td>"
                    f"<td><pre>{e(msg)}</pre></td></tr>")
    parts = "".join(f"<tr><td>{e(p)}</td><td>{_pts(s)} / {_pts(m)}</td></tr>" for p, (s, m) in result.by_part().items())
    err = f"<p class=\"note\"><pre>{e(result.error)}</pre></p>" if result.error else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback: {e(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n<h1>Feedback: {e(title)}</h1>\n"
            f"<p><strong>Autograded score: {_pts(result.score)} / {_pts(result.max_score)}</strong></p>{err}\n"
            f"<table><tr><th>part</th><th>score</th></tr>{parts}</table>\n<h2>Checks</h2>\n"
            f"<table><tr><th></th><th>check</th><th>part</th><th>points</th><th>feedback</th></tr>\n"
            + "\n".join(rows) +
            "\n</table>\n<p class=\"note\">Hidden checks show only their outcome: their inputs stay with the grader."
            "</p>\n</body></html>\n")


def check_table(result: SubmissionResult, *, width: int = 100) -> str:
    """The plain-text table ``course check`` prints."""
    lines = []
    namew = max([len(c.name) for c in result.checks] + [5])
    for c in result.checks:
        lines.append(f"{_mark(c.passed)} {c.name:<{namew}}  {_pts(c.score):>4}/{_pts(c.points):<4} "
                     f"{'' if c.passed else c.status}")
        msg = c.feedback()
        if msg and not c.passed:
            for ln in msg.splitlines()[:20]:
                lines.append("      " + ln[: width - 6])
    lines.append(f"score: {_pts(result.score)} / {_pts(result.max_score)}  "
                 f"({sum(c.passed for c in result.checks)} of {len(result.checks)} checks passed)")
    return "\n".join(lines)
