"""Public gradient checks refuse a forward pass that ignores its input."""
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
        assert "implement the forward pass first" in c.message, c.message
