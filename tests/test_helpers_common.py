"""The shared test kit (tests/helpers_common.py) on a reference tree of its own: trees, blank
starters, patches that must apply exactly once, extra files."""
import pytest

from tests import helpers_common as kit

REFERENCE = '''def double(x):
    """Twice x."""
    # TODO: return twice x
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
'''


@pytest.fixture
def repo(tmp_path, monkeypatch):
    src = tmp_path / "repo" / "solutions" / "zz_kit"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "ops.py").write_text(REFERENCE)
    (src / "other.py").write_text("Y = 1\n")
    monkeypatch.setattr(kit, "REPO", tmp_path / "repo")
    return tmp_path


def test_a_tree_is_the_reference_or_the_blank_starter(repo):
    root = kit.make_tree(repo / "a", "zz_kit")
    dest = root / "starter" / "zz_kit"
    assert (root / "starter" / "__init__.py").read_text() == ""
    assert sorted(p.name for p in dest.iterdir()) == ["__init__.py", "ops.py", "other.py"]
    assert (dest / "ops.py").read_text() == REFERENCE
    blank = kit.make_tree(repo / "b", "zz_kit", files=("ops.py",), blank=True) / "starter" / "zz_kit"
    assert sorted(p.name for p in blank.iterdir()) == ["ops.py"]
    text = (blank / "ops.py").read_text()
    assert "return 2 * x" not in text and "# TODO: return twice x" in text


def test_patches_apply_once_and_extra_files_land_beside_the_code(repo):
    root = kit.make_tree(repo / "a", "zz_kit", patches=[("ops.py", "2 * x", "3 * x")], extra={"w.npz": b"\x00\x01"})
    dest = root / "starter" / "zz_kit"
    assert "return 3 * x" in (dest / "ops.py").read_text()
    assert (dest / "w.npz").read_bytes() == b"\x00\x01"
    with pytest.raises(AssertionError, match=r"patch for ops.py: 'nowhere' occurs 0 times"):
        kit.make_tree(repo / "b", "zz_kit", patches=[("ops.py", "nowhere", "x")])
    with pytest.raises(AssertionError, match=r"patch for ops.py: 'x' occurs \d+ times"):
        kit.make_tree(repo / "c", "zz_kit", patches=[("ops.py", "x", "y")])


def test_blank_verdicts_refuse_a_pass_a_score_a_grader_error_or_missing_words():
    from types import SimpleNamespace as R

    ok = {"a": R(status="failed", message="not implemented yet: f", log="", score=0)}
    kit.assert_all_fail_cleanly(ok, says={"a": "not implemented"})
    for bad in (R(status="passed", message="", log="", score=1), R(status="failed", message="m", log="", score=0.5),
                R(status="error", message="internal grader error", log="", score=0)):
        with pytest.raises(AssertionError):
            kit.assert_all_fail_cleanly({"a": bad})
    with pytest.raises(AssertionError):
        kit.assert_all_fail_cleanly(ok, says={"a": "not answered"})
    with pytest.raises(AssertionError):
        kit.assert_all_passed(ok)


def test_imported_names_keep_relative_dots_and_nested_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os.path, json\nfrom ..engine import kit\nfrom . import x\n\n\ndef f():\n    import numpy\n")
    assert kit.imported_names(src) == {"os.path", "json", "..engine", ".", "numpy"}


def test_validity_functions_read_the_tables_when_called():
    from types import SimpleNamespace as M

    variants = M(BUGGY={"b": ([("f.py", "x", "y")], "hw.c1", "words")}, CORRECT={"c": ([], ["hw.c2"])})
    buggy, correct, handout = kit.validity_functions(variants, "BUGGY")
    assert buggy() == {"b": ([("f.py", "x", "y")], ["hw.c1"], None)}
    assert correct() == {"c": ([], ["hw.c2"])} and handout() == {}
    variants.HANDOUT = {"h": ([], ["hw.c3"])}
    assert handout() == {"h": ([], ["hw.c3"])}
    kept = M(CORRECT={}, HANDOUT={})
    assert kit.validity_functions(variants, "BUGGY", kept)[1]() == {}


def test_shared_servers_are_reused_replaced_and_closed(monkeypatch, tmp_path):
    from autograder.engine.sandbox import Limits, Sandbox

    monkeypatch.delenv("NNCOURSE_ZYGOTE", raising=False)
    kit.close_shared_servers()
    pkg = tmp_path / "starter" / "toy"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "tools.py").write_text("import os\n\n\ndef parent():\n    return os.getppid()\n")
    numpy_only = kit.shared_server()
    assert numpy_only is not None and kit.shared_server(("numpy",)) is numpy_only
    first = kit.shared_server(("numpy", "json"))
    assert kit.shared_server(("numpy", "json")) is first
    with Sandbox(tmp_path, Limits(timeout=30), zygote=first) as box:  # starts it
        box.call("toy.tools:parent")
    running = first.proc
    assert running is not None and running.poll() is None
    assert kit.shared_server(("numpy", "csv")) is not first  # one other server at a time, besides numpy's
    assert running.poll() is not None, "the replaced server ended"
    assert kit.shared_server() is numpy_only
    numpy_only.broken = True  # a check broke it: the next call starts another
    assert kit.shared_server() is not numpy_only
    kit.close_shared_servers()
    assert kit._SERVERS == {}
    monkeypatch.setenv("NNCOURSE_ZYGOTE", "0")
    assert kit.shared_server() is None
