"""The trust boundary of the training check: the grader measures the accuracy itself,
with the reference forward on the weights trained in the sandbox. A submission that
replaces the provided training loop's predictor (here: a nearest-neighbour classifier
over the training batches it was shown) and learns nothing gets no training points."""
import pytest

from .helpers import grade, make_tree

pytestmark = pytest.mark.slow

ATTACK = '''

# --- ADVERSARIAL: memorise the training batches, learn nothing, predict by nearest neighbour ---
_MEMORY = {}
_real_conv_net = conv_net


def _zero(g):
    if isinstance(g, dict):
        return {k: _zero(v) for k, v in g.items()}
    if isinstance(g, (list, tuple)):
        return type(g)(_zero(v) for v in g)
    return g * 0


def conv_net(params, layers, data, labels):
    for j in range(data.shape[1]):
        _MEMORY[data[:, j].tobytes()] = (data[:, j].copy(), int(labels[j]))
    cp, grads = _real_conv_net(params, layers, data, labels)
    return cp, _zero(grads)


def _nearest_neighbour(params, layers, x, chunk=500):
    X = np.stack([v[0] for v in _MEMORY.values()], axis=1).astype(np.float32)
    Y = np.array([v[1] for v in _MEMORY.values()])
    sq = (X * X).sum(0)
    out = []
    for s in range(0, x.shape[1], chunk):
        q = x[:, s:s + chunk].astype(np.float32)
        out.append(Y[(sq[None, :] - 2 * q.T @ X).argmin(1)])
    return np.concatenate(out)


import starter.lenet.test_lenet as _provided  # noqa: E402

_provided.predict = _nearest_neighbour
'''


def test_a_replaced_predictor_decides_nothing(tmp_path):
    tree = make_tree(tmp_path)
    cnn = tree / "starter" / "lenet" / "cnn_lenet.py"
    cnn.write_text(cnn.read_text() + ATTACK)
    r = grade(tree, ids=["lenet.train"])["lenet.train"]
    assert r.score == 0, (r.status, r.message)
    assert "test accuracy after" in r.message
