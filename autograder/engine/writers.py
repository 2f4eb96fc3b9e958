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
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

from .results import PASSED, SubmissionResult

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


def _figure_html(f: dict) -> str:
    e = html.escape
    size = "".join(f' {k}="{int(f[k])}"' for k in ("width", "height") if isinstance(f.get(k), int))
    return (f"<figure class=\"fig\"><img alt=\"{e(str(f.get('alt') or f.get('title', '')))}\"{size} "
            f"src=\"data:image/png;base64,{f['png']}\"><figcaption>{e(str(f.get('title', '')))}</figcaption></figure>")


def _manual_line(manual_points: float, manual_scores: dict | None) -> str:
    if not manual_points:
        return ""
    if manual_scores and all(v is not None for v in manual_scores.values()):
        return f"Graded by hand: {_pts(sum(manual_scores.values()))} / {_pts(manual_points)}"
    return (f"{_pts(manual_points)} point(s) of written answers are still to be graded by hand "
            f"(not included in the score above).")


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


def _md_cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", "<br>")


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


_CSS = ("body{font-family:system-ui,sans-serif;font-size:16px;line-height:1.45;max-width:70em;margin:2em auto;"
        "padding:0 1em;color:#222}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35em .55em;"
        "vertical-align:top;text-align:left}tr.passed td:first-child{color:#080}tr.failed td:first-child"
        "{color:#b00}"
        # a failure's message: body-size text on a tinted block, wrapped; code keeps its columns
        ".msg{white-space:pre-wrap;overflow-wrap:anywhere;font-size:1em;margin:0 0 .3em}"
        "tr.failed .msg{background:#fff4f4;border-left:4px solid #c33;padding:.4em .6em}"
        "pre{white-space:pre-wrap;margin:0;font-size:.95em;font-family:ui-monospace,Menlo,Consolas,monospace}"
        "ul.cases{margin:.2em 0;padding-left:1.2em}ul.cases li{margin:.15em 0}li.case-failed{color:#900}"
        ".note{color:#555}"
        ".fig{margin:.4em 0}.fig img{max-width:100%;height:auto;border:1px solid #ddd}"
        ".fig figcaption{font-size:.9em;color:#555}")
# the gradebook: wide tables scroll sideways inside their box, with the student and the totals
# (moved next to the student) pinned at the left
_GRADEBOOK_CSS = ("body{font-family:system-ui,sans-serif;font-size:15px;margin:1.5em;color:#222}"
                  ".scroll{overflow-x:auto;max-width:100%}table{border-collapse:separate;border-spacing:0}"
                  "td,th{border:1px solid #ccc;padding:.3em .5em;white-space:nowrap;text-align:left;"
                  "background:#fff}th{background:#f3f3f3;position:sticky;top:0}"
                  "td.pin,th.pin{position:sticky;z-index:1;background:#f8f8ff}th.pin{z-index:2}"
                  "td.total,th.total{font-weight:bold}")
# gradebook columns shown first in HTML (after the student's id), in this order
GRADEBOOK_FRONT = ("total", "max", "autograded", "autograded max", "by hand", "by hand max", "extra credit", "status")


def _bar_svg(score: float, points: float) -> str:
    """A small score bar (inline SVG: no script, no external file)."""
    frac = 0.0 if not points else max(0.0, min(1.0, score / points))
    colour = "#2a2" if frac >= 0.999 else ("#d90" if frac > 0 else "#c33")
    return (f"<svg width=\"120\" height=\"10\" role=\"img\" aria-label=\"{frac:.0%}\"><rect width=\"120\" "
            f"height=\"10\" fill=\"#eee\"/><rect width=\"{120 * frac:.1f}\" height=\"10\" fill=\"{colour}\"/></svg>")


