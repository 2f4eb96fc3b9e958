"""Q5: saving the best FC model for FER-2013, and loading and testing it.

The model file is a ``.npz`` archive (no pickles) with:

* ``arch``: a JSON string ``{"type": "fcnet", "hidden_dims": [...], "input_dim": 2304,
  "num_classes": 7}``;
* ``mean``: float32 (48, 48), the preprocessing mean (see ``data_utils.preprocess_faces``);
* ``W1``, ``b1``, ..., ``WL``, ``bL``: the network's parameters.

The grader loads only this file (``np.load(..., allow_pickle=False)``): it rebuilds the
network from ``arch`` and scores it on a private test set, and also runs your
``test_fer_model`` on those images.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .data_utils import load_image_folder, preprocess_faces
from .fcnet import FullyConnectedNet

__all__ = ["MODEL_PATH", "CIFAR_MODEL_PATH", "save_fer_model", "load_fer_model", "test_fer_model"]

# hand both files in: the grader looks for them next to this file (or at the top of the submission)
MODEL_PATH = Path(__file__).with_name("fer_model.npz")
CIFAR_MODEL_PATH = Path(__file__).with_name("cifar_two_layer.npz")


def save_fer_model(model, mean, path=MODEL_PATH):
    """Write ``model`` (a FullyConnectedNet) and the preprocessing ``mean`` to ``path`` (.npz)."""
    L = model.num_layers
    hidden = [int(model.params[f"W{i}"].shape[1]) for i in range(1, L)]
    arch = {"type": "fcnet", "hidden_dims": hidden, "input_dim": int(model.params["W1"].shape[0]),
            "num_classes": int(model.params[f"W{L}"].shape[1])}
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in model.params.items()}
    np.savez(path, arch=np.array(json.dumps(arch)), mean=np.asarray(mean, dtype=np.float32), **arrays)
    return Path(path)


def load_fer_model(path=MODEL_PATH):
    """``(model, mean)`` from a file written by ``save_fer_model`` (no pickles are loaded)."""
    with np.load(path, allow_pickle=False) as f:
        arch = json.loads(str(f["arch"]))
        model = FullyConnectedNet(arch["hidden_dims"], input_dim=arch["input_dim"],
                                  num_classes=arch["num_classes"], dtype=np.float32)
        for k in model.params:
            model.params[k] = f[k].astype(np.float32)
        mean = f["mean"].astype(np.float32)
    return model, mean


def test_fer_model(img_folder, model=MODEL_PATH):
    """Predict the expression of every image under ``img_folder``.

    ``img_folder``: a folder of 48x48 grayscale images (any sub-folders; read them with
    ``data_utils.load_image_folder``); ``model``: the path of a file written by
    ``save_fer_model``. Returns int64 predictions (N,) in the order of
    ``data_utils.list_images(img_folder)`` (sorted relative paths).
    """
    # TODO: load the model, read the images, preprocess them like the training data,
    # return the arg-max class of each.
    raise NotImplementedError("test_fer_model is not implemented yet (see the TODO above this line)")
    return preds
