"""Realistic buggy variants of the reference (one mistake each) lose points on their own
part, with a message naming the mistake where the grader recognises it; correct but
differently written variants get full marks on the checks they touch."""
from __future__ import annotations

import pytest

from .helpers import MODEL_CHECKS, grade, make_tree

L, C, F, O, S, D, M, N = ("layers.py", "classifiers.py", "fcnet.py", "optim.py", "solver.py", "data_utils.py",
                          "fer_model.py", "cnn.py")

# name -> (patches, checks to run, part that must lose points, words the failing message must contain)
BUGGY = {
    "linear forward without flattening the input": (
        [(L, "out = X.reshape(X.shape[0], -1) @ W + b", "out = X @ W + b")],
        ["fer.linear_forward"], "Q1", ""),
    "linear backward, dX not reshaped like X": (
        [(L, "dX = (dout @ W.T).reshape(X.shape)", "dX = dout @ W.T")],
        ["fer.linear_backward"], "Q1", "shape"),
    "linear backward, db averaged over the batch": (
        [(L, "db = dout.sum(axis=0)", "db = dout.mean(axis=0)")],
        ["fer.linear_backward"], "Q1", "averaged"),
    "relu backward divides by X (NaN at X == 0)": (
        [(L, "dX = dout * (X > 0)", "dX = dout * (X + np.abs(X)) / (2 * X)")],
        ["fer.relu_backward"], "Q1", "dividing by X"),
    "dropout scaled by p instead of 1/(1-p)": (
        [(L, "out = X * mask / (1 - p)", "out = X * mask * p")],
        ["fer.dropout_forward"], "Q2", "scaled the kept units by p"),
    "dropout keeps units with rand < p": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n", "    mask = np.random.rand(*X.shape) < p\n")],
        ["fer.dropout_forward"], "Q2", "rand < p"),
    "dropout ignores the seed": (
        [(L, "    if seed is not None:\n        np.random.seed(seed)\n", "")],
        ["fer.dropout_forward"], "Q2", "np.random.seed(seed)"),
    "dropout keeps a fixed pattern instead of a random one": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n",
          "    mask = (np.arange(X.size).reshape(X.shape) % 100) >= 100 * p\n")],
        ["fer.dropout_forward"], "Q2", "same units"),
    "dropout backward scales twice (the forward stored the scaled mask)": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n    out = X * mask / (1 - p)\n",
          "    mask = (np.random.rand(*X.shape) > p) / (1 - p)\n    out = X * mask\n")],
        ["fer.dropout_backward"], "Q2", "twice"),
    "dropout mask kept at test time": (
        [(L, "    if not train:\n        return X, None\n",
          "    if not train:\n        np.random.seed(seed)\n        keep = np.random.rand(*X.shape) > p\n"
          "        return X * keep / (1 - p), keep\n")],
        ["fer.dropout_forward"], "Q2", "mask at test time"),
    "dropout backward without the 1/(1-p) scaling": (
        [(L, "    dX = dout * mask / (1 - p)\n", "    dX = dout * mask\n")],
        ["fer.dropout_backward"], "Q2", "did not rescale"),
    "softmax without subtracting the row maximum": (
        [(C, "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits")],
        ["fer.softmax"], "Q3", "large logits"),
    "softmax gradient not divided by N": (
        [(C, "dlogits /= N", "dlogits = dlogits")],
        ["fer.softmax"], "Q3", "divide the gradient by N"),
    "softmax loss summed instead of averaged": (
        [(C, "loss = -log_probs[np.arange(N), y].mean()", "loss = -log_probs[np.arange(N), y].sum()")],
        ["fer.softmax"], "Q3", "summed the loss"),
    "random_init with uniform weights": (
        [(F, "W = (weight_scale * np.random.randn(n_in, n_out)).astype(dtype)",
          "W = (weight_scale * np.random.rand(n_in, n_out)).astype(dtype)")],
        ["fer.random_init"], "Q4", "mean 0"),
    "L2 loss without the 0.5 factor (gradient keeps reg * W)": (
        [(F, "loss += 0.5 * self.reg * sum(", "loss += self.reg * sum(")],
        ["fer.fcnet_loss_grads"], "Q4", "without the 0.5 factor"),
    "L2 gradient missing in the hidden layers": (
        [(F, 'grads[f"W{i}"] = dW + self.reg * self.params[f"W{i}"]', 'grads[f"W{i}"] = dW')],
        ["fer.fcnet_loss_grads"], "Q4", "forgot the L2 gradient"),
    "dropout left on when predicting": (
        [(F, 'self.dropout_params["train"] = train', 'self.dropout_params["train"] = True')],
        ["fer.fcnet_scores"], "Q4", "dropout"),
    "momentum velocity not carried between calls": (
        [(O, 'config["velocity"] = v', 'config.pop("velocity", None)')],
        ["fer.sgd_momentum"], "Q5", "velocity is not carried"),
    "momentum step along +gradient": (
        [(O, 'v = config["momentum"] * v - config["learning_rate"] * dw',
          'v = config["momentum"] * v + config["learning_rate"] * dw')],
        ["fer.sgd_momentum"], "Q5", "+gradient"),
    "stopping criterion never fires": (
        [(S, "return max(h[-patience:]) <= max(h[:-patience]) + min_delta", "return False")],
        ["fer.early_stopping"], "Q5", "never"),
    "stopping criterion ignores patience (stops after one flat epoch)": (
        [(S, "return max(h[-patience:]) <= max(h[:-patience]) + min_delta",
          "return h[-1] <= max(h[:-1]) + min_delta")],
        ["fer.early_stopping"], "Q5", "expected False"),
    "FER loader swaps the PublicTest and PrivateTest splits": (
        [(D, '"PublicTest": "val", "PrivateTest": "test"', '"PublicTest": "test", "PrivateTest": "val"')],
        ["fer.fer_loader"], "Q5", "y_val"),
    "test_fer_model forgets the training mean": (
        [(M, "scores = net.loss(preprocess_faces(X, mean))", "scores = net.loss(np.asarray(X, np.float32) / 255.0)")],
        ["fer.test_fer_model"], "Q5", "preprocess like the training data"),
    "per-class F1 replaced by the macro average": (
        [(N, "f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)",
          "f1_score(y_true, y_pred, labels=labels, average='macro', zero_division=0) * np.ones(num_classes)")],
        ["fer.cnn_metrics"], "Q6", "macro average"),
    "confusion matrix transposed": (
        [(N, "confusion_matrix(y_true, y_pred, labels=labels)", "confusion_matrix(y_pred, y_true, labels=labels)")],
        ["fer.cnn_metrics"], "Q6", "transpose"),
}

