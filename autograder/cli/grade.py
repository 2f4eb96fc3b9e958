"""`course grade <hw> SUBMISSION...`: grade submissions (folders or .zip files) in bulk."""
from __future__ import annotations

import sys
from pathlib import Path

from ..engine.batch import CSV_NAME, grade_batch
from ..engine.checks import available_homeworks
from ..engine.writers import FORMATS


def _formats(text: str) -> list[str]:
    fmts = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return fmts


def register(sub):
    p = sub.add_parser(
        "grade", help="grade submissions (folders or .zip) with every check, hidden ones included",
        description="Grade submissions of a homework with its public and hidden checks, each check in its own "
        "sandboxed process. Writes OUT/<name>.json per submission (always; it marks the submission as done) "
        "plus the other formats asked for; csv writes one OUT/grades.csv for the batch. Every file is written "
        "atomically, so an interrupted batch can be continued with --resume.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission folders or .zip files")
    p.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--out", "-o", default="out/grades", help="output folder (default out/grades)")
    p.add_argument("--format", "-f", default="json,csv",
                   help=f"comma-separated output formats among {','.join(FORMATS)} (default json,csv)")
    p.add_argument("--resume", action="store_true", help="skip submissions whose result file is already written")
    p.add_argument("--seed", type=int, default=0, help="run seed mixed into every check's inputs (default 0)")
    p.add_argument("--only", action="append", metavar="ID_OR_PART",
                   help="grade only checks with this id, id prefix or part (repeatable; e.g. to regrade one part)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def run(args) -> int:
    if args.homework not in available_homeworks():
        print(f"error: no grading suite for {args.homework!r} (have: {', '.join(available_homeworks())})",
              file=sys.stderr)
        return 2
    try:
        formats = _formats(args.format)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    missing = [s for s in args.submissions if not Path(s).exists()]
    for m in missing:  # still graded (as a submission that does not exist), but say so now
        print(f"warning: {m} does not exist", file=sys.stderr)
    out = Path(args.out)
    report = grade_batch(args.homework, args.submissions, out, formats=formats, jobs=args.jobs, resume=args.resume,
                         seed=args.seed, progress=not args.no_progress,
                         grade_kwargs={"only": args.only} if args.only else None)
    n = len(report.results)
    print(f"{len(report.graded)} graded, {len(report.skipped)} skipped (already done), "
          f"{len(report.failed)} failed inside the grader; results in {out}/")
    if "csv" in formats:
        print(f"table: {out / CSV_NAME}")
    if n:
        mean = sum(r.score for r in report.results.values()) / n
        mx = next(iter(report.results.values())).max_score
        print(f"mean score {mean:.2f} / {mx:g}")
    return 1 if report.failed else 0