def to_html(result: SubmissionResult, title: str = "", *, parts: dict | None = None,
            manual_points: float = 0.0, manual_scores: dict | None = None) -> str:
    """Student feedback as one self-contained HTML page: parts in handout order with titles and a
    score bar, each check's feedback, per-case results of checks with cases."""
    e = html.escape
    title = title or result.homework
    bp = result.by_part()
    order = ordered_parts(result, parts)
    summary = "".join(f"<tr><td>{e(p)}</td><td>{e((parts or {}).get(p, ''))}</td><td>{_pts(bp[p][0])} / "
                      f"{_pts(bp[p][1])}</td><td>{_bar_svg(*bp[p])}</td></tr>" for p in order)
    sections = []
    figs = shown_figures(result)
    for part in order:
        s, m = bp[part]
        head = _part_head(result, part, parts)
        rows = []
        for c in result.checks:
            if c.part != part:
                continue
            msg = _message(c)
            cls = "passed" if c.status == PASSED else "failed"
            hid = " <em>(hidden)</em>" if c.hidden else ""
            cases = _cases_text(c)
            case_html = ("<ul class=\"cases\">" + "".join(
                f"<li class=\"case-{'passed' if x.startswith(_mark(True)) else 'failed'}\">{e(x)}</li>"
                for x in cases) + "</ul>") if cases else ""
            msg_html = f"<div class=\"msg\">{e(msg)}</div>" if msg and not c.passed else ""
            rows.append(f"<tr class=\"{cls}\"><td>{_mark(c.passed)}</td><td>{e(c.name)}{hid}<br><span class=\"note\">"
                        f"{e(c.description)}</span></td><td>{_pts(c.score)} / {_pts(c.points)}</td>"
                        f"<td>{msg_html}{case_html}"
                        + "".join(_figure_html(f) for f in figs.get(id(c), [])) + "</td></tr>")
        sections.append(f"<h2>{e(head)} <small>({_pts(s)} / {_pts(m)})</small></h2>\n<table><tr><th></th><th>check</th>"
                        f"<th>points</th><th>feedback</th></tr>\n" + "\n".join(rows) + "\n</table>")
    err = f"<div class=\"note\"><pre>{e(clean_paths(result.error))}</pre></div>" if result.error else ""
    ml = _manual_line(manual_points, manual_scores)
    ml = f"<p>{e(ml)}</p>" if ml else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback: {e(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n<h1>Feedback: {e(title)}</h1>\n"
            f"<p><strong>{e(score_line(result))}</strong></p>{ml}{err}\n"
            f"<table><tr><th>part</th><th></th><th>score</th><th></th></tr>{summary}</table>\n"
            + "\n".join(sections) +
            "\n<p class=\"note\">Hidden checks show only their outcome: their inputs stay with the grader."
            "</p>\n</body></html>\n")


def gradebook(header: list[str], rows: list[list], fmt: str, title: str = "") -> str:
    """The course staff's gradebook table (one row per student) as csv, md or html."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "md":
        out = [f"# Gradebook: {title}", "", "| " + " | ".join(_md_cell(h) for h in header) + " |",
               "|" + "---|" * len(header)]
        out += ["| " + " | ".join(_md_cell(str(v)) for v in r) + " |" for r in rows]
        return "\n".join(out) + "\n"
    e = html.escape
    # the totals first (right after the student's id and name), pinned with them while the
    # per-part columns scroll: a gradebook of 30 parts still shows its totals at 1200 px
    ids = [i for i, h in enumerate(header) if h in ("student", "name")][:2] or [0]
    front = ids + [header.index(h) for h in GRADEBOOK_FRONT if h in header]
    order = front + [i for i in range(len(header)) if i not in front]
    pinned = [i for i in front if header[i] in ("student", "name", "total", "max")]
    style = {}  # sticky columns: each one's width estimated from its longest text, offsets summed
    x = 0.0
    for i in pinned:
        longest = max([len(str(header[i]))] + [len(str(r[i])) for r in rows if i < len(r)])
        width = 0.6 * min(longest, 28)  # em: about 0.6 em a character
        style[i] = f' style="left:{x:.1f}em;min-width:{width:.1f}em;max-width:{width:.1f}em"'
        x += width + 1.1  # plus the cell's padding and border

    def cell(tag, i, v):
        cls = (["pin"] if i in style else []) + (["total"] if header[i] in ("total", "max") else [])
        attr = (' class="' + " ".join(cls) + '"' if cls else "") + style.get(i, "")
        return f"<{tag}{attr}>{e(str(v))}</{tag}>"

    head = "".join(cell("th", i, header[i]) for i in order)
    body = "\n".join("<tr>" + "".join(cell("td", i, r[i] if i < len(r) else "") for i in order) + "</tr>"
                     for r in rows)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gradebook: {e(title)}</title>"
            f"<style>{_GRADEBOOK_CSS}</style></head><body>\n<h1>Gradebook: {e(title)}</h1>\n"
            f"<div class=\"scroll\"><table><tr>{head}</tr>\n{body}\n</table></div>\n</body></html>\n")


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
