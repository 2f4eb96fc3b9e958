"""What a homework's master notebooks grade: graded cells, their checks and points."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..build import REPO

CALL_RE = re.compile(r"""grade_cell\(\s*["']([\w\-]+)["']\s*,\s*["']([^"']+)["']""")
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOL_BEGIN, SOL_END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass
class GradedCell:
    notebook: str  # file name
    grade_id: str
    points: float
    kind: str  # "auto" (a test cell) or "manual" (an answer / task graded by hand)
    cell_type: str
    targets: list[tuple[str, str]] = field(default_factory=list)  # (hw, check id / part) from grade_cell calls
    hidden: bool = False  # the cell holds a hidden-tests region


def master_notebooks(hw: str, repo: Path = REPO) -> list[Path]:
    d = repo / "solutions" / hw / "notebooks"
    return sorted(d.glob("*.ipynb")) if d.is_dir() else []


def _nbmeta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_cells(path: Path) -> list[GradedCell]:
    nb = nbformat.read(str(path), as_version=4)
    out = []
    for cell in nb.cells:
        m = _nbmeta(cell)
        if not (m.get("grade") or m.get("task")):
            continue
        manual = bool(m.get("task")) or bool(m.get("solution")) or cell.cell_type == "markdown"
        src = cell.source
        out.append(GradedCell(
            notebook=path.name, grade_id=str(m.get("grade_id", "")), points=float(m.get("points", 0) or 0),
            kind="manual" if manual else "auto", cell_type=cell.cell_type,
            targets=CALL_RE.findall(src) if cell.cell_type == "code" else [],
            hidden=HIDDEN_BEGIN in src,
        ))
    return out


def all_graded_cells(hw: str, repo: Path = REPO) -> list[GradedCell]:
    return [c for nb in master_notebooks(hw, repo) for c in graded_cells(nb)]


def manual_points(hw: str, repo: Path = REPO) -> dict[str, float]:
    """Written answers graded by hand: ``{grade_id: points}`` over the master notebooks."""
    return {c.grade_id: c.points for c in all_graded_cells(hw, repo) if c.kind == "manual"}


def target_checks(suite, target: str, checks=None):
    checks = checks if checks is not None else suite.checks(include_hidden=True)
    return [c for c in checks if c.id == target or c.id.startswith(target + ".") or c.part == target]


@dataclass
class Coverage:
    # grade_id -> points the suite gives the cell's checks, extra credit left out: a cell of
    # extra-credit checks carries 0 points, so nbgrader's maximum is the suite's, and
    # nbgrader_sync hands what those checks earn to the grade's ``extra_credit``
    points: dict[str, float]
    ungraded: list[str]  # check ids no graded cell calls
    unknown: list[str]  # "grade_id: target" naming no check
    foreign: list[str]  # "grade_id: hw" calls for another homework
    doubled: list[str]  # check ids graded by more than one cell


def coverage(hw: str, repo: Path = REPO) -> Coverage:
    """Which checks the notebooks' graded cells run, and the points each cell should carry."""
    from ..engine import load_suite

    suite = load_suite(hw)
    checks = suite.checks(include_hidden=True)
    extra = set(getattr(suite, "extra_credit", ()) or ())
    cov = Coverage({}, [], [], [], [])
    seen: dict[str, int] = {}
    for cell in all_graded_cells(hw, repo):
        if cell.kind != "auto" or not cell.targets:
            continue
        pts = 0.0
        for thw, target in cell.targets:
            if thw != hw:
                cov.foreign.append(f"{cell.grade_id}: {thw}")
                continue
            matched = target_checks(suite, target, checks)
            if not matched:
                cov.unknown.append(f"{cell.grade_id}: {target}")
            for c in matched:
                seen[c.id] = seen.get(c.id, 0) + 1
                pts += 0.0 if c.part in extra else c.points
        cov.points[cell.grade_id] = pts
    cov.ungraded = [c.id for c in checks if c.id not in seen]
    cov.doubled = sorted(k for k, v in seen.items() if v > 1)
    return cov


def max_cell_timeout(hw: str, repo: Path = REPO) -> float:
    """The longest a graded cell may take: the sum of its checks' time limits."""
    from ..engine import load_suite

    suite = load_suite(hw)
    checks = suite.checks(include_hidden=True)
    worst = 0.0
    for cell in all_graded_cells(hw, repo):
        total = sum(c.timeout for _, t in cell.targets for c in target_checks(suite, t, checks))
        worst = max(worst, total)
    return worst


def solution_lines(path: Path) -> tuple[list[str], list[str]]:
    """Lines inside solution regions / manual answers, and lines inside hidden-test regions."""
    nb = nbformat.read(str(path), as_version=4)
    sol, hidden = [], []
    for cell in nb.cells:
        m = _nbmeta(cell)
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown" and m.get("solution"):
            sol.extend(l for l in lines if l.strip() not in (SOL_BEGIN, SOL_END))
            continue
        region = None
        for line in lines:
            s = line.strip()
            if s in (SOL_BEGIN, HIDDEN_BEGIN):
                region = sol if s == SOL_BEGIN else hidden
            elif s in (SOL_END, HIDDEN_END):
                region = None
            elif region is not None:
                region.append(line)
    return sol, hidden


def open_lines(path: Path) -> list[str]:
    """Lines of a master notebook outside solution and hidden regions (student-visible text)."""
    nb = nbformat.read(str(path), as_version=4)
    out = []
    for cell in nb.cells:
        m = _nbmeta(cell)
        if cell.cell_type == "markdown" and m.get("solution"):
            continue
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if s in (SOL_BEGIN, HIDDEN_BEGIN):
                inside = True
            elif s in (SOL_END, HIDDEN_END):
                inside = False
            elif not inside:
                out.append(line)
    return out


def homeworks_with_notebooks(repo: Path = REPO) -> list[str]:
    """Homeworks that have a grading suite and master notebooks (those `course release` handles)."""
    from ..engine.checks import available_homeworks

    return [hw for hw in available_homeworks() if master_notebooks(hw, repo)]
