"""Every question has its text: a prompt cell above each hand-graded answer, in the master
notebooks and the student notebooks; the build refuses files that are not source."""
import shutil

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

from autograder.build import BuildError, build, check, homeworks, source_problems
from autograder.build.notebooks import is_manual, missing_prompts


def _masters(repo):
    for hw in homeworks(repo):
        yield from sorted((repo / "solutions" / hw / "notebooks").glob("*.ipynb"))


def test_every_hand_graded_cell_has_its_question(repo):
    masters = list(_masters(repo))
    assert len(masters) >= 6
    n = 0
    for nb_path in masters:
        assert missing_prompts(nb_path) == [], nb_path
        n += sum(is_manual(c) for c in nbformat.read(str(nb_path), as_version=4).cells)
    assert n >= 28  # 22 (fms) + 5 (lenet) + 1 (example)


def test_student_notebooks_keep_the_questions(repo):
    """The question cell survives into the student notebook, right above 'YOUR ANSWER HERE'."""
    for hw in homeworks(repo):
        for nb_path in sorted((repo / "assignments" / hw).glob("*.ipynb")):
            nb = nbformat.read(str(nb_path), as_version=4)
            for i, cell in enumerate(nb.cells):
                if is_manual(cell):
                    assert "YOUR ANSWER HERE" in cell.source, (nb_path.name, i)
                    prompt = nb.cells[i - 1]
                    assert prompt.cell_type == "markdown" and "graded by hand" in prompt.source, (nb_path.name, i)
                    assert len(prompt.source) > 60, (nb_path.name, i, prompt.source)


def _copy_example(tmp_path, repo):
    shutil.copytree(repo / "solutions" / "example", tmp_path / "solutions" / "example",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "solutions" / "__init__.py").write_text("")
    return tmp_path / "solutions" / "example"


def test_a_missing_question_fails_the_build(tmp_path, repo):
    sol = _copy_example(tmp_path, repo)
    assert build(tmp_path) and check(tmp_path) == []
    path = sol / "notebooks" / "example.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if is_manual(c))
    del nb.cells[i - 1]  # the prompt
    nbformat.write(nb, str(path))
    problems = source_problems(tmp_path)
    assert len(problems) == 1 and "example-written-da_sum" in problems[0] and "no question above" in problems[0]
    with pytest.raises(BuildError, match="no question above"):
        check(tmp_path)
    # a prompt without the points is not enough either
    nb.cells.insert(i - 1, new_markdown_cell("**Question 1.1** Why does da sum over every element?"))
    nbformat.write(nb, str(path))
    assert "does not give its points" in source_problems(tmp_path)[0]


def test_a_run_output_in_solutions_is_refused(tmp_path, repo):
    sol = _copy_example(tmp_path, repo)
    (sol / "predictions.csv").write_text("Id,Category\n1,squat\n")
    with pytest.raises(BuildError, match="predictions.csv: not a source file"):
        build(tmp_path)
    assert not (tmp_path / "starter" / "example" / "predictions.csv").exists()


def test_cli_build_check_exits_2_on_a_missing_question(tmp_path, repo, monkeypatch, capsys):
    import autograder.cli.build as cli_build

    sol = _copy_example(tmp_path, repo)
    (sol / "model.pt").write_bytes(b"\0")
    monkeypatch.setattr(cli_build, "check", lambda: check(tmp_path))

    class A:
        check = True

    assert cli_build.run(A()) == 2
    err = capsys.readouterr().err
    assert "model.pt: not a source file" in err and "Traceback" not in err
