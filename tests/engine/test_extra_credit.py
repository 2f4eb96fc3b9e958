"""Extra credit (``Suite.extra_credit``): counted in a student's total, never in the maximum, in
results, feedback, the gradebook, the Canvas export (three modes) and Gradescope's results.json;
records written before it existed still load."""
import csv
import io
import json
import sys
import types

import pytest

from autograder.engine import Suite
from autograder.engine import batch, writers
from autograder.engine.checks import check
from autograder.engine.results import CheckResult, SubmissionResult
from autograder.instructor.gradescope import validate_results

HW = "ectest"  # a homework made up here: parts A (regular) and B (extra credit), each with a check
MANUAL = {"ectest-written-a": ("A", 4), "ectest-written-b": ("B", 6)}


def _check(cid, part, points):
    def f(t):  # never run: the records below stand for graded submissions
        raise AssertionError

    f.__module__ = f"autograder.{HW}.public"
    return check(cid, part=part, points=points, hidden=False)(f)


@pytest.fixture(scope="module")
def suite():
    mods = {f"autograder.{HW}": types.ModuleType(f"autograder.{HW}"),
            f"autograder.{HW}.public": types.ModuleType(f"autograder.{HW}.public")}
    saved = {k: sys.modules.get(k) for k in mods}
    sys.modules.update(mods)
    _check(f"{HW}.a1", "A", 6)
    _check(f"{HW}.a2", "A", 4)
    _check(f"{HW}.b1", "B", 5)
    s = Suite(homework=HW, title="extra credit test", parts={"A": "regular", "B": "bonus"},
              modules=("public",), manual_points=dict(MANUAL), extra_credit=("B",))
    mods[f"autograder.{HW}"].SUITE = s
    yield s
    for k, v in saved.items():
        if v is None:
            sys.modules.pop(k, None)
        else:
            sys.modules[k] = v


def _result(a1=6.0, a2=0.0, b1=5.0, ec=("B",)) -> SubmissionResult:
    def cr(cid, part, pts, score):
        return CheckResult(f"{HW}.{cid}", cid, part, pts, score, "passed" if score == pts else "failed",
                           "" if score == pts else "wrong")
    return SubmissionResult(HW, "s.zip", [cr("a1", "A", 6, a1), cr("a2", "A", 4, a2), cr("b1", "B", 5, b1)],
                            extra_credit_parts=list(ec))


def test_maximum_excludes_extra_credit_and_total_includes_it():
    r = _result(a1=6, a2=0, b1=5)
    assert (r.score, r.max_score) == (6, 10)
    assert (r.extra_credit, r.extra_credit_max) == (5, 5)
    assert r.total == 11
    full = _result(a1=6, a2=4, b1=5)
    assert full.total == 15 and full.total > full.max_score  # a bonus can take a student above the maximum
    d = full.to_dict()
    assert (d["score"], d["max_score"], d["extra_credit"], d["extra_credit_max"], d["total"]) == (10, 10, 5, 5, 15)
    none = _result(ec=())
    assert (none.score, none.max_score, none.extra_credit, none.total) == (11, 15, 0, 11)


def test_records_round_trip_and_old_records_load():
    r = _result()
    back = SubmissionResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back.extra_credit_parts == ["B"] and (back.score, back.max_score, back.total) == (6, 10, 11)
    old = r.to_dict()
    for k in ("extra_credit_parts", "extra_credit", "extra_credit_max", "total"):
        del old[k]  # a record written before extra credit existed
    legacy = SubmissionResult.from_dict(old)
    assert legacy.extra_credit_parts == [] and (legacy.score, legacy.max_score, legacy.total) == (11, 15, 11)
    # the suite of today decides for it when it is given
    today = SubmissionResult.from_dict(old, extra_credit_parts=["B"])
    assert (today.score, today.max_score, today.extra_credit) == (6, 10, 5)


def test_suite_refuses_an_extra_credit_part_it_does_not_have():
    with pytest.raises(ValueError, match="extra_credit names parts the suite does not have"):
        Suite(homework="x", title="x", parts={"A": "a"}, extra_credit=("Q9",))


def test_feedback_shows_extra_credit_on_its_own():
    r = _result()
    line = "Autograded score: 6 / 10; extra credit: 5 / 5 (total 11 / 10)"
    md = writers.to_markdown(r, parts={"A": "regular", "B": "bonus"})
    assert line in md and "## Part B: bonus (extra credit) (5 / 5)" in md
    assert "Part A: regular (6 / 10)" in md
    page = writers.to_html(r, parts={"A": "regular", "B": "bonus"})
    assert line in page and "Part B: bonus (extra credit)" in page
    assert "score: 6 / 10; extra credit: 5 / 5 (total 11 / 10)" in writers.check_table(r, width=100)
    plain = writers.to_markdown(_result(ec=()))
    assert "**Autograded score: 11 / 15**" in plain and "extra credit" not in plain


