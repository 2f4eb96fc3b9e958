"""Section 3: one forward and backward pass through a toy CNN, by hand (or by numpy).

Architecture (Table 1 of the handout)::

    input 4x4x1 -> conv (k=2, s=1, p=0, 2 filters, no bias) -> max pool (k=2, s=1, p=0)
    -> inner product (3 outputs, weights W1, bias 0) -> ReLU -> softmax -> NLL loss

The image shows the digit 1 out of the three classes 0, 1, 2, so the true class is
the second output. Convolution means cross-correlation (the filter is not flipped),
as everywhere in this homework.

Conventions of the questions (they differ from ``cnn_lenet``'s column layout):

* indices start at 1: ``(1, 1)`` is the top-left entry and ``(i, j, k)`` is row ``i``,
  column ``j``, channel ``k``;
* the pooled maps are turned into the IP layer's input vector row by row, one channel
  after the other: entry ``(i, j, k)`` goes to position
  ``(i - 1) * COLS + j + (k - 1) * ROWS * COLS`` (channel slowest). ``cnn_lenet``
  instead orders ``data`` with the channel fastest.

Answer each ``qNN_*`` function by returning a number (or a tuple / vector where the
docstring says so). You may type the value you computed by hand or compute it with
numpy; ``answers()`` collects them. Each answer is graded separately, within a
relative error of 1e-3 (absolute 1e-4 near 0): type at least four significant figures
(``0.1192``, not ``0.12``), or return the unrounded value numpy computed.
"""
from __future__ import annotations

import numpy as np

IMAGE = np.array([[0, 0, 4, 0],
                  [0, 2, 5, 0],
                  [0, 0, 1, 0],
                  [0, 0, 2, 0]], dtype=float)

FILTERS = np.array([[[1, 1],
                     [2, 0]],   # filter 1
                    [[2, 1],
                     [0, 2]]],  # filter 2
                   dtype=float)

W1 = np.array([[1.0, 0.5, 1.0, 2.0, -1.0, 1.0, 1.0, -1.0],
               [0.5, 1.0, 2.0, 1.0, -0.5, 0.5, -1.0, 1.0],
               [0.25, -1.0, 1.0, 1.0, 0.5, -1.0, -1.0, -1.0]])

B1 = np.zeros(3)  # the handout prints four zeros; the layer has three outputs

LABEL = 1  # 0-based index of the true class (the digit 1 of the classes 0, 1, 2)
LEARNING_RATE = 0.01  # SGD without momentum (not needed for the twelve answers)

QUESTIONS = {
    "q01": "height and width of the convolution output, as a tuple (height, width)",
    "q02": "height and width of the max-pooling output, as a tuple (height, width)",
    "q03": "length of the ReLU output",
    "q04": "length of the softmax output",
    "q05": "entry (1, 1, 2) of the convolution output",
    "q06": "entry (2, 1, 1) of the max-pooling output",
    "q07": "entry 2 of the ReLU output",
    "q08": "entry 2 of the softmax output",
    "q09": "the cross-entropy loss (natural logarithm)",
    "q10": "dJ/dy, the derivative of the loss with respect to the softmax output y (a vector of 3)",
    "q11": "dJ/dW1(1, 1)",
    "q12": "dJ/dF1(1, 1), the derivative with respect to entry (1, 1) of filter 1",
}

__all__ = ["IMAGE", "FILTERS", "W1", "B1", "LABEL", "QUESTIONS", "handout_vector",
           "handout_unvector", "toy_forward_backward", "answers"] + [
    "q01_conv_output_size", "q02_pool_output_size", "q03_relu_length", "q04_softmax_length",
    "q05_conv_entry", "q06_pool_entry", "q07_relu_entry", "q08_softmax_entry", "q09_loss",
    "q10_dJ_dy", "q11_dJ_dW1_11", "q12_dJ_dF1_11"]


def handout_vector(maps):
    """Vectorise ``maps`` (``ROWS x COLS x CHANNELS``) in the questions' order.

    Entry ``(i, j, k)`` (1-based) goes to position ``(i-1)*COLS + j + (k-1)*ROWS*COLS``:
    row-major inside a channel, channels one after the other.
    """
    maps = np.asarray(maps)
    return maps.transpose(2, 0, 1).reshape(-1)


def handout_unvector(vec, rows, cols, channels):
    """Inverse of ``handout_vector``."""
    return np.asarray(vec).reshape(channels, rows, cols).transpose(1, 2, 0)


