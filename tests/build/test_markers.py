"""Edge cases of the solution-marker parser."""
import ast

import pytest

from autograder.build.markers import MarkerError, find_regions, has_markers, strip_solutions

SIMPLE = '''import numpy as np


def f(x):
    """Double x."""
    # TODO: return twice x.
    # BEGIN SOLUTION
    y = 2 * x
    # END SOLUTION
    return y
'''


def test_region_becomes_named_stub_and_keeps_todo():
    out = strip_solutions(SIMPLE, "m.py")
    assert "2 * x" not in out
    assert "# TODO: return twice x." in out
    assert 'raise NotImplementedError("f is not implemented yet (see the TODO above this line)")' in out
    ns = {}
    exec(compile(out, "m.py", "exec"), ns)
    with pytest.raises(NotImplementedError, match="^f is not implemented"):
        ns["f"](1)


def test_file_without_markers_is_unchanged_byte_for_byte():
    text = "def g():\n    return 1  # no markers here\n"
    assert not has_markers(text)
    assert strip_solutions(text) == text


def test_method_regions_name_the_class():
    src = "class Net:\n    def loss(self, X):\n        # BEGIN SOLUTION\n        return X\n        # END SOLUTION\n"
    out = strip_solutions(src, "net.py")
    assert 'NotImplementedError("Net.loss is not implemented yet")' in out
    ast.parse(out)


def test_several_regions_in_one_function_and_code_between_kept():
    src = (
        "def h(x):\n    # BEGIN SOLUTION\n    a = x\n    # END SOLUTION\n    keep = 1\n"
        "    # BEGIN SOLUTION\n    b = a\n    # END SOLUTION\n    return b\n"
    )
    regions = find_regions(src, "h.py")
    assert [(r.begin, r.end) for r in regions] == [(2, 4), (6, 8)]
    out = strip_solutions(src, "h.py")
    assert "keep = 1" in out and "a = x" not in out and "b = a" not in out


@pytest.mark.parametrize(
    "src, line, words",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "unterminated"),
        ("def f():\n    return 1\n    # END SOLUTION\n", 3, "without a matching"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 3, "nested"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", 1, "outside a function"),
        ("class A:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 2, "outside a function"),
        ("def f():\n    # BEGIN SOLUTION\n    x = 1\n  # END SOLUTION\n", 4, "indented differently"),
        ("def f(:\n    pass\n", 1, "cannot parse"),
    ],
)
def test_malformed_markers_name_file_and_line(src, line, words):
    with pytest.raises(MarkerError) as info:
        strip_solutions(src, "pkg/bad.py")
    assert f"pkg/bad.py:{line}:" in str(info.value)
    assert words in str(info.value)


def test_marker_text_inside_a_string_is_not_a_marker():
    src = 'def f():\n    s = "# BEGIN SOLUTION"\n    return s\n'
    assert not has_markers(src)
