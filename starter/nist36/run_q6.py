"""Q6: the same problems in PyTorch: a fully-connected net and a CNN on NIST36, a CNN on
CIFAR-10 (the real python batches when present, otherwise the project's synthetic
32x32 colour set; see ``coursedata.cifar10``).

Data conventions: ``x`` numpy arrays, ``y`` integer class labels ``(N,)`` (use
``np.argmax`` on the one-hot NIST36 labels). The FC net takes rows of 1024; the CNNs
take images ``(N, C, 32, 32)`` (``nist36_images`` and ``cifar_images`` convert).
"""
import time

import numpy as np
import torch
from torch import nn

# default schedules (calibrated on the embedded sets; see datasets/nist36/CARD.md)
FC_EPOCHS, FC_BATCH, FC_LR, FC_OPT = 30, 32, 0.015, "sgd"  # Adam saturates the sigmoid units here
CNN_EPOCHS, CNN_BATCH, CNN_LR = 8, 64, 3e-3
CIFAR_EPOCHS, CIFAR_BATCH, CIFAR_LR = 8, 32, 3e-3


def nist36_images(x):
    """Rows of 1024 (stored transposed) as upright float32 images ``(N, 1, 32, 32)`` (provided)."""
    x = np.asarray(x, dtype=np.float32)
    return np.ascontiguousarray(x.reshape(-1, 32, 32).transpose(0, 2, 1)[:, None])


def cifar_images(X):
    """uint8 ``(N, 32, 32, 3)`` as float32 ``(N, 3, 32, 32)`` in [-0.5, 0.5] (provided; centring the
    inputs makes the first epochs much faster)."""
    return np.ascontiguousarray(np.asarray(X, dtype=np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)


class FCNet(nn.Module):
    """Q6.1.1: the network of Q3 in PyTorch: Linear(1024, 64), sigmoid, Linear(64, 36).

    ``forward(x)`` takes ``(N, 1024)`` and returns the class scores (logits) ``(N, 36)``.
    """

    def __init__(self, in_size=1024, hidden_size=64, n_classes=36):
        super().__init__()
        # TODO: define the two linear layers.
        raise NotImplementedError("FCNet.__init__ is not implemented yet (see the TODO above this line)")

    def forward(self, x):
        # TODO: linear, sigmoid, linear (return logits: CrossEntropyLoss applies the softmax).
        raise NotImplementedError("FCNet.forward is not implemented yet (see the TODO above this line)")


class ConvNet(nn.Module):
    """Q6.1.2: a small CNN for ``(N, in_channels, 32, 32)`` images returning logits ``(N, n_classes)``.

    Any design that trains in a few CPU-minutes is fine, e.g. two conv-ReLU-max-pool
    blocks followed by one hidden fully-connected layer.
    """

    def __init__(self, in_channels=1, n_classes=36):
        super().__init__()
        # TODO: convolutional feature extractor and classifier.
        raise NotImplementedError("ConvNet.__init__ is not implemented yet (see the TODO above this line)")

    def forward(self, x):
        # TODO: features then classifier.
        raise NotImplementedError("ConvNet.forward is not implemented yet (see the TODO above this line)")


class CifarNet(ConvNet):
    """Q6.1.3: the CNN for CIFAR-10-style colour images ``(N, 3, 32, 32)``, 10 classes (provided:
    the ConvNet with three input channels; change it if you like)."""

    def __init__(self, in_channels=3, n_classes=10):
        super().__init__(in_channels=in_channels, n_classes=n_classes)


def train_torch(model, x, y, epochs, batch_size, lr, seed=0, valid=None, optimizer="adam", verbose=False):
    """Train ``model`` with cross-entropy on ``(x, y)`` (numpy; ``y`` integer labels).

    Mini-batches of ``batch_size`` in a new random order each epoch (``torch.manual_seed(seed)``
    first), optimiser ``"adam"`` (``torch.optim.Adam``) or ``"sgd"`` (SGD, momentum 0.9),
    learning rate ``lr``. Returns a history dict with one entry per epoch:
    ``train_loss`` (average loss per example), ``train_acc`` and, when ``valid=(vx, vy)``
    is given, ``valid_acc``.
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(np.asarray(x, dtype=np.float32))
    Y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    history = {"train_loss": [], "train_acc": []}
    if valid is not None:
        history["valid_acc"] = []
    start = time.time()
    # TODO: the loss, the optimiser, and per epoch a loop over random mini-batches
    #       (zero_grad, forward, loss, backward, step), accumulating the loss and the correct count.
    raise NotImplementedError("train_torch is not implemented yet (see the TODO above this line)")
    return history


def predict(model, x, batch_size=512):
    """Predicted classes ``(N,)`` of ``model`` on numpy inputs ``x`` (provided)."""
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            out.append(model(torch.as_tensor(np.asarray(x[s:s + batch_size], dtype=np.float32))).argmax(1))
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)
