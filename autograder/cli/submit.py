"""`course submit <hw> [PATH]`: run the public checks, then pack a submission zip laid out as
the grader expects (``starter/<hw>/...`` plus the notebooks)."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from ..engine.checks import available_homeworks

MAX_FILE = 20 << 20  # a file larger than this is left out (data, checkpoints), with a warning
SKIP = ("__pycache__", ".ipynb_checkpoints")


def register(sub):
    p = sub.add_parser(
        "submit", help="run the public checks and pack your submission zip",
        description="Run a homework's public checks on your code, then write <hw>-submission.zip holding "
        "starter/<hw>/ (your code and files such as predictions.csv) and the notebooks next to it, laid out as "
        "the grader expects. The zip is written even when a check fails (the table says which).")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("path", nargs="?", help="your homework folder, holding starter/<hw>/ (default: this folder, "
                   "or the installed starter package's folder)")
    p.add_argument("--out", "-o", help="zip to write (default <hw>-submission.zip in the homework folder)")
    p.add_argument("--no-check", action="store_true", help="pack without running the public checks")
    return p


def collect(root: Path, hw: str) -> tuple[list[tuple[Path, str]], list[str]]:
    """(file, name in the zip) for everything to hand in, and warnings."""
    files, warnings = [], []
    pkg = root / "starter" / hw
    for p in sorted(pkg.rglob("*")):
        if not p.is_file() or p.is_symlink() or any(s in p.parts for s in SKIP) or p.suffix == ".pyc":
            continue
        if p.stat().st_size > MAX_FILE:
            warnings.append(f"{p.relative_to(root)} is larger than {MAX_FILE >> 20} MiB: left out")
            continue
        files.append((p, p.relative_to(root).as_posix()))
    for nb in sorted(root.glob("*.ipynb")):
        files.append((nb, nb.name))
    return files, warnings


def run(args) -> int:
    from ..engine.submission import SubmissionError, prepare

    if args.homework not in available_homeworks():
        print(f"error: no homework {args.homework!r} (have: {', '.join(available_homeworks())})", file=sys.stderr)
        return 2
    hw = args.homework
    if args.path:
        root = Path(args.path)
    elif (Path.cwd() / "starter" / hw).is_dir():
        root = Path.cwd()
    else:
        from .check import default_path

        root = default_path()
    if not (root / "starter" / hw).is_dir():
        print(f"error: {root} holds no starter/{hw}/ folder (run this from your homework folder, or give its path)",
              file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else root / f"{hw}-submission.zip"
    if not args.no_check:
        from ..engine.grade import grade_submission
        from ..engine.writers import check_table

        print(f"public checks of {hw} in {root}:")
        result = grade_submission(hw, root, include_hidden=False)
        print(check_table(result))
        if not all(c.passed for c in result.checks):
            print("warning: some public checks fail (see above); packing anyway", file=sys.stderr)
        print()
    files, warnings = collect(root, hw)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for p, name in files:
                zf.write(p, name)
        tmp.replace(out)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:  # read it back as the grader will
        prep = prepare(out, hw)
        prep.cleanup()
    except SubmissionError as exc:
        print(f"error: the zip would not grade: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(files)} files: starter/{hw}/ and {sum(n.endswith('.ipynb') for _, n in files)} "
          f"notebook(s)); hand in this file")
    return 0
