"""A student reaches a full grade from each homework's release alone.

For each of fms, nist36, pose, lenet and fer, as a student would (marked slow; it is the
suite's longest test): ``course release <hw>``, its plain zip unpacked outside the
repository, a virtual environment (no system site-packages, no repository) holding what the
release's ``requirements.txt`` alone brings (torch's CPU build from the index that file names,
as the release's README says; below: how one environment serves all five), then in that
environment, from the unpacked folder:

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
6. that zip, read by the grader's own submission code (``engine.submission.prepare``, what
   ``course grade`` runs first), gives the grader exactly the perfect sample's files: the same
   code tree for the sandbox and the same handed-in files, with nothing else in the zip that
   the grader's file search could take instead. test_samples.py grades that sample through
   the CLI to its full marks (``expect.cli == expect.max``, asserted here), so the zip earns
   them too; grading it again here took 10-22 s a homework for the same verdict.

One environment serves every homework: homeworks run in the order of ``ORDER``; each installs
its requirement file into the environment the previous one used, then what that file does not
bring (its requirements and their dependencies, read from the installed metadata) is
uninstalled, with any folder an uninstalled distribution leaves behind, and the environment is
checked to hold nothing else and to import none of it: what a fresh environment from that file
alone would hold (a fresh one took 30-40 s; the first homework gets one). pip's cache is used.
Timings of every step are printed (``-s``) and written to ``$NNCOURSE_TIMINGS`` when that names
a file.
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
# the order keeps the removals small: lenet's fresh environment (no torch), fms adds torch (and
# keeps the pandas and scikit-learn lenet's mlxtend brought), pose drops those, fer and nist36 add
# theirs; torch is installed once (removing it took 20-30 s)
ORDER = ("lenet", "fms", "pose", "fer", "nist36")
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

# run by the venv's interpreter: the top-level names (import packages, modules, data folders) the
# given distributions installed into site-packages, from their RECORD files
TOP_LEVEL = r"""
import json, sys
import importlib.metadata as md

tops = set()
for name in sys.argv[1:]:
    for f in md.distribution(name).files or []:
        parts = f.parts
        if parts and parts[0] not in ("..", "__pycache__") and not parts[0].endswith((".dist-info", ".data")):
            tops.add(parts[0])
