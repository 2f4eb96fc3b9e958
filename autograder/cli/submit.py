"""`course submit <hw> [PATH]`: check what would be handed in, then pack a submission zip laid
out as the grader expects (``starter/<hw>/...`` plus the notebooks).

Before anything is written, ``submit`` looks for what would lose points for a reason other
than the code's correctness, and refuses (exit 1) when it finds any:

* a file the grader reads besides the code (weights, predictions, a saved model: the
  homework's ``SUBMIT_FILES`` in ``autograder/<hw>/__init__.py``) is missing, empty or too
  large, named with the notebook cell that writes it and the points it carries;
* a Python file of ``starter/<hw>/`` does not parse;
* functions are still stubs (the text ``course build`` writes for a solution region);
* no notebook is in the folder.

``--force`` writes the zip anyway (the problems are printed as warnings).
"""
from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..engine.checks import available_homeworks
from ..engine.registry import Needed, submit_files  # noqa: F401 - the homework's SUBMIT_FILES

MAX_FILE = 20 << 20  # a file larger than this is left out (data, checkpoints), with a warning
SKIP = ("__pycache__", ".ipynb_checkpoints")


def register(sub):
    p = sub.add_parser(
        "submit", help="check and pack your submission zip",
        description="Check what you would hand in (the files the grader reads, such as saved weights or "
        "predictions; Python files that do not parse; functions that are still stubs; the notebooks), run the "
        "homework's public checks, then write <hw>-submission.zip holding starter/<hw>/ (your code and those "
        "files) and the notebooks next to it, laid out as the grader expects. When something would lose points "
        "for a reason other than your code's correctness, nothing is written and the exit status is 1 "
        "(--force writes the zip anyway). A failing public check is reported but does not stop the packing.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("path", nargs="?", help="your homework folder, holding starter/<hw>/ (default: this folder, "
                   "or the installed starter package's folder)")
    p.add_argument("--out", "-o", help="zip to write (default <hw>-submission.zip in the homework folder)")
    p.add_argument("--no-check", action="store_true", help="pack without running the public checks")
    p.add_argument("--force", action="store_true",
                   help="write the zip even when files are missing, do not parse or still hold stubs")
    return p


# -- what the grader reads besides the code ---------------------------------------------------
def _heading_above(cells, index: int) -> str | None:
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") == "markdown":
            for line in cell.get("source", "").splitlines():
                if line.lstrip().startswith("#"):
                    return line.lstrip("# ").strip()
    return None


def making_cell(root: Path, name: str) -> str | None:
    """Where the notebooks write ``name``: ``nist36.ipynb, code cell 54 (under "3.1 Training")``.

    The first code cell that names the file; cells are counted from 1 as Jupyter lists them."""
    import json

    for nb in sorted(root.glob("*.ipynb")):
        try:
            cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        for i, cell in enumerate(cells):
            if not isinstance(cell, dict):
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else str(src)
            cell["source"] = src
            if cell.get("cell_type") == "code" and name in src:
                head = _heading_above(cells, i)
                return f"{nb.name}, cell {i + 1}" + (f' (under "{head}")' if head else "")
    return None


def _where(root: Path, hw: str, name: str) -> Path | None:
    """The copy the grader would read: next to the code first, then the top of the folder."""
    for p in (root / "starter" / hw / name, root / name):
        if p.is_file() and not p.is_symlink():
            return p
    return None


@dataclass
class Problems:
    lines: list[str]  # each one thing that would lose points, with what it costs
    extra: list[tuple[Path, str]]  # required files found at the top of the folder, packed there

    def __bool__(self) -> bool:
        return bool(self.lines)


def inspect(root: Path, hw: str) -> tuple[Problems, list[str]]:
    """What would lose points in ``root`` for a reason other than the code's correctness,
    and warnings that cost nothing by themselves."""
    from .check import stubs_in, syntax_error

    lines, extra, warnings = [], [], []
    for need in submit_files(hw):
        p = _where(root, hw, need.name)
        cell = making_cell(root, need.name)
        made = (f"run {cell}, which saves it next to your code" if cell
                else f"save it next to your code (starter/{hw}/) as the notebook says")
        if p is None:
            lines.append(f"{need.cost()} needs {need.name}, which is not in starter/{hw}/: {made}, then submit again")
            continue
        size = p.stat().st_size
        if size == 0:
            lines.append(f"{need.cost()} needs {need.name}, which is empty (0 bytes): {made} again")
        elif size > MAX_FILE:
            lines.append(f"{need.cost()} needs {need.name}, which is {size / 2**20:.1f} MiB; the grader reads at "
                         f"most {MAX_FILE >> 20} MiB: save a smaller model")
        elif p.parent == root:
            extra.append((p, need.name))
            warnings.append(f"{need.name} is at the top of your folder, not next to your code in starter/{hw}/; "
                            f"packed there (the grader looks in both places)")
    pkg = root / "starter" / hw
    stubs = {}
    for p in sorted(pkg.rglob("*.py")):
        if any(s in p.parts for s in SKIP):
            continue
        rel = p.relative_to(root).as_posix()
        try:
            text = p.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            lines.append(f"{rel} is not UTF-8 text (byte {exc.start}): every check of its functions would fail; "
                         f"save it as UTF-8")
            continue
        err = syntax_error(text, rel)
        if err:
            lines.append(f"{err}: the file does not parse, so every check of its functions scores 0; fix it "
                         f"(`python -m py_compile {rel}` shows the line)")
            continue
        names = stubs_in(text)
        if names:
            stubs[rel] = names
    if stubs:
        listed = "; ".join(f"{f}: {', '.join(n)}" for f, n in stubs.items())
        count = sum(len(n) for n in stubs.values())
        lines.append(f"{count} function{'' if count == 1 else 's'} still raise the starter's NotImplementedError, "
                     f"and their checks score 0: {listed}")
    notebooks = sorted(root.glob("*.ipynb"))
    if not notebooks:
        lines.append(f"no notebook (*.ipynb) in {root}: the written answers and plots are graded from it; "
                     f"run this from the folder that holds the homework's notebooks")
    for nb in notebooks:
        try:
            import json

            cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            lines.append(f"{nb.name} is not a readable notebook (not JSON): save it again from Jupyter")
            continue
        left = [i + 1 for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"
                and (c.get("metadata") or {}).get("nbgrader", {}).get("solution")
                and "raise NotImplementedError()" in ("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                                                      else str(c.get("source", "")))]
        if left:
            warnings.append(f"{nb.name}: answer cell{'s' if len(left) > 1 else ''} "
                            f"{', '.join(map(str, left))} still raise NotImplementedError (not graded by "
                            f"themselves; the cells after them may need them)")
    return Problems(lines, extra), warnings


def collect(root: Path, hw: str, extra: list[tuple[Path, str]] = ()) -> tuple[list[tuple[Path, str]], list[str]]:
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
    files.extend(extra)
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
    problems, notes = inspect(root, hw)
    if not args.no_check:
        from ..engine.grade import grade_submission
        from ..engine.writers import check_table

        print(f"public checks of {hw} in {root}:")
        result = grade_submission(hw, root, include_hidden=False)
        print(check_table(result))
        if not all(c.passed for c in result.checks):
            print("note: some public checks fail (see above); they do not stop the packing", file=sys.stderr)
        print()
    files, warnings = collect(root, hw, problems.extra)
    for w in notes + warnings:
        print(f"warning: {w}", file=sys.stderr)
    if problems:
        head = "would lose points" if args.force else "not packed: this submission would lose points"
        print(f"{head} for reasons other than your code's correctness:", file=sys.stderr)
        for line in problems.lines:
            print(f"  - {line}", file=sys.stderr)
        if not args.force:
            print(f"fix these and run `python -m autograder submit {hw}` again (or add --force to pack it as it is)",
                  file=sys.stderr)
            return 1
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
    n_nb = sum(n.endswith('.ipynb') for _, n in files)
    needed = [n.name for n in submit_files(hw) if any(name.endswith("/" + n.name) or name == n.name
                                                      for _, name in files)]
    with_files = f", {', '.join(needed)}" if needed else ""
    print(f"wrote {out} ({len(files)} files: starter/{hw}/{with_files} and {n_nb} notebook(s)); "
          + ("packed with --force despite the problems above" if problems else "hand in this file"))
    return 0