CORRECT = {
    "linear and ReLU with np.dot / np.where": (
        [(L, "out = X.reshape(X.shape[0], -1) @ W + b",
          "out = np.dot(X.reshape(len(X), int(np.prod(X.shape[1:]))), W) + b[None, :]"),
         (L, "out = np.maximum(X, 0)", "out = np.where(X > 0, X, 0.0)"),
         (L, "dX = dout * (X > 0)", "dX = np.where(X > 0, dout, 0.0)")],
        ["fer.linear_forward", "fer.linear_backward", "fer.relu_forward", "fer.relu_backward"]),
    "dropout with a float mask": (
        [(L, "mask = np.random.rand(*X.shape) > p\n    out = X * mask / (1 - p)",
          "mask = (np.random.rand(*X.shape) > p).astype(X.dtype)\n    out = X * mask * (1.0 / (1 - p))")],
        ["fer.dropout_forward", "fer.dropout_backward"]),
    "softmax with scipy's logsumexp": (
        [(C, "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
          "from scipy.special import logsumexp\n    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)")],
        ["fer.softmax"]),
    "L2 with np.linalg.norm": (
        [(F, 'loss += 0.5 * self.reg * sum(float(np.sum(self.params[f"W{i}"] ** 2)) for i in range(1, L + 1))',
          'loss += 0.5 * self.reg * sum(np.linalg.norm(self.params[f"W{i}"]) ** 2 for i in range(1, L + 1))')],
        ["fer.fcnet_loss_grads", "fer.fcnet_scores"]),
    "stopping criterion written as a loop": (
        [(S, "return max(h[-patience:]) <= max(h[:-patience]) + min_delta",
          "best_before = max(h[:len(h) - patience])\n    "
          "return all(v - best_before <= min_delta for v in h[len(h) - patience:])")],
        ["fer.early_stopping"]),
    "momentum updating w in place": (
        [(O, "    next_w = w + v\n", "    w += v\n    next_w = w\n")],
        ["fer.sgd_momentum"]),
    "metrics computed by hand with numpy": (
        [(N, """    return {
        "confusion": confusion_matrix(y_true, y_pred, labels=labels),
        "classification_rate": float(accuracy_score(y_true, y_pred)),
        "f1": f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0),
    }""", """    cm = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    f1 = np.divide(2 * tp, denom, out=np.zeros(num_classes), where=denom > 0)
    return {"confusion": cm, "classification_rate": tp.sum() / cm.sum(), "f1": f1}""")],
        ["fer.cnn_metrics"]),
}


