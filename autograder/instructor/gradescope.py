"""`course export gradescope <hw>`: a Gradescope autograder zip, and the runner inside it.

The zip holds, at its root, ``setup.sh`` (run once by Gradescope, as root, to build the
image: a Python >= 3.11 virtual environment with the course's requirements, torch from
the CPU wheel index, and the homework's embedded data), ``run_autograder`` (run per
submission) and the grading tree: the engine, the homework's full suite (hidden checks
included), the reference modules the hidden checks import, the provided starter files
and the data generators. Gradescope's layout (see its autograder specification)::

    /autograder/source/       the zip, unpacked
    /autograder/submission/   the student's upload
    /autograder/results/results.json   written by run_autograder

``run_autograder`` honours ``AUTOGRADER_ROOT`` (default ``/autograder``) and
``AUTOGRADER_PYTHON`` so the same zip can be exercised in a temporary tree.
Results use the engine's writer (``writers.to_gradescope``): public checks visible,
hidden ones after publication, with student-safe messages only.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

from ..build import REPO

GRADING_ONLY_DEPS = ("nbgrader", "jupyter", "nbclient", "nbformat", "ipykernel")
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
               "visibility", "extra_data"}
SETUP_STAMP = ".nncourse-setup"  # setup.sh writes it into the data folder once the data is complete
TOP_FIELDS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
              "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SRC="$ROOT/source"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive

if [ -n "${{AUTOGRADER_PYTHON:-}}" ]; then
  # an interpreter that already has the requirements (the course's own demo and tests): no install
  PYBIN="$AUTOGRADER_PYTHON"
else
  PY=""
  for p in python3.13 python3.12 python3.11; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import venv, ensurepip' 2>/dev/null; then PY="$p"; break; fi
  done
  if [ -z "$PY" ]; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv || {{
      apt-get install -y software-properties-common && add-apt-repository -y ppa:deadsnakes/ppa &&
      apt-get update && apt-get install -y python3.11 python3.11-venv; }}
    PY=python3.11
  fi
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --upgrade pip
  "$VENV/bin/python" -m pip install --extra-index-url {torch_index} -r "$SRC/requirements.txt"
  # the grader runs student code as an unprivileged user: it must be able to run this Python (the
  # grading files themselves are made unreadable to that user by the engine before each run)
  chmod -R a+rX "$VENV"
  PYBIN="$VENV/bin/python"
fi
chmod a+rx "$ROOT" "$SRC"

# embedded data the homework needs (generated offline, deterministically), the grader's cached
# reference results included: run_autograder then only reads them ({stamp} marks them complete).
# One BLAS thread: small matrix products on several threads cost many times the CPU time.
export OMP_NUM_THREADS=${{OMP_NUM_THREADS:-1}} OPENBLAS_NUM_THREADS=${{OPENBLAS_NUM_THREADS:-1}}
cd "$SRC"
mkdir -p "$SRC/data"
NNCOURSE_DATA="$SRC/data" PYTHONPATH="$SRC:$SRC/datasets" "$PYBIN" -c '
import sys
from autograder.instructor.hooks import prepare_data
bad = [line for line in prepare_data(sys.argv[1]) if "failed" in line]
sys.exit(1 if bad else 0)' {hw}
date -u +%Y-%m-%dT%H:%M:%SZ > "$SRC/data/{stamp}"
chmod -R a+rX "$SRC/data" 2>/dev/null || true
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes $ROOT/results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SRC="$ROOT/source"
PY="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
export NNCOURSE_DATA="${{NNCOURSE_DATA:-$SRC/data}}"
export MPLBACKEND=Agg
export OMP_NUM_THREADS=${{OMP_NUM_THREADS:-1}} OPENBLAS_NUM_THREADS=${{OPENBLAS_NUM_THREADS:-1}}
cd "$SRC"
exec "$PY" -P -c 'import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + "/datasets"]; \\
from autograder.instructor.gradescope import main; sys.exit(main(sys.argv[2:]))' \\
  "$SRC" --homework {hw} --root "$ROOT"
"""


def requirements(repo: Path = REPO) -> list[str]:
    """The runtime requirements of grading: pyproject's dependencies minus the notebook stack."""
    deps = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["dependencies"]
    out = []
    for d in deps:
        name = re.split(r"[<>=!~\[; ]", d, 1)[0].strip().lower()
        if name not in GRADING_ONLY_DEPS:
            out.append(d)
    return out


def _files(hw: str, repo: Path) -> dict[str, Path]:
    """Archive name -> source path of the grading tree."""
    from ..engine.checks import load_suite

    suite = load_suite(hw)
    files: dict[str, Path] = {}

    def add_tree(rel: str, *, py_only: bool = False, skip=("__pycache__", "notebooks", ".ipynb_checkpoints")):
        base = repo / rel
        if base.is_file():
            files[rel] = base
            return
        if not base.is_dir():
            return
        for p in sorted(base.rglob("*")):
            r = p.relative_to(base)
            if not p.is_file() or any(s in r.parts for s in skip) or p.suffix == ".pyc":
                continue
            if py_only and p.suffix != ".py":
                continue
            files[f"{rel}/{r.as_posix()}"] = p

    for f in ("autograder/__init__.py", "autograder/notebook.py", "autograder/instructor/__init__.py",
              "autograder/instructor/gradescope.py", "autograder/instructor/hooks.py"):
        add_tree(f)
    add_tree("autograder/engine")
    add_tree("autograder/build")
    add_tree(f"autograder/{hw}")
    add_tree("solutions/__init__.py")
    add_tree(f"solutions/{hw}")
    add_tree("starter/__init__.py")
    add_tree(f"starter/{hw}")
    add_tree("datasets/coursedata", py_only=True)
    for sp in suite.secret_paths:
        add_tree(sp)
    # the grader's secret seeds (engine.graderdata), so that the hidden splits Gradescope makes are
    # those of this machine (fms: the labels of the test frames the release shipped)
    from ..engine import graderdata

    if graderdata.store_path(hw).is_file():
        files[f"data/_grader/{hw}.json"] = graderdata.store_path(hw)
    return files


