"""Provided helpers of the nist36 homework: extra activations, data loading, plots.

``load_data(split)`` returns ``(x, y)`` of a NIST36 split: ``x`` ``(N, 1024)`` floats in
[0, 1] (each row is a 32x32 image stored transposed: ``x[i].reshape(32, 32).T`` is
upright; 1 = paper, 0 = ink) and ``y`` ``(N, 36)`` one-hot labels, classes
``LETTERS = "A..Z0..9"``. Without real files the synthetic default set is generated
on first use (``course data nist36``; see ``datasets/nist36/CARD.md``).
"""
import numpy as np

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def relu(x):
    """Elementwise ``max(x, 0)``."""
    return np.maximum(x, 0)


def relu_deriv(post_act):
    """Derivative of ReLU as a function of its output (1 where the output is positive)."""
    return (post_act > 0).astype(post_act.dtype)


def linear(x):
    """The identity activation (a layer without non-linearity)."""
    return x


def linear_deriv(post_act):
    """Derivative of the identity: ones."""
    return np.ones_like(post_act)


def load_data(split, root=None):
    """``(x, y)`` of the split ``'train'``, ``'valid'`` or ``'test'`` (see the module docstring)."""
    from coursedata.nist36 import read_split

    return read_split(split, root)


def as_images(x):
    """Rows of 1024 (stored transposed) as upright images ``(N, 32, 32)``."""
    x = np.asarray(x)
    return x.reshape(-1, 32, 32).transpose(0, 2, 1)


def image_grid(images, ncols=8, pad=1, fill=1.0):
    """Tile ``(N, h, w)`` images into one array with ``ncols`` columns."""
    images = np.asarray(images, dtype=float)
    n, h, w = images.shape
    nrows = int(np.ceil(n / ncols))
    out = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), fill)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = images[i]
    return out


def plot_weight_grid(W, ax=None, title=None):
    """Show the columns of a first-layer weight ``(1024, 64)`` as an 8x8 grid of 32x32 images."""
    import matplotlib.pyplot as plt

    W = np.asarray(W)
    imgs = as_images(W.T)
    lo, hi = imgs.min(axis=(1, 2), keepdims=True), imgs.max(axis=(1, 2), keepdims=True)
    imgs = (imgs - lo) / np.maximum(hi - lo, 1e-12)
    ax = ax or plt.gca()
    ax.imshow(image_grid(imgs, ncols=8), cmap="gray")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_history(history, title=""):
    """Accuracy and average loss per epoch (keys ``train_acc``, ``valid_acc``, ``train_loss``, ``valid_loss``)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for key in ("train_acc", "valid_acc"):
        if key in history:
            axes[0].plot(history[key], label=key.split("_")[0])
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].legend()
    for key in ("train_loss", "valid_loss"):
        if key in history:
            axes[1].plot(history[key], label=key.split("_")[0])
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("average cross-entropy")
    axes[1].legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig
