"""The class view: what a whole class got right and wrong, from the stored records alone.

``course report HW OUT --class`` (and :func:`write_class_report`) reads every record of a
grading folder (``OUT/<student>.json``, written by :mod:`autograder.engine.batch`) and writes
two staff pages beside them:

* ``class.html``: one self-contained page (no script, no server, no external file) with
  histograms of the autograded total and of each part (matplotlib PNGs embedded as base64),
  the share of students passing each check and each case, the named mistakes ranked by how
  many students made them (with the checks they were seen on and a one-line example), the
  hand-graded questions where scores are filled in, late submissions, submissions the grader
  could not read, and internal grader errors;
* ``class.md``: the same tables in Markdown, with text bars for the distributions.

Named mistakes are the grader's own words: :func:`autograder.engine.compare.assert_close`
and the suites append ``Likely mistake: <name>.`` to a failure (the check's ``mistakes=``
descriptions, or a detector of :mod:`autograder.engine.mistakes`), and a value just outside
the tolerance reads ``Close, just outside the tolerance``. The mistake's name is taken from
the student-safe text where it has one (grader-authored words, no numbers), so one mistake
made with different numbers counts as one; the example shows the staff text.

Statistics count graded records only: a record of an internal grader error (regrade it) or
of a submission that could not be read is listed, not averaged.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import writers
from ..engine.batch import (INTERNAL, NOT_GRADED_YET, _tmp_dir, _write, all_records, is_complete,
                            parse_time, part_order, unreadable_reason)
from ..engine.checks import load_suite
from ..engine.results import PASSED, SKIPPED, CheckResult, SubmissionResult

HTML_NAME, MD_NAME = "class.html", "class.md"

_MISTAKE = re.compile(r"Likely mistake:\s*(.+?)(?:\.(?=\s|$)|$)", re.S)
_CLOSE = "Close, just outside the tolerance"
CLOSE_NAME = "close, just outside the tolerance (a less accurate formula or lower precision)"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.I)


def mistake_names(safe: str, full: str = "") -> list[str]:
    """The named mistakes in one failure's text: from the student-safe text when it names one
    (grader-authored, no numbers), else from the staff text with numbers replaced by ``N``."""
    names = []
    for text, strip in ((safe or "", False), (full or "", True)):
        for m in _MISTAKE.finditer(text):
            name = " ".join(m.group(1).split()).rstrip(".")
            if strip:
                name = _NUMBER.sub("N", name)
            if len(name) > 160:
                name = name[:157].rstrip() + "..."
            if name and name not in names:
                names.append(name)
        if _CLOSE in text and CLOSE_NAME not in names:
            names.append(CLOSE_NAME)
        if names:
            return names
    return names


def _one_line(text: str, limit: int = 220) -> str:
    line = " ".join(writers.clean_paths(text or "").split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


@dataclass
class CheckStats:
    id: str
    name: str
    part: str
    points: float
    hidden: bool
    graded: int = 0  # records with a result for this check
    passed: int = 0
    score: float = 0.0  # summed over graded records
    statuses: dict = field(default_factory=dict)  # status -> count
    cases: dict = field(default_factory=dict)  # case name -> [passed, seen], in first-seen order


@dataclass
class Mistake:
    name: str
    students: set = field(default_factory=set)
    checks: dict = field(default_factory=dict)  # check id -> set of students
    example: str = ""
    example_where: str = ""


@dataclass
class ClassSummary:
    homework: str
    title: str
    parts: dict  # part id -> title (suite order, then others)
    students: list  # every record's student id
    graded: list  # the records the statistics count
    totals: list  # autograded total per graded record (extra credit included)
    max_total: float  # without the extra-credit parts (the suite's ``extra_credit``)
    part_scores: dict  # part -> list of scores (graded records)
    part_max: dict  # part -> points
    checks: list  # CheckStats in suite order
    mistakes: list  # Mistake, most students first
    manual: list  # (grade id, part, points, scores filled in)
    late: list  # (student, submitted_at)
    unreadable: list  # (student, why)
    internal: list  # (student, check id or "", staff detail)
    partial: list  # records made with --only that miss checks
    extra_credit_max: float = 0.0  # the extra-credit parts' points, on top of ``max_total``


def summarize(homework: str, records: dict[str, dict], *, manual: dict | None = None,
              due: dt.datetime | None = None) -> ClassSummary:
    """Everything the class view shows, from ``all_records`` output (student -> record dict)."""
    suite = load_suite(homework)
    order = part_order(homework, records.values())
    checks: dict[str, CheckStats] = {}
    for chk in suite.checks(include_hidden=True):
        checks[chk.id] = CheckStats(chk.id, chk.name, chk.part, float(chk.points), chk.hidden)
    graded, totals, late, unreadable, internal, partial = [], [], [], [], [], []
    part_scores: dict[str, list] = {}
    part_max: dict[str, float] = {}
    mistakes: dict[str, Mistake] = {}
    man = suite.manual()
    man_scores: dict[str, list] = {gid: [] for gid in man}
    for student in sorted(records):
        d = records[student]
        cks = d.get("checks", [])
        meta = d.get("record", {}) or {}
        sub_at = meta.get("submitted_at") or ""
        is_late = meta.get("late")
        if due is not None and sub_at:
            t = parse_time(sub_at)
            is_late = bool(t and t > due) or bool(meta.get("late_mark"))
        if is_late:
            late.append((student, sub_at))
        scores = (manual or {}).get(student, meta.get("manual")) or {}
        for gid in man:
            v = scores.get(gid)
            if v is not None:
                man_scores[gid].append(float(v))
        if meta.get("grader_error"):
            first = next((c.get("log") for c in cks if c.get("log")), None)
            internal.append((student, "", _one_line(first or d.get("error", ""))))
            continue
        why = unreadable_reason(SubmissionResult.from_dict(d)) if d.get("error") else None
        if why:
            unreadable.append((student, _one_line(why)))
            continue
        if not is_complete(d):
            partial.append(student)
        graded.append(student)
        # the record's dicts as stored (all_records has validated them): the fields SubmissionResult
        # reads, without building a dataclass per check (a 1,000-student class has 30,000+ of them)
        by_part: dict[str, list] = {}
        for c in cks:
            bp = by_part.setdefault(c["part"], [0.0, 0.0])
            bp[0] += float(c.get("score", 0.0))
            bp[1] += float(c.get("points", 0.0))
        totals.append(round(sum(v[0] for v in by_part.values()), 6))
        for part, (sc, mx) in by_part.items():
            part_scores.setdefault(part, []).append(round(sc, 6))
            part_max[part] = max(part_max.get(part, 0.0), round(mx, 6))
        for c in cks:
            status, message = c.get("status", ""), c.get("message", "") or ""
            if status == SKIPPED and message == NOT_GRADED_YET:
                continue
            cid = c["id"]
            st = checks.get(cid)
            if st is None:  # a check the suite no longer has
                st = checks[cid] = CheckStats(cid, c.get("name", cid), c["part"], float(c.get("points", 0.0)),
                                              bool(c.get("hidden")))
            passed = status == PASSED
            st.graded += 1
            st.passed += passed
            st.score += float(c.get("score", 0.0))
            st.statuses[status] = st.statuses.get(status, 0) + 1
            if INTERNAL in message:
                log = c.get("log") or ""
                internal.append((student, cid, _one_line(log.splitlines()[0] if log else message)))
            cases = c.get("cases") or []
            for case in cases:
                rec = st.cases.setdefault(case.get("name", ""), [0, 0])
                rec[0] += bool(case.get("passed"))
                rec[1] += 1
            failures = ([(case.get("safe_message", ""), case.get("message", ""), f"case '{case.get('name', '')}'")
                         for case in cases if not case.get("passed")] if cases
                        else ([(c.get("safe_message", ""), message, "")] if not passed else []))
            for safe, full, where in failures:
                for name in mistake_names(safe, full):
                    mk = mistakes.setdefault(name, Mistake(name))
                    mk.students.add(student)
                    mk.checks.setdefault(cid, set()).add(student)
                    if not mk.example:
                        mk.example = _one_line(full or safe)
                        mk.example_where = cid + (f", {where}" if where else "")
    ranked = sorted(mistakes.values(), key=lambda m: (-len(m.students), m.name))
    parts = {p: suite.parts.get(p, "") for p in order if p in part_scores}
    manual_rows = [(gid, part, pts, man_scores[gid]) for gid, (part, pts) in man.items()]
    extra = set(getattr(suite, "extra_credit", ()) or ())
    return ClassSummary(homework, suite.title, parts, sorted(records), graded, totals,
                        round(sum(v for p, v in part_max.items() if p not in extra), 6), part_scores, part_max,
                        list(checks.values()), ranked, manual_rows, late, unreadable, internal, partial,
                        round(sum(v for p, v in part_max.items() if p in extra), 6))


def _extra_note(s: ClassSummary) -> str:
    """What the total's heading says of extra credit (counted in the totals, not in the maximum)."""
    return f"; extra credit up to {writers.pts(s.extra_credit_max)} more, included" if s.extra_credit_max else ""


