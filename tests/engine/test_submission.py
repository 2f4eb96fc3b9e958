"""Turning folders and zips into the tree the sandbox runs."""
import zipfile

import pytest

from autograder.engine.submission import SubmissionError, prepare, student_files

from .conftest import FIXTURES, REPO


def test_student_files_are_the_marked_ones():
    assert student_files("example") == ["ops.py"]


@pytest.mark.parametrize("layout", ["flat", "hw", "starter", "nested"])
def test_layouts(tmp_path, layout):
    src = (REPO / "solutions" / "example" / "ops.py").read_bytes()
    where = {"flat": tmp_path, "hw": tmp_path / "example", "starter": tmp_path / "starter" / "example",
             "nested": tmp_path / "alice" / "starter" / "example"}[layout]
    where.mkdir(parents=True, exist_ok=True)
    (where / "ops.py").write_bytes(src)
    prep = prepare(tmp_path, "example")
    try:
        assert (prep.subdir / "starter" / "example" / "ops.py").read_bytes() == src
        assert not prep.notes
    finally:
        prep.cleanup()
    assert not prep.root.exists()


def test_provided_files_come_from_the_release(tmp_path):
    (tmp_path / "example").mkdir()
    (tmp_path / "example" / "__init__.py").write_text("raise SystemExit('tampered provided file')\n")
    (tmp_path / "example" / "ops.py").write_bytes((REPO / "solutions/example/ops.py").read_bytes())
    prep = prepare(tmp_path, "example")
    try:
        assert (prep.subdir / "starter/example/__init__.py").read_bytes() == (REPO / "starter/example/__init__.py").read_bytes()
    finally:
        prep.cleanup()


def test_notes_for_broken_sources():
    for name, words in [("syntax_error", "syntax error"), ("non_utf8", "UTF-8"), ("missing_file", "missing")]:
        prep = prepare(FIXTURES / name, "example")
        try:
            assert any(words in n for n in prep.notes), (name, prep.notes)
        finally:
            prep.cleanup()


def test_bad_inputs(tmp_path):
    with pytest.raises(SubmissionError):
        prepare(tmp_path / "nope", "example")
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        prepare(tmp_path / "x.zip", "example")
    z = tmp_path / "link.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("example/ops.py")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symlink"):
        prepare(z, "example")
    z = tmp_path / "abs.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("/tmp/abs.py", "x")
    with pytest.raises(SubmissionError, match="outside"):
        prepare(z, "example")
