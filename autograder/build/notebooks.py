"""Master notebook -> student notebook, with nbgrader's own clearing preprocessors."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

_IMPORT_RE = re.compile(r"\bsolutions\.")


_POINTS_RE = r"(?<![\d.]){pts}\s*(?:points?|pts?)\b"


def is_manual(cell) -> bool:
    """A cell graded by hand: a written answer, a task, or a code answer graded by a person."""
    m = cell.get("metadata", {}).get("nbgrader") or {}
    if m.get("task"):
        return True
    return bool(m.get("grade")) and (bool(m.get("solution")) or cell.cell_type == "markdown")


def missing_prompts(path: Path) -> list[str]:
    """Manually graded cells of a master notebook with no question above them.

    The question must sit in a plain markdown cell directly above the answer (a prompt
    cell, not a solution cell, so it survives into the student notebook) and name the
    answer's points ("3 points", "1 point", "2 pts").
    """
    nb = nbformat.read(str(path), as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if not is_manual(cell):
            continue
        m = cell.metadata["nbgrader"]
        gid, pts = m.get("grade_id", "?"), float(m.get("points", 0) or 0)
        prev = nb.cells[i - 1] if i else None
        pm = (prev.get("metadata", {}).get("nbgrader") or {}) if prev is not None else {}
        if prev is None or prev.cell_type != "markdown" or pm.get("solution") or pm.get("grade") or pm.get("task"):
            out.append(f"cell {i} ({gid}, graded by hand) has no question above it: put a markdown cell with the "
                       f"question and its points directly above the answer cell")
        elif not re.search(_POINTS_RE.format(pts=re.escape(f"{pts:g}")), prev.source, re.I):
            out.append(f"cell {i} ({gid}): the question above it does not give its points ({pts:g} points)")
    return out


def _rewrite_imports(source: str) -> str:
    return _IMPORT_RE.sub("starter.", source)


def student_notebook(path: Path, hw: str) -> str:
    """Return the student version (JSON text) of a master notebook.

    Solution regions (``### BEGIN SOLUTION``) and manually graded answers are cleared
    by nbgrader's ClearSolutions, hidden tests by ClearHiddenTests, outputs by
    ClearOutput; imports of ``solutions.`` are pointed at ``starter.``.
    """
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions

    nb = nbformat.read(str(path), as_version=4)
    nb = copy.deepcopy(nb)
    resources = {}
    for pre in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme(), ClearOutput()):
        nb, resources = pre.preprocess(nb, resources)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _rewrite_imports(cell.source)
            cell.execution_count = None
            cell.outputs = []
        cell.get("metadata", {}).pop("execution", None)
        cell.pop("id", None)
    nb.metadata.pop("widgets", None)
    nb.nbformat_minor = 4
    return nbformat.writes(nb) + "\n"
