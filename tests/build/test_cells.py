"""The notebook cell kit (autograder/build/cells.py): graded cells, written answers and headings
take their points from the suite, a generator's number that disagrees is refused, and the
converted generators' notebooks carry exactly the suite's points."""
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograder.build.cells import NotebookKit, PointsMismatch, generator_main, is_graded_test
from autograder.engine import load_suite

REPO = Path(__file__).resolve().parents[2]


def _fake_suite():
    """A suite with one extra-credit part, without registering checks anywhere."""
    checks = [SimpleNamespace(id="zz.a", part="1", points=3.0, hidden=True, visibility="hidden"),
              SimpleNamespace(id="zz.public.a", part="1", points=0.5, hidden=False, visibility="public"),
              SimpleNamespace(id="zz.bonus", part="9", points=5.0, hidden=True, visibility="hidden")]
    return SimpleNamespace(parts={"1": "the layer", "9": "the bonus"}, extra_credit=("9",),
                           checks=lambda include_hidden=True: checks,
                           manual=lambda: {"zz-written-1": ("1", 2.0)})


def test_graded_cells_take_points_and_visibility_from_the_suite():
    kit = NotebookKit("example")
    for c in load_suite("example").checks():
        cell = kit.graded(c.id)
        assert cell.metadata["nbgrader"]["points"] == c.points
        assert ("### BEGIN HIDDEN TESTS" in cell.source) == c.hidden
        assert f'grade_cell("example", "{c.id}")' in cell.source
        assert cell.metadata["nbgrader"]["grade_id"] == "test_" + c.id.replace(".", "_")
        assert is_graded_test(cell)


def test_written_answers_and_prompts_take_manual_points():
    kit = NotebookKit("zz", suite=_fake_suite())
    ans = kit.written("zz-written-1", "\nthe answer\n")
    assert ans.source == "the answer" and ans.metadata["nbgrader"]["points"] == 2
    assert ans.metadata["nbgrader"]["solution"] and ans.metadata["nbgrader"]["grade"]
    assert kit.ask("Why?", "zz-written-1").source.endswith("*(2 points, graded by hand: answer in the cell below.)*")
    assert kit.part_points("1") == 3 + 0.5 + 2 and kit.points_text("1") == "5.5 points"
    assert kit.title("9") == "the bonus"


def test_extra_credit_checks_carry_no_nbgrader_points():
    kit = NotebookKit("zz", suite=_fake_suite())
    assert kit.graded("zz.bonus").metadata["nbgrader"]["points"] == 0
    assert kit.graded("zz.bonus", 0).metadata["nbgrader"]["points"] == 0
    with pytest.raises(PointsMismatch, match="extra-credit"):
        kit.graded("zz.bonus", 5)


@pytest.mark.parametrize("make, words", [
    (lambda k: k.graded("zz.a", 4), ["the graded cell of 'zz.a'", "asks 4 point(s)", "the suite gives 3"]),
    (lambda k: k.graded("zz.a", hidden=False), ["hidden=False", "the check is hidden"]),
    (lambda k: k.graded("zz.missing"), ["'zz.missing'", "does not have"]),
    (lambda k: k.written("zz-written-1", "x", points=3), ["'zz-written-1'", "asks 3", "gives 2", "manual_points"]),
    (lambda k: k.ask("Why?", "zz-written-1", points=1), ["asks 1", "gives 2"]),
    (lambda k: k.written("zz-written-2", "x"), ["'zz-written-2'", "manual_points"]),
    (lambda k: k.points_text("7"), ["no part '7'"]),
])
def test_a_number_that_disagrees_with_the_suite_is_refused(make, words):
    kit = NotebookKit("zz", suite=_fake_suite(), generator=__file__)
    with pytest.raises(PointsMismatch) as err:
        make(kit)
    for w in words + ["tests/build/test_cells.py"]:  # names the generator
        assert w in str(err.value)


def test_agreeing_numbers_are_accepted():
    kit = NotebookKit("zz", suite=_fake_suite())
    assert kit.graded("zz.a", 3, hidden=True).metadata["nbgrader"]["points"] == 3
    assert kit.graded("zz.public.a", 0.5).metadata["nbgrader"]["points"] == 0.5


@pytest.mark.parametrize("module", ["solutions.example.notebooks.make_example",
                                    "solutions.lenet.notebooks.make_notebook",
                                    "solutions.pose.notebooks.make_notebook"])
def test_converted_generators_carry_the_suites_points(module):
    import importlib

    mk = importlib.import_module(module)
    nb = mk.notebook() if hasattr(mk, "notebook") else mk.build()
    hw = mk.HW
    suite = load_suite(hw)
    checks = {c.id: c for c in suite.checks()}
    graded = {}
    for cell in nb.cells:
        if is_graded_test(cell):
            (cid,) = [c for c in checks if f'grade_cell("{hw}", "{c}")' in cell.source]
            graded[cid] = cell.metadata["nbgrader"]["points"]
    assert graded == {c.id: (0 if c.part in suite.extra_credit else c.points) for c in checks.values()}
    written = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}
    assert written == {g: p for g, (_, p) in suite.manual().items()}


def test_generator_main_writes_and_checks(tmp_path, capsys):
    kit = NotebookKit("example")
    path = tmp_path / "nb.ipynb"

    def build(text="one"):
        return kit.notebook([kit.md(text)], stable_ids=True)

    assert generator_main(["--check"], doc="gen", build=build, path=path) == 1  # not written yet
    assert generator_main([], doc="gen", build=build, path=path) == 0
    assert generator_main(["--check"], doc="gen", build=build, path=path) == 0
    assert nbformat.read(str(path), as_version=4).cells[0]["id"] == "cell-00"
    assert generator_main(["--check"], doc="gen", build=lambda: build("two"), path=path) == 1
    assert "is stale" in capsys.readouterr().out


def test_execute_with_skipped_cells_gives_outputs_to_code_cells_only(tmp_path):
    """A run that leaves cells out (graded tests) copies outputs back by cell id: markdown cells
    must not get ``outputs`` (the pose master once did, and nbformat refused the notebook)."""
    from autograder.build.cells import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# heading"),
                                         nbformat.v4.new_code_cell("print(6 * 7)"),
                                         nbformat.v4.new_code_cell("raise SystemExit('skipped')")])
    execute(nb, "example", cwd=tmp_path, skip=lambda c: "skipped" in c.source, record_timing=False)
    nbformat.validate(nb)
    assert "outputs" not in nb.cells[0] and "execution_count" not in nb.cells[0]
    assert nb.cells[1].outputs[0]["text"] == "42\n" and nb.cells[2].outputs == []


@pytest.mark.parametrize("path", sorted(str(p.relative_to(REPO)) for p in
                                        [*REPO.glob("solutions/*/notebooks/*.ipynb"),
                                         *REPO.glob("assignments/*/*.ipynb")]))
def test_every_notebook_is_valid(path):
    nbformat.validate(nbformat.read(REPO / path, as_version=4))
