"""The release's dependency scan reads import statements (``ast``), never the text of a file."""
from autograder.instructor.release import coursedata_imports, coursedata_packages


def _pkg(root, name, files):
    d = root / name
    d.mkdir(parents=True)
    for fname, text in files.items():
        (d / fname).write_text(text)
    return d


def test_a_docstring_naming_another_generator_is_not_an_import(tmp_path):
    d = _pkg(tmp_path, "body", {"__init__.py": '"""Used by the MDS189 generator (:mod:`coursedata.mds189`)."""\n'
                                               "from .camera import look_at\n"
                                               "# from ..mds189 import people\n"})
    assert coursedata_imports(d / "__init__.py", root=tmp_path) == {"body"}


def test_absolute_and_relative_imports_are_resolved(tmp_path):
    d = _pkg(tmp_path, "h36m", {"clips.py": "import numpy as np\nfrom ..body import render\n"
                                            "from .. import paths\nimport coursedata.cifar10.video\n"
                                            "from coursedata import fer2013\n"
                                            "def f():\n    from coursedata.mnist import load\n"})
    assert coursedata_imports(d / "clips.py", root=tmp_path) == {"body", "paths", "cifar10", "fer2013", "mnist"}


def test_an_unparsable_file_names_nothing(tmp_path):
    d = _pkg(tmp_path, "x", {"bad.py": "def (:\n"})
    assert coursedata_imports(d / "bad.py", root=tmp_path) == set()


def test_pose_ships_without_the_mds189_generator():
    # coursedata.body's docstring names coursedata.mds189; pose's clips import body, not mds189
    pkgs = coursedata_packages("pose")
    assert "body" in pkgs and "mds189" not in pkgs
