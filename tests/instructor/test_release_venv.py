"""A release installs what its notebooks import: from its own ``requirements.txt`` alone, in a
fresh virtual environment (no system site-packages, no repository), the notebooks' first code
cells run, the data tooling writes the homework's data, and ``check`` runs to its table.

One homework, nist36 (it needs scikit-image and hershey-fonts, which a student following a
generic list of packages lacks): pip fetches from the registry, so this is the slowest
installation test and it runs once (marked slow). What ``requirements.txt`` pins is tested for
every homework below, without installing anything.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.instructor.release import TORCH_CPU_INDEX, release, requirements

REPO = Path(__file__).resolve().parents[2]

# run by the venv's interpreter: every notebook's cells up to its first code cell that is not
# set-up (the imports and the data loading), in a kernel of that venv
RUN_FIRST_CELLS = r"""
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

folder = Path(sys.argv[1])
for path in sorted(folder.glob("*.ipynb")):
    nb = nbformat.read(str(path), as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells = nb.cells[: code[0] + 1]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    if errors:
        sys.exit(f"{path.name}: " + "; ".join(f"{e.ename}: {e.evalue}" for e in errors))
    print(f"{path.name}: first code cell ran")
"""


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "NNCOURSE_DATA", "NNCOURSE_GRADER_ROOT", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(NIST36_FAST="1", MPLBACKEND="Agg", PIP_RETRIES="0", JUPYTER_PLATFORM_DIRS="1",
               HOME=str(tmp / "home"), COLUMNS="100")
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    (tmp / "home").mkdir(exist_ok=True)
    return env


@pytest.mark.slow
def test_nist36_release_runs_in_a_fresh_venv_from_its_requirements(tmp_path):
    rep = release("nist36", tmp_path / "course")
    student = rep.release  # the release folder itself, as unpacked by a student
    reqs = student / "requirements.txt"
    text = reqs.read_text()
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in text and "torch==2.13.0" in text
    assert "scikit-image==" in text and "hershey-fonts==" in text
    readme = (student / "README.md").read_text()
    assert "python -m pip install -r requirements.txt" in readme

    venv = tmp_path / "venv"
    env = _env(tmp_path)
    # the interpreter the repository's venv was made from; never the repository's site-packages
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    py = venv / "bin" / "python"
    bare = subprocess.run([str(py), "-c", "import numpy"], env=env, capture_output=True, text=True)
    assert bare.returncode != 0, "the fresh venv sees another environment's packages"
    pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-compile", "-r", str(reqs)], cwd=student,
                         env=env, capture_output=True, text=True, timeout=1200)
    assert pip.returncode == 0, pip.stderr[-3000:]

    def run(*args, timeout=600):
        proc = subprocess.run([str(py), *args], cwd=student, env=env, capture_output=True, text=True,
                              timeout=timeout)
        return proc.returncode, proc.stdout + proc.stderr

    # the data tooling (scikit-image, hershey-fonts) writes the homework's data into the folder
    code, out = run("-m", "autograder", "data", "nist36", "--preset", "tiny")
    assert code == 0, out[-3000:]
    assert (student / "data" / "nist36").is_dir()
    code, out = run("-c", RUN_FIRST_CELLS, str(student))
    assert code == 0, out[-3000:]
    code, out = run("-m", "autograder", "check", "nist36")
    assert code == 1, out[-3000:]  # the blank stubs fail, and say so: no import error on the way
    assert "still stubs" in out and "train_nist36" in out and "Traceback" not in out, out[-3000:]
    assert "ModuleNotFoundError" not in out and "No module named" not in out, out[-3000:]


@pytest.mark.parametrize("hw", ["example", "lenet", "nist36", "fer", "pose", "fms"])
def test_requirements_pin_every_imported_distribution(hw, tmp_path):
    """What the homework's notebooks, starter and data tooling import is pinned (``==``, no local
    label); the grading-side packages (cluster, nbgrader) are not."""
    import shutil

    shutil.copytree(REPO / "starter" / hw, tmp_path / "starter" / hw)
    shutil.copytree(REPO / "datasets" / "coursedata", tmp_path / "coursedata")
    for nb in (REPO / "assignments" / hw).glob("*.ipynb"):
        shutil.copyfile(nb, tmp_path / nb.name)
    reqs = requirements(tmp_path)
    names = {r.split("==")[0] for r in reqs}
    assert all("==" in r and "+" not in r for r in reqs), reqs
    assert "jupyter" in names and "numpy" in names
    assert not names & {"dask", "distributed", "nbgrader"}
    if hw == "nist36":
        assert {"scikit-image", "hershey-fonts", "torch"} <= names, names
    assert json.dumps(reqs)  # plain strings


def test_requirements_agree_with_the_pyproject_pins(tmp_path):
    """A dependency pinned exactly in pyproject.toml (torch, hershey-fonts) has that version in
    every release's requirements.txt."""
    import re
    import shutil
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for d in deps:
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^;\s]+)", d)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    shutil.copytree(REPO / "starter" / "nist36", tmp_path / "starter" / "nist36")
    shutil.copytree(REPO / "datasets" / "coursedata", tmp_path / "coursedata")
    got = dict(r.split("==") for r in requirements(tmp_path))
    assert {"torch", "hershey-fonts"} <= set(pins) & set(got)
    for name in set(pins) & set(got):
        assert got[name] == pins[name], name