# -- plots -----------------------------------------------------------------------------------

def _bins(maximum: float, values) -> "list[float]":
    """Bin edges from 0 to the maximum: one bin per point for small parts, at most 20."""
    import numpy as np

    top = max([maximum] + [float(v) for v in values] + [1e-9])
    n = int(min(20, max(1, np.ceil(top - 1e-9)))) if top >= 1 else 10
    return list(np.linspace(0.0, top, n + 1))


def _counts(values, maximum: float):
    """(x, height, width, align) of the bars: one bar per distinct score when there are few (a part of
    3 points scored in quarters), else a histogram of at most 20 bins from 0 to the maximum."""
    import numpy as np

    vals = np.round(np.asarray(values, dtype=float), 6)
    top = max(maximum, float(vals.max()) if vals.size else 0.0, 1e-9)
    distinct = np.unique(vals)
    if 0 < distinct.size <= 21:
        grid = np.unique(np.concatenate([distinct, [0.0, top]]))
        step = float(np.min(np.diff(grid))) if grid.size > 1 else 1.0
        heights = np.array([(vals == v).sum() for v in distinct])
        return distinct, heights, 0.8 * min(step, top / 8), "center"
    edges = np.asarray(_bins(maximum, vals))
    heights, _ = np.histogram(vals, bins=edges)
    return edges[:-1], heights, float(edges[1] - edges[0]), "edge"


