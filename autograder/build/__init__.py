"""`course build`: generate `starter/` and `assignments/` from `solutions/`.

One source of truth: reference code and master notebooks live in `solutions/`; the
student package and notebooks are derived from it and checked in. `plan()` computes
every output file's expected bytes; `build()` writes them and `check()` lists drift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .markers import MarkerError, has_markers, strip_solutions

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", "notebooks"}
SKIP_SUFFIXES = {".pyc"}
STARTER_INIT = (
    '"""Student package: one subpackage per homework (generated from solutions/ by `course build`)."""\n'
)

__all__ = ["MarkerError", "BuildError", "BuildPlan", "plan", "build", "check", "homeworks", "source_problems", "REPO"]

# what may sit in solutions/<hw>/ (outside notebooks/): code and text a person wrote, never run outputs
SOURCE_SUFFIXES = {".py", ".md", ".txt", ".rst", ".json", ".cfg", ".toml", ".ini", ".yaml", ".yml"}
NOTEBOOK_SUFFIXES = {".ipynb", ".py"}


class BuildError(ValueError):
    """The source tree cannot be built (the message lists every problem)."""


def source_problems(repo: Path = REPO) -> list[str]:
    """What in ``solutions/`` the build refuses: files that are not source (e.g. a
    ``predictions.csv`` a notebook run left behind, which would ship to students), and
    manually graded notebook cells without a question above them, and key facts of a
    written answer (numbers, settings) that the student notebook's text states
    (``answerfacts``: instruction text may give the range to expect, never the answer)."""
    problems = []
    for hw in homeworks(repo):
        src = repo / "solutions" / hw
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(src)
            if not path.is_file() or any(p in ("__pycache__", ".ipynb_checkpoints") for p in rel.parts):
                continue
            if path.suffix in SKIP_SUFFIXES:
                continue
            allowed = NOTEBOOK_SUFFIXES if rel.parts[0] == "notebooks" else SOURCE_SUFFIXES
            if path.suffix not in allowed:
                problems.append(f"{path.relative_to(repo)}: not a source file (an output of a notebook or "
                                f"script run?): delete it or move it out of solutions/")
        nb_dir = src / "notebooks"
        if nb_dir.is_dir():
            from .answerfacts import is_known, notebook_leaks
            from .notebooks import missing_prompts

            for nb in sorted(nb_dir.glob("*.ipynb")):
                problems += [f"{nb.relative_to(repo)}: {m}" for m in missing_prompts(nb)]
                problems += [leak.message() for leak in notebook_leaks(repo, hw, nb) if not is_known(leak)]
    return problems


@dataclass
class BuildPlan:
    files: dict[Path, bytes] = field(default_factory=dict)  # output path -> content
    roots: list[Path] = field(default_factory=list)  # directories fully owned by the build


def homeworks(repo: Path = REPO) -> list[str]:
    sol = repo / "solutions"
    return sorted(p.name for p in sol.iterdir() if (p / "__init__.py").is_file())


def _source_files(hw_dir: Path):
    for path in sorted(hw_dir.rglob("*")):
        rel = path.relative_to(hw_dir)
        if any(part in SKIP_DIRS for part in rel.parts) or path.suffix in SKIP_SUFFIXES:
            continue
        if path.is_file():
            yield path, rel


def plan(repo: Path = REPO) -> BuildPlan:
    problems = source_problems(repo)
    if problems:
        raise BuildError(f"{len(problems)} problem(s) in solutions/:\n  " + "\n  ".join(problems))
    out = BuildPlan()
    out.files[repo / "starter" / "__init__.py"] = STARTER_INIT.encode()
    for hw in homeworks(repo):
        src = repo / "solutions" / hw
        dst = repo / "starter" / hw
        out.roots.append(dst)
        for path, rel in _source_files(src):
            data = path.read_bytes()
            if path.suffix == ".py":
                text = data.decode("utf-8")
                if has_markers(text):
                    data = strip_solutions(text, str(path.relative_to(repo))).encode("utf-8")
            out.files[dst / rel] = data
        nb_dir = src / "notebooks"
        if nb_dir.is_dir():
            adst = repo / "assignments" / hw
            out.roots.append(adst)
            from .notebooks import student_notebook  # nbformat is slow to import: only when needed

            for nb in sorted(nb_dir.glob("*.ipynb")):
                out.files[adst / nb.name] = student_notebook(nb, hw).encode("utf-8")
    return out


def _existing(p: BuildPlan) -> set[Path]:
    found = set()
    for root in p.roots:
        if root.is_dir():
            for f in root.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts and f.suffix not in SKIP_SUFFIXES:
                    found.add(f)
    return found


def check(repo: Path = REPO) -> list[str]:
    """Return the stale files (relative paths) without writing anything."""
    p = plan(repo)
    stale = []
    for path, data in p.files.items():
        if not path.is_file() or path.read_bytes() != data:
            stale.append(str(path.relative_to(repo)))
    for extra in sorted(_existing(p) - set(p.files)):
        stale.append(f"{extra.relative_to(repo)} (not generated from solutions/: remove it)")
    return sorted(stale)


def build(repo: Path = REPO) -> list[str]:
    """Write every generated file; return the paths that changed."""
    p = plan(repo)
    changed = []
    for path, data in p.files.items():
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(str(path.relative_to(repo)))
    for extra in sorted(_existing(p) - set(p.files)):
        extra.unlink()
        changed.append(f"{extra.relative_to(repo)} (removed)")
    return changed
