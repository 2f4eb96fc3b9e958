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
    return 0
