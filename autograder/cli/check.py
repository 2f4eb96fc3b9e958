"""`course check <hw> [PATH]`: run the public checks on your own code (for students)."""
from __future__ import annotations

import sys
from pathlib import Path

import ast
import shutil
import textwrap

from ..engine.checks import available_homeworks
from ..engine.grade import grade_submission
from ..engine.submission import SubmissionError, prepare, student_files
from ..engine.writers import check_table, clean_paths


def default_path() -> Path:
    """The folder holding the installed ``starter`` package (what a student edits)."""
    import starter

    return Path(starter.__file__).resolve().parent.parent


def _raises_not_implemented(stmt) -> bool:
    exc = getattr(stmt, "exc", None)
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(stmt, ast.Raise) and isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def stubs_in(source: str) -> list[str]:
    """Functions (``Class.method`` for methods) whose body still raises NotImplementedError
    unconditionally: the stubs of the starter not filled in yet."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(_raises_not_implemented(st) for st in child.body):
                    out.append(prefix + child.name)
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree)
    return out


def find_stubs(homework: str, path: Path) -> dict[str, list[str]]:
    """Student file -> its functions that are still stubs, as the grader will see them."""
    try:
        prep = prepare(path, homework)
    except SubmissionError:
        return {}
    try:
        out = {}
        for f in student_files(homework):
            p = prep.subdir / "starter" / homework / f
            if p.is_file():
                names = stubs_in(p.read_bytes().decode("utf-8", errors="replace"))
                if names:
                    out[f] = names
        return out
    finally:
        prep.cleanup()


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

    if args.only:
        from .grade import UsageError, check_only

        try:
            check_only(args.homework, args.only, include_hidden=False)
        except UsageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    result = grade_submission(args.homework, path, include_hidden=False, only=args.only, on_check=on_check)
    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    print()
    if result.error:
        for line in clean_paths(result.error).splitlines():
            print(textwrap.fill(line, width, subsequent_indent="  "))
        print()
    print(check_table(result, width=width))
    stubs = find_stubs(args.homework, path)
    if stubs:
        print()
        print("still stubs (they raise NotImplementedError; the hidden checks will fail them too):")
        for f, names in stubs.items():
            print(textwrap.fill(f"{f}: {', '.join(names)}", width, initial_indent="  ", subsequent_indent="    "))
    if not result.checks:
        print("no checks ran")
        return 1
    return 0 if all(c.passed for c in result.checks) and not stubs else 1
