"""LeNet in numpy: layers, loss, network, optimiser.

Data layout (used by every layer)
---------------------------------
A layer's input or output is a dict with the keys

* ``height``, ``width``, ``channel``, ``batch_size``: ints;
* ``data``: an array of shape ``[height * width * channel, batch_size]``. Column ``n``
  is example ``n``; it reshapes to ``(height, width, channel)`` in C order, so the
  channel index changes fastest: entry ``(y, x, ch)`` sits in row
  ``(y * width + x) * channel + ch``.
* ``diff``: the gradient of the loss with respect to ``data`` (same shape), filled in
  during backpropagation.

A layer's parameters are a dict ``{"w": ..., "b": ...}``. Convolution weights have
shape ``[k * k * c_in, num]`` (rows ordered like an ``im2col`` column, i.e.
``(dy, dx, ch)`` with the channel fastest), inner-product weights have shape
``[d_in, num]`` (the layer computes ``w.T @ x + b``) and biases have shape ``[num]``.
Layers without parameters (pooling, ReLU) hold empty arrays.

The network is described by ``layers``, a dict ``{1: {...}, 2: {...}, ...}``; layer 1
is the ``DATA`` layer and the last one is the ``LOSS`` layer. ``params[i - 1]`` holds
the parameters of ``layers[i]``.

Student functions: ``pooling_layer_forward``/``backward``, ``relu_forward``/``backward``,
``inner_product_forward``/``backward`` and ``sgd_momentum``. Everything else is provided.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "get_lr",
    "init_convnet",
    "conv_net",
    "convnet_forward",
    "conv_layer_forward",
    "conv_layer_backward",
    "im2col_conv",
    "col2im_conv",
    "pooling_layer_forward",
    "pooling_layer_backward",
    "relu_forward",
    "relu_backward",
    "inner_product_forward",
    "inner_product_backward",
    "mlrloss",
    "sgd_momentum",
    "finite_difference",
    "output_size",
    "make_blob",
]


# ---------------------------------------------------------------------------------------
# small helpers (provided)
# ---------------------------------------------------------------------------------------

def output_size(size: int, k: int, stride: int, pad: int) -> int:
    """Spatial output size of a sliding window: ``(size + 2 * pad - k) // stride + 1``."""
    out = (size + 2 * pad - k) // stride + 1
    if out < 1:
        raise ValueError(f"window k={k} (pad={pad}) does not fit an input of size {size}")
    return out


def make_blob(data, height: int, width: int, channel: int) -> dict:
    """Wrap ``data`` (``[height*width*channel, batch]``) into a layer dict."""
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[0] != height * width * channel:
        raise ValueError(
            f"data has shape {data.shape}, expected [{height}*{width}*{channel}={height * width * channel}, batch]"
        )
    return {
        "height": int(height),
        "width": int(width),
        "channel": int(channel),
        "batch_size": int(data.shape[1]),
        "data": data,
        "diff": np.zeros(0),
    }


def _as_images(data: np.ndarray, h: int, w: int, c: int) -> np.ndarray:
    """``[h*w*c, batch]`` -> ``(h, w, c, batch)`` (a view for a C-contiguous input)."""
    return np.reshape(data, (h, w, c, data.shape[1]))


def _windows(x: np.ndarray, k: int, stride: int, pad: int, pad_value: float = 0.0) -> np.ndarray:
    """All ``k x k`` windows of ``x`` (``(h, w, c, batch)``), without copying.

    Returns a read-only strided view of shape ``(k, k, c, h_out, w_out, batch)``: entry
    ``[dy, dx, ch, i, j, n]`` is pixel ``(i * stride - pad + dy, j * stride - pad + dx)``
    of channel ``ch`` of example ``n``.
    """
    if pad > 0:
        x = np.pad(x, ((pad, pad), (pad, pad), (0, 0), (0, 0)), mode="constant",
                   constant_values=pad_value)
    h, w, c, b = x.shape
    h_out, w_out = output_size(h, k, stride, 0), output_size(w, k, stride, 0)
    sh, sw, sc, sb = x.strides
    return as_strided(x, shape=(k, k, c, h_out, w_out, b),
                      strides=(sh, sw, sc, sh * stride, sw * stride, sb), writeable=False)


