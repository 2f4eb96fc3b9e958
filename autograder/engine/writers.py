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

The code is split (issue #26): ``writers_common.py`` (what every writer shares: scores, a
check's message and cases as a student sees them, paths cleaned, figures shown),
``writers_html.py`` (the HTML feedback page and the gradebook table); this module holds the
file writing, staff JSON and CSV, Gradescope, Markdown and the ``course check`` text table,
and re-exports their names.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

from .results import PASSED, SubmissionResult  # noqa: F401 - PASSED re-exported
# re-exported: ``autograder.engine.writers`` keeps every name it had before the split
from .writers_common import (  # noqa: F401
    _B64, _CASES_HEAD, _TMP_PATH, _cases_text, _figure_lines, _manual_line, _mark, _md_cell, _message, _part_head, _pts,
    clean_paths, ordered_parts, pts, score_line, shown_figures)
from .writers_html import (  # noqa: F401
    _CSS, _GRADEBOOK_CSS, GRADEBOOK_FRONT, _bar_svg, _figure_html, gradebook, to_html)

FORMATS = ("json", "gradescope", "csv", "md", "html")
SUFFIX = {"json": ".json", "gradescope": ".gradescope.json", "md": ".md", "html": ".html"}


def atomic_write(path, data, *, tmp_dir=None, mode: int = 0o644) -> Path:
    """Write ``data`` (str or bytes) to ``path`` via a temporary file and ``os.replace``.

    ``tmp_dir`` must be on the same filesystem (default: beside ``path``, as a dot file);
    ``mode``: the file's permissions (grades use 0o600: private to the grader's user).
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
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


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
                   + [_pts(r.total), _pts(r.max_score), npass, len(r.checks), err])
    return buf.getvalue()


# -- students ---------------------------------------------------------------------------

def to_gradescope(result: SubmissionResult, *, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json``: public checks ``visible``; hidden ones
    ``hidden_visibility`` ("after_published" by default, or "hidden") with safe output."""
    tests = []
    figs = shown_figures(result)
    for i, c in enumerate(result.checks, 1):
        out = c.feedback()
        if c.description:
            out = c.description + (f"\n\n{out}" if out else "")
        if figs.get(id(c)):
            out = "\n".join(([out] if out else []) + _figure_lines(figs[id(c)]))
        tests.append({
            "name": f"{c.part} {c.name}" + (" (hidden)" if c.hidden else "")
            + (" (extra credit)" if result.is_extra(c) else ""),
            "number": str(i),
            "score": c.score,
            "max_score": c.points,
            "status": "passed" if c.passed else "failed",
            "output": out,
            "visibility": hidden_visibility if c.hidden else "visible",
            "tags": [f"part {c.part}"] + (["extra credit"] if result.is_extra(c) else []),
        })
    lines = [score_line(result)]
    if result.error:
        lines.append(result.error)
    # Gradescope takes a score above the assignment's points: the total includes the extra credit,
    # while the points to set on the assignment are ``max_score`` (`course export` prints them)
    return {
        "score": result.total,
        "execution_time": round(result.duration),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope_json(result: SubmissionResult, **kw) -> str:
    return json.dumps(to_gradescope(result, **kw), indent=2, ensure_ascii=False) + "\n"



def _feedback(c) -> str:
    msg = _message(c)
    cases = _cases_text(c)
    if cases:
        msg = (msg + "\n" if msg and not c.passed else "") + "\n".join(cases)
    return msg


def to_markdown(result: SubmissionResult, title: str = "", *, parts: dict | None = None,
                manual_points: float = 0.0, manual_scores: dict | None = None) -> str:
    """Student feedback: the score, then each part in handout order (with its title) and its checks."""
    title = title or result.homework
    out = [f"# Feedback: {title}", "",
           f"**{score_line(result)}**", ""]
    ml = _manual_line(manual_points, manual_scores)
    if ml:
        out += [ml, ""]
    if result.error:
        out += ["> " + line for line in clean_paths(result.error).splitlines()] + [""]
    bp = result.by_part()
    order = ordered_parts(result, parts)
    figs = shown_figures(result)
    out += ["| part | | score |", "|---|---|---|"]
    for part in order:
        s, m = bp[part]
        out.append(f"| {_md_cell(part)} | {_md_cell((parts or {}).get(part, ''))} | {_pts(s)} / {_pts(m)} |")
    for part in order:
        s, m = bp[part]
        head = _part_head(result, part, parts)
        out += ["", f"## {head} ({_pts(s)} / {_pts(m)})", "", "| | check | points | feedback |", "|---|---|---|---|"]
        for c in result.checks:
            if c.part != part:
                continue
            name = c.name + (" *(hidden)*" if c.hidden else "")
            if c.description:
                name += f"\n{c.description}"  # a line break inside the cell
            fb = "\n".join(x for x in [_feedback(c)] + _figure_lines(figs.get(id(c), []), "below") if x)
            out.append(f"| {_mark(c.passed)} | {_md_cell(name)} | {_pts(c.score)} / {_pts(c.points)} "
                       f"| {_md_cell(fb)} |")
    if figs:
        out += ["", "## Figures", ""]
        for c in result.checks:
            for f in figs.get(id(c), []):
                alt = _md_cell(str(f.get("alt") or f.get("title", ""))).replace("[", "(").replace("]", ")")
                out += [f"**{_md_cell(str(f.get('title', '')))}** ({_md_cell(c.name)})", "",
                        f"![{alt}](data:image/png;base64,{f['png']})", ""]
    out += ["", "Hidden checks show only their outcome: their inputs stay with the grader."]
    return "\n".join(out) + "\n"


def check_table(result: SubmissionResult, *, width: int | None = None) -> str:
    """The plain-text table ``course check`` prints: whole messages, wrapped to the terminal."""
    width = width or max(60, shutil.get_terminal_size((100, 24)).columns)
    lines = []
    namew = max([len(c.name) for c in result.checks] + [5])
    figs = shown_figures(result)
    for c in result.checks:
        lines.append(f"{_mark(c.passed)} {c.name:<{namew}}  {_pts(c.score):>4}/{_pts(c.points):<4} "
                     f"{'' if c.passed else c.status}")
        msg = _message(c) if not c.passed else ""
        body = (msg.splitlines() if msg and msg != c.status else []) + _cases_text(c)
        body += _figure_lines(figs.get(id(c), []))
        for ln in body[:60]:
            if len(ln) <= width - 6:  # short lines as they are (code and carets keep their alignment)
                lines.append("      " + ln)
                continue
            lines += ["      " + w for w in textwrap.wrap(ln, width - 6, break_long_words=True,
                                                          break_on_hyphens=False, subsequent_indent="  ")]
    lines.append(f"{score_line(result, 'score')}  "
                 f"({sum(c.passed for c in result.checks)} of {len(result.checks)} checks passed)")
    return "\n".join(lines)
