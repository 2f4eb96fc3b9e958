"""Q5: an autoencoder 1024-32-32-32-1024 trained with momentum, evaluated with PSNR.

Layers (names used in ``params``): ``layer1`` (1024 -> 32, ReLU), ``hidden1``
(32 -> 32, ReLU), ``hidden2`` (32 -> 32, ReLU), ``output`` (32 -> 1024, sigmoid).
Loss: the *total* squared error ``sum((out - x) ** 2)`` over the batch.
Momentum: ``M = 0.9 * M - lr * grad`` then ``W = W + M``, with one accumulator
``params['m_' + key]`` per parameter, created zero.
"""
import time

import numpy as np

from .nn import backwards, forward, get_random_batches, initialize_weights, sigmoid, sigmoid_deriv
from .util import relu, relu_deriv

LAYERS = ('layer1', 'hidden1', 'hidden2', 'output')
PARAM_KEYS = tuple(p + n for n in LAYERS for p in ('W', 'b'))
# the handout's schedule
MAX_ITERS = 100
BATCH_SIZE = 36
LEARNING_RATE = 3e-5
HIDDEN_SIZE = 32
LR_DECAY_EVERY = 20  # epochs; the learning rate is multiplied by 0.9
MOMENTUM = 0.9


def init_autoencoder(in_size=1024, hidden_size=HIDDEN_SIZE, seed=0):
    """Xavier-initialised autoencoder with zero momentum accumulators ``m_<key>`` (provided)."""
    np.random.seed(seed)
    params = {}
    initialize_weights(in_size, hidden_size, params, 'layer1')
    initialize_weights(hidden_size, hidden_size, params, 'hidden1')
    initialize_weights(hidden_size, hidden_size, params, 'hidden2')
    initialize_weights(hidden_size, in_size, params, 'output')
    for k in PARAM_KEYS:
        params['m_' + k] = np.zeros_like(params[k])
    return params


def reconstruct(x, params):
    """The autoencoder's output ``(N, 1024)`` for ``x`` ``(N, 1024)``."""
    out = None
    # TODO: the four layers, ReLU x3 then sigmoid.
    raise NotImplementedError("reconstruct is not implemented yet (see the TODO above this line)")
    return out


def autoencoder_step(xb, params, learning_rate, momentum=MOMENTUM):
    """One momentum step on the batch ``xb`` ``(B, 1024)``; returns the batch's total squared error
    (before the update).

    Backpropagate ``d loss / d out = 2 (out - xb)`` through the four layers, then for
    every parameter ``k`` of ``PARAM_KEYS``: ``params['m_' + k] = momentum * params['m_' + k]
    - learning_rate * params['grad_' + k]`` and ``params[k] += params['m_' + k]``.
    """
    loss = None
    # TODO: forward (reconstruct), loss, backwards through the four layers, momentum update.
    raise NotImplementedError("autoencoder_step is not implemented yet (see the TODO above this line)")
    return loss


def train_autoencoder(train_x, max_iters=MAX_ITERS, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                      hidden_size=HIDDEN_SIZE, seed=0, verbose=False):
    """Train for ``max_iters`` epochs (new random batches each epoch, learning rate x0.9 every
    ``LR_DECAY_EVERY`` epochs). Returns ``(params, losses)``, ``losses`` the average squared error
    per example of each epoch (provided)."""
    params = init_autoencoder(train_x.shape[1], hidden_size, seed)
    dummy = np.zeros((train_x.shape[0], 1))
    losses = []
    start = time.time()
    for itr in range(max_iters):
        total = 0.0
        for xb, _ in get_random_batches(train_x, dummy, batch_size):
            total += autoencoder_step(xb, params, learning_rate)
        losses.append(total / train_x.shape[0])
        if verbose and (itr % 10 == 0 or itr == max_iters - 1):
            print(f"epoch {itr:3d}  loss {losses[-1]:.2f}  ({time.time() - start:.0f} s)")
        if itr % LR_DECAY_EVERY == LR_DECAY_EVERY - 1:
            learning_rate *= 0.9
    return params, losses


def average_psnr(x, recon):
    """Q5.3.2: mean over the rows of the PSNR (data range 1) between ``x`` and ``recon`` ``(N, 1024)``.

    Use ``skimage.metrics.peak_signal_noise_ratio`` on each image pair.
    """
    psnr = None
    # TODO: one PSNR per image (data_range=1), then the mean.
    raise NotImplementedError("average_psnr is not implemented yet (see the TODO above this line)")
    return psnr
