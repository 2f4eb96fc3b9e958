"""`course check <hw> [PATH]`: run the public checks on your own code (for students)."""
from __future__ import annotations

import sys
from pathlib import Path

import ast
import re
import shutil
import textwrap

from ..engine.checks import available_homeworks
from ..engine.grade import grade_submission
from ..engine.submission import SubmissionError, prepare, student_files
from ..engine.writers import check_table, clean_paths
from ..build.pyparse import parse as parse_python


def default_path() -> Path:
    """The folder holding the installed ``starter`` package (what a student edits)."""
    import starter

    return Path(starter.__file__).resolve().parent.parent


# the text `course build` writes in place of a solution region (autograder/build/markers.py):
# raise NotImplementedError("<function> is not implemented yet ...")
STUB_TEXT = re.compile(r"^\s*(?P<func>[A-Za-z_][\w.]*) is not implemented yet\b")


def _not_implemented(node) -> tuple[bool, str | None]:
    """(raises NotImplementedError, the message when it is a plain string)."""
    if not isinstance(node, ast.Raise):
        return False, None
    exc = node.exc
    args = []
    if isinstance(exc, ast.Call):
        args, exc = exc.args, exc.func
    if not (isinstance(exc, ast.Name) and exc.id == "NotImplementedError"):
        return False, None
    msg = args[0].value if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) else None
    return True, msg


def _own_nodes(func):
    """Every node inside ``func``'s body, nested functions and classes excluded (they are visited
    on their own)."""
    todo = list(func.body)
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                todo.append(child)


def stubs_in(source: str) -> list[str]:
    """Functions (``Class.method`` for methods) that still hold a stub of the starter.

    A stub is what ``course build`` writes in place of a solution region: ``raise
    NotImplementedError("<function> is not implemented yet ...")``, wherever it sits in the
    function (a region inside a loop or a branch leaves its ``raise`` there too, e.g.
    ``train_nist36``'s per-epoch body). A bare ``raise NotImplementedError`` directly in a
    function's body (a hand-written stub) counts as well; one nested in a branch with another
    message (a student's own "unsupported option") does not.
    """
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return []
    out = []

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                stub = False
                for n in _own_nodes(child):
                    raises, msg = _not_implemented(n)
                    if raises and msg is not None and STUB_TEXT.match(msg):
                        stub = True
                        break
                if not stub:
                    stub = any(_not_implemented(st)[0] for st in child.body)
                if stub:
                    out.append(name)
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree)
    return out


def syntax_error(source: str, filename: str) -> str | None:
    """``file, line N: message`` when ``source`` does not parse, else None."""
    try:
        parse_python(source, filename=filename)
    except SyntaxError as exc:
        return f"{filename}, line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # null bytes
        return f"{filename}: {exc}"
    return None


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
