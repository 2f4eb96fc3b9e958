"""`make demo` (``autograder.demo``) on the example homework: every sample graded by the CLI,
perfect and partial by nbgrader, partial by the Gradescope export; a wrong score fails it."""
import json

from autograder import demo
from autograder.instructor import samples as samples_mod


def test_the_demo_grades_every_sample_and_writes_the_reports(tmp_path, capsys):
    code = demo.main(["--homework", "example", "--skip-data", "--jobs", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["problems"] == []
    rows = summary["homeworks"]["example"]["samples"]
    assert set(rows) == {"perfect", "blank", "partial", "buggy", "adversarial"}
    for name, r in rows.items():
        assert r["cli"] == r["expected"], name
        assert ("nbgrader" in r) == (name in demo.NBGRADER_SAMPLES), name
    assert rows["perfect"]["nbgrader"] == rows["perfect"]["max"] == 7
    gs = summary["homeworks"]["example"]["gradescope"]
    assert gs["sample"] == demo.GRADESCOPE_SAMPLE and gs["problems"] == [] and gs["score"] == rows["partial"]["cli"]
    for name in rows:
        assert (tmp_path / "feedback" / "cli" / "example" / f"{name}.html").is_file()
    assert list((tmp_path / "feedback" / "nbgrader" / "example").glob("perfect-*.html"))
    assert "all scores as expected" in out and "example    perfect" in out


def test_a_score_that_differs_from_the_expected_one_fails_the_demo(tmp_path, capsys, monkeypatch):
    real = samples_mod.load_samples

    def with_a_wrong_expectation(hw, *a, **k):
        out = real(hw, *a, **k)
        for s in out:
            if s.name == "blank":
                s.expect = dict(s.expect, cli=1)
        return out

    monkeypatch.setattr(samples_mod, "load_samples", with_a_wrong_expectation)
    code = demo.main(["--homework", "example", "--skip-data", "--skip-nbgrader", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "example-blank: score 0, expected 1" in out
    assert json.loads((tmp_path / "summary.json").read_text())["problems"] == ["example-blank: score 0, expected 1"]
