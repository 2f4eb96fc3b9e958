"""`course grade` and `course check`: batches, formats, resume, crash safety, exit codes."""
import csv
import io
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
    assert code == 1  # one submission could not be read: the exit status says so
    names = sorted(os.listdir(out))
    assert {"grades.csv", "grades.md", "grades.html"} <= set(names) and not [n for n in names if ".partial" in n]
    for stem in ("solutions", "returns_input", "missing"):
        for suf in (".json", ".gradescope.json", ".md", ".html"):
            assert stem + suf in names
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    assert len(rows) == 3 and rows["solutions"]["autograded"] == "7" and rows["solutions"]["status"] == "ok"
    assert rows["missing"]["status"].startswith("not graded:") and "does not exist" in rows["missing"]["status"]
    assert json.loads((out / "missing.json").read_text())["error"].endswith("does not exist")
    printed = capsys.readouterr().out
    assert "3 graded" in printed and "could not be read" in printed and "missing:" in printed


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
            d["record"].pop("graded_at")
            for c in d["checks"]:
                c.pop("duration")
        assert a == b
        graded = [c["id"] for c in a["checks"] if c["status"] != "skipped"]
        assert graded == ["example.scale_backward", "example.mean_rows"] and len(a["checks"]) == 5
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


# -- a gradebook that accumulates: each loss case of issue 12 (each fails against the old batch) --------------

SCALE = ["--only", "example.scale_forward", "--only", "example.scale_shapes"]


def _student(tmp_path, name, src=REPO / "solutions" / "example", edit=None):
    d = tmp_path / "subs" / name / "starter" / "example"
    if d.exists():
        shutil.rmtree(d)
    shutil.copytree(src, d, ignore=shutil.ignore_patterns("__pycache__", "notebooks"))
    if edit:
        ops = d / "ops.py"
        ops.write_text(ops.read_text().replace(*edit))
    return str(d.parent.parent)


def _book(out):
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


def _record(out, name):
    return json.loads((out / f"{name}.json").read_text())


def test_only_merges_into_the_existing_record(tmp_path):
    out = tmp_path / "out"
    alice = _student(tmp_path, "alice")
    assert main(["grade", "example", alice, "--out", str(out), "--no-progress", *SCALE]) == 0
    assert main(["grade", "example", alice, "--out", str(out), "--no-progress", "--only", "2"]) == 0
    rec = _record(out, "alice")
    assert rec["score"] == 4 and rec["max_score"] == 7  # 3 (first command) + 1 (second); nothing replaced
    assert {c["id"]: c["status"] for c in rec["checks"]}["example.scale_forward"] == "passed"
    row = _book(out)["alice"]
    assert row["autograded"] == "4" and row["1 (6)"] == "3" and row["2 (1)"] == "1"
    assert row["status"] == "partly graded (--only)"
    # the rest graded later: the record becomes complete, the earlier checks are kept
    assert main(["grade", "example", alice, "--out", str(out), "--no-progress", "--only", "example.scale_backward",
                 "--only", "example.scale_gradcheck"]) == 0
    assert _book(out)["alice"]["autograded"] == "7" and _book(out)["alice"]["status"] == "ok"


def test_gradebook_accumulates_across_commands(tmp_path):
    out = tmp_path / "out"
    for name in ("alice", "bob"):  # e.g. a late submission graded the next day into the same folder
        assert main(["grade", "example", _student(tmp_path, name), "--out", str(out), "--no-progress", *SCALE]) == 0
    assert sorted(_book(out)) == ["alice", "bob"]
    # parts in handout order (suite.parts), even when the first record graded part 2 only
    assert main(["grade", "example", _student(tmp_path, "carol"), "--out", str(out), "--no-progress",
                 "--only", "2"]) == 0
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert header.index("1 (6)") < header.index("2 (1)") and sorted(_book(out)) == ["alice", "bob", "carol"]


def test_resume_regrades_a_changed_resubmission(tmp_path):
    out = tmp_path / "out"
    alice = _student(tmp_path, "alice")
    bob = _student(tmp_path, "bob")
    assert main(["grade", "example", alice, bob, "--out", str(out), "--no-progress", *SCALE]) == 0
    assert _record(out, "alice")["score"] == 3
    bob_before = (out / "bob.json").stat().st_mtime_ns
    _student(tmp_path, "alice", edit=("out = a * x", "out = 2 * a * x"))  # resubmitted, now wrong
    from autograder.engine.batch import grade_batch

    rep = grade_batch("example", [alice, bob], out, formats=("json", "csv"), resume=True, progress=False,
                      grade_kwargs={"only": SCALE[1::2]})
    assert rep.graded == ["alice"] and rep.skipped == ["bob"]
    assert _record(out, "alice")["score"] < 3 and (out / "bob.json").stat().st_mtime_ns == bob_before


def test_default_out_is_one_folder_per_homework(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["grade", "example", _student(tmp_path, "alice"), "--no-progress", "--only", "2"]) == 0
    assert (tmp_path / "out" / "grades" / "example" / "alice.json").is_file()
    assert not (tmp_path / "out" / "grades" / "grades.csv").exists()


