"""Master notebook -> student notebook, with nbgrader's own clearing preprocessors."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

_IMPORT_RE = re.compile(r"\bsolutions\.")


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
