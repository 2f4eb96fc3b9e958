"""The HTML writers: a student's feedback page (:func:`to_html`: parts with score bars, each
check's feedback and cases, figures as data URIs) and the staff gradebook table
(:func:`gradebook`: csv, md, or HTML with the student and the totals pinned at the left).

Every page is self-contained: inline CSS and SVG, no script, no external file. Part of the
writers (``writers.py`` re-exports every name here).
"""
from __future__ import annotations

import csv
import html
import io

from .results import PASSED, SubmissionResult
from .writers_common import (_cases_text, _manual_line, _mark, _md_cell, _message, _part_head, _pts, clean_paths,
                             ordered_parts, score_line, shown_figures)


def _figure_html(f: dict) -> str:
    e = html.escape
    size = "".join(f' {k}="{int(f[k])}"' for k in ("width", "height") if isinstance(f.get(k), int))
    return (f"<figure class=\"fig\"><img alt=\"{e(str(f.get('alt') or f.get('title', '')))}\"{size} "
            f"src=\"data:image/png;base64,{f['png']}\"><figcaption>{e(str(f.get('title', '')))}</figcaption></figure>")



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
