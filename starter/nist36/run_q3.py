"""Q3: train the two-layer network on NIST36, and evaluate it.

``python -m solutions.nist36.run_q3`` trains with the schedule ``tuned_schedule()``
returns (the one you tuned in Q3.1) and prints the accuracies.
"""
import time

import numpy as np

from .nn import forward, get_random_batches, initialize_weights, sigmoid, softmax
from .run_q2 import network_loss, train_step

HIDDEN_SIZE = 64  # fixed by the handout; the batch size, learning rate and epochs are yours (tuned_schedule)


def init_network(in_size=1024, hidden_size=HIDDEN_SIZE, out_size=36, seed=0):
    """A fresh two-layer network (``layer1`` and ``output``) with Xavier weights (provided)."""
    np.random.seed(seed)
    params = {}
    initialize_weights(in_size, hidden_size, params, 'layer1')
    initialize_weights(hidden_size, out_size, params, 'output')
    return params


def predict_probs(x, params):
    """Class probabilities ``(N, 36)`` of the two-layer network (provided)."""
    h1 = forward(x, params, 'layer1', sigmoid)
    return forward(h1, params, 'output', softmax)


def train_nist36(train_x, train_y, valid_x=None, valid_y=None, hidden_size=HIDDEN_SIZE, batch_size=None,
                 learning_rate=None, max_iters=None, seed=0, verbose=False):
    """Train the two-layer network with SGD for ``max_iters`` epochs.

    ``batch_size``, ``learning_rate`` and ``max_iters`` left out (``None``) are taken from
    ``tuned_schedule()``.

    Starts from ``init_network(train_x.shape[1], hidden_size, train_y.shape[1], seed)``
    (which also seeds ``np.random``); each epoch draws new random batches with
    ``get_random_batches`` and calls ``train_step`` on each. Returns ``(params,
    history)`` where ``history`` has lists, one entry per epoch, ``train_loss`` and
    ``train_acc`` (the loss averaged over the examples and the accuracy, accumulated
    over the epoch's batches) and, when validation data are given, ``valid_loss`` and
    ``valid_acc`` (measured after the epoch).
    """
    if None in (batch_size, learning_rate, max_iters):
        tuned = dict(zip(("batch_size", "learning_rate", "max_iters"), tuned_schedule()))
        batch_size = tuned["batch_size"] if batch_size is None else batch_size
        learning_rate = tuned["learning_rate"] if learning_rate is None else learning_rate
        max_iters = tuned["max_iters"] if max_iters is None else max_iters
    params = init_network(train_x.shape[1], hidden_size, train_y.shape[1], seed)
    history = {"train_loss": [], "train_acc": []}
    if valid_x is not None:
        history.update(valid_loss=[], valid_acc=[])
    start = time.time()
    n = train_x.shape[0]
    for itr in range(max_iters):
        total_loss, total_correct = 0.0, 0.0
        # TODO: one epoch: new random batches, a train_step on each, sum the loss and count the correct ones.
        raise NotImplementedError("train_nist36 is not implemented yet (see the TODO above this line)")
        history["train_loss"].append(total_loss / n)
        history["train_acc"].append(total_correct / n)
        if valid_x is not None:
            vloss, vacc, _ = network_loss(valid_x, valid_y, params)
            history["valid_loss"].append(vloss / valid_x.shape[0])
            history["valid_acc"].append(vacc)
        if verbose and (itr % 10 == 0 or itr == max_iters - 1):
            line = f"epoch {itr:3d}  loss {history['train_loss'][-1]:.3f}  acc {history['train_acc'][-1]:.3f}"
            if valid_x is not None:
                line += f"  valid acc {history['valid_acc'][-1]:.3f}"
            print(line + f"  ({time.time() - start:.0f} s)")
    return params, history


def confusion_matrix(y, probs):
    """Q3.4: ``C[i, j]`` = number of examples of true class ``i`` predicted as class ``j``.

    ``y``: one-hot labels ``(N, K)``; ``probs``: scores ``(N, K)`` (the prediction is the
    row's argmax). Returns an integer array ``(K, K)``.
    """
    # TODO: count (true, predicted) pairs.
    raise NotImplementedError("confusion_matrix is not implemented yet (see the TODO above this line)")


def most_confused_pairs(C, top=3):
    """The ``top`` unordered class pairs ``(i, j)`` (``i < j``) with the most confusions
    ``C[i, j] + C[j, i]``, most confused first (provided)."""
    S = C + C.T
    iu = np.triu_indices(C.shape[0], k=1)
    order = np.argsort(-S[iu], kind="stable")[:top]
    return [(int(iu[0][o]), int(iu[1][o])) for o in order]


def tuned_schedule():
    """Q3.1: your tuned ``(batch_size, learning_rate, max_iters)`` for ``train_nist36``.

    The learning rate multiplies the gradient of the *summed* loss over a batch (as
    ``train_step`` does), ``max_iters`` counts epochs (the handout asks for at least 50).
    The returned schedule must reach 75% validation accuracy (the notebook gives the
    search space).
    """
    # TODO: return the batch size, learning rate and number of epochs your search found.
    raise NotImplementedError("tuned_schedule is not implemented yet (see the TODO above this line)")


if __name__ == "__main__":
    from .util import load_data

    tx, ty = load_data('train')
    vx, vy = load_data('valid')
    params, hist = train_nist36(tx, ty, vx, vy, verbose=True)
    print("validation accuracy", hist["valid_acc"][-1])