def export(hw: str, out: Path | None = None, repo: Path = REPO) -> Path:
    """Write the Gradescope autograder zip of ``hw``; return its path."""
    from ..engine.checks import load_suite

    load_suite(hw)  # fail early for an unknown homework
    out = Path(out or repo / "build" / "gradescope" / f"{hw}.zip")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")

    def write(zf, name, data: bytes, mode=0o644):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)

    with zipfile.ZipFile(tmp, "w") as zf:
        write(zf, "setup.sh", SETUP_SH.format(hw=hw, torch_index=TORCH_INDEX, stamp=SETUP_STAMP).encode(), 0o755)
        write(zf, "run_autograder", RUN_AUTOGRADER.format(hw=hw).encode(), 0o755)
        write(zf, "requirements.txt", ("\n".join(requirements(repo)) + "\n").encode())
        for name, path in sorted(_files(hw, repo).items()):
            write(zf, name, path.read_bytes())
    os.replace(tmp, out)
    return out


def unpack(zip_path: Path, root: Path) -> Path:
    """Unpack an exported zip as Gradescope does (``root/source``), keeping the executable bits."""
    src = Path(root) / "source"
    src.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = src / info.filename
            zf.extract(info, src)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)
    return src


# -- the runner (inside the zip) -------------------------------------------------------

def _results(hw: str, submission: Path) -> dict:
    from ..engine import grade_submission
    from ..engine import writers

    result = grade_submission(hw, submission)
    return writers.to_gradescope(result)


def _ensure_data(hw: str, root: Path) -> None:
    """Data setup.sh made is only read here. Without setup.sh's stamp (an image built by hand), the
    data is generated now, before any check runs, so no check's time limit pays for it."""
    from coursedata.paths import data_root

    if (data_root() / SETUP_STAMP).is_file():
        return
    from .hooks import prepare_data

    print(f"setup.sh has not run here (no {data_root() / SETUP_STAMP}): generating {hw}'s data first", flush=True)
    prepare_data(hw)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Gradescope runner: grade /autograder/submission")
    p.add_argument("--homework", required=True)
    p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    args = p.parse_args(argv)
    root = Path(args.root)
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nncourse-gs-"))
    try:
        _ensure_data(args.homework, root)
        sub = work / "submission"
        src = root / "submission"
        if src.is_dir():
            shutil.copytree(src, sub, symlinks=True)
        else:
            sub.mkdir()
        data = _results(args.homework, sub)
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results.json
        data = {"score": 0.0, "execution_time": round(time.monotonic() - start),
                "output": f"The autograder failed before grading this submission ({type(exc).__name__}). "
                          "Please contact the course staff.", "visibility": "visible", "stdout_visibility": "hidden",
                "tests": []}
        import traceback

        traceback.print_exc()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"{args.homework}: {data['score']:g} points; {len(data.get('tests', []))} tests -> {results_path}")
    return 0


def validate_results(d: dict) -> list[str]:
    """Problems with a results.json against Gradescope's documented format (empty if fine)."""
    errs = []
    if not isinstance(d, dict):
        return ["results.json is not a JSON object"]
    for k in d:
        if k not in TOP_FIELDS:
            errs.append(f"unknown top-level field {k!r}")
    tests = d.get("tests")
    if "score" not in d and not (isinstance(tests, list) and tests and all("score" in t for t in tests)):
        errs.append("score is required (at the top level or on every test)")
    if "score" in d and not isinstance(d["score"], (int, float)):
        errs.append("score must be a number")
    if "execution_time" in d and not isinstance(d["execution_time"], int):
        errs.append("execution_time must be an integer number of seconds")
    for k in ("output", "output_format"):
        if k in d and not isinstance(d[k], str):
            errs.append(f"{k} must be a string")
    for k in ("visibility", "stdout_visibility"):
        if k in d and d[k] not in VISIBILITIES:
            errs.append(f"{k} {d[k]!r} is not one of {sorted(VISIBILITIES)}")
    if tests is not None and not isinstance(tests, list):
        errs.append("tests must be a list")
        tests = []
    for i, t in enumerate(tests or []):
        where = f"tests[{i}]"
        if not isinstance(t, dict):
            errs.append(f"{where} is not an object")
            continue
        for k in t:
            if k not in TEST_FIELDS:
                errs.append(f"{where}: unknown field {k!r}")
        for k in ("score", "max_score"):
            if k in t and not isinstance(t[k], (int, float)):
                errs.append(f"{where}.{k} must be a number")
        if "status" in t and t["status"] not in ("passed", "failed"):
            errs.append(f"{where}.status must be passed or failed")
        if "visibility" in t and t["visibility"] not in VISIBILITIES:
            errs.append(f"{where}.visibility {t['visibility']!r} is invalid")
        for k in ("name", "output", "number"):
            if k in t and not isinstance(t[k], str):
                errs.append(f"{where}.{k} must be a string")
        if "tags" in t and not (isinstance(t["tags"], list) and all(isinstance(x, str) for x in t["tags"])):
            errs.append(f"{where}.tags must be a list of strings")
    if isinstance(d.get("score"), (int, float)) and tests and all("score" in t for t in tests):
        total = sum(t["score"] for t in tests)
        if abs(total - d["score"]) > 1e-6:
            errs.append(f"score {d['score']} differs from the sum of the tests' scores {total}")
    return errs


if __name__ == "__main__":
    sys.exit(main())
