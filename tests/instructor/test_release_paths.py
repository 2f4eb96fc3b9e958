"""What a release's notebooks and starter files name is in the release, and the data folder
is one place per user.

The rule for named paths (``autograder.instructor.release.missing_paths``): every relative
path that a notebook cell (markdown or code) or a ``.py`` file under ``starter/`` or
``coursedata/`` names, either under one of the project's folders (``datasets/nist36/CARD.md``,
``starter/pose/``, ``data/cifar10/...``) or as a bare file name of a known type
(``mnist_all.mat``, ``q4.py``), must exist in the release (relative to its root, to the naming
file's folder, or, for a bare name, anywhere in it), unless it is made at run time:

* anything under ``data/``: written by the data tooling (``python -m autograder data``) or the
  notebooks into the homework folder's data directory;
* a name the shipped data tooling writes: a literal or template (``f"nist36_{split}.mat"``)
  in ``coursedata/``'s source;
* the files the notebooks save for the grader (the homework's ``SUBMIT_FILES``: saved models,
  weights, predictions) and the ``<hw>-submission.zip`` that ``submit`` writes.

Paths under other roots (the original handout's ``src/utils/optim.py``), absolute paths and
URLs name no file of a release and are not checked. The dataset cards the notebooks cite
ship as their student part (sections on grading, reference scores and thresholds dropped).

The releases here are assembled without nbgrader (``assemble_source``: the same files, before
nbgrader strips the solution regions); the slow test in test_release_venv.py runs the same
scan on every real release.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.instructor import leaks
from autograder.instructor.nbgrader_course import Course
from autograder.instructor.release import (assemble_source, missing_paths, named_paths, ship_dataset_cards,
                                           student_card)

REPO = Path(__file__).resolve().parents[2]
HOMEWORKS = ("fms", "nist36", "pose", "lenet", "fer", "example")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources")
    course = Course(root / "course")
    course.init()
    cache = {}

    def get(hw):
        if hw not in cache:
            assemble_source(hw, course)
            cache[hw] = course.root / "source" / hw
        return cache[hw]
    return get


@pytest.mark.parametrize("hw", HOMEWORKS)
def test_every_path_a_notebook_or_starter_file_names_is_in_the_release(hw, sources):
    src = sources(hw)
    missing = missing_paths(src, hw)
    assert not missing, f"{hw}: named but not in the release:\n  " + "\n  ".join(map(str, missing))


@pytest.mark.parametrize("hw", ["nist36", "pose", "fer", "lenet", "fms"])
def test_the_cards_they_cite_ship_and_the_scan_misses_them_when_not(hw, sources, tmp_path):
    src = sources(hw)
    named = {n.path for n in named_paths(src, hw)}
    cited = {p for p in named if p.startswith("datasets/")}
    assert cited, f"{hw}: the notebooks and starter cite no dataset card"
    for rel in cited:
        assert (src / rel).is_file(), rel
    cited |= named & {p.name for p in (src / "datasets").rglob("*.md")}  # a card named alone (FORMAT.md)
    bare = tmp_path / hw
    shutil.copytree(src, bare)
    shutil.rmtree(bare / "datasets")
    assert {n.path for n in missing_paths(bare, hw)} == cited


@pytest.mark.parametrize("hw", ["nist36", "pose", "fer", "lenet", "fms"])
def test_shipped_cards_hold_no_grading_side_material(hw, sources):
    src = sources(hw)
    cards = src / "datasets"
    assert leaks.scan(cards, leaks.fingerprints(hw), hw) == []
    for card in cards.rglob("*.md"):
        text = card.read_text()
        assert "## Baselines" not in text and "## Reference scores" not in text, card
        assert "*(The student copy of" in text, card  # says what was left out


def test_student_card_keeps_the_data_sections_and_drops_the_grading_ones():
    text = ("# Set X\n\nintro\n\n```\n## not a heading: a shell comment\n```\n\n## Format\nrows\n\n"
            "## Reference scores\nthe reference net: 3 conv layers\n### per seed\n0.91\n\n"
            "## How it is made\nnoise\n\n## Grading time\n3 s\n")
    out = student_card(text, "CARD.md")
    assert "intro" in out and "## not a heading" in out and "rows" in out and "noise" in out
    assert "3 conv layers" not in out and "0.91" not in out and "3 s" not in out
    assert "Reference scores; Grading time" in out  # the dropped sections are named


def test_missing_paths_rule_on_a_made_up_release(tmp_path):
    rel = tmp_path / "nist36"
    (rel / "starter" / "nist36").mkdir(parents=True)
    (rel / "starter" / "nist36" / "nn.py").write_text(
        '"""See ``datasets/nist36/CARD.md`` and the handout\'s ``src/utils/nn.py``; run_q9.py."""\n')
    (rel / "coursedata" / "nist36").mkdir(parents=True)
    (rel / "coursedata" / "nist36" / "__init__.py").write_text('NAME = f"nist36_{split}.mat"\n')
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Save `q3_weights.npz` into `starter/nist36/`; data in "
                                              "`data/nist36/nist36_train.mat`; https://example.org/a/b.md; "
                                              "see `docs/GONE.md` and nist36_valid.mat, nn.py, /etc/passwd.txt")]
    nbformat.write(nb, str(rel / "nist36.ipynb"))
    missing = {n.path: n.where for n in missing_paths(rel, "nist36")}
    assert missing == {"datasets/nist36/CARD.md": "starter/nist36/nn.py", "run_q9.py": "starter/nist36/nn.py",
                       "docs/GONE.md": "nist36.ipynb cell 0"}
    ship_dataset_cards("nist36", rel)  # the cards of the homework's data packages
    assert "datasets/nist36/CARD.md" not in {n.path for n in missing_paths(rel, "nist36")}


