"""What every feedback writer shares: scores as text, a check's message and its cases as a
student sees them, grader paths cleaned out of messages, parts in handout order, the figures a
student is shown, the line on written answers graded by hand, a Markdown table cell.

Who may see what (hidden checks show grader-written words only) is decided here, once, for the
text, Markdown and HTML writers alike. Part of the writers (``writers.py`` re-exports every
name here).
"""
from __future__ import annotations

import html
import re

from .results import SubmissionResult


def _mark(passed: bool) -> str:
    return "✓" if passed else "✗"


def _pts(x: float) -> str:
    return f"{x:g}"


pts = _pts

# grader-side temporary folders a message may name (a syntax error's file, a traceback frame)
_TMP_PATH = re.compile(r"(?:/[^\s'\"]*)?/(?:nncourse-[a-z]+-[^/\s'\"]+/(?:[0-9a-f]{8,}/)?|box/[0-9a-f]{8,}/)"
                       r"(?:tree/|raw/|work/)?(?:sub/)?")


def clean_paths(text: str) -> str:
    """Messages show the student's own paths (``starter/fms/layers.py``), never the grader's
    temporary folders."""
    return _TMP_PATH.sub("", text or "")


def ordered_parts(result: SubmissionResult, parts: dict | None = None) -> list[str]:
    """Parts in handout order (the suite's ``parts``), then any other part in check order."""
    order = [p for p in (parts or {})]
    for c in result.checks:
        if c.part not in order:
            order.append(c.part)
    return [p for p in order if any(c.part == p for c in result.checks)]


def _cases_text(c, *, student: bool = True) -> list[str]:
    """One line per case of a check with cases (``t.case``): name, pass/fail and, if it
    failed, what a student may see of why."""
    out = []
    for case in getattr(c, "cases", None) or []:
        ok = bool(case.get("passed"))
        why = "" if ok else (case.get("safe_message") if (c.hidden and student) else case.get("message")) or ""
        out.append(f"{_mark(ok)} {case.get('name', '')}" + (f": {clean_paths(why)}" if why else ""))
    return out


_CASES_HEAD = re.compile(r"^\d+ of \d+ cases passed\.$")


def _message(c, *, student: bool = True) -> str:
    """A check's message as a student sees it, each failing case said once: a check made of
    cases keeps only its head line ("2 of 3 cases passed."), since the case list follows."""
    msg = clean_paths((c.feedback() if student else c.message) or ("" if c.passed else c.status))
    lines = msg.splitlines()
    if getattr(c, "cases", None) and lines and _CASES_HEAD.match(lines[0].strip()):
        return lines[0].strip()
    return msg


def score_line(result: SubmissionResult, label: str = "Autograded score") -> str:
    """``label: score / max``, and the extra credit on its own (never in the maximum)."""
    line = f"{label}: {_pts(result.score)} / {_pts(result.max_score)}"
    if result.extra_credit_max:
        line += (f"; extra credit: {_pts(result.extra_credit)} / {_pts(result.extra_credit_max)} "
                 f"(total {_pts(result.total)} / {_pts(result.max_score)})")
    return line


def _part_head(result: SubmissionResult, part: str, parts: dict | None) -> str:
    return (f"Part {part}" + (f": {(parts or {})[part]}" if (parts or {}).get(part) else "")
            + (" (extra credit)" if part in result.extra_credit_parts else ""))


# -- figures (``CheckResult.figures``, drawn by the grader: ``engine.figures``) ---------------
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def shown_figures(result: SubmissionResult) -> dict[int, list[dict]]:
    """The figures a student is shown, by ``id()`` of their check: well-formed records only
    (base64 PNG under the size cap), at most ``figures.MAX_PER_SUBMISSION`` in check order."""
    from .figures import MAX_PER_CHECK, MAX_PER_SUBMISSION, MAX_PNG_BYTES

    out: dict[int, list[dict]] = {}
    n = 0
    for c in result.checks:
        for f in (getattr(c, "figures", None) or [])[:MAX_PER_CHECK]:
            png = f.get("png") if isinstance(f, dict) else None
            if (n >= MAX_PER_SUBMISSION or not isinstance(png, str) or len(png) > 4 * MAX_PNG_BYTES // 3 + 4
                    or not png.startswith("iVBORw0KGgo") or not _B64.fullmatch(png)):
                continue
            out.setdefault(id(c), []).append(f)
            n += 1
    return out


def _figure_lines(figs: list[dict], where: str = "see the HTML feedback") -> list[str]:
    """What text feedback says of a check's figures."""
    return [f"figure: {str(f.get('title', ''))[:200]} ({where})" for f in figs]


def _manual_line(manual_points: float, manual_scores: dict | None) -> str:
    if not manual_points:
        return ""
    if manual_scores and all(v is not None for v in manual_scores.values()):
        return f"Graded by hand: {_pts(sum(manual_scores.values()))} / {_pts(manual_points)}"
    return (f"{_pts(manual_points)} point(s) of written answers are still to be graded by hand "
            f"(not included in the score above).")


def _md_cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", "<br>")