def _accumulate_windows(cols: np.ndarray, h: int, w: int, stride: int, pad: int) -> np.ndarray:
    """Adjoint of ``_windows``: add every window back into an ``(h, w, c, batch)`` image.

    ``cols`` has shape ``(k, k, c, h_out, w_out, batch)``; overlapping windows add up
    and the padding border is dropped. Loops over the ``k * k`` window offsets only.
    """
    k, _, c, h_out, w_out, b = cols.shape
    im = np.zeros((h + 2 * pad, w + 2 * pad, c, b), dtype=cols.dtype)
    y_stop = stride * (h_out - 1) + 1
    x_stop = stride * (w_out - 1) + 1
    for dy in range(k):
        for dx in range(k):
            if stride >= k:  # windows do not overlap: each entry is written once (3x faster than +=)
                im[dy:dy + y_stop:stride, dx:dx + x_stop:stride] = cols[dy, dx].transpose(1, 2, 0, 3)
            else:
                im[dy:dy + y_stop:stride, dx:dx + x_stop:stride] += cols[dy, dx].transpose(1, 2, 0, 3)
    return im[pad:pad + h, pad:pad + w]


# ---------------------------------------------------------------------------------------
# im2col / col2im (provided)
# ---------------------------------------------------------------------------------------

def im2col_conv(input_n, layer, h_in, w_in=None, c=None, h_out=None, w_out=None, pad_value=0.0):
    """Gather the sliding windows of an image into columns.

    Two call forms:

    * the handout's ``im2col_conv(input_n, layer, h_out, w_out)`` with ``input_n`` a
      dict holding ``height``, ``width``, ``channel`` and ``data`` (one image,
      ``[h_in*w_in*c]``): returns ``[k*k*c, h_out*w_out]`` (zero padding);
    * ``im2col_conv(x, layer, h_in, w_in, c, h_out, w_out, pad_value=0.0)`` with ``x``
      an array, one image ``[h_in*w_in*c]`` or a batch ``[h_in*w_in*c, batch]``.

    Parameters
    ----------
    input_n : the dict of the handout's form, or the array ``x``.
    layer : dict with ``k``, ``stride`` and ``pad``.
    h_in, w_in, c, h_out, w_out : input and output geometry.
    pad_value : value of the padding border (0 for convolution; max pooling can pass
        ``-np.inf`` so that the border never wins).

    Returns
    -------
    col : ``[k*k*c, h_out*w_out]`` for one image, ``[k*k*c, h_out*w_out, batch]`` for a
        batch. Column ``i * w_out + j`` holds window ``(i, j)``; its rows are ordered
        ``(dy, dx, ch)`` with the channel fastest, i.e. ``row = (dy * k + dx) * c + ch``.
        So ``col.reshape(k * k, c, ...)`` separates the window position from the channel.
    """
    if isinstance(input_n, dict):  # the handout's form: (input_n, layer, h_out, w_out)
        h_out, w_out = h_in, w_in
        h_in, w_in, c = input_n["height"], input_n["width"], input_n["channel"]
        input_n = np.reshape(input_n["data"], -1)
    input_n = np.asarray(input_n)
    single = input_n.ndim == 1
    data = input_n.reshape(-1, 1) if single else input_n
    k, stride, pad = int(layer["k"]), int(layer["stride"]), int(layer["pad"])
    if output_size(h_in, k, stride, pad) != h_out or output_size(w_in, k, stride, pad) != w_out:
        raise ValueError("h_out/w_out do not match the layer's k, stride and pad")
    win = _windows(_as_images(data, h_in, w_in, c), k, stride, pad, pad_value)
    col = win.reshape(k * k * c, h_out * w_out, data.shape[1])
    return col[:, :, 0] if single else col


