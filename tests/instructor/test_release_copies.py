"""The release scan reads notebook code cells as code (issue 21, section 5): a function or
class that is a reference body with a part removed is found, whatever the line scan allows."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from autograder.instructor import leaks

REPO = Path(__file__).resolve().parents[2]
HOMEWORKS = sorted(p.name for p in (REPO / "assignments").iterdir() if p.is_dir())


def _notebook(path: Path, *cells: str) -> Path:
    nb = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
                    for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def _reference_class_less_a_part(path: Path, name: str, drop: str) -> str:
    """The source of reference class ``name`` renamed, with every line mentioning ``drop`` removed."""
    text = path.read_text()
    node = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ClassDef) and n.name == name)
    lines = text.splitlines()[node.lineno - 1:node.end_lineno]
    kept = [ln.split("#", 1)[0].rstrip() for ln in lines if drop not in ln and "# BEGIN" not in ln and "# END" not in ln]
    return "\n".join(kept).replace(f"class {name}", "class Baseline", 1)


def test_the_reference_less_one_layer_in_a_notebook_cell_is_found(tmp_path):
    src = _reference_class_less_a_part(REPO / "solutions" / "pose" / "pose.py", "DeepDynamicModel", "lstm")
    assert "lstm" not in src and "class Baseline" in src
    nb = _notebook(tmp_path / "pose.ipynb", "import torch\nfrom torch import nn\n", "%matplotlib inline\n" + src)
    found = leaks.notebook_copies(nb, leaks.reference_definitions("pose"))
    assert found and "Baseline" in found[0].what and "DeepDynamicModel" in found[0].what
    # and through the release scan as a whole
    assert any("DeepDynamicModel" in f.what for f in leaks.scan(tmp_path, {}, "pose"))


def test_code_that_merely_uses_the_same_library_is_not_a_copy(tmp_path):
    cell = ("from torch import nn\nclass Tiny(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.net = nn.Sequential(nn.Flatten(), nn.Linear(48 * 48 * 3, 51))\n"
            "    def forward(self, x):\n        return self.net(x.float()).reshape(x.shape[0], x.shape[1], 17, 3)\n")
    nb = _notebook(tmp_path / "nb.ipynb", cell)
    assert leaks.notebook_copies(nb, leaks.reference_definitions("pose")) == []


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_the_student_notebooks_hold_no_reference_body(hw):
    refs = leaks.reference_definitions(hw)
    found = [str(f) for nb in sorted((REPO / "assignments" / hw).rglob("*.ipynb"))
             for f in leaks.notebook_copies(nb, refs, str(nb.relative_to(REPO)))]
    assert found == []
