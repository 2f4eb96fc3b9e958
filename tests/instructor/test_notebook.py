"""autograder.notebook.grade_cell: what graded notebook cells call."""
from __future__ import annotations

import os
import shutil

import pytest

from autograder import notebook
from autograder.instructor.samples import load_samples


def _sample(name):
    return next(s for s in load_samples("example") if s.name == name)


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    """A notebook folder holding a submission; the cwd is that folder (as in a kernel)."""

    def make(name):
        d = _sample(name).materialize(tmp_path / name)
        monkeypatch.chdir(d)
        return d

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return make


def test_passing_cell_prints_and_returns(tree, capsys):
    tree("perfect")
    assert notebook.grade_cell("example", "example.scale_forward") is None
    out = capsys.readouterr().out
    assert "[PASS] example.scale_forward (hidden): 2/2" in out
    assert "example.scale_forward: 2/2 points" in out


def test_failing_cell_raises_assertion_error(tree, capsys):
    tree("blank")
    with pytest.raises(AssertionError, match="did not pass: example.mean_rows"):
        notebook.grade_cell("example", "example.mean_rows")
    assert "not implemented yet" in capsys.readouterr().out


def test_a_part_grades_all_its_checks(tree, capsys):
    tree("buggy")
    with pytest.raises(AssertionError) as info:
        notebook.grade_cell("example", "1")
    out = capsys.readouterr().out
    assert out.count("[PASS]") == 3 and out.count("[FAIL]") == 1
    assert "example.scale_backward" in str(info.value)


def test_hidden_failures_name_the_mistake_not_the_values(tree, capsys):
    tree("buggy")
    with pytest.raises(AssertionError):
        notebook.grade_cell("example", "example.scale_backward")
    out = capsys.readouterr().out
    assert "da averaged instead of summed" in out
    assert "expected" not in out and "got" not in out  # no hidden values


def test_public_failures_show_the_full_message(tree, capsys):
    tree("adversarial")
    with pytest.raises(AssertionError):
        notebook.grade_cell("example", "example.scale_shapes")
    assert "expected (3, 4, 2)" in capsys.readouterr().out


def test_stderr_noise_does_not_fail_correct_work(tree, capsys):
    d = tree("perfect")
    ops = d / "starter" / "example" / "ops.py"
    ops.write_text("import sys, warnings\nwarnings.warn('a harmless UserWarning, as torch prints')\n"
                   "print('noise on stderr', file=sys.stderr)\n" + ops.read_text())
    notebook.grade_cell("example", "example.scale_gradcheck")
    assert "[PASS]" in capsys.readouterr().out


def test_the_traceback_nbgrader_records_is_one_line():
    exc = notebook.GradeCellFailed("1 of 1 check(s) did not pass: x")
    assert exc._render_traceback_() == ["AssertionError: 1 of 1 check(s) did not pass: x"]
    assert isinstance(exc, AssertionError)


def test_autograding_with_an_untrusted_grader_fails_closed(tree, monkeypatch):
    tree("perfect")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("NNCOURSE_GRADER_ROOT", "/nonexistent/grader")
    with pytest.raises(AssertionError, match="refusing to grade"):
        notebook.grade_cell("example", "example.scale_forward")


def test_unknown_targets(tree, capsys, monkeypatch):
    tree("perfect")
    notebook.grade_cell("example", "example.no_such_check")  # a student's copy: not an error
    assert "graded when your instructor" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("NNCOURSE_GRADER_ROOT", str(notebook.ROOT))
    with pytest.raises(AssertionError, match="no check matches"):
        notebook.grade_cell("example", "example.no_such_check")


def test_no_starter_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(AssertionError, match="no starter/example/"):
        notebook.grade_cell("example", "example.scale_forward")


def _results(hw, targets):
    out = {}
    for t in targets:
        r = notebook.cell_result(hw, t)
        out[t] = [(c["id"], c["status"], c["score"], c["message"]) for c in r["checks"]]
    return out


def test_cells_share_one_grader_per_kernel_with_the_same_results_as_a_grader_per_cell(tree, monkeypatch):
    tree("buggy")
    targets = ["example.scale_forward", "example.scale_backward", "1", "example.scale_gradcheck"]
    notebook._close_server()
    served = _results("example", targets)
    assert all(served.values()) and any(st == "failed" for r in served.values() for _i, st, _s, _m in r)
    server = notebook._SERVER
    assert server is not None and server.alive()
    assert _results("example", targets[:1]) == {targets[0]: served[targets[0]]}
    assert notebook._SERVER is server, "the next cell reuses the kernel's grader"
    monkeypatch.setenv("NNCOURSE_CELL_SERVER", "0")
    assert _results("example", targets) == served
    notebook._close_server()
    assert not server.alive()


def test_a_dead_grader_is_replaced_and_the_cell_still_graded(tree):
    tree("perfect")
    notebook._close_server()
    first = _results("example", ["example.mean_rows"])
    notebook._SERVER.proc.kill()
    notebook._SERVER.proc.wait()
    assert _results("example", ["example.mean_rows"]) == first
    assert notebook._SERVER is None or notebook._SERVER.alive()
    notebook._close_server()


def test_a_cells_points_line_says_extra_credit_apart():
    from autograder.notebook import _points_line

    assert _points_line({"score": 3, "max_score": 4}) == "3/4 points"
    assert _points_line({"score": 0, "max_score": 0, "extra_credit": 2, "extra_credit_max": 2}) == \
        "2/2 points of extra credit"
    assert _points_line({"score": 1, "max_score": 2, "extra_credit": 0, "extra_credit_max": 5}) == \
        "1/2 points and 0/5 points of extra credit"
    assert _points_line({"score": 0, "max_score": 0}) == "0/0 points"


def test_the_kernels_fork_server_preloads_only_what_the_kernel_imported():
    """A notebook that never imported torch gets a fork server without it (its first graded cell
    starts in under a second); the kernel's list can only drop names from the suite's, never add."""
    full = ("numpy", "torch", "sklearn.metrics")
    assert notebook.preload_for(full, None) == full
    assert notebook.preload_for(full, ["os", "sys"]) == ("numpy",)
    assert notebook.preload_for(full, ["torch", "numpy"]) == ("numpy", "torch")
    assert notebook.preload_for(full, ["sklearn", "torch"]) == full
    assert notebook.preload_for(("numpy",), ["evil", "torch"]) == ("numpy",)