def toy_forward_backward(image=IMAGE, filters=FILTERS, w1=W1, b1=B1, label=LABEL):
    """Forward and backward pass of the toy CNN (0-based arrays).

    Returns a dict with ``conv`` (3x3x2), ``pool`` (2x2x2), ``ip_in`` (8, handout
    order), ``ip_out`` (3), ``relu`` (3), ``softmax`` (3), ``loss``, and the gradients
    ``dJ_dy`` (3), ``dJ_dW1`` (3x8) and ``dJ_dfilters`` (2x2x2, filter first).
    """
    # TODO: write the forward pass (conv, pool, handout_vector, IP, ReLU, softmax, loss)
    # TODO: and backpropagate to W1 and to the filters (max pooling routes to the max).
    # BEGIN SOLUTION
    image = np.asarray(image, dtype=float)
    n_f, k, _ = filters.shape
    h_c = image.shape[0] - k + 1
    w_c = image.shape[1] - k + 1
    patches = np.lib.stride_tricks.sliding_window_view(image, (k, k))  # (h_c, w_c, k, k)
    conv = np.einsum("ijab,fab->ijf", patches, filters)
    pk = 2
    pwin = np.lib.stride_tricks.sliding_window_view(conv, (pk, pk), axis=(0, 1))  # (h_p, w_p, f, pk, pk)
    h_p, w_p = pwin.shape[:2]
    flat = pwin.reshape(h_p, w_p, n_f, pk * pk)
    pool = flat.max(axis=-1)
    arg = flat.argmax(axis=-1)
    x = handout_vector(pool)
    s = w1 @ x + b1
    relu = np.maximum(s, 0)
    e = np.exp(relu - relu.max())
    y = e / e.sum()
    loss = -np.log(y[label])
    onehot = np.eye(len(y))[label]
    dJ_dy = -onehot / y[label]
    dJ_drelu = y - onehot  # softmax and NLL together
    dJ_ds = dJ_drelu * (s > 0)
    dJ_dW1 = np.outer(dJ_ds, x)
    dJ_dpool = handout_unvector(w1.T @ dJ_ds, h_p, w_p, n_f)
    dJ_dconv = np.zeros_like(conv)
    for i in range(h_p):
        for j in range(w_p):
            for f in range(n_f):
                a, b = divmod(arg[i, j, f], pk)
                dJ_dconv[i + a, j + b, f] += dJ_dpool[i, j, f]
    dJ_dfilters = np.einsum("ijab,ijf->fab", patches, dJ_dconv)
    result = {"conv": conv, "pool": pool, "ip_in": x, "ip_out": s, "relu": relu, "softmax": y,
              "loss": float(loss), "dJ_dy": dJ_dy, "dJ_drelu": dJ_drelu, "dJ_dW1": dJ_dW1,
              "dJ_dfilters": dJ_dfilters}
    # END SOLUTION
    return result


def q01_conv_output_size():
    """(height, width) of the convolution layer's output."""
    # TODO: return a tuple (height, width).
    # BEGIN SOLUTION
    return tuple(int(n) for n in toy_forward_backward()["conv"].shape[:2])
    # END SOLUTION


def q02_pool_output_size():
    """(height, width) of the max-pooling layer's output."""
    # TODO: return a tuple (height, width).
    # BEGIN SOLUTION
    return tuple(int(n) for n in toy_forward_backward()["pool"].shape[:2])
    # END SOLUTION


def q03_relu_length():
    """Length of the ReLU layer's output."""
    # TODO: return an int.
    # BEGIN SOLUTION
    return int(toy_forward_backward()["relu"].size)
    # END SOLUTION


def q04_softmax_length():
    """Length of the softmax layer's output."""
    # TODO: return an int.
    # BEGIN SOLUTION
    return int(toy_forward_backward()["softmax"].size)
    # END SOLUTION


def q05_conv_entry():
    """Entry (1, 1, 2) of the convolution output (1-based: row 1, column 1, filter 2)."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["conv"][0, 0, 1])
    # END SOLUTION


def q06_pool_entry():
    """Entry (2, 1, 1) of the max-pooling output (row 2, column 1, channel 1)."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["pool"][1, 0, 0])
    # END SOLUTION


def q07_relu_entry():
    """Entry 2 (1-based) of the ReLU output."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["relu"][1])
    # END SOLUTION


def q08_softmax_entry():
    """Entry 2 (1-based) of the softmax output."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["softmax"][1])
    # END SOLUTION


def q09_loss():
    """The cross-entropy loss of the example (natural logarithm)."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return toy_forward_backward()["loss"]
    # END SOLUTION


def q10_dJ_dy():
    """dJ/dy: the derivative of the loss with respect to the softmax output y.

    Return the vector of 3 values (a single number is accepted too: the entry of the
    true class, the only one that is not 0).
    """
    # TODO: return a length-3 vector (list or array).
    # BEGIN SOLUTION
    return toy_forward_backward()["dJ_dy"]
    # END SOLUTION


def q11_dJ_dW1_11():
    """dJ/dW1(1, 1): the derivative with respect to the top-left weight of W1."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["dJ_dW1"][0, 0])
    # END SOLUTION


def q12_dJ_dF1_11():
    """dJ/dF1(1, 1): the derivative with respect to the top-left entry of filter 1."""
    # TODO: return a number.
    # BEGIN SOLUTION
    return float(toy_forward_backward()["dJ_dfilters"][0, 0, 0])
    # END SOLUTION


ANSWER_FUNCTIONS = {
    "q01": q01_conv_output_size,
    "q02": q02_pool_output_size,
    "q03": q03_relu_length,
    "q04": q04_softmax_length,
    "q05": q05_conv_entry,
    "q06": q06_pool_entry,
    "q07": q07_relu_entry,
    "q08": q08_softmax_entry,
    "q09": q09_loss,
    "q10": q10_dJ_dy,
    "q11": q11_dJ_dW1_11,
    "q12": q12_dJ_dF1_11,
}


def answers():
    """All twelve answers as ``{"q01": value, ...}``; an unanswered question gives None."""
    out = {}
    for name, fn in ANSWER_FUNCTIONS.items():
        try:
            out[name] = fn()
        except NotImplementedError:
            out[name] = None
    return out
