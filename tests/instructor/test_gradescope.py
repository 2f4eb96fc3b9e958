"""`course export gradescope`: the zip, and its run_autograder in a mock /autograder tree."""
from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from autograder.instructor.gradescope import unpack, validate_results
from autograder.instructor.samples import load_samples


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    from autograder.cli import main

    out = tmp_path_factory.mktemp("gs") / "example.zip"
    with redirect_stdout(io.StringIO()):
        assert main(["export", "gradescope", "example", "--out", str(out)]) == 0
    return out


def _run(zip_path, tmp_path, submission: Path | None, flat=False):
    root = tmp_path / "autograder"
    unpack(zip_path, root)
    (root / "results").mkdir()
    sub = root / "submission"
    sub.mkdir()
    if submission is not None:
        if flat:  # a Gradescope upload of the bare files
            for f in (submission / "starter" / "example").iterdir():
                shutil.copyfile(f, sub / f.name)
        else:
            shutil.copytree(submission, sub, dirs_exist_ok=True)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    proc = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=600)
    res = root / "results" / "results.json"
    assert res.is_file(), proc.stdout + proc.stderr
    return json.loads(res.read_text())


def test_zip_layout(zip_path):
    zf = zipfile.ZipFile(zip_path)
    names = set(zf.namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    for n in ("setup.sh", "run_autograder"):
        assert (zf.getinfo(n).external_attr >> 16) & stat.S_IXUSR
    assert "autograder/example/hidden.py" in names and "solutions/example/ops.py" in names
    assert not any(n.startswith(("tests/", "solutions/example/notebooks")) for n in names)
    reqs = zf.read("requirements.txt").decode().split()
    assert "torch==2.13.0" in reqs and not any(r.startswith("nbgrader") for r in reqs)
    setup = zf.read("setup.sh").decode()
    assert "download.pytorch.org/whl/cpu" in setup and "pip install" in setup


def test_scripts_are_valid_bash(zip_path, tmp_path):
    src = unpack(zip_path, tmp_path)
    for n in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", str(src / n)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name,flat", [("perfect", False), ("buggy", True)])
def test_run_autograder_writes_valid_results(zip_path, tmp_path, name, flat):
    sample = next(s for s in load_samples("example") if s.name == name)
    data = _run(zip_path, tmp_path, sample.materialize(tmp_path / "sub"), flat=flat)
    assert validate_results(data) == []
    assert data["score"] == sample.expect["cli"]
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_published"}
    assert sum(t["max_score"] for t in data["tests"]) == 7
    assert isinstance(data["execution_time"], int)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        if t["visibility"] != "visible":
            assert "expected" not in t["output"] and "got" not in t["output"]


def test_an_empty_submission_still_gets_results(zip_path, tmp_path):
    data = _run(zip_path, tmp_path, None)
    assert validate_results(data) == []
    assert data["score"] == 0


def test_validator_rejects_malformed_results():
    assert validate_results({"score": "7", "tests": [{"status": "ok", "visibility": "students", "bogus": 1}]})
    assert validate_results({"score": 3, "tests": [{"score": 1, "max_score": 1}]})  # sum differs
    assert validate_results({"tests": []})  # no score anywhere
