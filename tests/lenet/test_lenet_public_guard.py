"""Public gradient checks refuse a wrong forward pass (they differentiate it): they say to fix the
forward first instead of blaming the backward."""
import shutil
from pathlib import Path

from autograder.engine import grade_submission

REPO = Path(__file__).resolve().parents[2]
ZERO_FORWARD = '''

def _zeroed(forward):
    def wrapper(*args):
        out = forward(*args)
        out["data"] = out["data"] * 0
        return out
    return wrapper


pooling_layer_forward = _zeroed(pooling_layer_forward)
relu_forward = _zeroed(relu_forward)
'''


def test_gradcheck_on_a_constant_forward_fails_with_a_clear_message(tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(REPO / "solutions" / "lenet", sub / "lenet", ignore=shutil.ignore_patterns("notebooks", "__pycache__"))
    mod = sub / "lenet" / "cnn_lenet.py"
    mod.write_text(mod.read_text() + ZERO_FORWARD)
    res = grade_submission("lenet", sub, only=["lenet.public.pool_gradcheck", "lenet.public.relu_gradcheck"])
    assert [c.status for c in res.checks] == ["failed", "failed"]
    for c in res.checks:
        assert "first" in c.message and "forward" in c.message, c.message
        assert "fix" in c.safe_message and "first" in c.safe_message, c.safe_message


FLIPPED_BACKWARD_OK_FORWARD_BROKEN = '''

def _shifted(forward):
    def wrapper(*args):
        out = forward(*args)
        out["data"] = out["data"] + 1.0
        return out
    return wrapper


relu_forward = _shifted(relu_forward)
'''


def test_a_wrong_forward_is_not_blamed_on_the_backward(tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(REPO / "solutions" / "lenet", sub / "lenet", ignore=shutil.ignore_patterns("notebooks", "__pycache__"))
    mod = sub / "lenet" / "cnn_lenet.py"
    mod.write_text(mod.read_text() + FLIPPED_BACKWARD_OK_FORWARD_BROKEN)
    res = grade_submission("lenet", sub, only=["lenet.public.relu", "lenet.public.relu_gradcheck",
                                               "lenet.relu_backward"])
    by = {c.id: c for c in res.checks}
    assert by["lenet.public.relu"].score == 0
    assert "fix relu_forward first" in by["lenet.public.relu_gradcheck"].message
    assert by["lenet.relu_backward"].score == by["lenet.relu_backward"].points  # backward judged on our forward