def test_enough_variants():
    assert len(BUGGY) >= 15 and len(CORRECT) >= 5


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_variant_loses_points_on_its_part(name, tmp_path):
    patches, ids, part, words = BUGGY[name]
    results = grade(make_tree(tmp_path, patches=patches, models=bool(MODEL_CHECKS & set(ids))), ids=ids)
    lost = [r for r in results.values() if r.part == part and r.score < r.points]
    assert lost, {i: (r.status, r.score, r.message) for i, r in results.items()}
    for r in lost:
        assert "internal grader error" not in r.message, r.log
    assert any(words.lower() in r.message.lower() for r in lost), [r.message for r in lost]


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_variant_gets_full_marks(name, tmp_path):
    patches, ids = CORRECT[name]
    results = grade(make_tree(tmp_path, patches=patches, models=False), ids=ids)
    bad = {i: (r.status, r.message) for i, r in results.items() if r.score != r.points}
    assert not bad

# correct code written for the handout (other conventions where it leaves a choice): every
# check it touches gives full marks. name -> (patches, checks); read by benchmarks/validity.py
_DROPOUT_IDS = ["fer.dropout_forward", "fer.dropout_backward", "fer.public.dropout", "fer.fcnet_loss_grads",
                "fer.fcnet_scores", "fer.public.fcnet"]
_MOMENTUM_IDS = ["fer.sgd_momentum", "fer.public.sgd_momentum"]
HANDOUT = {
    "dropout returning the scaled mask keep/(1-p), backward dout * mask": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n    out = X * mask / (1 - p)\n",
          "    mask = (np.random.rand(*X.shape) > p) / (1 - p)\n    out = X * mask\n"),
         (L, "    dX = dout * mask / (1 - p)\n", "    dX = dout * mask\n")],
        _DROPOUT_IDS),
    "dropout drawn with np.random.binomial(1, 1-p)": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n", "    mask = np.random.binomial(1, 1 - p, size=X.shape)\n")],
        _DROPOUT_IDS),
    "dropout drawn with rand < 1-p": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n", "    mask = np.random.rand(*X.shape) < 1 - p\n")],
        _DROPOUT_IDS),
    "dropout as in CS231n: mask = (rand < q) / q, backward dout * mask": (
        [(L, "    mask = np.random.rand(*X.shape) > p\n    out = X * mask / (1 - p)\n",
          "    q = 1 - p\n    mask = (np.random.rand(*X.shape) < q) / q\n    out = X * mask\n"),
         (L, "    dX = dout * mask / (1 - p)\n", "    dX = dout * mask\n")],
        _DROPOUT_IDS),
    "momentum with dampening: v = mu * v - (1 - mu) * lr * dw": (
        [(O, 'v = config["momentum"] * v - config["learning_rate"] * dw',
          'v = config["momentum"] * v - (1 - config["momentum"]) * config["learning_rate"] * dw')],
        _MOMENTUM_IDS),
    "momentum as v = mu * v + dw, w -= lr * v": (
        [(O, '    v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v\n',
          '    v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v\n')],
        _MOMENTUM_IDS),
    "relu backward passes the gradient at X == 0 (X >= 0)": (
        [(L, "dX = dout * (X > 0)", "dX = dout * (X >= 0)")],
        ["fer.relu_backward", "fer.public.relu", "fer.fcnet_loss_grads"]),
    "relu backward with gradient 1/2 at X == 0": (
        [(L, "dX = dout * (X > 0)", "dX = dout * np.where(X > 0, 1.0, np.where(X == 0, 0.5, 0.0))")],
        ["fer.relu_backward", "fer.public.relu"]),
}


@pytest.mark.parametrize("name", sorted(HANDOUT))
def test_handout_variant_gets_full_marks(name, tmp_path):
    patches, ids = HANDOUT[name]
    results = grade(make_tree(tmp_path, patches=patches, models=False), ids=ids)
    bad = {i: (r.status, r.score, r.points, r.message) for i, r in results.items() if r.score != r.points}
    assert not bad


# one mistake, one charge: a layer mistake (charged in Q1-Q3) costs nothing in the network's checks (Q4)
DOWNSTREAM = {
    "softmax loss summed instead of averaged": ["fer.fcnet_loss_grads", "fer.fcnet_scores", "fer.public.fcnet"],
    "softmax gradient not divided by N": ["fer.fcnet_loss_grads", "fer.public.fcnet"],
    "linear forward without flattening the input": ["fer.fcnet_loss_grads"],  # fcnet_scores crashes there
    "linear backward, db averaged over the batch": ["fer.fcnet_loss_grads"],
    "dropout scaled by p instead of 1/(1-p)": ["fer.fcnet_loss_grads", "fer.dropout_backward"],
    "dropout keeps units with rand < p": ["fer.fcnet_loss_grads", "fer.dropout_backward"],
}


@pytest.mark.parametrize("name", sorted(DOWNSTREAM))
def test_layer_mistake_is_not_charged_again_downstream(name, tmp_path):
    results = grade(make_tree(tmp_path, patches=BUGGY[name][0], models=False), ids=DOWNSTREAM[name])
    assert not {i: (r.score, r.message) for i, r in results.items() if r.score != r.points}
