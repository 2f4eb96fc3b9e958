"""`course release <hw> [--out DIR]`: an nbgrader course directory and the student release."""
import sys
from pathlib import Path

from ..engine.checks import available_homeworks


def register(sub):
    p = sub.add_parser(
        "release", help="build the nbgrader course directory and the student release of a homework",
        description="Assemble an nbgrader course directory (nbgrader_config.py; source/<hw>/ with the master "
        "notebooks, the starter package, the public checks and a data note), run nbgrader generate_assignment "
        "into release/<hw>/, and scan the release for reference code and hidden-test text.")
    p.add_argument("homework", nargs="+", help="homework id(s) (see `course list`)")
    p.add_argument("--out", "-o", default=None, help="course directory (default build/course)")
    return p


def run(args) -> int:
    from ..instructor.release import DEFAULT_OUT, ReleaseError, release
    from ..instructor.nbgrader_course import NbgraderError

    known = available_homeworks()
    bad = [h for h in args.homework if h not in known]
    if bad:
        print(f"error: no grading suite for {', '.join(bad)} (have: {', '.join(known)})", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else DEFAULT_OUT
    status = 0
    for hw in args.homework:
        try:
            rep = release(hw, out, log=lambda m: print(m, flush=True))
        except (ReleaseError, NbgraderError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        for n in rep.notes:
            print(f"  note: {n}")
        for w in rep.withheld:
            print(f"  withheld: {w}")
        print(rep.summary())
    if status == 0:
        print(f"course directory: {out} (put submissions in {out / 'submitted'}/<student>/<hw>/, then `course autograde <hw> --course {out}`)")
    return status