def test_results_are_private(tmp_path):
    out = tmp_path / "out"
    assert main(["grade", "example", _student(tmp_path, "alice"), "--out", str(out), "--no-progress",
                 "--format", "json,csv,md", "--only", "2"]) == 0
    assert out.stat().st_mode & 0o077 == 0
    for p in out.iterdir():
        assert p.stat().st_mode & 0o077 == 0, p


def test_report_rerenders_from_the_records(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", "example", _student(tmp_path, "alice"), _student(tmp_path, "bob"), "--out", str(out),
                 "--no-progress", "--only", "1"]) == 0
    book = (out / "grades.csv").read_text()
    for p in out.glob("*"):
        if p.suffix in (".csv", ".md", ".html"):
            p.unlink()
    assert main(["report", "example", str(out)]) == 0
    assert (out / "grades.csv").read_text() == book
    md = (out / "alice.md").read_text()
    assert "## Part 1: scale layer" in md and "still to be graded by hand" in md
    assert (out / "grades.html").is_file() and (out / "bob.html").is_file()
    assert main(["report", "example", str(tmp_path / "nothing")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_roster_canvas_names_and_late_flags(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (123)\n"
                      "    Points Possible,,,,,10\n"
                      "\"Lovelace, Ada\",1001,S1,ada,Sec A,\n"
                      "\"Turing, Alan\",1002,S2,alan,Sec A,\n"
                      "\"Hopper, Grace\",1003,S3,grace,Sec B,\n")
    subs = tmp_path / "canvas"
    subs.mkdir()
    # Canvas's download names: <name>[_LATE]_<user id>_<submission id>_<file>
    on_time = subs / "lovelaceada_1001_555_hw.zip"
    late = subs / "turingalan_LATE_1002_556_hw.zip"
    for z in (on_time, late):
        import zipfile

        with zipfile.ZipFile(z, "w") as zf:
            zf.write(REPO / "solutions" / "example" / "ops.py", "starter/example/ops.py")
    out = tmp_path / "out"
    assert main(["grade", "example", str(on_time), str(late), "--out", str(out), "--no-progress", "--only", "2",
                 "--roster", str(roster), "--due", "2100-01-01T00:00"]) == 0
    book = _book(out)
    assert sorted(book) == ["ada", "alan"] and book["ada"]["name"] == "Lovelace, Ada"
    assert book["ada"]["late"] == "no" and book["alan"]["late"] == "yes"  # Canvas marked it late
    assert book["ada"]["submission"] == on_time.name and book["ada"]["submitted"]
    canvas = list(csv.reader(io.StringIO((out / "grades-canvas.csv").read_text())))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0].strip() == "Points Possible"
    assert [r[5] for r in canvas[2:]] == ["1", "1", ""]  # Grace handed nothing in
    # the deadline decides for a submission Canvas did not mark
    assert main(["report", "example", str(out), "--due", "2000-01-01T00:00"]) == 0
    assert _book(out)["ada"]["late"] == "yes"


# -- clean errors, no silent zeros -----------------------------------------------------------------------------

@pytest.mark.parametrize("argv,words", [
    (["list", "nosuchhw"], "no homework 'nosuchhw'"),
    (["grade", "example", "x", "--only", "nosuchcheck"], "--only nosuchcheck: no such check or part"),
    (["check", "example", "x", "--only", "nosuchcheck"], "no such check or part"),
    (["grade", "example", "x", "--out", "/dev/null/grades"], "cannot write to --out /dev/null/grades"),
    (["grade", "example", "x", "--due", "friday"], "not a time"),
    (["grade", "example", "x", "--roster", "/nonexistent.csv"], "--roster"),
])
def test_user_mistakes_are_clean_errors(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "grades.csv"
    f.write_text("x")
    assert main(["grade", "example", str(tmp_path), "--out", str(f), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err


def test_unreadable_submissions_are_listed_and_fail_the_batch(tmp_path, capsys):
    import zipfile

    bad = tmp_path / "subs"
    bad.mkdir()
    (bad / "empty").mkdir()
    (bad / "corrupt.zip").write_bytes(b"PK\x03\x04junk")
    with zipfile.ZipFile(bad / "notebook.zip", "w") as zf:
        zf.writestr("hw.ipynb", "{}")
    liar = bad / "liar.zip"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(REPO / "solutions" / "example" / "ops.py", "starter/example/ops.py")
    data = bytearray(liar.read_bytes())
    for sig, off in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # uncompressed size: 10 bytes (a lie)
        i = data.find(sig)
        data[i + off:i + off + 4] = (10).to_bytes(4, "little")
    liar.write_bytes(bytes(data))
    subs = [str(p) for p in sorted(bad.iterdir())]
    assert main(["grade", "example", *subs, "--out", str(tmp_path / "out"), "--no-progress", "--only", "2"]) == 1
    out = capsys.readouterr().out
    assert "4 could not be read" in out and "0 failed inside the grader" in out
    for words in ("empty: the submission is empty", "corrupt: corrupt.zip is not a readable zip",
                  "notebook: notebook.zip holds only notebooks", "liar: liar.zip is not a readable zip"):
        assert words in out, words
    assert "internal grader error" not in out


def test_progress_in_a_log_is_one_line_per_submission(tmp_path, capsys):
    assert main(["grade", "example", _student(tmp_path, "alice"), "--out", str(tmp_path / "out"),
                 "--only", "2"]) == 0
    err = capsys.readouterr().err
    assert "[1/1] alice: 1/7" in err and "\r" not in err


def _slow_correct(tmp_path, name="zz_slow", seconds=2.0):
    """A correct submission whose every call sleeps first: a batch holding it cannot finish
    before an interrupt sent as soon as the first record appears (timing-independent tests)."""
    d = tmp_path / "subs" / name / "example"
    shutil.copytree(REPO / "solutions" / "example", d)
    ops = d / "ops.py"
    text = ops.read_text().replace("import numpy as np", f"import numpy as np\nimport time as _t\n_t.sleep({seconds})", 1)
    ops.write_text(text)
    return str(d.parent)


def test_sigint_says_how_to_resume(tmp_path):
    subs = copies(tmp_path, 2) + [_slow_correct(tmp_path, seconds=5.0)]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", "example", *subs, "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: an ignored SIGINT (a test worker may ignore it, e.g. after an
                            # in-process Dask worker) would be inherited through exec, and Python keeps it ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("student*.json")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "--resume" in err and "Traceback" not in err


def test_check_lists_the_stubs_left(tmp_path, capsys):
    """Public checks pass, but mean_rows (no public check) is still a stub: exit 1, and it is named."""
    sub = _student(tmp_path, "alice")
    ops = tmp_path / "subs" / "alice" / "starter" / "example" / "ops.py"
    stub = (REPO / "starter" / "example" / "ops.py").read_text()
    start = stub.index("def mean_rows")
    text = ops.read_text()
    ops.write_text(text[:text.index("def mean_rows")] + stub[start:])
    assert main(["check", "example", sub]) == 1
    out = capsys.readouterr().out
    assert "score: 2 / 2" in out and "still stubs" in out and "ops.py: mean_rows" in out


@pytest.mark.filterwarnings("ignore::Warning")  # SQLAlchemy's about nbgrader's own session use
def test_hand_graded_columns_come_from_nbgrader(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    course.mkdir()
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nncourse") as gb:
        gb.add_assignment("example")
        gb.add_notebook("example", "example")
        gb.add_grade_cell("example-written-da_sum", "example", "example", max_score=1, cell_type="markdown")
        gb.add_solution_cell("example-written-da_sum", "example", "example")
        for s in ("alice", "bob"):
            gb.add_student(s)
            gb.add_submission("example", s)
        gb.find_grade("example-written-da_sum", "example", "example", "alice").manual_score = 0.5
        gb.db.commit()
    out = tmp_path / "out"
    subs = [_student(tmp_path, "alice"), _student(tmp_path, "bob")]
    assert main(["grade", "example", *subs, "--out", str(out), "--no-progress", "--only", "2", "--format", "json,md",
                 "--nbgrader", str(course)]) == 0
    book = _book(out)
    assert book["alice"]["by hand 1 (1)"] == "0.5" and book["alice"]["by hand"] == "0.5"
    assert book["alice"]["total"] == "1.5"
    assert book["bob"]["by hand 1 (1)"] == "" and book["bob"]["total"] == "1"
    assert "Graded by hand: 0.5 / 1" in (out / "alice.md").read_text()
    assert "1 point(s) of written answers are still to be graded by hand" in (out / "bob.md").read_text()


def test_a_batch_asked_to_stop_ends_as_an_interrupt_with_the_records_so_far(tmp_path):
    """grade_batch(stop=): the CLI's fallback for a SIGINT whose KeyboardInterrupt was lost."""
    from autograder.engine.batch import grade_batch

    subs = copies(tmp_path, 3)
    out = tmp_path / "out"
    asked = []
    with pytest.raises(KeyboardInterrupt):
        grade_batch("example", subs, out, formats=("json",), progress=False,
                    stop=lambda: asked.append(1) or len(asked) >= 2)
    assert sorted(p.name for p in out.glob("student*.json")) == ["student00.json", "student01.json"]
    assert len(asked) == 2


def test_the_cli_watches_sigint_only_where_python_s_default_handler_is_in_place():
    from autograder.cli.grade import _watch_interrupts

    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # a test worker may have changed it
    try:
        seen, restore = _watch_interrupts()
        try:
            with pytest.raises(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
            assert seen.is_set()
        finally:
            restore()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a background job's ignored SIGINT stays ignored
        seen, restore = _watch_interrupts()
        restore()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN and not seen.is_set()
    finally:
        signal.signal(signal.SIGINT, before)
