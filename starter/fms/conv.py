"""Convolution, masks and max pooling by hand (problem 3).

Two conventions from the handout, kept exactly:

* **1-D convolution** (part a) flips the mask:
  ``(I * G)[t] = sum_k I[k] G[t - k]``.
  A finite mask is stored as an odd-length array ``g`` centred on its middle entry:
  ``g[j] = G[j - r]`` with ``r = len(g) // 2``. So ``g = [G[-1], G[0], G[1]]`` for a
  3-tap mask, and :func:`convolve1d` computes the handout's sum.
* **2-D implementation** (parts b-f) does *not* flip the mask (it slides the mask
  over the image, a cross-correlation):
  ``R[f, x, y] = sum_{c, a, b} I[c, x*s + a, y*s + b] * G[f, c, a, b]``.

Data layout follows the handout's indexing ``I_c[x, y]``: an image is an array of
shape ``(C, W, H)`` (channel, then x along the width, then y along the height) and
a set of ``F`` masks is an array of shape ``(F, C, w, h)``. With stride ``s`` the
output has spatial size ``W' x H'`` where ``W' = floor(1 + (W - w) / s)`` and
``H' = floor(1 + (H - h) / s)``.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(n, k, s):
    """Output length ``floor(1 + (n - k) / s)`` of a valid window of size ``k``
    slid with stride ``s`` over ``n`` positions (provided helper)."""
    if k > n:
        raise ValueError(f"window of size {k} does not fit in an input of size {n}")
    return 1 + (n - k) // s


def convolve1d(signal, mask):
    """The handout's 1-D convolution, restricted to the signal (provided helper).

    Args:
        signal: array of shape (T,), the samples ``I[0..T-1]``.
        mask: odd-length array ``g`` of shape (K,), centred: ``g[j] = G[j - K//2]``.

    Returns:
        array of shape (T,): ``out[t] = sum_k I[k] G[t - k]``, where samples
        outside ``0..T-1`` count as zero.
    """
    signal = np.asarray(signal, dtype=np.float64)
    mask = np.asarray(mask, dtype=np.float64)
    if mask.ndim != 1 or mask.size % 2 != 1:
        raise ValueError(f"mask must be a 1-D array of odd length, got shape {mask.shape}")
    r = mask.size // 2
    full = np.convolve(signal, mask, mode="full")   # full[n] = sum_k I[k] g[n - k]
    return full[r:r + signal.size]


def derivative_mask_1d():
    """Part (a): the mask ``G`` with ``(I * G)[t] = (I[t+1] - I[t-1]) / 2``.

    Returns:
        array of shape (3,), ``[G[-1], G[0], G[1]]`` (centred, see the module
        docstring). Remember that this convolution flips the mask.
    """
    # TODO: work out which G[t - k] multiplies I[t + 1] and which multiplies I[t - 1].
    raise NotImplementedError("derivative_mask_1d is not implemented yet (see the TODO above this line)")
    return mask


def conv2d_forward(I, G, s=1):
    """Part (b): strided multi-channel 2-D convolution (the handout's formula, no flip).

    ``R[f, x, y] = sum_{c, a, b} I[c, x*s + a, y*s + b] * G[f, c, a, b]``
    for ``0 <= x < W'``, ``0 <= y < H'`` (only positions where the mask fits).

    Args:
        I: array of shape (C, W, H), the image.
        G: array of shape (F, C, w, h), F masks with the image's C channels.
        s: positive int, the stride (same along both axes).

    Returns:
        R: array of shape (F, W', H') with ``W' = floor(1 + (W - w) / s)`` and
        ``H' = floor(1 + (H - h) / s)``.
    """
    # TODO: collect every (C, w, h) patch of I at stride s (e.g. with
    # TODO: numpy.lib.stride_tricks.sliding_window_view), multiply it element-wise with
    # TODO: each mask and sum over c, a, b. Do not flip the mask.
    raise NotImplementedError("conv2d_forward is not implemented yet (see the TODO above this line)")
    return R


def conv2d_backward(dR, I, G, s=1):
    """Part (d): gradients of the loss through :func:`conv2d_forward`.

    ``dL/dG[f, c, a, b] = sum_{x, y} dL/dR[f, x, y] * I[c, x*s + a, y*s + b]``
    ``dL/dI[c, p, q] = sum_{f, x, y, a, b : x*s + a = p, y*s + b = q} dL/dR[f, x, y] * G[f, c, a, b]``

    Args:
        dR: array of shape (F, W', H'), derivative of the loss w.r.t. ``R``.
        I: array of shape (C, W, H), the forward input.
        G: array of shape (F, C, w, h), the masks.
        s: the stride used in the forward pass.

    Returns:
        dI: array of shape (C, W, H). Pixels covered by no window get zero.
        dG: array of shape (F, C, w, h).
    """
    # TODO: every mask weight G[f, c, a, b] touches one pixel per output position:
    # TODO: sum those contributions for dG, and scatter-add dR back through the mask
    # TODO: for dI (windows overlap when s < w or s < h, so accumulate).
    raise NotImplementedError("conv2d_backward is not implemented yet (see the TODO above this line)")
    return dI, dG


def vertical_edge_mask():
    """Part (c): a mask giving a large response on vertical edges.

    A vertical edge is a vertical boundary between a black and a white region of
    an RGB image, i.e. the intensity changes along x (the first spatial axis) and
    stays constant along y. Flat regions and horizontal edges should give a small
    response. The mask is used with :func:`conv2d_forward` (no flip).

    Returns:
        array of shape (3, w, h): the same 2-D mask for the R, G and B channels.
    """
    # TODO: build a (w, h) mask that differences along x and averages along y
    # TODO: (its entries must sum to zero), then repeat it for the 3 channels.
    raise NotImplementedError("vertical_edge_mask is not implemented yet (see the TODO above this line)")
    return mask


def maxpool2d_forward(I, w, h, s):
    """Part (e): strided max pooling, applied to each channel separately.

    ``R[c, i, j] = max_{0 <= a < w, 0 <= b < h} I[c, i*s + a, j*s + b]``

    Args:
        I: array of shape (C, W, H).
        w, h: pooling window size along x and y.
        s: the stride.

    Returns:
        R: array of shape (C, W', H') with ``W' = floor(1 + (W - w) / s)`` and
        ``H' = floor(1 + (H - h) / s)``.
    """
    # TODO: take the maximum of each (w, h) window at stride s, channel by channel.
    raise NotImplementedError("maxpool2d_forward is not implemented yet (see the TODO above this line)")
    return R


def maxpool2d_backward(dR, I, w, h, s):
    """Part (f): gradient of the loss through :func:`maxpool2d_forward`.

    Each output ``R[c, i, j]`` depends only on the largest entry of its window, so
    ``dR[c, i, j]`` goes entirely to that entry (the first one in row-major window
    order if there is a tie) and the other entries of the window get nothing. When
    windows overlap (``s < w`` or ``s < h``) a pixel can collect from several outputs.

    Args:
        dR: array of shape (C, W', H'), derivative of the loss w.r.t. ``R``.
        I: array of shape (C, W, H), the forward input.
        w, h, s: as in the forward pass.

    Returns:
        dI: array of shape (C, W, H).
    """
    # TODO: find where each window's maximum sits in I and add dR there
    # TODO: (accumulate, because windows may overlap).
    raise NotImplementedError("maxpool2d_backward is not implemented yet (see the TODO above this line)")
    return dI