def test_gradescope_score_includes_extra_credit():
    r = _result()
    gs = writers.to_gradescope(r)
    assert gs["score"] == 11  # Gradescope takes a score above the assignment's points
    assert validate_results(gs) == []
    b1 = next(t for t in gs["tests"] if "b1" in t["name"])
    assert "extra credit" in b1["tags"] and b1["name"].endswith("(extra credit)")
    assert "extra credit: 5 / 5" in gs["output"]


def _records(r: SubmissionResult, manual=None, student="s1") -> dict:
    d = r.to_dict()
    d["record"] = {"student": student, "submission": "s.zip", "manual": manual}
    return {student: d}


def test_gradebook_columns(suite):
    header, rows = batch.gradebook_rows(HW, _records(_result(), manual={"ectest-written-a": 3,
                                                                        "ectest-written-b": 2}))
    row = dict(zip(header, rows[0]))
    assert "B (5, extra credit)" in header and "by hand B (6, extra credit)" in header
    assert (row["autograded"], row["autograded max"]) == ("6", "10")
    assert (row["by hand"], row["by hand max"]) == ("3", "4")
    assert (row["extra credit"], row["extra credit max"]) == ("7", "11")  # 5 autograded + 2 by hand
    assert (row["total"], row["max"]) == ("16", "14")


def test_gradebook_reads_old_records_with_todays_extra_credit(suite):
    old = _result(ec=()).to_dict()
    del old["extra_credit_parts"]
    old["record"] = {"student": "s1"}
    header, rows = batch.gradebook_rows(HW, {"s1": old})
    row = dict(zip(header, rows[0]))
    assert (row["autograded max"], row["extra credit"], row["total"], row["max"]) == ("10", "5", "11", "14")


def test_an_ungraded_extra_credit_answer_does_not_hold_up_the_total(suite):
    header, rows = batch.gradebook_rows(HW, _records(_result(), manual={"ectest-written-a": 4,
                                                                        "ectest-written-b": None}))
    row = dict(zip(header, rows[0]))
    assert (row["by hand"], row["extra credit"], row["total"]) == ("4", "5", "15")


@pytest.mark.parametrize("mode,want_header,want_possible,want_row", [
    ("add", ["ectest (extra credit test)"], ["14"], ["16"]),
    ("separate", ["ectest (extra credit test)", "ectest extra credit"], ["14", "0"], ["9", "7"]),
    ("omit", ["ectest (extra credit test)"], ["14"], ["9"]),
])
def test_canvas_export_modes(suite, tmp_path, mode, want_header, want_possible, want_row):
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nOne Student,101,s1,s1,A\n"
                          "Two Student,102,s2,s2,A\n")
    roster = batch.Roster.read(roster_csv)
    for student, d in _records(_result(), manual={"ectest-written-a": 3, "ectest-written-b": 2}).items():
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        (out / f"{student}.json").write_text(json.dumps(d))
    written = batch.rebuild_gradebook(out, HW, roster=roster, canvas_extra=mode)
    assert out / batch.CANVAS_NAME in written
    rows = list(csv.reader(io.StringIO((out / batch.CANVAS_NAME).read_text())))
    assert rows[0][5:] == want_header
    assert rows[1][5:] == want_possible  # Points Possible: never the extra credit
    assert rows[2][5:] == want_row
    assert rows[3][5:] == [""] * len(want_header)  # no record yet


def test_canvas_export_refuses_an_unknown_mode(suite):
    header, rows = batch.gradebook_rows(HW, _records(_result()))
    with pytest.raises(ValueError, match="extra_credit must be one of"):
        batch.canvas_csv(HW, batch.Roster([]), header, rows, extra_credit="cap")


def test_cli_option_reaches_the_gradebook():
    import argparse

    from autograder.cli import grade as grade_cli, report as report_cli

    for mod, extra in ((grade_cli, ["s.zip"]), (report_cli, ["out"])):
        p = argparse.ArgumentParser()
        sub = p.add_subparsers()
        mod.register(sub)
        name = "grade" if mod is grade_cli else "report"
        args = p.parse_args([name, "fer", *extra, "--extra-credit", "separate"])
        assert grade_cli.common_options(args)["canvas_extra"] == "separate"
        assert grade_cli.common_options(p.parse_args([name, "fer", *extra]))["canvas_extra"] == "add"
        with pytest.raises(SystemExit):
            p.parse_args([name, "fer", *extra, "--extra-credit", "cap"])


def test_nbgrader_sync_gives_extra_credit_only_for_extra_credit_cells():
    from autograder.instructor.nbgrader_sync import _all_extra

    r = _result()
    assert _all_extra(r, "B") and _all_extra(r, f"{HW}.b1")
    assert not _all_extra(r, "A") and not _all_extra(r, HW) and not _all_extra(r, "nothing")


def test_gradescope_export_names_the_points_to_set():
    from autograder.cli.export import autograder_points

    assert autograder_points("fer") == (35, 8)  # Q1-Q5's checks; Q6's are the bonus
    assert autograder_points("nist36") == (81, 15)  # Q5's checks are extra credit
    assert autograder_points("lenet")[1] == 0
