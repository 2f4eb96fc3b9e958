"""Gradebook scores from the isolated engine, not from the notebook's kernel.

Under ``nbgrader autograde`` a student's notebook runs in the sandboxed kernel
(``kernel_sandbox.py``); its graded cells do not grade: they fail closed (0 points) with
a note, so a free cell that fakes a cell's result, or a kernel killed half-way, gains
nothing. The engine grades the files the student handed in (``submitted/<student>/<hw>/``:
the files the CLI and Gradescope grade), in the grader's process and sandbox, while nbgrader
runs the notebooks (``Course.autograde``: one submission's wall time is the longer of the two,
not their sum); ``sync_scores`` then, for each graded cell,

* sets the cell's ``auto_score`` in ``gradebook.db`` to its points times the fraction of
  the engine's points earned by the checks the cell names (``grade_cell(HW, TARGET)``: a
  check id, an id prefix or a part, read from the cell source that nbgrader restored from
  the master notebook);
* replaces the cell's outputs in the autograded notebook by the engine's per-check lines,
  so the feedback students get shows what the engine found.

Extra credit (``Suite.extra_credit``): a cell whose checks are all extra credit and that the
notebook gives 0 points gets what the engine's checks earned as the grade's ``extra_credit``
(nbgrader adds it to the score, never to the maximum: the engine's and Gradescope's rule). A
cell that gives such checks points keeps nbgrader's own rule: they count in its maximum.

One student's failure (an unreadable submission, a broken notebook) is recorded for that
student and the others are synced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

CELL_CALL = re.compile(r"grade_cell\(\s*[^,]+,\s*[\"']([^\"']+)[\"']")
ENGINE_SCORES_ENV = "NNCOURSE_SCORES_BY_ENGINE"


@dataclass
class SyncReport:
    student: str
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)
    error: str = ""
    isolation: str = ""


def _matches(check_id: str, part: str, target: str) -> bool:
    return check_id == target or check_id.startswith(target + ".") or part == target


def cell_targets(nb) -> dict[str, str]:
    """grade_id -> target of every autograded code cell that calls ``grade_cell``."""
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        m = CELL_CALL.search(cell.source)
        if m:
            out[meta["grade_id"]] = m.group(1)
    return out


def _cell_text(result, target: str) -> tuple[str, float, float]:
    from autograder.notebook import format_results

    checks = [c for c in result.checks if _matches(c.id, c.part, target)]
    score = sum(c.score for c in checks)
    points = sum(c.points for c in checks)
    sub = {"checks": [dict(id=c.id, name=c.name, part=c.part, points=c.points, score=c.score, status=c.status,
                           message=c.feedback(), safe_message=c.feedback(), hidden=c.hidden, description=c.description,
                           cases=getattr(c, "cases", [])) for c in checks],
           "score": score, "max_score": points, "matched": bool(checks)}
    try:
        text = format_results(sub)
    except Exception:  # noqa: BLE001 - the display must not stop the sync
        text = "\n".join(f"{c.id}: {c.status} ({c.score:g}/{c.points:g})" for c in checks)
    text += f"\n{target}: {score:g}/{points:g} points (graded by the course engine, isolation: {result.isolation})\n"
    return text, score, points


def _all_extra(result, target: str) -> bool:
    """Whether the checks ``target`` names are there and all of extra-credit parts."""
    checks = [c for c in result.checks if _matches(c.id, c.part, target)]
    return bool(checks) and all(result.is_extra(c) for c in checks)


def grade_handed_in(course, hw: str, student: str):
    """The engine's result on the files the student handed in (``submitted/<student>/<hw>/``),
    the files the CLI and Gradescope grade; ``Course.autograde`` runs it while nbgrader runs the
    notebooks (under autograde they read those files and write none the engine reads). None
    when it cannot run: ``sync_student`` then grades the autograded folder itself."""
    from autograder.engine import grade_submission

    try:
        return grade_submission(hw, course.root / "submitted" / student / hw)
    except Exception:  # noqa: BLE001 - graded again, and reported, by sync_student
        return None


def sync_student(course, hw: str, student: str, result=None) -> SyncReport:
    """Write the engine's ``result`` (by default: a grading of ``autograded/<student>/<hw>/``)
    into the gradebook and the autograded notebooks' graded cells."""
    from nbgrader.api import Gradebook

    from autograder.engine import grade_submission

    rep = SyncReport(student)
    nbdir = course.root / "autograded" / student / hw
    try:
        if result is None:
            result = grade_submission(hw, nbdir)
        rep.isolation = result.isolation
        if not result.graded:
            rep.error = result.error
            return rep
        with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.course_id) as gb:
            for path in sorted(nbdir.glob("*.ipynb")):
                nb = nbformat.read(path, as_version=4)
                targets = cell_targets(nb)
                changed = False
                for cell in nb.cells:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if gid not in targets:
                        continue
                    text, score, points = _cell_text(result, targets[gid])
                    grade = gb.find_grade(gid, path.stem, hw, student)
                    value = float(grade.max_score) * (score / points if points else 0.0)
                    grade.auto_score = round(value, 6)
                    if not grade.max_score and _all_extra(result, targets[gid]):
                        grade.extra_credit = round(score, 6)
                    rep.cells[gid] = (grade.auto_score, float(grade.max_score))
                    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
                    changed = True
                gb.db.commit()
                if changed:
                    nbformat.write(nb, path)
    except Exception as exc:  # noqa: BLE001 - one student's problem never stops the class
        rep.error = f"{type(exc).__name__}: {exc}"
    return rep


def sync_scores(course, hw: str, student: str | None = None, result=None) -> list[SyncReport]:
    """``sync_student`` for one student (with ``result`` when given) or every autograded one."""
    base = course.root / "autograded"
    if student:
        return [sync_student(course, hw, student, result)]
    return [sync_student(course, hw, s) for s in sorted(p.name for p in base.iterdir() if (p / hw).is_dir())]
