"""autograder.build.pyparse: ast.parse, retried on CPython 3.11's spurious threaded SystemError."""
import ast

import pytest

from autograder.build import pyparse


def test_a_spurious_recursion_depth_mismatch_is_retried(monkeypatch):
    real, calls = ast.parse, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) < 3:
            raise SystemError("AST constructor recursion depth mismatch (before=153, after=31)")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyparse.ast, "parse", flaky)
    tree = pyparse.parse("x = 1\n", "f.py")
    assert isinstance(tree.body[0], ast.Assign) and len(calls) == 3


def test_other_errors_and_a_mismatch_that_persists_are_raised(monkeypatch):
    with pytest.raises(SyntaxError):
        pyparse.parse("def (:\n")

    def always(*args, **kwargs):
        raise SystemError("AST constructor recursion depth mismatch (before=1, after=2)")

    monkeypatch.setattr(pyparse.ast, "parse", always)
    with pytest.raises(SystemError, match="mismatch"):
        pyparse.parse("x = 1\n")
    monkeypatch.setattr(pyparse.ast, "parse", lambda *a, **k: (_ for _ in ()).throw(SystemError("other")))
    with pytest.raises(SystemError, match="other"):
        pyparse.parse("x = 1\n")