print(json.dumps(sorted(tops)))
"""


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "NNCOURSE_DATA", "NNCOURSE_GRADER_ROOT", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(MPLBACKEND="Agg", PIP_RETRIES="0", JUPYTER_PLATFORM_DIRS="1", HOME=str(tmp / "home"), COLUMNS="100")
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    (tmp / "home").mkdir(exist_ok=True)
    return env


class Venvs:
    """One virtual environment for every homework: fresh for the first, then brought to exactly
    what the next requirements file brings (installed, and what it does not bring removed)."""

    def __init__(self, root: Path, env: dict):
        self.root, self.env, self.n, self.py, self.removed = root, env, 0, None, []

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

    def _uninstall(self, py: Path, dists: list[str]) -> None:
        """Remove ``dists`` as if they had never been installed: ``pip uninstall``, then any
        folder or module they had put in site-packages that is still there (caches written at
        run time), and check that none of it can be imported."""
        tops = subprocess.run([str(py), "-I", "-c", TOP_LEVEL, *dists], cwd=py.parents[1], env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert tops.returncode == 0, tops.stderr[-3000:]
        pip = subprocess.run([str(py), "-m", "pip", "uninstall", "--yes", "--quiet", *dists], cwd=py.parents[1],
                             env=self.env, capture_output=True, text=True, timeout=600)
        assert pip.returncode == 0, pip.stderr[-3000:]
        site = subprocess.run([str(py), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              cwd=py.parents[1], env=self.env, capture_output=True, text=True, timeout=60)
        purelib = Path(site.stdout.strip())
        assert purelib.is_dir() and purelib.is_relative_to(self.root), site.stdout + site.stderr
        names = json.loads(tops.stdout)
        for name in names:
            left = purelib / name
            if left.is_dir() and not left.is_symlink():
                shutil.rmtree(left)
            elif left.exists() or left.is_symlink():
                left.unlink()
        mods = sorted({n[:-3] if n.endswith(".py") else n for n in names
                       if n.isidentifier() or (n.endswith(".py") and n[:-3].isidentifier())})
        probe = subprocess.run([str(py), "-I", "-c", "import importlib.util, json, sys; "
                                "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m)]))",
                                *mods], cwd=py.parents[1], env=self.env, capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0 and json.loads(probe.stdout) == [], probe.stdout + probe.stderr

    def for_requirements(self, reqs: Path) -> Path:
        """The environment for ``reqs``: the one in use with ``reqs`` installed and what it does not
        bring removed (a fresh one for the first homework)."""
        if self.py is None:
            self.py = self._fresh()
        extra = self._install(self.py, reqs)
        if extra:
            self._uninstall(self.py, extra)
            again = subprocess.run([str(self.py), "-I", "-c", EXTRA_DISTS, str(reqs)], cwd=self.py.parents[1],
                                   env=self.env, capture_output=True, text=True, timeout=300)
            assert again.returncode == 0, again.stderr[-3000:]
            assert json.loads(again.stdout) == [], f"the venv still holds what {reqs} does not bring: {again.stdout}"
        self.removed = extra
        return self.py


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    root = tmp_path_factory.mktemp("venvs")
    assert not root.resolve().is_relative_to(REPO)
    return Venvs(root, _env(root))


def _files(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` (followed if ``root`` itself is a link): relative path -> bytes."""
    root = Path(root).resolve()
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts}


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
    # pip installs with --no-compile here (faster); the grader's sandbox runs Python with -B (it
    # writes no bytecode), so without this every fork server of every check would compile torch's
    # modules from source again. One import of the libraries the grader preloads writes their
    # bytecode, as pip's default install (a student's) or a first notebook run would.
    from autograder.engine import load_suite

    warm = subprocess.run([str(py), "-c", "import importlib, sys\nfor m in sys.argv[1:]:\n"
                           "    try:\n        importlib.import_module(m)\n    except ImportError:\n        pass",
                           *load_suite(hw).preload], cwd=py.parents[1], env=venvs.env, capture_output=True,
                          text=True, timeout=600)
    assert warm.returncode == 0, warm.stderr[-3000:]
    lap(f"venv (number {venvs.n}, {len(venvs.removed)} distribution(s) removed)")
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
    # 6. the grader reads from the zip exactly the perfect sample, which test_samples.py grades
    # through the CLI to full marks (every point of the maximum, and the extra credit's)
    from autograder.engine import load_suite
    from autograder.engine.submission import prepare

    suite = load_suite(hw)
    extra = sum(c.points for c in suite.checks(include_hidden=True) if c.part in suite.extra_credit)
    assert perfect.expect.get("max") and perfect.expect.get("cli") == perfect.expect["max"] + extra, perfect.expect

    perfect_tree = tmp_path / "perfect"
    got, want = prepare(zpath, hw), prepare(perfect_tree, hw)
    try:
        assert got.notes == [], got.notes
        code_got, code_want = _files(got.subdir), _files(want.subdir)
        assert code_got == code_want, sorted(k for k in code_got.keys() | code_want.keys()
                                             if code_got.get(k) != code_want.get(k))
        handed_in, sample = _files(got.raw), _files(perfect_tree)
        differ = sorted(k for k in sample if handed_in.get(k) != sample[k])
        assert not differ, f"the zip's copies of these files differ from the perfect sample's: {differ}"
        names = {Path(k).name for k in sample}
        shadows = sorted(k for k in handed_in if k not in sample and Path(k).name in names)
        assert not shadows, f"the zip holds other files by the names the grader looks up: {shadows}"
    finally:
        got.cleanup()
        want.cleanup()
    lap("grader's view")
    print(f"{hw}: the zip gives the grader the perfect sample ({perfect.expect['cli']:g}/{perfect.expect['max']:g} "
          f"through the CLI in test_samples.py); seconds per step: {json.dumps(times)}; "
          f"total {sum(times.values()):.0f} s")
    if os.environ.get("NNCOURSE_TIMINGS"):
        with open(os.environ["NNCOURSE_TIMINGS"], "a") as f:
            f.write(json.dumps({"homework": hw, "seconds": times, "score": perfect.expect["cli"],
                                "max": perfect.expect["max"]}) + "\n")


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