def col2im_conv(col, input, layer, h_out, w_out):
    """Adjoint of ``im2col_conv``: add each column back into its window.

    ``col`` has the layout returned by ``im2col_conv``: a batch ``[k*k*c, h_out*w_out,
    batch]``, or one image as ``[k*k*c, h_out*w_out]`` or any array of that size (e.g.
    the handout's ``(k*k, c, h_out, w_out)``); ``input`` is the layer-input dict (only its
    geometry is used). Entries covered by several windows receive the sum of their
    contributions; entries that fall in the padding are dropped. Returns
    ``[h_in*w_in*c]`` for one image (reshape it to ``(h_in, w_in, c)`` if needed) or
    ``[h_in*w_in*c, batch]``.
    """
    col = np.asarray(col)
    h_in, w_in, c = input["height"], input["width"], input["channel"]
    k, stride, pad = int(layer["k"]), int(layer["stride"]), int(layer["pad"])
    single = not (col.ndim == 3 and col.shape[:2] == (k * k * c, h_out * w_out))
    if single:
        col = np.reshape(col, (k * k * c, h_out * w_out, 1))
    batch = col.shape[2]
    im = _accumulate_windows(col.reshape(k, k, c, h_out, w_out, batch), h_in, w_in, stride, pad)
    out = np.ascontiguousarray(im).reshape(h_in * w_in * c, batch)
    return out[:, 0] if single else out


# ---------------------------------------------------------------------------------------
# convolution (provided)
# ---------------------------------------------------------------------------------------

