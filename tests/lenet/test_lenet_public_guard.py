"""Public gradient checks never charge a forward's mistake to the backward: on a forward that
fails its hand-worked example they judge the backward alone, on values worked from the
layer's formula, and say to fix the forward first (one mistake, one charge)."""
import shutil
from pathlib import Path

from autograder.engine import grade_submission

REPO = Path(__file__).resolve().parents[2]
ZEROED = '''

def _zeroed(forward):
    def wrapper(*args):
        out = forward(*args)
        out["data"] = out["data"] * 0
        return out
    return wrapper

'''
ZERO_FORWARD = ZEROED + '''
pooling_layer_forward = _zeroed(pooling_layer_forward)
relu_forward = _zeroed(relu_forward)
'''


def _grade_with(tmp_path, appended, only):
    """``grade_submission`` of the checks ``only`` on a copy of the reference whose cnn_lenet.py
    ends with the code ``appended`` (which rebinds the functions under test)."""
    sub = tmp_path / "sub"
    shutil.copytree(REPO / "solutions" / "lenet", sub / "lenet", ignore=shutil.ignore_patterns("notebooks", "__pycache__"))
    mod = sub / "lenet" / "cnn_lenet.py"
    mod.write_text(mod.read_text() + appended)
    return grade_submission("lenet", sub, only=only)


def test_gradcheck_on_a_constant_forward_judges_the_backward_alone(tmp_path):
    res = _grade_with(tmp_path, ZERO_FORWARD, only=["lenet.public.pool_forward", "lenet.public.relu",
                                                        "lenet.public.pool_gradcheck", "lenet.public.relu_gradcheck"])
    by = {c.id: c for c in res.checks}
    assert by["lenet.public.pool_forward"].score == 0 and by["lenet.public.relu"].score == 0
    for cid in ("lenet.public.pool_gradcheck", "lenet.public.relu_gradcheck"):
        c = by[cid]
        assert c.status == "passed" and c.score == c.points, (cid, c.message)  # the backward is right
        assert "Fix" in c.message and "first" in c.message and "forward" in c.message, c.message


WRONG_FORWARD_AND_BACKWARD = ZEROED + '''
relu_forward = _zeroed(relu_forward)


def relu_backward(output, input, layer):
    return output["diff"] * (output["diff"] > 0)
'''


def test_a_wrong_backward_still_fails_when_the_forward_is_wrong_too(tmp_path):
    res = _grade_with(tmp_path, WRONG_FORWARD_AND_BACKWARD, only=["lenet.public.relu_gradcheck"])
    assert res.checks[0].score == 0, res.checks[0].message


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
    res = _grade_with(tmp_path, FLIPPED_BACKWARD_OK_FORWARD_BROKEN,
                      only=["lenet.public.relu", "lenet.public.relu_gradcheck", "lenet.relu_backward"])
    by = {c.id: c for c in res.checks}
    assert by["lenet.public.relu"].score == 0
    gc = by["lenet.public.relu_gradcheck"]
    assert "Fix relu_forward first" in gc.message and gc.score == gc.points, gc.message
    assert by["lenet.relu_backward"].score == by["lenet.relu_backward"].points  # backward judged on our forward
