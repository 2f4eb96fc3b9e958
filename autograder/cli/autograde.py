"""`course autograde <hw> [--course DIR] [--student S ...]`: nbgrader's autograde with the engine's scores.

What ``nbgrader autograde`` alone cannot give: the students' notebooks run in the sandboxed kernel
while the engine grades the files they handed in, and the engine's points and messages are written
into the gradebook and the graded cells (``Course.autograde``; a class goes in groups, one nbgrader
run each). Then ``nbgrader generate_feedback`` and ``formgrader`` work as usual.
"""
import sys
from pathlib import Path


def register(sub):
    p = sub.add_parser(
        "autograde", help="nbgrader autograde with the engine's scores written into the gradebook",
        description="Run `nbgrader autograde` on a course directory made by `course release` and write the "
        "engine's scores, graded from the files each student handed in, into nbgrader's gradebook and the "
        "graded cells (a plain `nbgrader autograde` gives 0 to every graded cell). A whole class goes in groups "
        "of students, one nbgrader run each; a malformed notebook costs only its student.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("--course", default=None, help="course directory (default build/course)")
    p.add_argument("--student", action="append", help="only this student (repeatable; default: every submission)")
    return p


def run(args) -> int:
    from ..engine.checks import available_homeworks
    from ..instructor.nbgrader_course import Course
    from ..instructor.release import DEFAULT_OUT

    if args.homework not in available_homeworks():
        print(f"error: no grading suite for {args.homework} (have: {', '.join(available_homeworks())})",
              file=sys.stderr)
        return 2
    root = Path(args.course) if args.course else DEFAULT_OUT
    submitted = root / "submitted"
    if not (root / "nbgrader_config.py").is_file() or not (root / "source" / args.homework).is_dir():
        print(f"error: {root} is not a course directory with {args.homework} released "
              f"(run `course release {args.homework} --out {root}` first)", file=sys.stderr)
        return 2
    have = sorted(p.name for p in submitted.iterdir() if (p / args.homework).is_dir()) if submitted.is_dir() else []
    wanted = args.student or have
    missing = [s for s in wanted if s not in have]
    if missing:
        print(f"error: no submission of {args.homework} in {submitted} for {', '.join(missing)}", file=sys.stderr)
        return 2
    if not wanted:
        print(f"nothing to grade: no submission of {args.homework} in {submitted}")
        return 0
    course = Course(root)
    print(f"autograding {len(wanted)} submission(s) of {args.homework} in {root} ...", flush=True)
    if args.student:
        seconds = sum(course.autograde(args.homework, s) for s in wanted)
    else:
        seconds = course.autograde(args.homework)
    scores = course.scores(args.homework)
    width = max(len(s) for s in wanted)
    for s in wanted:
        sc = scores.get(s)
        line = "not graded" if sc is None else f"{sc.code_score:g} / {sc.max_code_score:g}"
        if sc is not None and sc.max_written_score:
            line += f" (+ {sc.max_written_score:g} by hand)"
        failure = course.failures.get(s)
        print(f"  {s:<{width}}  {line}" + ("  FAILED: see below" if failure else ""))
    for s in wanted:
        if s in course.failures:
            print(f"\n{s}: {course.failures[s].strip()}", file=sys.stderr)
    print(f"{len(wanted)} submission(s) in {seconds:.1f} s; gradebook {root / 'gradebook.db'}")
    return 1 if any(s in course.failures for s in wanted) else 0