def _row_bands(h_out: int, row_columns: int, columns: int = 512):
    """``(first row, number of rows)`` of bands of output rows with about ``columns``
    im2col columns each (at least one row): 512 columns of the second LeNet convolution
    (500 rows, 4 bytes) fill 1 MB, so a band's im2col block stays in the cache."""
    rows = max(1, columns // max(1, row_columns))
    return [(i, min(rows, h_out - i)) for i in range(0, h_out, rows)]


def conv_layer_forward(input, layer, param):
    """Convolution (cross-correlation) of every example with ``layer['num']`` filters.

    ``param['w']``: ``[k*k*c, num]``, ``param['b']``: ``[num]``. The output has
    ``channel = num`` and spatial size ``(h + 2*pad - k) // stride + 1``.
    """
    h_in, w_in, c = input["height"], input["width"], input["channel"]
    batch = input["batch_size"]
    k, stride, pad, num = int(layer["k"]), int(layer["stride"]), int(layer["pad"]), int(layer["num"])
    h_out, w_out = output_size(h_in, k, stride, pad), output_size(w_in, k, stride, pad)
    win = _windows(_as_images(input["data"], h_in, w_in, c), k, stride, pad)
    w_t, bias = param["w"].T, np.reshape(param["b"], (1, 1, num, 1))
    data = np.empty((h_out, w_out, num, batch), dtype=np.result_type(param["w"], input["data"]))
    # im2col and one matrix product per band of output rows: a band's columns stay in the
    # cache between the copy, the product and the transpose (2x faster than one big product)
    for i, rows in _row_bands(h_out, w_out * batch):
        cols = win[:, :, :, i:i + rows].reshape(k * k * c, rows * w_out * batch)
        out = (w_t @ cols).reshape(num, rows, w_out, batch)
        # (num, rows, w_out, batch) -> (rows, w_out, num, batch), adding the bias on the way
        np.add(out.transpose(1, 2, 0, 3), bias, out=data[i:i + rows])
    data = data.reshape(h_out * w_out * num, batch)
    return {"height": h_out, "width": w_out, "channel": num, "batch_size": batch,
            "data": data, "diff": np.zeros(0)}


def conv_layer_backward(output, input, layer, param, need_input_grad=True):
    """Gradients of the convolution layer.

    Returns ``(param_grad, input_od)``: ``param_grad['w']`` (``[k*k*c, num]``) and
    ``param_grad['b']`` (``[num]``) summed over the batch, and ``input_od``, the
    gradient with respect to ``input['data']``. ``need_input_grad=False`` skips
    ``input_od`` (returned as ``None``), which the first layer does not need.
    """
    h_in, w_in, c = input["height"], input["width"], input["channel"]
    batch = input["batch_size"]
    k, stride, pad, num = int(layer["k"]), int(layer["stride"]), int(layer["pad"]), int(layer["num"])
    h_out, w_out = output["height"], output["width"]
    win = _windows(_as_images(input["data"], h_in, w_in, c), k, stride, pad)
    diff = np.reshape(output["diff"], (h_out, w_out, num, batch))
    w = param["w"]
    grad_w = np.zeros((k * k * c, num), dtype=np.result_type(w, input["data"], diff))
    im = None
    if need_input_grad:  # the padded input's gradient, (h + 2*pad, w + 2*pad, c, batch)
        im = np.zeros((h_in + 2 * pad, w_in + 2 * pad, c, batch), dtype=np.result_type(w, diff))
    x_stop = stride * (w_out - 1) + 1
    # band by band of output rows, as in the forward pass: im2col, the weight gradient
    # cols @ dout.T (already [k*k*c, num]) and, if needed, the columns' gradient w @ dout
    # added back into the windows it came from (col2im, a loop over the k*k offsets)
    for i, rows in _row_bands(h_out, w_out * batch):
        cols = win[:, :, :, i:i + rows].reshape(k * k * c, rows * w_out * batch)
        dout = np.ascontiguousarray(diff[i:i + rows].transpose(2, 0, 1, 3)).reshape(num, rows * w_out * batch)
        grad_w += cols @ dout.T
        if im is not None:
            dcols = (w @ dout).reshape(k, k, c, rows, w_out, batch)
            y0, y_stop = i * stride, stride * (rows - 1) + 1
            for dy in range(k):
                for dx in range(k):
                    im[y0 + dy:y0 + dy + y_stop:stride, dx:dx + x_stop:stride] += dcols[dy, dx].transpose(1, 2, 0, 3)
    param_grad = {"w": grad_w, "b": diff.sum(axis=(0, 1, 3))}
    input_od = None
    if im is not None:
        input_od = np.ascontiguousarray(im[pad:pad + h_in, pad:pad + w_in]).reshape(h_in * w_in * c, batch)
    return param_grad, input_od


# ---------------------------------------------------------------------------------------
# pooling (student)
# ---------------------------------------------------------------------------------------

def pooling_layer_forward(input, layer):
    """Max pooling, applied to each channel separately.

    Parameters
    ----------
    input : layer dict (``data`` is ``[h_in*w_in*c, batch]``).
    layer : dict with ``k`` (window size), ``stride`` and ``pad``.

    Returns
    -------
    output : layer dict with ``height = (h_in + 2*pad - k) // stride + 1`` (same for
        the width), ``channel = c``, the same ``batch_size``, and ``data`` of shape
        ``[h_out*w_out*c, batch]`` in the usual layout (channel fastest). Entry
        ``(i, j, ch)`` is the maximum of channel ``ch`` over the window whose top-left
        corner is at ``(i * stride - pad, j * stride - pad)``. Padded positions never
        win the maximum (treat them as ``-inf``, not as 0).
    """
    h_in, w_in, c = input["height"], input["width"], input["channel"]
    batch = input["batch_size"]
    k, stride, pad = layer["k"], layer["stride"], layer["pad"]
    h_out = (h_in + 2 * pad - k) // stride + 1
    w_out = (w_in + 2 * pad - k) // stride + 1
    # TODO: gather the windows (im2col_conv with pad_value=-np.inf gives [k*k*c, h_out*w_out, batch]),
    # TODO: take the max over the k*k positions of each channel, and lay the result out as
    # TODO: [h_out*w_out*c, batch] with the channel fastest. No Python loops over pixels or examples.
    # BEGIN SOLUTION
    col = im2col_conv(input["data"], layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)
    col = col.reshape(k * k, c, h_out * w_out, batch)
    pooled = col.max(axis=0)  # (c, h_out*w_out, batch)
    data = pooled.transpose(1, 0, 2).reshape(h_out * w_out * c, batch)
    # END SOLUTION
    output = {"height": h_out, "width": w_out, "channel": c, "batch_size": batch,
              "data": data, "diff": np.zeros(0)}
    return output


def pooling_layer_backward(output, input, layer):
    """Backward pass of max pooling.

    Parameters
    ----------
    output : the layer's output dict; ``output['diff']`` (``[h_out*w_out*c, batch]``)
        holds the gradient of the loss with respect to ``output['data']``.
    input : the layer's input dict (as given to ``pooling_layer_forward``).
    layer : dict with ``k``, ``stride`` and ``pad``.

    Returns
    -------
    input_od : ``[h_in*w_in*c, batch]``, the gradient with respect to ``input['data']``.
        Each window passes its gradient to the single position that held its maximum
        (the first one in ``(dy, dx)`` row-major order if several tie); positions
        covered by several windows (stride < k) add up the gradients they receive.
    """
    h_in, w_in, c = input["height"], input["width"], input["channel"]
    batch = input["batch_size"]
    k, stride, pad = layer["k"], layer["stride"], layer["pad"]
    h_out = (h_in + 2 * pad - k) // stride + 1
    w_out = (w_in + 2 * pad - k) // stride + 1
    # TODO: find, for every window and channel, where the maximum is (im2col_conv; the first one on ties),
    # TODO: build a [k*k*c, h_out*w_out, batch] array holding output['diff'] at that position
    # TODO: and zeros elsewhere, and scatter it back with col2im_conv (it sums overlaps).
    # BEGIN SOLUTION
    col = im2col_conv(input["data"], layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)
    col = col.reshape(k * k, c, h_out * w_out, batch)
    best = col.max(axis=0)
    # mark the first position of each window that holds the maximum (loop over the k*k offsets)
    first = np.zeros(col.shape, dtype=bool)
    taken = np.zeros(best.shape, dtype=bool)
    for pos in range(k * k):
        first[pos] = (col[pos] == best) & ~taken
        taken |= first[pos]
    dout = output["diff"].reshape(h_out * w_out, c, batch).transpose(1, 0, 2)  # (c, P, batch)
    dcol = first * dout[None]
    input_od = col2im_conv(dcol.reshape(k * k * c, h_out * w_out, batch), input, layer, h_out, w_out)
    # END SOLUTION
    return input_od


# ---------------------------------------------------------------------------------------
# ReLU (student)
# ---------------------------------------------------------------------------------------

def relu_forward(input, layer):
    """Elementwise ``max(0, x)``.

    Returns a layer dict with the same geometry as ``input`` and
    ``data = max(0, input['data'])`` (same shape).
    """
    # TODO: compute the elementwise maximum of the input data and 0.
    # BEGIN SOLUTION
    data = np.maximum(input["data"], 0)
    # END SOLUTION
    output = {"height": input["height"], "width": input["width"], "channel": input["channel"],
              "batch_size": input["batch_size"], "data": data, "diff": np.zeros(0)}
    return output


def relu_backward(output, input, layer):
    """Backward pass of the ReLU.

    ``output['diff']`` is the gradient with respect to the ReLU's output. Returns
    ``input_od`` (shape of ``input['data']``): the gradient flows where the *input* was
    strictly positive and is 0 elsewhere.
    """
    # TODO: pass output['diff'] through where input['data'] > 0, zero elsewhere.
    # BEGIN SOLUTION
    input_od = output["diff"] * (input["data"] > 0)
    # END SOLUTION
    return input_od


# ---------------------------------------------------------------------------------------
# inner product (student)
# ---------------------------------------------------------------------------------------

def inner_product_forward(input, layer, param):
    """Fully connected layer: ``f(x) = W x + b`` for every column ``x`` of the input.

    Parameters
    ----------
    input : layer dict, ``data`` of shape ``[d, batch]`` (``d = h*w*c``).
    layer : dict with ``num``, the number of outputs ``n``.
    param : ``{"w": [d, n], "b": [n]}``. Note the weight is stored as ``[d, n]``,
        so the ``W`` of ``f(x) = W x + b`` is ``param['w'].T``.

    Returns
    -------
    output : layer dict with ``height = width = 1``, ``channel = n``, the same
        ``batch_size`` and ``data`` of shape ``[n, batch]``.
    """
    num = layer["num"]
    batch = input["batch_size"]
    # TODO: compute param['w'].T @ input['data'] plus the bias (added to every column).
    # BEGIN SOLUTION
    data = param["w"].T @ input["data"] + np.reshape(param["b"], (-1, 1))
    # END SOLUTION
    output = {"height": 1, "width": 1, "channel": num, "batch_size": batch,
              "data": data, "diff": np.zeros(0)}
    return output


def inner_product_backward(output, input, layer, param):
    """Backward pass of the fully connected layer.

    ``output['diff']`` (``[n, batch]``) is the gradient with respect to the output.

    Returns
    -------
    (param_grad, input_od) :
        ``param_grad = {"w": [d, n], "b": [n]}``, the gradients summed over the batch
        (``conv_net`` divides them by the batch size), and ``input_od`` (``[d, batch]``),
        the gradient with respect to ``input['data']``.
    """
    # TODO: use the chain rule for f(x) = W x + b with W = param['w'].T:
    # TODO: the weight gradient has the shape of param['w'], the bias gradient sums over examples.
    # BEGIN SOLUTION
    dout = output["diff"]
    param_grad = {"w": input["data"] @ dout.T, "b": dout.sum(axis=1)}
    input_od = param["w"] @ dout
    # END SOLUTION
    return param_grad, input_od


# ---------------------------------------------------------------------------------------
# loss, learning rate, network (provided)
# ---------------------------------------------------------------------------------------

def mlrloss(wb, X, y, K, prediction):
    """Inner product + softmax + negative log-likelihood (multinomial logistic regression).

    Parameters
    ----------
    wb : ``[d + 1, K]`` (this project's LeNet: one score per class) or ``[d + 1, K - 1]``
        (the handout's original code: the last class's score is fixed at 0): the weights
        (rows ``0..d-1``) stacked on the bias (last row).
    X : ``[d, batch]``, the features. y : ``[batch]`` integer labels in ``0..K-1``.
    K : number of classes.
    prediction : as in the handout, whether to compute the accuracy ``percent`` (0
        otherwise); the gradients are always computed.

    Returns
    -------
    (nll, g, od, percent) : the summed negative log-likelihood, its gradient with
        respect to ``wb`` (the shape of ``wb``, summed over the batch), its gradient with
        respect to ``X`` (``[d, batch]``), and the fraction of correct predictions.
    """
    X = np.asarray(X)
    y = np.asarray(y).astype(np.int64).ravel()
    d, batch = X.shape
    if wb.shape not in ((d + 1, K), (d + 1, K - 1)):
        raise ValueError(f"wb has shape {wb.shape}, expected {(d + 1, K)} (or the handout's {(d + 1, K - 1)})")
    free = wb.shape[1]
    w, b = wb[:d], wb[d]
    scores = w.T @ X + b[:, None]  # (free, batch)
    if free == K - 1:  # the handout's convention: class K-1 scores 0
        scores = np.vstack([scores, np.zeros((1, batch), dtype=scores.dtype)])
    scores = scores - scores.max(axis=0, keepdims=True)
    log_prob = scores - np.log(np.exp(scores).sum(axis=0, keepdims=True))
    cols = np.arange(batch)
    nll = -float(log_prob[y, cols].sum())
    percent = float(np.mean(log_prob.argmax(axis=0) == y)) if prediction else 0.0
    dscores = np.exp(log_prob)
    dscores[y, cols] -= 1.0
    dscores = dscores[:free]
    g = np.vstack([X @ dscores.T, dscores.sum(axis=1)[None, :]])
    od = w @ dscores
    return nll, g, od, percent


def get_lr(step, epsilon, gamma, power):
    """Learning rate at iteration ``step``: ``epsilon / (1 + gamma * step) ** power``."""
    return epsilon / (1.0 + gamma * step) ** power


def init_convnet(layers, rng=None):
    """Initial parameters for the network ``layers``.

    Weights are uniform in ``[-s, s]`` with ``s = sqrt(3 / fan_in)`` (``fan_in`` is
    the size ``h*w*c`` of the layer's input); biases are 0. ``rng`` is a
    ``numpy.random.Generator`` or a seed (default: seed 0), so runs are reproducible.
    Returns ``params`` with ``params[i - 1]`` for ``layers[i]``, ``i = 2..L``.
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(0 if rng is None else rng)
    if layers[1]["type"] != "DATA":
        raise ValueError("layers[1] must be the DATA layer")
    h, w, c = layers[1]["height"], layers[1]["width"], layers[1]["channel"]
    params = {}
    for i in range(2, len(layers) + 1):
        layer = layers[i]
        kind = layer["type"]
        scale = np.sqrt(3.0 / (h * w * c))
        if kind == "CONV":
            k, num = layer["k"], layer["num"]
            params[i - 1] = {"w": rng.uniform(-scale, scale, size=(k * k * c, num)), "b": np.zeros(num)}
            h = output_size(h, k, layer["stride"], layer["pad"])
            w = output_size(w, k, layer["stride"], layer["pad"])
            c = num
        elif kind == "POOLING":
            params[i - 1] = {"w": np.zeros(0), "b": np.zeros(0)}
            h = output_size(h, layer["k"], layer["stride"], layer["pad"])
            w = output_size(w, layer["k"], layer["stride"], layer["pad"])
        elif kind in ("IP", "LOSS"):
            num = layer["num"]
            params[i - 1] = {"w": rng.uniform(-scale, scale, size=(h * w * c, num)), "b": np.zeros(num)}
            h, w, c = 1, 1, num
        elif kind == "RELU":
            params[i - 1] = {"w": np.zeros(0), "b": np.zeros(0)}
        else:
            raise ValueError(f"unknown layer type {kind!r} at layer {i}")
    if layers[len(layers)]["type"] != "LOSS":
        raise ValueError("the last layer must be the LOSS layer")
    return params


def _forward_layer(layer, blob, param):
    kind = layer["type"]
    if kind == "CONV":
        return conv_layer_forward(blob, layer, param)
    if kind == "POOLING":
        return pooling_layer_forward(blob, layer)
    if kind == "IP":
        return inner_product_forward(blob, layer, param)
    if kind == "RELU":
        return relu_forward(blob, layer)
    raise ValueError(f"unknown layer type {kind!r}")


def convnet_forward(params, layers, data):
    """Forward pass up to (not including) the LOSS layer.

    Returns ``output``, a dict of layer dicts: ``output[1]`` wraps ``data`` and
    ``output[i]`` is the output of ``layers[i]`` for ``i = 2..L-1``.
    """
    first = layers[1]
    output = {1: make_blob(data, first["height"], first["width"], first["channel"])}
    for i in range(2, len(layers)):
        output[i] = _forward_layer(layers[i], output[i - 1], params[i - 1])
    return output


def conv_net(params, layers, data, labels):
    """One forward and backward pass over a mini-batch.

    Returns ``(cp, param_grad)``: ``cp = {"cost": mean NLL, "percent": accuracy}`` and
    ``param_grad[i - 1] = {"w": ..., "b": ...}`` for every layer, averaged over the
    batch (the layer functions return sums; this function divides by the batch size).
    """
    L = len(layers)
    if layers[L]["type"] != "LOSS":
        raise ValueError("the last layer must be the LOSS layer")
    output = convnet_forward(params, layers, data)
    batch = output[1]["batch_size"]
    last = params[L - 1]
    wb = np.vstack([last["w"], np.reshape(last["b"], (1, -1))])
    cost, grad, input_od, percent = mlrloss(wb, output[L - 1]["data"], labels, layers[L]["num"], True)
    param_grad = {L - 1: {"w": grad[:-1] / batch, "b": grad[-1] / batch}}
    cp = {"cost": cost / batch, "percent": percent}
    for i in range(L - 1, 1, -1):
        layer = layers[i]
        kind = layer["type"]
        output[i]["diff"] = input_od
        if kind == "CONV":
            grads, input_od = conv_layer_backward(output[i], output[i - 1], layer, params[i - 1],
                                                  need_input_grad=i > 2)
        elif kind == "POOLING":
            input_od = pooling_layer_backward(output[i], output[i - 1], layer)
            grads = {"w": np.zeros(0), "b": np.zeros(0)}
        elif kind == "IP":
            grads, input_od = inner_product_backward(output[i], output[i - 1], layer, params[i - 1])
        elif kind == "RELU":
            input_od = relu_backward(output[i], output[i - 1], layer)
            grads = {"w": np.zeros(0), "b": np.zeros(0)}
        else:
            raise ValueError(f"unknown layer type {kind!r}")
        param_grad[i - 1] = {"w": np.asarray(grads["w"]) / batch, "b": np.asarray(grads["b"]) / batch}
    return cp, dict(sorted(param_grad.items()))


# ---------------------------------------------------------------------------------------
# SGD with momentum (student)
# ---------------------------------------------------------------------------------------

def sgd_momentum(w_rate, b_rate, mu, decay, params, param_winc, param_grad):
    """One step of SGD with momentum and weight decay.

    For every layer ``i`` in ``params`` (layers without parameters hold empty arrays
    and stay empty), with ``theta`` the accumulated step stored in ``param_winc``::

        theta_w = mu * theta_w + w_rate * (grad_w + decay * w)
        theta_b = mu * theta_b + b_rate * grad_b          (no weight decay on biases)
        w = w - theta_w
        b = b - theta_b

    Returns ``(params_, param_winc_)``, new dicts of the same structure; the
    arguments are left unchanged.
    """
    params_ = {}
    param_winc_ = {}
    # TODO: apply the update above to every layer's "w" and "b"; weight decay applies to the weights only.
    # BEGIN SOLUTION
    for i in params:
        w, b = params[i]["w"], params[i]["b"]
        inc_w = mu * param_winc[i]["w"] + w_rate * (param_grad[i]["w"] + decay * w)
        inc_b = mu * param_winc[i]["b"] + b_rate * param_grad[i]["b"]
        param_winc_[i] = {"w": inc_w, "b": inc_b}
        params_[i] = {"w": w - inc_w, "b": b - inc_b}
    # END SOLUTION
    return params_, param_winc_


# ---------------------------------------------------------------------------------------
# debugging aid (provided)
# ---------------------------------------------------------------------------------------

def finite_difference(output, input, h, forward=None, layer=None, param=None):
    """Numerical gradient of a layer with respect to its input data.

    Approximates the gradient of ``sum(output['diff'] * forward(input)['data'])`` with
    respect to ``input['data']`` by central differences with step ``h``; compare it
    with the ``input_od`` returned by the layer's backward function. ``forward`` is
    the layer's forward function (e.g. ``relu_forward``), called as
    ``forward(input, layer)`` or ``forward(input, layer, param)`` when ``param`` is
    given. Returns ``input_od_approx`` with the shape of ``input['data']``. Loops over
    every input entry, so use small inputs.
    """
    if forward is None:
        raise ValueError("finite_difference needs the layer's forward function")

    def f(data):
        blob = dict(input, data=data)
        out = forward(blob, layer) if param is None else forward(blob, layer, param)
        return float(np.sum(output["diff"] * out["data"]))

    x = np.array(input["data"], dtype=np.float64)
    approx = np.zeros_like(x)
    flat, grad = x.reshape(-1), approx.reshape(-1)
    for idx in range(flat.size):
        old = flat[idx]
        flat[idx] = old + h
        up = f(x)
        flat[idx] = old - h
        down = f(x)
        flat[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return approx
