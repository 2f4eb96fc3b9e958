"""`course check <hw> [PATH]`: run the public checks on your own code (for students)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..engine.checks import available_homeworks
from ..engine.grade import grade_submission
from ..engine.writers import check_table


def default_path() -> Path:
    """The folder holding the installed ``starter`` package (what a student edits)."""
    import starter

    return Path(starter.__file__).resolve().parent.parent


def register(sub):
    p = sub.add_parser(
        "check", help="run a homework's public checks on your code",
        description="Run the public checks of a homework on your code, each in a separate sandboxed process, "
        "and print a table of what passes. Exit status 0 only if every check passes.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("path", nargs="?", help="folder (or .zip) holding starter/<hw>/ (default: the installed "
                   "starter package's folder)")
    p.add_argument("--only", action="append", metavar="ID_OR_PART",
                   help="run only checks with this id, id prefix or part (repeatable)")
    return p


def run(args) -> int:
    if args.homework not in available_homeworks():
        print(f"error: no checks for {args.homework!r} (have: {', '.join(available_homeworks())})", file=sys.stderr)
        return 2
    path = Path(args.path) if args.path else default_path()
    print(f"checking {args.homework} in {path} (public checks)")

    def on_check(r):
        print(f"  {'✓' if r.passed else '✗'} {r.name}", flush=True)

    result = grade_submission(args.homework, path, include_hidden=False, only=args.only, on_check=on_check)
    print()
    if result.error:
        print(result.error)
        print()
    print(check_table(result))
    if not result.checks:
        print("no checks ran")
        return 1
    return 0 if all(c.passed for c in result.checks) else 1
