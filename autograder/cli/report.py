"""`course report <hw> OUT`: feedback and gradebook again, from the stored records (no grading)."""
from __future__ import annotations

from pathlib import Path

from ..engine.batch import all_records, render_report
from .grade import UsageError, _formats, add_extra_credit_option, check_homework, common_options, refused


def register(sub):
    p = sub.add_parser(
        "report", help="re-render feedback and the gradebook of a grading folder from its records",
        description="Rebuild each student's feedback (md/html/gradescope) and the gradebook (grades.csv, .md, "
        ".html; grades-canvas.csv with --roster) from the JSON records `course grade` stored in OUT. "
        "Nothing is graded.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("out", metavar="OUT", help="the folder `course grade` wrote (e.g. out/grades/<hw>)")
    p.add_argument("--format", "-f", default="csv,md,html",
                   help="comma-separated formats among json,gradescope,csv,md,html (default csv,md,html)")
    p.add_argument("--roster", metavar="CSV", help="class list in Canvas's gradebook layout")
    p.add_argument("--due", metavar="TIME", help="deadline for the late flag (ISO; UTC unless a zone is given)")
    p.add_argument("--nbgrader", metavar="COURSE_DIR", help="nbgrader course directory with hand-graded scores")
    add_extra_credit_option(p)
    p.add_argument("--class", dest="class_view", action="store_true",
                   help="write the class view instead: class.html and class.md in OUT (score histograms per part, "
                   "share passing each check and case, named mistakes ranked by students, hand-graded questions, "
                   "late submissions, internal errors), from the records alone")
    return p


def run(args) -> int:
    out = Path(args.out)
    try:
        check_homework(args.homework)
        formats = _formats(args.format)
        if not out.is_dir():
            raise UsageError(f"{out} is not a folder of grading records")
        if not all_records(out, args.homework):
            raise UsageError(f"{out} holds no {args.homework} records (grade with `course grade {args.homework} "
                             f"... --out {out}`)")
        opts = common_options(args)
        if getattr(args, "class_view", False):
            from ..instructor.classreport import MD_NAME, write_class_report

            page = write_class_report(args.homework, out, manual=opts["manual"], due=opts["due"])
            written = [page, page.with_name(MD_NAME)]
        else:
            written = render_report(args.homework, out, formats, **opts)
    except (UsageError, OSError) as exc:
        return refused(exc, out)
    n = len(all_records(out, args.homework))
    print(f"{n} record(s); wrote " + ", ".join(str(p) for p in written))
    return 0
