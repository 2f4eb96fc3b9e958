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
    for name, words in [("syntax_error", "syntax error"), ("non_utf8", "UTF-8")]:
        prep = prepare(FIXTURES / name, "example")
        try:
            assert any(words in n for n in prep.notes), (name, prep.notes)
        finally:
            prep.cleanup()
    with pytest.raises(SubmissionError, match="ops.py missing"):  # nothing of the homework at all
        prepare(FIXTURES / "missing_file", "example")


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


# -- no silent zeros: each unreadable submission says why (SubmissionError), or is unpacked with a note -----

OPS = (REPO / "solutions" / "example" / "ops.py").read_bytes()


def _zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _graded_ops(prep):
    try:
        return (prep.subdir / "starter" / "example" / "ops.py").read_bytes(), list(prep.notes)
    finally:
        prep.cleanup()


def _empty_dir(tmp):
    (tmp / "sub").mkdir()
    return tmp / "sub"


def _file(tmp, data):
    (tmp / "sub.zip").write_bytes(data)
    return tmp / "sub.zip"


UNREADABLE = {
    "empty-folder": (_empty_dir, "is empty"),
    "zero-byte-zip": (lambda t: _file(t, b""), "empty file (0 bytes)"),
    "empty-zip": (lambda t: _zip(t / "sub.zip", {}), "holds no files"),
    "corrupt-zip": (lambda t: _file(t, b"PK\x03\x04" + b"\x00" * 40), "not a readable zip"),
    "notebook-only": (lambda t: _zip(t / "sub.zip", {"starter/example/model.ipynb": "{}", "b.ipynb": "{}"}),
                      "only notebooks"),
    "wrong-homework": (lambda t: _zip(t / "sub.zip", {"starter/lenet/cnn_lenet.py": "x = 1\n",
                                                      "starter/lenet/toy.py": "y = 2\n"}), "like homework 'lenet'"),
    "two-archives": (lambda t: _zip(t / "sub.zip", {"a.zip": b"x", "b.zip": b"y"}), "holds archives"),
    "unrelated-files": (lambda t: _zip(t / "sub.zip", {"README.txt": "hello"}), "ops.py missing"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_submissions_say_why(tmp_path, case):
    import re

    make, words = UNREADABLE[case]
    with pytest.raises(SubmissionError, match=re.escape(words)) as info:
        prepare(make(tmp_path), "example")
    assert str(tmp_path) not in str(info.value)  # no grader-side paths in what the student reads


def test_a_notebook_alone_says_so(tmp_path):
    nb = tmp_path / "example.ipynb"
    nb.write_text("{}")
    with pytest.raises(SubmissionError, match="notebook only"):
        prepare(nb, "example")


def test_a_zip_whose_header_lies_is_a_submission_error(tmp_path):
    z = _zip(tmp_path / "liar.zip", {"starter/example/ops.py": OPS})
    data = bytearray(z.read_bytes())
    cd = data.rfind(b"PK\x01\x02")  # central directory entry: uncompressed size at offset 24
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    lh = data.find(b"PK\x03\x04")  # local header: uncompressed size at offset 22
    data[lh + 22:lh + 26] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="liar.zip is not a readable zip file"):
        prepare(z, "example")


@pytest.mark.parametrize("layout", ["deep", "zip-in-zip", "tar.gz", "single-file"])
def test_clear_intent_is_unpacked_with_a_note(tmp_path, layout):
    if layout == "deep":
        sub = _zip(tmp_path / "s.zip", {"alice/hw/work/starter/example/ops.py": OPS})
        note = "found in alice/hw/work/starter/example/, inside extra folders"
    elif layout == "zip-in-zip":
        inner = _zip(tmp_path / "inner.zip", {"starter/example/ops.py": OPS})
        sub = _zip(tmp_path / "s.zip", {"inner.zip": inner.read_bytes()})
        note = "holds another archive"
    elif layout == "tar.gz":
        import tarfile

        (tmp_path / "starter" / "example").mkdir(parents=True)
        (tmp_path / "starter" / "example" / "ops.py").write_bytes(OPS)
        sub = tmp_path / "s.tar.gz"
        with tarfile.open(sub, "w:gz") as tf:
            tf.add(tmp_path / "starter", arcname="starter")
        note = "tar archive"
    else:
        sub = tmp_path / "ops.py"
        sub.write_bytes(OPS)
        note = None
    data, notes = _graded_ops(prepare(sub, "example"))
    assert data == OPS
    assert (note is None and not notes) or any(note in n for n in notes), notes


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf" + OPS, OPS.replace(b"import numpy as np",
                                                                        b"import numpy as np  # \xe9t\xe9")])
def test_bom_and_latin1_comment_give_no_false_note(tmp_path, content):
    (tmp_path / "example").mkdir()
    (tmp_path / "example" / "ops.py").write_bytes(content)
    _, notes = _graded_ops(prepare(tmp_path, "example"))
    assert notes == []
