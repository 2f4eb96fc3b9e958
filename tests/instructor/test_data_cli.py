"""`course data <homework>`: every dataset and grader cache of a homework, up front, in the one
folder it names ($NNCOURSE_DATA), one step at a time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autograder.cli.data import homework_steps

REPO = Path(__file__).resolve().parents[2]


def test_every_homework_lists_its_datasets_then_its_grader_caches():
    labels = [label for label, _ in homework_steps("nist36")]
    assert labels == ["dataset nist36", "dataset cifar10", "nist36 grader caches"]
    assert [label for label, _ in homework_steps("lenet")] == ["dataset mnist"]
    assert homework_steps("fer")[-1][0] == "fer grader caches"


def test_data_for_a_homework_writes_into_nncourse_data_and_says_where(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "NNCOURSE_DATA": str(tmp_path / "mine"), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "autograder", "data", "lenet", "--no-progress"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-2000:]
    assert f"data and grader caches: {tmp_path / 'mine'} ($NNCOURSE_DATA)" in out
    assert "dataset mnist: ready" in out
    assert (tmp_path / "mine" / "mnist" / "mnist_all.mat").is_file()


def test_without_nncourse_data_the_folder_is_named_not_silent(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "autograder", "data"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    assert f"data and grader caches: {REPO / 'data'} ($NNCOURSE_DATA is not set" in proc.stdout
    assert "homeworks" in proc.stdout


def test_grading_without_nncourse_data_says_where_its_caches_go(tmp_path, monkeypatch, capsys):
    from autograder.cli import main

    monkeypatch.delenv("NNCOURSE_DATA", raising=False)
    main(["grade", "example", str(tmp_path / "nobody"), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert f"note: data and grader caches: {REPO / 'data'} ($NNCOURSE_DATA is not set" in err
    assert "`course data example` builds them before grading" in err


def test_grading_first_makes_the_public_data_readable_by_the_sandboxed_kernels(tmp_path):
    """`course grade` writes privately (umask 077); a data set it had to make on the way would be
    0700 too, and the course's sandboxed kernels (another user) could not read it. It makes a
    missing homework's data first, with the umask it was started with."""
    import os
    import stat

    from autograder.instructor.samples import load_samples

    blank = next(s for s in load_samples("lenet") if s.name == "blank").materialize(tmp_path / "blank")
    env = {"PATH": "/usr/bin:/bin", "NNCOURSE_DATA": str(tmp_path / "data"), "HOME": str(tmp_path),
           "NNCOURSE_GRADER_SEEDS": os.environ.get("NNCOURSE_GRADER_SEEDS", "")}
    proc = subprocess.run(["/bin/sh", "-c", 'umask 022 && exec "$0" "$@"', sys.executable, "-m", "autograder",
                           "grade", "lenet", str(blank), "--out", str(tmp_path / "out"), "--jobs", "1"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), (proc.stdout + proc.stderr)[-3000:]
    assert "lenet's data sets are missing: making them first" in proc.stderr
    made = tmp_path / "data" / "mnist"
    assert stat.S_IMODE(made.stat().st_mode) & 0o005 == 0o005, oct(made.stat().st_mode)
    assert stat.S_IMODE((made / "mnist_all.mat").stat().st_mode) & 0o004
    assert not [p for p in (tmp_path / "out").rglob("*") if stat.S_IMODE(p.stat().st_mode) & 0o077]  # results stay private
