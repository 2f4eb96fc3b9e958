"""The provided ``cnn.predict`` runs a channels-last copy of the model on batches of 64 (five times
faster on a CPU than the model as it is on batches of 500): the same predictions as a plain forward
pass, the model itself left as it was (only put in eval mode), and a model that cannot be copied
still predicted."""
import threading

import numpy as np
import pytest
import torch

from solutions.fer import cnn

ARCHS = {
    "reference": cnn.cnn_architecture(),
    "strided, avg-pooled": {"input": [1, 48, 48], "layers": [["conv", 8, 5, 2, 2], ["relu"], ["avgpool", 2],
                                                            ["flatten"], ["linear", 7]]},
    "no convolution": {"input": [1, 48, 48], "layers": [["flatten"], ["linear", 32], ["relu"], ["linear", 7]]},
}


def _plain(model, X):
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(X[:, None])).argmax(1).numpy()


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_predict_agrees_with_a_plain_forward_pass_and_leaves_the_model_alone(name):
    torch.manual_seed(0)
    model = cnn.build_cnn(ARCHS[name])
    model.train()
    X = np.random.default_rng(0).standard_normal((150, 48, 48)).astype(np.float32)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    got = cnn.predict(model, X)
    assert got.dtype == np.int64 and got.shape == (150,)
    assert not model.training  # eval mode, as before
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]) and v.is_contiguous(), k  # values and layout untouched
    assert np.mean(got == _plain(model, X)) >= 0.99  # float rounding may flip a near-tie
    assert cnn.predict(model, X[:0]).shape == (0,)


def test_a_model_that_cannot_be_copied_is_predicted_as_it_is():
    model = cnn.build_cnn(ARCHS["reference"])
    model.lock = threading.Lock()  # deepcopy refuses locks
    X = np.random.default_rng(1).standard_normal((20, 48, 48)).astype(np.float32)
    np.testing.assert_array_equal(cnn.predict(model, X), _plain(model, X))
