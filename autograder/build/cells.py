"""The notebook cell kit of the master-notebook generators (``solutions/<hw>/notebooks/make_*.py``).

One set of cell helpers instead of one copy per generator, and the points of every graded cell
read from the homework's suite (``autograder/<hw>/__init__.py`` and its check modules) instead of
typed a second time::

    kit = NotebookKit("pose", generator=__file__)
    kit.md("## 1. MPJPE (" + kit.points_text("1") + ")")     # a part's points, from the suite
    kit.graded("pose.mpjpe")                                  # points and public/hidden: the check's
    kit.ask("**6.** Describe the curves ...", "pose-written-6_curves")   # "(3 points, graded by hand ...)"
    kit.written("pose-written-6_curves", "reference answer")             # points: manual_points
    nb = kit.notebook(cells)

A generator may still pass a number (``kit.graded(cid, 4)``, ``kit.written(gid, answer, points=3)``):
it is then checked against the suite, and a disagreement raises :class:`PointsMismatch` naming the
generator, the cell and both numbers, so the build fails before a notebook with other points than
the grader's is written. The points nbgrader gets are the suite's: a check's points, 0 for a check
of an extra-credit part (what it earns goes in as extra credit, never in nbgrader's maximum).

``execute`` runs a master notebook with nbclient in a working folder whose ``starter/<hw>/`` is
the reference (what graded cells grade); ``generator_main`` is the generators' command line.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[2]
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}

__all__ = ["NotebookKit", "PointsMismatch", "is_graded_test", "working_folder", "execute", "generator_main",
           "KERNEL"]


class PointsMismatch(ValueError):
    """A generator asks for a points value (or visibility) that disagrees with the suite."""


def _num(v: float):
    """``3.0`` -> ``3`` (what the generators always wrote into nbgrader's metadata), else as is."""
    v = float(v)
    return int(v) if v.is_integer() else v


def _points_text(points: float) -> str:
    return f"{points:g} {'point' if points == 1 else 'points'}"


def is_graded_test(cell) -> bool:
    """An autograded test cell (nbgrader ``grade`` without ``solution``)."""
    m = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


class NotebookKit:
    """Cell helpers for the master notebook(s) of homework ``hw``.

    ``task_field``: write nbgrader's ``task: false`` into every nbgrader metadata block (the
    practice homework's notebook has it; the others write it on graded test cells only).
    """

    def __init__(self, hw: str, *, generator: str | Path | None = None, suite=None, task_field: bool = False):
        self.hw = hw
        self.generator = str(Path(generator).resolve().relative_to(REPO)) if generator else f"the {hw} generator"
        self._suite = suite
        self.task_field = task_field

    # -- the suite --------------------------------------------------------------------------
    @property
    def suite(self):
        if self._suite is None:
            from autograder.engine import load_suite

            self._suite = load_suite(self.hw)
        return self._suite

    def check(self, check_id: str):
        checks = {c.id: c for c in self.suite.checks(include_hidden=True)}
        if check_id not in checks:
            raise PointsMismatch(f"{self.generator}: a graded cell names check {check_id!r}, which the suite of "
                                 f"{self.hw} (autograder/{self.hw}/) does not have")
        return checks[check_id]

    def check_points(self, check_id: str) -> float:
        """The points nbgrader gives the graded cell of ``check_id``: the check's, or 0 for a
        check of an extra-credit part."""
        c = self.check(check_id)
        return _num(0 if c.part in self.suite.extra_credit else c.points)

    def manual_points(self, grade_id: str) -> float:
        """A written answer's points (the suite's ``manual_points``)."""
        manual = self.suite.manual()
        if grade_id not in manual:
            raise PointsMismatch(f"{self.generator}: written answer {grade_id!r} has no points in "
                                 f"autograder/{self.hw}/__init__.py manual_points: declare it there")
        return _num(manual[grade_id][1])

    def part_points(self, part: str) -> float:
        """The points of a part: its checks and its written answers (extra credit counted as it is worth)."""
        if part not in self.suite.parts:
            raise PointsMismatch(f"{self.generator}: no part {part!r} in the suite of {self.hw} "
                                 f"(parts: {list(self.suite.parts)})")
        total = sum(c.points for c in self.suite.checks(include_hidden=True) if c.part == part)
        total += sum(p for pt, p in self.suite.manual().values() if pt == part)
        return _num(total)

    def points_text(self, part: str) -> str:
        """``"20 points"`` / ``"1 point"``: a part's points for a heading."""
        return _points_text(self.part_points(part))

    def title(self, part: str) -> str:
        """A part's title as the suite gives it (feedback and ``course list`` show the same)."""
        self.part_points(part)  # names the generator when the part is unknown
        return self.suite.parts[part]

    def _agree(self, what: str, asked, suite_value, where: str):
        if asked is not None and float(asked) != float(suite_value):
            raise PointsMismatch(f"{self.generator}: {what} asks {asked:g} point(s), the suite gives "
                                 f"{suite_value:g} ({where}): leave the number out (the kit reads it from the "
                                 f"suite) or make the two agree")

    # -- cells ------------------------------------------------------------------------------
    def meta(self, grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
             points: float | None = None, task: bool | None = None) -> dict:
        """nbgrader's metadata of a cell (``task`` written when given, or always with ``task_field``)."""
        m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
        if task is not None or self.task_field:
            m["task"] = bool(task)
        if points is not None:
            m["points"] = points
        return m

    def md(self, text: str, grade_id: str | None = None, *, locked: bool = False):
        """A markdown cell (with ``grade_id``: an nbgrader cell, e.g. a locked instruction)."""
        cell = new_markdown_cell(text.strip("\n"))
        if grade_id:
            cell.metadata["nbgrader"] = self.meta(grade_id, locked=locked)
        return cell

    def code(self, src: str, grade_id: str | None = None, *, locked: bool = False):
        """A code cell (with ``grade_id``: an nbgrader cell, e.g. a locked import cell)."""
        cell = new_code_cell(src.strip("\n"))
        if grade_id:
            cell.metadata["nbgrader"] = self.meta(grade_id, locked=locked)
        return cell

    def solution(self, src: str, grade_id: str):
        """A code cell with a ``### BEGIN SOLUTION`` region (an nbgrader solution cell, not graded)."""
        cell = new_code_cell(src.strip("\n"))
        cell.metadata["nbgrader"] = self.meta(grade_id, solution=True)
        return cell

    def written(self, grade_id: str, answer: str, *, points: float | None = None):
        """A written answer: an nbgrader manually graded markdown cell holding the reference answer,
        with the suite's ``manual_points`` for ``grade_id``."""
        pts = self.manual_points(grade_id)
        self._agree(f"written answer {grade_id!r}", points, pts, f"autograder/{self.hw}/__init__.py manual_points")
        cell = new_markdown_cell(answer.strip("\n"))
        cell.metadata["nbgrader"] = self.meta(grade_id, grade=True, solution=True, points=pts)
        return cell

    def ask(self, question: str, grade_id: str, *, points: float | None = None):
        """The prompt of a written question: a plain markdown cell (kept in the student notebook)
        directly above its answer cell, ending with the answer's points from the suite."""
        pts = self.manual_points(grade_id)
        self._agree(f"the question of {grade_id!r}", points, pts, f"autograder/{self.hw}/__init__.py manual_points")
        return new_markdown_cell(question.strip("\n")
                                 + f"\n\n*({_points_text(pts)}, graded by hand: answer in the cell below.)*")

    def graded(self, check_id: str, points: float | None = None, *, hidden: bool | None = None,
               comment: str | None = None):
        """A graded test cell: ``grade_cell`` runs one check of the suite on the student's files.
        Points and visibility are the check's (hidden checks between ``### BEGIN HIDDEN TESTS`` and
        ``### END HIDDEN TESTS``); ``comment`` replaces the first line's default comment."""
        c = self.check(check_id)
        pts = self.check_points(check_id)
        self._agree(f"the graded cell of {check_id!r}", points, pts,
                    f"@check in autograder/{self.hw}/" + ("; an extra-credit part: 0 in nbgrader"
                                                          if c.part in self.suite.extra_credit else ""))
        if hidden is not None and bool(hidden) != c.hidden:
            raise PointsMismatch(f"{self.generator}: the graded cell of {check_id!r} says hidden={hidden}, the "
                                 f"check is {c.visibility}: leave hidden= out or make the two agree")
        call = f'from autograder.notebook import grade_cell\ngrade_cell("{self.hw}", "{check_id}")'
        if c.hidden:
            src = ((comment or "# Graded by your instructor with hidden inputs.") + "\n"
                   "### BEGIN HIDDEN TESTS\n" + call + "\n### END HIDDEN TESTS")
        else:
            src = (comment or "# Public check: run it to test your code (it is graded too).") + "\n" + call
        cell = new_code_cell(src)
        cell.metadata["nbgrader"] = self.meta(f"test_{check_id.replace('.', '_')}", grade=True, locked=True,
                                              points=pts, task=False)
        return cell

    def notebook(self, cells: list, *, kernel: dict | None = None, stable_ids: bool = False):
        """The notebook of ``cells``; ``stable_ids``: ids ``cell-00``, ``cell-01``, ... (a notebook
        regenerated byte for byte) instead of nbformat's random ones."""
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = dict(kernel or KERNEL)
        nb.metadata["language_info"] = {"name": "python"}
        if stable_ids:
            for i, cell in enumerate(nb.cells):
                cell["id"] = f"cell-{i:02d}"
        return nb


# -- running a master notebook ------------------------------------------------------------------
def working_folder(dest: Path, hw: str, repo: Path = REPO) -> Path:
    """``dest`` as a student's homework folder whose ``starter/<hw>/`` is the reference (what graded
    cells grade and where a notebook saves the files it hands in); left as it is when it has one."""
    dest = Path(dest)
    pkg = dest / "starter" / hw
    if not pkg.is_dir():
        shutil.copytree(repo / "solutions" / hw, pkg, ignore=shutil.ignore_patterns("notebooks", "__pycache__", "*.pyc"))
        (dest / "starter" / "__init__.py").write_text("")
    return dest


@contextlib.contextmanager
def _environ(env: dict[str, str] | None):
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(nb, hw: str, *, timeout: int = 600, cwd: Path | None = None, env: dict[str, str] | None = None,
            skip: Callable | None = None, record_timing: bool = True, allow_errors: bool = False):
    """Run ``nb`` with nbclient in ``cwd`` (default: a temporary folder, removed afterwards), made a
    :func:`working_folder` of ``hw``; ``env`` is set for the kernel while it runs. Without ``skip``
    the notebook runs in place (outputs, timings and the kernel's language info written into it);
    cells for which ``skip(cell)`` is true (e.g. :func:`is_graded_test`) are left out of a copy that
    runs, and the outputs of the others come back by cell id. ``allow_errors``: a cell that raises
    does not stop the run (its error is in its outputs). Returns ``nb``."""
    from nbclient import NotebookClient

    work = Path(cwd) if cwd is not None else Path(tempfile.mkdtemp(prefix=f"{hw}-master-"))
    run = nb
    if skip is not None:
        run = nbformat.from_dict(nb)
        run.cells = [c for c in run.cells if not skip(c)]
    try:
        working_folder(work, hw)
        with _environ(env):
            NotebookClient(run, timeout=timeout, kernel_name="python3", record_timing=record_timing,
                           allow_errors=allow_errors, resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if cwd is None:
            shutil.rmtree(work, ignore_errors=True)
    if run is not nb:
        done = {c["id"]: c for c in run.cells}
        for c in nb.cells:  # code cells only: a markdown cell has no outputs (nbformat refuses them)
            if c.cell_type == "code" and c.get("id") in done:
                c.outputs = done[c["id"]].get("outputs", [])
                c.execution_count = done[c["id"]].get("execution_count")
    return nb


def generator_main(argv, *, doc: str, build: Callable, path: Path, run: Callable | None = None) -> int:
    """The command line of a generator: write ``path`` from ``build()``, executed by ``run(nb)``
    unless ``--no-run``. ``--check`` exits 1 when ``path`` is stale: byte for byte for a notebook
    that is not executed (``run`` None: give it stable ids), else its cells (types, sources,
    nbgrader metadata; the outputs of the last run stay)."""
    import time

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if run is not None:
        ap.add_argument("--no-run", action="store_true", help="write without executing")
    ap.add_argument("--check", action="store_true", help=f"exit 1 if {path.name} is out of date with its generator")
    args = ap.parse_args(argv)
    nb = build()
    if args.check:
        if run is None:
            stale = not path.is_file() or path.read_text(encoding="utf-8") != nbformat.writes(nb) + "\n"
        else:
            stale = not path.is_file() or _cells(nbformat.read(str(path), as_version=4)) != _cells(nb)
        if stale:
            print(f"{path} is stale: run its generator (solutions/<hw>/notebooks/make_*.py) without --check")
        return int(stale)
    if run is not None and not args.no_run:
        start = time.perf_counter()
        nb = run(nb)
        print(f"executed in {time.perf_counter() - start:.1f} s")
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _cells(nb) -> list:
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in nb.cells]
