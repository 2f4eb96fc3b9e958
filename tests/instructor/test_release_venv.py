"""A student reaches a full grade from each homework's release alone.

For each of fms, nist36, pose, lenet and fer, as a student would (marked slow; it is the
suite's longest test): ``course release <hw>``, its plain zip unpacked outside the
repository, a fresh virtual environment (no system site-packages, no repository) installed
from the release's ``requirements.txt`` alone (torch's CPU build from the index that file
names, as the release's README says), then in that environment, from the unpacked folder:

1. ``python -m autograder check <hw>`` on the blank stubs fails and says why (no import error);
2. the data tooling writes the homework's datasets (``python -m autograder data``, each at
   its smallest preset), and every file a notebook or starter file names is opened: the
   release's own files and, now that the data exist, the ``data/`` paths they name
   (``missing_paths`` in autograder.instructor.release; test_release_paths.py states the rule);
3. the reference code and the files the notebooks save for the grader are copied in (the
   homework's ``perfect`` sample, tests/fixtures/samples/<hw>/perfect);
4. every notebook's set-up cells run in a kernel of that environment (nbclient), with the
   homework's fast setting on: the code cells before its first training cell or student
   answer (``SETUP_END``), which covers the imports, the data loading and the notebook's own
   small checks;
5. ``python -m autograder check <hw>`` passes (exit 0), ``python -m autograder submit <hw> --no-check``
   writes ``<hw>-submission.zip`` holding the files the grader reads;
6. that zip, graded with the instructor's ``course grade`` from the repository, gets full
   marks on the auto-graded parts.

One environment serves several homeworks when it can: homeworks run in the order of
``ORDER`` and each installs its requirement file into the environment the previous one used;
the environment is then checked to hold nothing beyond what that file brings (its
requirements and their dependencies, read from the installed metadata), else the homework
gets a fresh one. pip's cache is used. Timings of every step are
printed (``-s``) and written to ``$NNCOURSE_TIMINGS`` when that names a file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.instructor.release import TORCH_CPU_INDEX, missing_paths, named_paths, release, requirements

REPO = Path(__file__).resolve().parents[2]
# each file holds what the ones before it installed where it can (pose within fer within nist36);
# fms (pandas, scikit-learn) and lenet (mlxtend, no torch) get fresh ones: three venvs in all
ORDER = ("pose", "fer", "nist36", "fms", "lenet")
FAST = {"NIST36_FAST": "1", "FER_FAST": "1", "POSE_FAST": "1", "FMS_FAST": "1"}
# the first code cell that trains a model, searches hyper-parameters or is a student's answer
# ends a notebook's set-up
SETUP_END = r"\b(\w*train\w*|fit|run_search|Solver)\s*\(|raise NotImplementedError"

# run by the venv's interpreter: every notebook's set-up cells, in a kernel of that venv
RUN_SETUP_CELLS = r"""
import re, sys, time
from datetime import datetime
from pathlib import Path
import nbformat
from nbclient import NotebookClient

folder, end = Path(sys.argv[1]), re.compile(sys.argv[2])
for path in sorted(folder.glob("*.ipynb")):
    nb = nbformat.read(str(path), as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    stop = next((i for i in code if end.search(nb.cells[i].source)), len(nb.cells))
    nb.cells = nb.cells[:stop]
    start = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    if errors:
        sys.exit(f"{path.name}: " + "; ".join(f"cell {i}: {e.ename}: {e.evalue}" for i, e in errors))
    ran = sum(c.cell_type == "code" for c in nb.cells)
    took = []
    for i, c in enumerate(nb.cells):
        ex = c.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            a, b = (datetime.fromisoformat(ex[k].replace("Z", "+00:00")) for k in
                    ("iopub.execute_input", "shell.execute_reply"))
            took.append(((b - a).total_seconds(), i))
    slowest = ", ".join(f"cell {i} {t:.1f} s" for t, i in sorted(took, reverse=True)[:3])
    print(f"{path.name}: {ran} set-up code cell(s) of {len(code)} ran ({time.monotonic() - start:.1f} s; "
          f"slowest {slowest})")
"""

# run by the venv's interpreter: the distributions installed beyond what one requirements file
# brings (its requirements and, through the installed metadata, their dependencies and extras)
EXTRA_DISTS = r"""
import json, sys
import importlib.metadata as md
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

lines = [ln.split("#")[0].strip() for ln in open(sys.argv[1])]
todo = [Requirement(ln) for ln in lines if ln and not ln.startswith("-")]
seen = {}
while todo:
    req = todo.pop()
    name = canonicalize_name(req.name)
    if name in seen and set(req.extras) <= seen[name]:
        continue
    seen[name] = seen.get(name, set()) | set(req.extras)
    try:
        dist = md.distribution(req.name)
    except md.PackageNotFoundError:
        continue
    for r in dist.requires or []:
        dep = Requirement(r)
        if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in (seen[name] | {""})):
            todo.append(dep)
