"""`course grade` and `course check`: batches, formats, resume, crash safety, exit codes."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder.cli import main
from autograder.engine.batch import stems_for

from .conftest import FIXTURES, REPO


def copies(tmp_path, n, src=REPO / "solutions" / "example"):
    subs = []
    for i in range(n):
        d = tmp_path / "subs" / f"student{i:02d}" / "example"
        shutil.copytree(src, d)
        subs.append(str(d.parent))
    return subs


def test_grade_batch_all_formats(tmp_path, capsys):
    subs = [str(REPO / "solutions"), str(FIXTURES / "returns_input"), str(FIXTURES / "infinite_loop"),
            str(tmp_path / "missing")]
    out = tmp_path / "out"
    # the infinite loop costs its checks' full time limits (30 s each): grade it with one check only
    code = main(["grade", "example", *subs[:2], subs[3], "--out", str(out), "--format", "json,gradescope,csv,md,html",
                 "--no-progress"])
    assert code == 0
    names = sorted(os.listdir(out))
    assert "grades.csv" in names and ".partial" not in names
    for stem in ("solutions", "returns_input", "missing"):
        for suf in (".json", ".gradescope.json", ".md", ".html"):
            assert stem + suf in names
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 4 and rows[1].split(",")[4] == "7"
    assert json.loads((out / "missing.json").read_text())["error"].endswith("does not exist")
    assert "3 graded" in capsys.readouterr().out


def test_bad_arguments(tmp_path):
    assert main(["grade", "nohw", str(tmp_path), "--no-progress"]) == 2
    assert main(["grade", "example", str(tmp_path), "--format", "pdf", "--no-progress"]) == 2
    assert main(["grade", "example", str(tmp_path), "--jobs", "0", "--no-progress"]) == 2


def test_parallel_equals_serial_and_resume_skips(tmp_path):
    subs = copies(tmp_path, 2) + [str(FIXTURES / "buggy_factor")]
    only = ["--only", "example.scale_backward", "--only", "2"]
    main(["grade", "example", *subs, "--out", str(tmp_path / "a"), "--no-progress", "--jobs", "1", *only])
    main(["grade", "example", *subs, "--out", str(tmp_path / "b"), "--no-progress", "--jobs", "2", *only])
    for stem in stems_for(subs):
        a = json.loads((tmp_path / "a" / f"{stem}.json").read_text())
        b = json.loads((tmp_path / "b" / f"{stem}.json").read_text())
        for d in (a, b):
            d.pop("duration")
            for c in d["checks"]:
                c.pop("duration")
        assert a == b and [c["id"] for c in a["checks"]] == ["example.scale_backward", "example.mean_rows"]
    assert (tmp_path / "a" / "grades.csv").read_text() == (tmp_path / "b" / "grades.csv").read_text()
    before = (tmp_path / "a" / "student00.json").stat().st_mtime_ns
    os.unlink(tmp_path / "a" / "student01.json")
    from autograder.engine.batch import grade_batch

    rep = grade_batch("example", subs, tmp_path / "a", formats=("json", "csv"), resume=True, progress=False,
                      grade_kwargs={"only": ["example.mean_rows"]})
    assert sorted(rep.skipped) == ["buggy_factor", "student00"] and rep.graded == ["student01"]
    assert (tmp_path / "a" / "student00.json").stat().st_mtime_ns == before


def test_sigkill_loses_nothing_and_leaves_no_partial_file(tmp_path):
    subs = copies(tmp_path, 5)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", "example", *subs, "--out", str(out),
           "--format", "json,gradescope,md,html,csv", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120

    def finished():
        return sorted(p.name for p in out.glob("student*.json") if not p.name.endswith(".gradescope.json"))

    while time.monotonic() < deadline and not finished():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = finished()
    assert 1 <= len(done) < 5
    for p in out.iterdir():  # every visible file is complete
        if p.is_file():
            assert not p.name.startswith(".") and not p.name.endswith(".tmp")
            text = p.read_text()
            if p.suffix == ".json":
                json.loads(text)
            elif p.suffix == ".html":
                assert text.rstrip().endswith("</html>")
    for name in done:  # a finished submission has all its files
        stem = name[:-5]
        for suf in (".gradescope.json", ".md", ".html"):
            assert (out / (stem + suf)).is_file()
    code = main(["grade", "example", *subs, "--out", str(out), "--format", "json,csv", "--resume", "--no-progress"])
    assert code == 0
    assert len(list(out.glob("student*.md"))) >= len(done)
    assert len((out / "grades.csv").read_text().splitlines()) == 6
    assert not (out / ".partial").exists()


def test_check_exit_codes(tmp_path, capsys):
    assert main(["check", "example", str(REPO / "solutions")]) == 0
    out = capsys.readouterr().out
    assert "✓ scale_shapes" in out and "score: 2 / 2" in out and "mean_rows" not in out
    assert main(["check", "example", str(FIXTURES / "wrong_shape")]) == 1
    out = capsys.readouterr().out
    assert "✗ scale_shapes" in out and "shape (24,), expected (3, 4, 2)" in out
    assert main(["check", "example"]) == 1  # the installed starter: blank stubs
    assert "not implemented" in capsys.readouterr().out


def test_check_default_path_is_the_starter_parent():
    from autograder.cli.check import default_path

    assert (default_path() / "starter" / "__init__.py").is_file()


def test_a_grader_crash_on_one_submission_does_not_stop_the_batch(tmp_path, monkeypatch):
    from autograder.engine import batch

    real = batch.grade_submission

    def flaky(hw, path, **kw):
        if "boom" in str(path):
            raise RuntimeError("grader bug")
        return real(hw, path, **kw)

    monkeypatch.setattr(batch, "grade_submission", flaky)
    subs = [tmp_path / "boom", FIXTURES / "returns_input"]
    rep = batch.grade_batch("example", subs, tmp_path / "out", formats=("json", "md", "csv"), progress=False,
                            grade_kwargs={"only": ["example.scale_forward"]})
    assert rep.failed == ["boom"] and rep.graded == ["returns_input"]
    boom = json.loads((tmp_path / "out" / "boom.json").read_text())
    assert boom["score"] == 0 and "internal grader error" in boom["error"]
    assert "grader bug" not in (tmp_path / "out" / "boom.md").read_text()
    assert "RuntimeError" in boom["checks"][0]["log"]
