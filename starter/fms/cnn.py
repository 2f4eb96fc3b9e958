"""Problem 4: a PyTorch CNN that classifies MDS189 movements from a single frame.

You write:

* ``Net``: the model, images ``(N, 3, H, W)`` (floats in [0, 1], ``H = W = 48`` with
  the provided datasets) -> class scores ``(N, 8)`` in ``data.LABELS`` order;
* ``loss_function``: the training loss;
* the evaluation: ``per_class_accuracy`` and ``confusion_matrix``;
* ``count_parameters`` and ``fc_equivalent_parameters`` (question 4(c));
* ``write_predictions``: the Kaggle-style prediction file for the test frames.

The training loop and the frame loading are provided (``train.py``).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import LABELS  # the class order: label index = position

NUM_CLASSES = 8

# Optional: the optimiser settings the grader should use when it trains your Net for the
# key-frame check (fms.cnn_keyframe_accuracy): "optimizer" ("adam" or "sgd"), "lr" (1e-5 to
# 0.5), "weight_decay" (0 to 0.1) and "momentum" (for "sgd"). Leave it empty for the default
# (Adam, learning rate 2e-3). The number of steps and the time budget are the grader's,
# whatever you put here.
TRAIN_SETTINGS: dict = {}

__all__ = [
    "NUM_CLASSES", "LABELS", "TRAIN_SETTINGS", "Net", "loss_function", "per_class_accuracy", "confusion_matrix", "accuracy_summary",
    "layer_shapes", "count_parameters", "fc_equivalent_parameters", "write_predictions",
]


# ----------------------------------------------------------------------------------
# the model and the loss
# ----------------------------------------------------------------------------------
class Net(nn.Module):
    """A small CNN for single movement frames.

    ``Net()`` must work without arguments. ``forward`` takes a float tensor
    ``(N, 3, H, W)`` and returns unnormalised class scores (logits) ``(N, num_classes)``;
    the softmax belongs to the loss, not to the model. (The notebook feeds frames in
    [0, 1]; the grader's key-frame check standardises every channel with the training
    frames' mean and standard deviation first, and trains 80 Adam steps on 32 training
    key frames, which your Net must fit, with the optimiser settings of ``TRAIN_SETTINGS``
    when you give them.)

    Hints: a few blocks of convolution -> (batch norm) -> ReLU -> max pooling, then a
    small fully-connected head. ``nn.AdaptiveAvgPool2d`` before the head makes the
    model work for any input size. Keep it small: it must train on a laptop CPU in a
    minute or two.
    """

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__()
        # TODO: create the layers of your network and store them as attributes
        # (e.g. self.features = nn.Sequential(...)), so PyTorch finds their parameters.
        raise NotImplementedError("Net.__init__ is not implemented yet (see the TODO above this line)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO: map the images x (N, 3, H, W) to class scores (N, num_classes).
        raise NotImplementedError("Net.forward is not implemented yet (see the TODO above this line)")


def loss_function(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean softmax cross-entropy of ``scores`` (N, C) against integer ``labels`` (N,).

    Returns a scalar tensor that autograd can differentiate (do not convert it to a
    python float). Compute it in a numerically stable way (large scores must not
    give inf or NaN).
    """
    # TODO: return the mean cross-entropy loss of the scores.
    raise NotImplementedError("loss_function is not implemented yet (see the TODO above this line)")


