"""`make demo` (``autograder.demo``) on the example homework: quick (one submission, an nbgrader
round trip, a Gradescope run after its setup.sh) and ``--full`` (every sample); a wrong score fails it."""
import json
import stat

from autograder import demo
from autograder.instructor import samples as samples_mod


def test_the_quick_demo_grades_one_submission_through_each_front_end(tmp_path, capsys):
    code = demo.main(["--homework", "example", "--skip-data", "--jobs", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["problems"] == [] and summary["full"] is False
    rows = summary["homeworks"]["example"]["samples"]
    assert set(rows) == {demo.QUICK_SAMPLE}
    r = rows[demo.QUICK_SAMPLE]
    assert r["cli"] == r["expected"] == r["nbgrader"]
    gs = summary["homeworks"]["example"]["gradescope"]
    assert gs["sample"] == demo.GRADESCOPE_SAMPLE and gs["problems"] == [] and gs["score"] == r["cli"]
    assert gs["setup_seconds"] is not None  # run as in production: setup.sh first
    assert list((tmp_path / "feedback" / "nbgrader" / "example").glob(f"{demo.QUICK_SAMPLE}-*.html"))
    assert f"---- feedback: example/{demo.QUICK_SAMPLE}" in out and "# Feedback:" in out  # printed for the reader
    assert "all scores as expected" in out
    for d in (tmp_path, tmp_path / "course"):  # hidden material: private, as `course release` makes it
        assert stat.S_IMODE(d.stat().st_mode) & 0o077 == 0, d
    page = tmp_path / "class" / "example" / "class.html"  # the demo ends with the class view
    assert summary["class_reports"] == {"example": str(page)} and f"class report example  {page}" in out
    assert "<img" in page.read_text() and (page.parent / "class.md").is_file()


def test_the_full_demo_grades_every_sample_and_a_wrong_score_fails_it(tmp_path, capsys, monkeypatch):
    real = samples_mod.load_samples

    def with_a_wrong_expectation(hw, *a, **k):
        out = real(hw, *a, **k)
        for s in out:
            if s.name == "blank":
                s.expect = dict(s.expect, cli=1)
        return out

    monkeypatch.setattr(samples_mod, "load_samples", with_a_wrong_expectation)
    code = demo.main(["--full", "--homework", "example", "--skip-data", "--skip-nbgrader", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "example-blank: score 0, expected 1" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["problems"] == ["example-blank: score 0, expected 1"]
    rows = summary["homeworks"]["example"]["samples"]
    assert set(rows) == {"perfect", "blank", "partial", "buggy", "adversarial"}
    for name, r in rows.items():
        assert name == "blank" or r["cli"] == r["expected"], name
        assert (tmp_path / "feedback" / "cli" / "example" / f"{name}.html").is_file()
    assert summary["homeworks"]["example"]["gradescope"]["problems"] == []
    assert "example    perfect" in out
    md = (tmp_path / "class" / "example" / "class.md").read_text()  # the class view of the five samples
    assert "5 record(s): 5 graded" in md and "min 0, max 7" in md  # blank 0 ... perfect 7
    assert summary["class_reports"]["example"].endswith("class.html")
