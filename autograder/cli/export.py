"""`course export gradescope <hw> [--out FILE.zip]`: a Gradescope autograder zip."""
import sys
from pathlib import Path

from ..engine.checks import available_homeworks


def register(sub):
    p = sub.add_parser(
        "export", help="export a homework's autograder for another platform (gradescope)",
        description="Write an autograder archive: `gradescope` writes a zip with setup.sh and run_autograder at "
        "its root, the engine, the homework's full suite and what the hidden checks need.")
    p.add_argument("target", choices=["gradescope"], help="platform")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("--out", "-o", default=None, help="zip file to write (default build/gradescope/<hw>.zip)")
    return p


def run(args) -> int:
    from ..instructor.gradescope import export

    if args.homework not in available_homeworks():
        print(f"error: no grading suite for {args.homework!r} (have: {', '.join(available_homeworks())})",
              file=sys.stderr)
        return 2
    path = export(args.homework, Path(args.out) if args.out else None)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB): upload it as the Gradescope autograder "
          f"(setup.sh and run_autograder at its root)")
    mx, ec = autograder_points(args.homework)
    print(f"autograder points to set on the Gradescope assignment: {mx:g}"
          + (f" (extra credit, up to {ec:g} more, comes on top: results.json's score includes it, and "
             f"Gradescope takes a score above the points)" if ec else ""))
    return 0


def autograder_points(homework: str) -> tuple[float, float]:
    """The points of the homework's checks without and with only its extra-credit parts."""
    from ..engine.checks import load_suite

    suite = load_suite(homework)
    checks = suite.checks(include_hidden=True)
    return (sum(c.points for c in checks if c.part not in suite.extra_credit),
            sum(c.points for c in checks if c.part in suite.extra_credit))