# ----------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------
def per_class_accuracy(y_true, y_pred, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Accuracy on each true class: entry ``c`` is the fraction of the examples whose
    true class is ``c`` that were predicted as ``c`` (the recall of class ``c``).

    ``y_true``, ``y_pred``: integer arrays (N,) with values in ``range(num_classes)``.
    Returns a float array (num_classes,). A class that never occurs in ``y_true`` has
    no accuracy: its entry is ``np.nan``. A class that occurs but is never predicted
    has accuracy 0.
    """
    # TODO: per-class accuracy (divide by the number of TRUE examples of each class).
    raise NotImplementedError("per_class_accuracy is not implemented yet (see the TODO above this line)")


def confusion_matrix(y_true, y_pred, num_classes: int = NUM_CLASSES, normalize: bool = False) -> np.ndarray:
    """Confusion matrix ``M`` (num_classes, num_classes): ``M[i, j]`` counts the examples
    of true class ``i`` predicted as class ``j`` (rows: truth, columns: prediction, the
    convention of ``sklearn.metrics.confusion_matrix``).

    The shape is always (num_classes, num_classes), also when some classes never occur.
    Counts are integers. With ``normalize=True`` every row is divided by its sum (each
    row then holds the fractions of that true class, summing to 1), as floats; the
    rows of classes that never occur in ``y_true`` stay all zero.
    """
    # TODO: count (true, predicted) pairs; sklearn.metrics.confusion_matrix with
    # labels=range(num_classes) does the counting.
    raise NotImplementedError("confusion_matrix is not implemented yet (see the TODO above this line)")


def accuracy_summary(y_true, y_pred, num_classes: int = NUM_CLASSES) -> dict:
    """Overall accuracy, the mean of the per-class accuracies and the per-class ones."""
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    per_class = per_class_accuracy(y_true, y_pred, num_classes)
    return {
        "overall": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "mean_per_class": float(np.nanmean(per_class)) if np.any(np.isfinite(per_class)) else float("nan"),
        "per_class": per_class,
    }


# ----------------------------------------------------------------------------------
# parameter counts, question 4(c)
# ----------------------------------------------------------------------------------
def layer_shapes(model: nn.Module, input_shape) -> list[tuple[str, nn.Module, tuple, tuple]]:
    """Run one example of shape ``input_shape`` = (C, H, W) through ``model``.

    Returns, in the order they run, one ``(name, module, in_shape, out_shape)`` per call
    of a leaf module (a module without sub-modules, e.g. ``nn.Conv2d``, ``nn.ReLU``);
    the shapes are those of ONE example, without the batch dimension.
    """
    records, hooks = [], []
    names = {m: n for n, m in model.named_modules()}

    def hook(module, inputs, output):
        x = inputs[0] if inputs else None
        in_shape = tuple(x.shape[1:]) if torch.is_tensor(x) else ()
        out_shape = tuple(output.shape[1:]) if torch.is_tensor(output) else ()
        records.append((names.get(module, "?"), module, in_shape, out_shape))

    for m in model.modules():
        if not any(True for _ in m.children()):
            hooks.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1, *tuple(int(s) for s in input_shape))))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return records


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars of ``model``: the sum of ``p.numel()`` over the
    parameters with ``requires_grad=True`` (weights AND biases; frozen parameters do
    not count)."""
    # TODO: count the trainable parameters.
    raise NotImplementedError("count_parameters is not implemented yet (see the TODO above this line)")


def fc_equivalent_parameters(model: nn.Module, input_shape) -> int:
    """Trainable parameters of the all-fully-connected counterpart of ``model``.

    The counterpart replaces every ``nn.Conv2d`` layer by a fully-connected layer with
    the same input and output sizes: a convolution that maps one example of shape
    (C_in, H_in, W_in) to (C_out, H_out, W_out) becomes an ``nn.Linear`` from
    ``n_in = C_in * H_in * W_in`` to ``n_out = C_out * H_out * W_out`` features, with
    ``n_in * n_out`` weights plus ``n_out`` biases when the convolution has a bias
    (none when it was built with ``bias=False``). Every other layer (linear, batch
    norm, pooling, activations) keeps its own trainable parameters, so

        fc_equivalent = count_parameters(model)
                        - (trainable parameters of the Conv2d layers)
                        + sum over Conv2d layers of their fully-connected counts.

    ``input_shape`` is the shape (C, H, W) of one input example; ``layer_shapes``
    gives every layer's input and output shapes for it. Returns an int.
    """
    # TODO: use layer_shapes(model, input_shape) to find each Conv2d's input and
    # output shapes.
    raise NotImplementedError("fc_equivalent_parameters is not implemented yet (see the TODO above this line)")


# ----------------------------------------------------------------------------------
# the Kaggle-style prediction file, question 4(g)
# ----------------------------------------------------------------------------------
def write_predictions(model: nn.Module, test_data, path, ids=None) -> None:
    """Predict every test frame and write the Kaggle-style file ``path``.

    ``test_data``: the test frames, a ``data.Mds189Test`` dataset (its ``ids`` are
    used) or an array / dataset of images ``(N, 3, H, W)`` with their integer ``ids``
    (``00001.jpg`` is Id 1) in the same order. The file starts with the header line
    ``Id,Category`` followed by one line ``<Id>,<movement>`` per frame, the movement
    being its name in ``LABELS`` (e.g. ``17,squat``): ``data.write_submission`` writes
    exactly that.
    """
    # TODO: predict class indices with train.predict, turn them into movement names
    # with LABELS and write the file with data.write_submission(path, ids, names).
    raise NotImplementedError("write_predictions is not implemented yet (see the TODO above this line)")