def histogram_png(values, maximum: float, title: str, *, width: float = 3.6, height: float = 2.0,
                  xlabel: str = "") -> bytes:
    """A histogram of scores from 0 to ``maximum`` as PNG bytes (matplotlib's Agg canvas, no display).
    Fixed margins and few ticks: text layout is most of a small figure's drawing time."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width, height), dpi=80)
    fig.subplots_adjust(left=0.16, right=0.97, bottom=0.2 if xlabel else 0.12, top=0.86)
    ax = fig.add_subplot()
    vals = [float(v) for v in values]
    if vals:
        x, h, w, align = _counts(vals, maximum)
        ax.bar(x, h, width=w, align=align, color="#3a78c2", edgecolor="white")
    if vals:
        mean = statistics.fmean(vals)
        ax.axvline(mean, color="#c33", linewidth=1.5)
        title = f"{title} (mean {mean:.3g})"
    ax.set_title(title, fontsize=9)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7, pad=1)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
    top = max(maximum, max(vals, default=0.0), 1e-9)
    ax.set_xlim(-0.05 * top, 1.05 * top)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _img(png: bytes, alt: str) -> str:
    return (f'<img class="hist" alt="{html.escape(alt)}" src="data:image/png;base64,'
            f'{base64.b64encode(png).decode("ascii")}">')


# -- pages -------------------------------------------------------------------------------------

_CSS = ("body{font-family:system-ui,sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
        "vertical-align:top;text-align:left}td.n{text-align:right;white-space:nowrap}.note{color:#555}"
        ".grid{display:flex;flex-wrap:wrap;gap:.5em}.grid figure{margin:0}figcaption{font-size:.85em;color:#333}"
        "ul.cases{margin:0;padding-left:1.2em;font-size:.9em}.bar{display:inline-block;height:.7em;"
        "background:#9bbbe0;vertical-align:middle}.bg{display:inline-block;width:6em;background:#eee}")


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({100.0 * k / n:.0f}%)" if n else "-"


def _bar(k: float, n: float) -> str:
    frac = 0.0 if not n else max(0.0, min(1.0, k / n))
    return f'<span class="bg"><span class="bar" style="width:{6 * frac:.2f}em"></span></span>'


def _stats(vals) -> tuple[str, str, str, str]:
    if not vals:
        return "-", "-", "-", "-"
    return (f"{statistics.fmean(vals):.3g}", f"{statistics.median(vals):.3g}", writers.pts(min(vals)),
            writers.pts(max(vals)))


def render_html(s: ClassSummary) -> str:
    e = html.escape
    n = len(s.graded)
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Class report: "
           f"{e(s.homework)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Class report: {e(s.homework)}: {e(s.title)}</h1>",
           f"<p>{len(s.students)} record(s): {n} graded, {len(s.unreadable)} not readable, "
           f"{sum(1 for x in s.internal if not x[1])} internal grader error(s) (regrade), {len(s.late)} late."
           + (f" {len(s.partial)} record(s) made with --only miss some checks." if s.partial else "")
           + "</p>", "<p class=\"note\">Staff only: full messages of hidden checks are quoted below.</p>"]
    mean, med, lo, hi = _stats(s.totals)
    out.append(f"<h2>Autograded total (max {writers.pts(s.max_total)}{_extra_note(s)})</h2>")
    out.append(f"<p>mean {mean}, median {med}, min {lo}, max {hi}</p>")
    total_png = histogram_png(s.totals, s.max_total + s.extra_credit_max, "autograded total", width=6, height=2.6, xlabel="score")
    out.append(f'<div class="grid"><figure>{_img(total_png, "histogram of totals")}</figure></div>')
    out.append("<h2>Parts</h2>")
    rows, figs = [], []
    for p, ptitle in s.parts.items():
        vals, m = s.part_scores.get(p, []), s.part_max.get(p, 0.0)
        full = sum(1 for v in vals if m and v >= m - 1e-9)
        mean, med, lo, hi = _stats(vals)
        rows.append(f"<tr><td>{e(p)}</td><td>{e(ptitle)}</td><td class=\"n\">{writers.pts(m)}</td>"
                    f"<td class=\"n\">{mean}</td><td class=\"n\">{med}</td><td class=\"n\">{_share(full, len(vals))}"
                    f"</td></tr>")
        figs.append(f"<figure>{_img(histogram_png(vals, m, f'part {p}'), f'histogram of part {p}')}"
                    f"<figcaption>{e(p)}: {e(ptitle)}</figcaption></figure>")
    out.append("<table><tr><th>part</th><th></th><th>points</th><th>mean</th><th>median</th><th>full marks</th>"
               "</tr>" + "".join(rows) + "</table>")
    out.append('<div class="grid">' + "".join(figs) + "</div>")
    out.append("<h2>Checks and cases</h2><table><tr><th>check</th><th>part</th><th>points</th><th>passed</th>"
               "<th></th><th>mean score</th><th>cases passed; other outcomes</th></tr>")
    for c in s.checks:
        if not c.graded:
            continue
        cases = "".join(f"<li>{e(name)}: {_share(k, m)}</li>" for name, (k, m) in c.cases.items())
        other = ", ".join(f"{k} {v}" for k, v in sorted(c.statuses.items()) if k != PASSED)
        out.append(f"<tr><td>{e(c.id)}{' <em>(hidden)</em>' if c.hidden else ''}<br><span class=\"note\">"
                   f"{e(c.name)}</span></td><td>{e(c.part)}</td><td class=\"n\">{writers.pts(c.points)}</td>"
                   f"<td class=\"n\">{_share(c.passed, c.graded)}</td><td>{_bar(c.passed, c.graded)}</td>"
                   f"<td class=\"n\">{c.score / c.graded:.3g}</td><td>"
                   + (f"<ul class=\"cases\">{cases}</ul>" if cases else "")
                   + (f"<span class=\"note\">{e(other)}</span>" if other else "") + "</td></tr>")
    out.append("</table>")
    out.append("<h2>Named mistakes</h2>")
    if s.mistakes:
        out.append("<table><tr><th>#</th><th>mistake</th><th>students</th><th>checks (students)</th>"
                   "<th>example</th></tr>")
        for i, mk in enumerate(s.mistakes, 1):
            where = ", ".join(f"{e(cid)} ({len(st)})" for cid, st in
                              sorted(mk.checks.items(), key=lambda kv: (-len(kv[1]), kv[0])))
            out.append(f"<tr><td class=\"n\">{i}</td><td>{e(mk.name)}</td><td class=\"n\">"
                       f"{_share(len(mk.students), n)}</td><td>{where}</td><td><span class=\"note\">"
                       f"{e(mk.example_where)}:</span> {e(mk.example)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No failure names a likely mistake.</p>")
    filled = [(g, p, pts, v) for g, p, pts, v in s.manual if v]
    out.append("<h2>Graded by hand</h2>")
    if filled:
        out.append("<table><tr><th>question</th><th>part</th><th>points</th><th>graded</th><th>mean</th>"
                   "<th>median</th><th>full marks</th></tr>")
        for gid, part, pts, vals in filled:
            mean, med, _, _ = _stats(vals)
            full = sum(1 for v in vals if v >= pts - 1e-9)
            out.append(f"<tr><td>{e(gid)}</td><td>{e(part)}</td><td class=\"n\">{writers.pts(pts)}</td>"
                       f"<td class=\"n\">{len(vals)}/{len(s.students)}</td><td class=\"n\">{mean}</td>"
                       f"<td class=\"n\">{med}</td><td class=\"n\">{_share(full, len(vals))}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{'No hand-graded score is filled in yet.' if s.manual else 'No written answers.'}</p>")
    out.append("<h2>Late submissions</h2>")
    out.append(("<table><tr><th>student</th><th>submitted</th></tr>" + "".join(
        f"<tr><td>{e(st)}</td><td>{e(at or '?')}</td></tr>" for st, at in s.late) + "</table>")
               if s.late else "<p>None.</p>")
    out.append("<h2>Not readable</h2>")
    out.append(("<table><tr><th>student</th><th>why</th></tr>" + "".join(
        f"<tr><td>{e(st)}</td><td>{e(why)}</td></tr>" for st, why in s.unreadable) + "</table>")
               if s.unreadable else "<p>None.</p>")
    out.append("<h2>Internal grader errors</h2>")
    out.append(("<table><tr><th>student</th><th>check</th><th>detail</th></tr>" + "".join(
        f"<tr><td>{e(st)}</td><td>{e(cid or '(whole submission: regrade)')}</td><td>{e(why)}</td></tr>"
        for st, cid, why in s.internal) + "</table>") if s.internal else "<p>None.</p>")
    out.append("</body></html>\n")
    return "\n".join(out)


def _text_hist(values, maximum: float, width: int = 30) -> list[str]:
    import numpy as np

    vals = [float(v) for v in values]
    if not vals:
        return ["(no graded records)"]
    edges = _bins(maximum, vals)
    counts, _ = np.histogram(vals, bins=edges)
    top = max(int(counts.max()), 1)
    return [f"{edges[i]:7.3g} - {edges[i + 1]:<7.3g} {'█' * round(width * int(k) / top):<{width}} {int(k)}"
            for i, k in enumerate(counts)]


def render_md(s: ClassSummary) -> str:
    c_ = writers._md_cell
    n = len(s.graded)
    out = [f"# Class report: {s.homework}: {s.title}", "",
           f"{len(s.students)} record(s): {n} graded, {len(s.unreadable)} not readable, "
           f"{sum(1 for x in s.internal if not x[1])} internal grader error(s) (regrade), {len(s.late)} late.", ""]
    mean, med, lo, hi = _stats(s.totals)
    out += [f"## Autograded total (max {writers.pts(s.max_total)}{_extra_note(s)})", "",
            f"mean {mean}, median {med}, min {lo}, max {hi}", "", "```"] + _text_hist(s.totals, s.max_total + s.extra_credit_max) + ["```"]
    out += ["", "## Parts", "", "| part | | points | mean | median | full marks |", "|---|---|---|---|---|---|"]
    for p, ptitle in s.parts.items():
        vals, m = s.part_scores.get(p, []), s.part_max.get(p, 0.0)
        full = sum(1 for v in vals if m and v >= m - 1e-9)
        mean, med, _, _ = _stats(vals)
        out.append(f"| {c_(p)} | {c_(ptitle)} | {writers.pts(m)} | {mean} | {med} | {_share(full, len(vals))} |")
    out += ["", "## Checks and cases", "", "| check | part | points | passed | mean score | cases passed |",
            "|---|---|---|---|---|---|"]
    for c in s.checks:
        if not c.graded:
            continue
        cases = "\n".join(f"{name}: {_share(k, m)}" for name, (k, m) in c.cases.items())
        out.append(f"| {c_(c.id + (' (hidden)' if c.hidden else ''))} | {c_(c.part)} | {writers.pts(c.points)} | "
                   f"{_share(c.passed, c.graded)} | {c.score / c.graded:.3g} | {c_(cases)} |")
    out += ["", "## Named mistakes", ""]
    if s.mistakes:
        out += ["| # | mistake | students | checks (students) | example |", "|---|---|---|---|---|"]
        for i, mk in enumerate(s.mistakes, 1):
            where = ", ".join(f"{cid} ({len(st)})" for cid, st in
                              sorted(mk.checks.items(), key=lambda kv: (-len(kv[1]), kv[0])))
            out.append(f"| {i} | {c_(mk.name)} | {_share(len(mk.students), n)} | {c_(where)} | "
                       f"{c_(mk.example_where + ': ' + mk.example)} |")
    else:
        out.append("No failure names a likely mistake.")
    filled = [(g, p, pts, v) for g, p, pts, v in s.manual if v]
    out += ["", "## Graded by hand", ""]
    if filled:
        out += ["| question | part | points | graded | mean | median |", "|---|---|---|---|---|---|"]
        for gid, part, pts, vals in filled:
            mean, med, _, _ = _stats(vals)
            out.append(f"| {c_(gid)} | {c_(part)} | {writers.pts(pts)} | {len(vals)}/{len(s.students)} | {mean} | "
                       f"{med} |")
    else:
        out.append("No hand-graded score is filled in yet." if s.manual else "No written answers.")
    out += ["", "## Late submissions", ""]
    out += ([f"- {st} ({at or '?'})" for st, at in s.late] or ["None."])
    out += ["", "## Not readable", ""]
    out += ([f"- {st}: {why}" for st, why in s.unreadable] or ["None."])
    out += ["", "## Internal grader errors", ""]
    out += ([f"- {st}, {cid or '(whole submission: regrade)'}: {why}" for st, cid, why in s.internal] or ["None."])
    return "\n".join(out) + "\n"


def write_class_report(homework: str, gradebook_dir, out_dir=None, *, manual: dict | None = None,
                       due: dt.datetime | None = None) -> Path:
    """Write ``class.html`` and ``class.md`` for the records in ``gradebook_dir`` (default: into it);
    return the path of ``class.html``. ``manual``: hand-graded scores (student -> grade id -> score)
    that override the records' own; ``due``: recompute the late flag against this deadline."""
    src = Path(gradebook_dir)
    out = Path(out_dir) if out_dir is not None else src
    records = all_records(src, homework)
    if not records:
        raise FileNotFoundError(f"{src} holds no {homework} records")
    s = summarize(homework, records, manual=manual, due=due)
    out.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_dir(out)
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        _write(out / MD_NAME, render_md(s), out)
        _write(out / HTML_NAME, render_html(s), out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out / HTML_NAME


# -- synthetic classes (benchmarks, tests) ------------------------------------------------------

SYNTHETIC_MISTAKES = (
    ("off by a constant factor smaller than one: averaged where a sum was expected?",
     "off by a factor of 1/{n}: averaged (divided by {n}) where a sum was expected?"),
    ("the sign is flipped", "the sign is flipped"),
    ("the result is transposed (axes swapped)", "the result is transposed (axes swapped)"),
    ("every element is zero (the result is never computed or assigned?)",
     "every element is zero (the result is never computed or assigned?)"),
)


def synthetic_records(homework: str, n: int, seed: int = 0) -> dict[str, dict]:
    """``n`` made-up records of ``homework`` in the format ``course grade`` stores (for the
    benchmark and tests): every check of the suite, some with cases, failures naming mistakes,
    some late, some hand-graded, one internal error."""
    import random

    rng = random.Random(seed)
    suite = load_suite(homework)
    checks = suite.checks(include_hidden=True)
    man = suite.manual()
    out = {}
    for i in range(n):
        student = f"s{i:04d}"
        skill = rng.random()
        res = SubmissionResult(homework, f"{student}.zip", isolation="namespaces")
        for j, chk in enumerate(checks):
            ncases = 4 if j % 3 == 0 else 0
            cases = []
            if ncases:
                for k in range(ncases):
                    ok = rng.random() < skill + 0.2
                    desc, text = SYNTHETIC_MISTAKES[(j + k) % len(SYNTHETIC_MISTAKES)]
                    cases.append({"name": f"case {k + 1}", "passed": ok, "status": "passed" if ok else "failed",
                                  "message": "" if ok else f"dx is wrong at index (0, {k}): got 1, expected 2. "
                                  f"Likely mistake: {text.format(n=k + 2)}.",
                                  "safe_message": "" if ok else f"dx has wrong values. Likely mistake: {desc}."})
                passed = sum(c["passed"] for c in cases)
                score = round(chk.points * passed / ncases, 6)
                status = "passed" if passed == ncases else "failed"
                msg = safe = "" if status == "passed" else f"{passed} of {ncases} cases passed."
            else:
                ok = rng.random() < skill + 0.1
                desc, text = SYNTHETIC_MISTAKES[j % len(SYNTHETIC_MISTAKES)]
                status, score = ("passed", float(chk.points)) if ok else ("failed", 0.0)
                msg = "" if ok else f"out is wrong: got 3, expected 1. Likely mistake: {text.format(n=3)}."
                safe = "" if ok else f"out has wrong values. Likely mistake: {desc}."
            res.checks.append(CheckResult(chk.id, chk.name, chk.part, chk.points, score, status, msg, 0.01,
                                          chk.hidden, chk.description, safe_message=safe, cases=cases))
        d = res.to_dict()
        when = dt.datetime(2026, 4, 24, 12, tzinfo=dt.timezone.utc) + dt.timedelta(hours=rng.uniform(-48, 14))
        meta = {"student": student, "submission": f"{student}.zip", "sha256": f"{i:064x}",
                "submitted_at": when.isoformat(), "late": when > dt.datetime(2026, 4, 25, tzinfo=dt.timezone.utc),
                "late_mark": False, "grader_error": False, "graded_at": "2026-04-26T00:00:00+00:00"}
        if man and i % 2 == 0:
            meta["manual"] = {gid: float(rng.choice([0.0, pts / 2, pts])) for gid, (_, pts) in man.items()}
        d["record"] = meta
        out[student] = d
    if n:
        d = out["s0000"]
        d["record"]["grader_error"] = True
        for c in d["checks"]:
            c.update(status="error", score=0.0, message="not graded: internal grader error",
                     safe_message="not graded: internal grader error", cases=[],
                     log="RuntimeError: synthetic grader failure")
    return out
