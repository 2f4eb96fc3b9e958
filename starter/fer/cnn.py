"""Q6: a convolutional network for FER-2013 in PyTorch, its evaluation and its model file.

The network is described by a plain architecture dict (no code), e.g.::

    {"input": [1, 48, 48], "layers": [["conv", 16, 3, 1, 1], ["bn"], ["relu"], ["maxpool", 2],
                                     ["flatten"], ["dropout", 0.3], ["linear", 7]]}

Layer specs: ``["conv", out_channels, kernel, stride, padding]``, ``["bn"]`` (batch norm of
the current channels / features), ``["relu"]``, ``["maxpool", k]``, ``["avgpool", k]``,
``["dropout", p]``, ``["flatten"]``, ``["linear", out_features]``; the last layer must output
7 scores. ``build_cnn(arch)`` turns it into a ``torch.nn.Sequential``.

The model file (``fer_cnn.pt``, written by ``save_cnn``) is a dict of plain values and
tensors: ``{"arch": arch, "state_dict": ..., "mean": tensor (48, 48)}``; it is read with
``torch.load(path, weights_only=True)`` (no pickled objects), which is also how the grader
reads it to score your network on a private test set.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

__all__ = ["CNN_PATH", "cnn_architecture", "build_cnn", "train_cnn", "predict", "evaluate_predictions",
           "save_cnn", "load_cnn", "test_cnn_model"]

CNN_PATH = Path(__file__).with_name("fer_cnn.pt")
NUM_CLASSES = 7
MAX_PARAMETERS = 5_000_000


def cnn_architecture():
    """Your CNN's architecture dict (see the module docstring). Keep it small enough to train
    on a CPU in a few minutes (at most 5 million parameters)."""
    # TODO: choose depth, filters, kernel sizes, strides, padding, pooling, dropout.
    raise NotImplementedError("cnn_architecture is not implemented yet (see the TODO above this line)")


def build_cnn(arch):
    """``torch.nn.Sequential`` for an architecture dict; raises ValueError on a bad spec."""
    import torch.nn as nn

    if not isinstance(arch, dict) or "layers" not in arch:
        raise ValueError("arch must be a dict with 'input' and 'layers'")
    c, h, w = (int(v) for v in arch.get("input", [1, 48, 48]))
    shape = [c, h, w]  # current (channels, height, width), or [features] after flatten
    mods = []
    for spec in arch["layers"]:
        kind, args = str(spec[0]), [v for v in spec[1:]]
        if kind == "conv":
            out, k, s, p = (int(v) for v in args)
            mods.append(nn.Conv2d(shape[0], out, k, stride=s, padding=p))
            shape = [out, (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1]
        elif kind == "bn":
            mods.append(nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0]))
        elif kind == "relu":
            mods.append(nn.ReLU())
        elif kind in ("maxpool", "avgpool"):
            k = int(args[0])
            mods.append(nn.MaxPool2d(k) if kind == "maxpool" else nn.AvgPool2d(k))
            shape = [shape[0], shape[1] // k, shape[2] // k]
        elif kind == "dropout":
            mods.append(nn.Dropout(float(args[0])))
        elif kind == "flatten":
            mods.append(nn.Flatten())
            shape = [int(np.prod(shape))]
        elif kind == "linear":
            if len(shape) != 1:
                raise ValueError("a 'linear' layer needs a 'flatten' before it")
            mods.append(nn.Linear(shape[0], int(args[0])))
            shape = [int(args[0])]
        else:
            raise ValueError(f"unknown layer type {kind!r}")
        if min(shape) < 1:
            raise ValueError(f"layer {spec} leaves an empty output of shape {shape}")
    if shape != [NUM_CLASSES]:
        raise ValueError(f"the network outputs shape {shape}, expected [{NUM_CLASSES}] scores")
    model = nn.Sequential(*mods)
    n_params = sum(p.numel() for p in model.parameters())
    if n_params > MAX_PARAMETERS:
        raise ValueError(f"{n_params} parameters, more than the limit of {MAX_PARAMETERS}")
    return model


def _tensor(X):
    import torch

    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    return X[:, None] if X.dim() == 3 else X


def train_cnn(model, data, epochs=8, lr=1e-3, batch_size=64, weight_decay=1e-4, seed=0, verbose=True,
              max_seconds=None):
    """Train ``model`` with Adam and cross-entropy on ``data`` (the dict of ``get_FER2013_data``).

    Returns a history dict: ``loss`` (per epoch mean training loss), ``train_acc`` and
    ``val_acc`` (per epoch); keeps the weights of the epoch with the best validation accuracy.
    ``max_seconds`` stops after the epoch that exceeds it.
    """
    import torch

    torch.manual_seed(seed)
    X, y = _tensor(data["X_train"]), torch.as_tensor(data["y_train"])
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist = {"loss": [], "train_acc": [], "val_acc": []}
    best, best_state, start = -1.0, None, time.monotonic()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(X))
        total = 0.0
        for i in range(0, len(X), batch_size):
            idx = perm[i:i + batch_size]
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        hist["loss"].append(total / len(X))
        hist["train_acc"].append(float(np.mean(predict(model, data["X_train"][:2000]) == data["y_train"][:2000])))
        hist["val_acc"].append(float(np.mean(predict(model, data["X_val"]) == data["y_val"])))
        if verbose:
            print(f"epoch {ep + 1}/{epochs}: loss {hist['loss'][-1]:.3f}, train acc {hist['train_acc'][-1]:.3f}, "
                  f"val acc {hist['val_acc'][-1]:.3f} ({time.monotonic() - start:.0f} s)")
        if hist["val_acc"][-1] > best:
            best = hist["val_acc"][-1]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if max_seconds is not None and time.monotonic() - start > max_seconds:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return hist


def predict(model, X, batch_size=64):
    """Arg-max class (int64 (N,)) of ``model`` on preprocessed faces X (N, 48, 48), eval mode.

    It runs a channels-last copy of the model (PyTorch's fastest layout for convolutions and
    pooling on a CPU) on batches of 64 faces, whose activations stay in the CPU's cache: about
    five times faster than the model as it is on batches of 500, and the same predictions.
    ``model`` itself is only put in eval mode."""
    import copy

    import torch

    model.eval()
    try:
        net, layout = copy.deepcopy(model).to(memory_format=torch.channels_last), torch.channels_last
    except Exception:  # noqa: BLE001 - a model that cannot be copied runs as it is
        net, layout = model, torch.contiguous_format
    out = []
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            x = _tensor(X[i:i + batch_size])
            out.append(net(x.contiguous(memory_format=layout) if x.dim() == 4 else x).argmax(1).numpy())
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def evaluate_predictions(y_true, y_pred, num_classes=NUM_CLASSES):
    """Confusion matrix, classification rate and per-class F1 (use ``sklearn.metrics``).

    Inputs: y_true, y_pred int arrays (N,) with values in ``0 .. num_classes-1``.
    Returns a dict: ``confusion`` int (num_classes, num_classes), row = true class, column =
    predicted class (every class present even if it never occurs); ``classification_rate``
    float (fraction correct); ``f1`` float (num_classes,), the F1 measure of each class
    (0 for a class that is never predicted nor present).
    """
    # TODO: sklearn.metrics.confusion_matrix / accuracy_score / f1_score with labels=range(num_classes).
    raise NotImplementedError("evaluate_predictions is not implemented yet (see the TODO above this line)")


def save_cnn(model, arch, mean, path=CNN_PATH):
    """Write the architecture, the weights and the preprocessing mean to ``path``."""
    import torch

    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"arch": arch, "state_dict": state, "mean": torch.as_tensor(np.asarray(mean, np.float32))}, path)
    return Path(path)


def load_cnn(path=CNN_PATH):
    """``(model, mean)`` from a ``save_cnn`` file, read with ``weights_only=True``; eval mode."""
    import torch

    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = build_cnn(blob["arch"])
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model, blob["mean"].numpy()


def test_cnn_model(img_folder, model=CNN_PATH):
    """Predictions (int64 (N,)) of the CNN saved at ``model`` for the images under ``img_folder``,
    in the order of ``data_utils.list_images(img_folder)``."""
    from .data_utils import load_image_folder, preprocess_faces

    # TODO: load the network, read and preprocess the images, predict.
    raise NotImplementedError("test_cnn_model is not implemented yet (see the TODO above this line)")
    return preds