# -- where the data goes -----------------------------------------------------------------------
def _data_root(folder: Path, cwd: Path, **env) -> str:
    """``coursedata.paths.data_root()`` as imported from ``folder``, run from ``cwd`` (``-S``: no
    site-packages, so the repository's editable install cannot answer instead)."""
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder), **env}
    proc = subprocess.run([sys.executable, "-S", "-c", "import coursedata.paths as p; "
                           "print(p.__file__); print(p.data_root()); print(p.data_root_reason())"],
                          cwd=cwd, env=base, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    where, root, _reason = proc.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(folder.resolve()), where
    return root


def _package_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copytree(REPO / "datasets" / "coursedata", dest / "coursedata",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_data_root_in_the_checkout_is_its_data_folder_and_nncourse_data_wins(tmp_path):
    assert _data_root(REPO / "datasets", tmp_path, HOME=str(tmp_path)) == str(REPO / "data")
    assert _data_root(REPO / "datasets", tmp_path, HOME=str(tmp_path),
                      NNCOURSE_DATA=str(tmp_path / "mine")) == str(tmp_path / "mine")


def test_data_root_in_a_release_is_its_own_data_folder_from_any_working_directory(tmp_path):
    rel = _package_copy(tmp_path / "fer")
    (rel / "starter").mkdir()
    (rel / "DATA.md").write_text("data\n")
    (rel / "starter" / "sub").mkdir()
    for cwd in (rel, rel / "starter" / "sub", tmp_path):
        assert _data_root(rel, cwd, HOME=str(tmp_path / "home")) == str(rel / "data")


def test_data_root_outside_a_checkout_or_release_is_one_place_per_user(tmp_path):
    pkg = _package_copy(tmp_path / "site")
    home = tmp_path / "home"
    assert _data_root(pkg, tmp_path, HOME=str(home)) == str(home / ".local" / "share" / "nncourse")
    assert _data_root(pkg, tmp_path, HOME=str(home), XDG_DATA_HOME=str(tmp_path / "xdg")) == \
        str(tmp_path / "xdg" / "nncourse")
    # a relative XDG_DATA_HOME is invalid by the spec: ignored
    assert _data_root(pkg, tmp_path, HOME=str(home), XDG_DATA_HOME="rel") == str(home / ".local" / "share" / "nncourse")