installed = {canonicalize_name(d.metadata["Name"]) for d in md.distributions()}
print(json.dumps(sorted(installed - set(seen) - {"pip", "setuptools", "wheel"})))
"""


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "NNCOURSE_DATA", "NNCOURSE_GRADER_ROOT", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(MPLBACKEND="Agg", PIP_RETRIES="0", JUPYTER_PLATFORM_DIRS="1", HOME=str(tmp / "home"), COLUMNS="100")
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    (tmp / "home").mkdir(exist_ok=True)
    return env


class Venvs:
    """One fresh virtual environment, reused while each homework's requirements file brings
    everything it holds; a fresh one otherwise."""

    def __init__(self, root: Path, env: dict):
        self.root, self.env, self.n, self.py = root, env, 0, None

    def _fresh(self) -> Path:
        self.n += 1
        venv = self.root / f"venv{self.n}"
        # the interpreter the repository's venv was made from; never the repository's site-packages
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=self.env, timeout=300)
        py = venv / "bin" / "python"
        bare = subprocess.run([str(py), "-I", "-c", "import numpy"], cwd=venv, env=self.env, capture_output=True,
                              text=True)
        assert bare.returncode != 0, "the fresh venv sees another environment's packages"
        return py

    def _install(self, py: Path, reqs: Path) -> list[str]:
        pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-compile", "-r", str(reqs)],
                             cwd=reqs.parent, env=self.env, capture_output=True, text=True, timeout=1800)
        assert pip.returncode == 0, pip.stderr[-3000:]
        # -I, from the venv's folder: no current directory on sys.path (a checkout's *.egg-info would count)
        extra = subprocess.run([str(py), "-I", "-c", EXTRA_DISTS, str(reqs)], cwd=py.parents[1], env=self.env,
                               capture_output=True, text=True, timeout=300)
        assert extra.returncode == 0, extra.stderr[-3000:]
        return json.loads(extra.stdout)

    def for_requirements(self, reqs: Path) -> Path:
        if self.py is not None and not self._install(self.py, reqs):
            return self.py
        self.py = self._fresh()
        extra = self._install(self.py, reqs)
        assert not extra, f"a fresh venv holds what {reqs} does not bring: {extra}"
        return self.py


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    root = tmp_path_factory.mktemp("venvs")
    assert not root.resolve().is_relative_to(REPO)
    return Venvs(root, _env(root))


def _smallest_preset(dataset: str) -> list[str]:
    import importlib

    presets = getattr(importlib.import_module(f"coursedata.{dataset}"), "PRESETS", {})
    return next((["--preset", p] for p in ("tiny", "small") if p in presets), [])


@pytest.mark.slow
@pytest.mark.parametrize("hw", ORDER)
def test_release_reaches_full_marks_in_a_fresh_venv_from_its_own_files(hw, venvs, tmp_path):
    from autograder.instructor.hooks import datasets_for
    from autograder.instructor.samples import load_samples

    times: dict[str, float] = {}
    clock = [time.monotonic()]

    def lap(step: str):
        now = time.monotonic()
        times[step] = round(now - clock[0], 1)
        clock[0] = now

    rep = release(hw, tmp_path / "course")
    assert not [n for n in rep.notes if "not in the release" in n], rep.notes
    lap("release")
    # the plain zip, unpacked where no repository is around
    unpacked = tmp_path / "student"
    assert not unpacked.resolve().is_relative_to(REPO)
    with zipfile.ZipFile(rep.student_zip) as zf:
        zf.extractall(unpacked)
    student = unpacked / hw
    reqs = student / "requirements.txt"
    text = reqs.read_text()
    torch = [ln for ln in text.splitlines() if ln.startswith("torch")]
    if torch:  # the CPU build from the index the file names (lenet's numpy LeNet needs none)
        assert torch == ["torch==2.13.0"] and f"--extra-index-url {TORCH_CPU_INDEX}" in text, text
    readme = (student / "README.md").read_text()
    assert "python -m pip install -r requirements.txt" in readme
    py = venvs.for_requirements(reqs)
    lap(f"venv (number {venvs.n})")
    env = dict(venvs.env, **FAST)

    def run(*args, timeout=900):
        proc = subprocess.run([str(py), *args], cwd=student, env=env, capture_output=True, text=True,
                              timeout=timeout)
        return proc.returncode, proc.stdout + proc.stderr

    # 1. the blank stubs: check fails and says why, with no import error on the way
    code, out = run("-m", "autograder", "check", hw)
    assert code == 1, out[-3000:]
    assert "still stubs" in out and "Traceback" not in out, out[-3000:]
    assert "ModuleNotFoundError" not in out and "No module named" not in out, out[-3000:]
    lap("check (blank)")
    # 2. the data tooling, then every named file opened
    for ds in datasets_for(hw):
        code, out = run("-m", "autograder", "data", ds, *_smallest_preset(ds))
        assert code == 0, out[-3000:]
        assert (student / "data" / ds).is_dir(), out[-3000:]
    lap("data")
    assert missing_paths(student, hw) == []
    unopened = []
    for n in named_paths(student, hw):
        rel = n.path.rstrip("/")
        target = next((p for p in (student / rel, (student / n.where.split(" cell ")[0]).parent / rel) if p.exists()),
                      None)
        if target is None and "/" not in rel:
            target = next(student.rglob(rel), None)
        if target is None:
            if rel.split("/")[0] == "data":
                unopened.append(f"{n}: not written by the data tooling")
            continue  # a file the notebooks save (SUBMIT_FILES) or a data file under another name
        if target.is_dir():
            assert list(target.iterdir()) is not None
        else:
            with open(target, "rb") as f:
                f.read(1)
    assert not unopened, "\n".join(unopened)
    # 3. the reference code and the files the notebooks save for the grader
    perfect = next(s for s in load_samples(hw) if s.name == "perfect")
    shutil.copytree(perfect.materialize(tmp_path / "perfect"), student, dirs_exist_ok=True)
    # 4. every notebook's set-up cells, in a kernel of the venv
    code, out = run("-c", RUN_SETUP_CELLS, str(student), SETUP_END, timeout=1800)
    assert code == 0, out[-3000:]
    print(out)
    lap("notebook set-up cells")
    # 5. check and submit
    code, out = run("-m", "autograder", "check", hw)
    assert code == 0, out[-3000:]
    lap("check (reference)")
    # the public checks just passed on these files in this venv: pack without running them again
    # (5-6 s a homework; submit's own check run is tested in test_student_release)
    code, out = run("-m", "autograder", "submit", hw, "--no-check")
    assert code == 0, out[-3000:]
    zpath = student / f"{hw}-submission.zip"
    assert zpath.is_file(), out[-3000:]
    from autograder.cli.submit import submit_files

    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
    for need in submit_files(hw):
        assert f"starter/{hw}/{need.name}" in names, (need.name, sorted(names))
    lap("submit")
    # 6. the instructor grades the zip: full marks on the auto-graded parts
    out_dir = tmp_path / "grades"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", hw, str(zpath), "--out", str(out_dir),
                           "--format", "json", "--no-progress"], cwd=REPO, capture_output=True, text=True,
                          timeout=1800)
    records = [p for p in out_dir.glob("*.json") if not p.name.startswith("grades")]
    assert len(records) == 1, (proc.stdout + proc.stderr)[-3000:]
    result = json.loads(records[0].read_text())
    lap("grade")
    failed = [f"{c['id']}: {c['status']}: {c.get('message', '')[:300]}" for c in result.get("checks", [])
              if c.get("score") != c.get("points")]
    assert result["score"] == result["max_score"] > 0, (result["score"], result["max_score"], failed)
    if perfect.expect.get("max") is not None:
        assert result["max_score"] == perfect.expect["max"]
    print(f"{hw}: {result['score']:g}/{result['max_score']:g}; seconds per step: {json.dumps(times)}; "
          f"total {sum(times.values()):.0f} s")
    if os.environ.get("NNCOURSE_TIMINGS"):
        with open(os.environ["NNCOURSE_TIMINGS"], "a") as f:
            f.write(json.dumps({"homework": hw, "seconds": times, "score": result["score"],
                                "max": result["max_score"]}) + "\n")


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
