"""Train LeNet on MNIST with the numpy layers of ``cnn_lenet`` (the homework's testLeNet).

Run ``python -m solutions.lenet.test_lenet`` (or ``starter.lenet.test_lenet`` once your
functions are written). The network and the optimiser settings are those of the
original homework: batch 64, SGD with momentum 0.9, learning rate
``0.01 / (1 + 1e-4 * t) ** 0.75``, weight decay 5e-4 on the weights, learning-rate
multipliers 1 (weights) and 2 (biases).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from .cnn_lenet import conv_net, convnet_forward, get_lr, init_convnet, mlrloss, sgd_momentum
from .utils import load_mnist

SETTINGS = {
    "batch_size": 64,
    "mu": 0.9,
    "epsilon": 0.01,
    "gamma": 1e-4,
    "power": 0.75,
    "weight_decay": 5e-4,
    "w_lr": 1.0,
    "b_lr": 2.0,
}


def lenet_layers(batch_size=64):
    """The LeNet of the handout: DATA, CONV, POOL, CONV, POOL, IP, RELU, LOSS."""
    return {
        1: {"type": "DATA", "height": 28, "width": 28, "channel": 1, "batch_size": batch_size},
        2: {"type": "CONV", "num": 20, "k": 5, "stride": 1, "pad": 0, "group": 1},
        3: {"type": "POOLING", "k": 2, "stride": 2, "pad": 0},
        4: {"type": "CONV", "num": 50, "k": 5, "stride": 1, "pad": 0, "group": 1},
        5: {"type": "POOLING", "k": 2, "stride": 2, "pad": 0},
        6: {"type": "IP", "num": 500, "init_type": "uniform"},
        7: {"type": "RELU"},
        8: {"type": "LOSS", "num": 10},
    }


def predict(params, layers, x, chunk=500):
    """Class scores' argmax for the columns of ``x`` (processed in chunks to bound memory)."""
    L = len(layers)
    last = params[L - 1]
    preds = []
    for start in range(0, x.shape[1], chunk):
        out = convnet_forward(params, layers, x[:, start:start + chunk])
        scores = last["w"].T @ out[L - 1]["data"] + np.reshape(last["b"], (-1, 1))
        if scores.shape[0] == layers[L]["num"] - 1:  # the handout's K-1 free columns: class K-1 scores 0
            scores = np.vstack([scores, np.zeros((1, scores.shape[1]), dtype=scores.dtype)])
        preds.append(scores.argmax(axis=0))
    return np.concatenate(preds)


def evaluate(params, layers, x, y, chunk=500):
    """Accuracy (fraction in [0, 1]) of the network on ``x`` (784 x n) and labels ``y``."""
    return float(np.mean(predict(params, layers, x, chunk) == np.asarray(y)))


def train_lenet(max_iter=2000, seed=0, fullset=True, data=None, target_accuracy=None,
                test_interval=250, display_interval=100, verbose=True, progress=True,
                dtype=np.float32, blas_threads=None, **overrides):
    """Train LeNet with mini-batch SGD; return a dict describing the run.

    Parameters
    ----------
    max_iter : number of SGD steps (the original homework used 10,000 on full MNIST).
    seed : seeds the initialisation and the mini-batch order.
    fullset : passed to ``load_mnist`` (ignored when ``data`` is given).
    data : optional ``[xtrain, ytrain, xval, yval, xtest, ytest]``.
    target_accuracy : stop at the first test evaluation that reaches it.
    test_interval : evaluate on the test set every this many steps (and at the end).
    dtype : floating type used for training. The layers work in any float type;
        float32 (PyTorch's default) is about twice as fast as float64 here.
    blas_threads : if given, limit numpy's BLAS to this many threads while training
        (1 is the safe choice on a shared machine: with several threads a step slows down
        badly when another process holds a core).
    overrides : replace entries of ``SETTINGS`` (e.g. ``epsilon=0.02``).

    Returns
    -------
    dict with ``params``, ``layers``, ``test_accuracy`` (final), ``history`` (list of
    ``(iteration, seconds, test_accuracy)``), ``seconds`` (training time, excluding
    data loading), ``iterations`` and ``time_to_target`` (seconds, or None).
    """
    unknown = set(overrides) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    cfg = dict(SETTINGS, **overrides)
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(blas_threads):
            return train_lenet(max_iter, seed, fullset, data, target_accuracy, test_interval, display_interval,
                               verbose, progress, dtype, None, **overrides)
    if data is None:
        data = load_mnist(fullset)
    xtrain, ytrain, _xval, _yval, xtest, ytest = data
    xtrain = np.asarray(xtrain, dtype=dtype)
    xtest = np.asarray(xtest, dtype=dtype)
    batch = cfg["batch_size"]
    layers = lenet_layers(batch)
    rng = np.random.default_rng(seed)
    params = {i: {"w": p["w"].astype(dtype), "b": p["b"].astype(dtype)}
              for i, p in init_convnet(layers, rng).items()}
    param_winc = {i: {"w": np.zeros_like(p["w"]), "b": np.zeros_like(p["b"])} for i, p in params.items()}

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_iter, desc="LeNet", disable=not verbose, leave=False)
    n = xtrain.shape[1]
    order = rng.permutation(n)
    pos = 0
    history = []
    time_to_target = None
    start = time.perf_counter()
    it = 0
    for it in range(1, max_iter + 1):
        if pos + batch > n:
            order = rng.permutation(n)
            pos = 0
        idx = order[pos:pos + batch]
        pos += batch
        cp, param_grad = conv_net(params, layers, np.ascontiguousarray(xtrain[:, idx]), ytrain[idx])
        w_rate = get_lr(it - 1, cfg["epsilon"] * cfg["w_lr"], cfg["gamma"], cfg["power"])
        b_rate = get_lr(it - 1, cfg["epsilon"] * cfg["b_lr"], cfg["gamma"], cfg["power"])
        params, param_winc = sgd_momentum(w_rate, b_rate, cfg["mu"], cfg["weight_decay"],
                                          params, param_winc, param_grad)
        if bar is not None:
            bar.update(1)
            if it % 10 == 0:
                bar.set_postfix(cost=f"{cp['cost']:.3f}", train=f"{cp['percent']:.2f}")
        if verbose and display_interval and it % display_interval == 0:
            msg = f"iter {it}: cost = {cp['cost']:.6f} training_percent = {cp['percent']:.6f}"
            (bar.write if bar is not None else print)(msg)
        if (test_interval and it % test_interval == 0) or it == max_iter:
            acc = evaluate(params, layers, xtest, ytest)
            elapsed = time.perf_counter() - start
            history.append((it, elapsed, acc))
            if verbose:
                (bar.write if bar is not None else print)(f"iter {it}: test accuracy: {acc:.4f} ({elapsed:.1f} s)")
            if target_accuracy is not None and acc >= target_accuracy:
                time_to_target = elapsed
                break
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    final = history[-1][2] if history else evaluate(params, layers, xtest, ytest)
    if verbose:
        print(f"test accuracy: {final:.4f}; training took {seconds:.1f} s for {it} iterations")
    return {"params": params, "layers": layers, "test_accuracy": final, "history": history,
            "seconds": seconds, "iterations": it, "time_to_target": time_to_target}


def run_lenet(max_iter=2000, seed=0, fullset=True, verbose=False, **kwargs):
    """Train LeNet and return its final test accuracy (a fraction in [0, 1])."""
    return train_lenet(max_iter=max_iter, seed=seed, fullset=fullset, verbose=verbose,
                       progress=verbose, **kwargs)["test_accuracy"]


def plot_feature_maps(params, layers, image, layer_ids=(2, 3), n_maps=20, path=None):
    """Show the input image and ``n_maps`` feature maps of each layer in ``layer_ids``.

    ``image`` is one column of ``xtest`` (784 values). Layer 2 is the first
    convolution (24 x 24 x 20) and layer 3 the first max pooling (12 x 12 x 20).
    Returns the matplotlib figure (saved to ``path`` when given).
    """
    import matplotlib.pyplot as plt

    single = {**layers, 1: dict(layers[1], batch_size=1)}
    out = convnet_forward(params, single, np.reshape(image, (-1, 1)))
    n_cols = 10
    rows_per_layer = -(-n_maps // n_cols)
    fig, axes = plt.subplots(1 + rows_per_layer * len(layer_ids), n_cols,
                             figsize=(n_cols * 1.1, 1.2 * (1 + rows_per_layer * len(layer_ids))))
    for ax in axes.ravel():
        ax.axis("off")
    first = out[1]
    axes[0, 0].imshow(first["data"][:, 0].reshape(first["height"], first["width"]), cmap="gray")
    axes[0, 0].set_title("input", fontsize=8)
    for li, lid in enumerate(layer_ids):
        blob = out[lid]
        maps = blob["data"][:, 0].reshape(blob["height"], blob["width"], blob["channel"])
        for m in range(min(n_maps, blob["channel"])):
            ax = axes[1 + li * rows_per_layer + m // n_cols, m % n_cols]
            ax.imshow(maps[:, :, m], cmap="gray")
            if m == 0:
                ax.set_title(f"layer {lid} ({layers[lid]['type']})", fontsize=8, loc="left")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train LeNet on MNIST with the numpy layers.")
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="load_mnist(fullset=False)")
    parser.add_argument("--target", type=float, default=None, help="stop once test accuracy reaches this")
    parser.add_argument("--plot", default=None, help="save the feature maps of layers 2 and 3 here")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads while training (e.g. 1)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    data = load_mnist(not args.small)
    run = train_lenet(max_iter=args.max_iter, seed=args.seed, data=data, target_accuracy=args.target,
                      blas_threads=args.threads)
    print(f"run time: {time.perf_counter() - t0:.1f} s (training {run['seconds']:.1f} s)")
    if args.plot:
        plot_feature_maps(run["params"], run["layers"], data[4][:, 0], path=args.plot)
        print(f"feature maps saved to {args.plot}")
    return run


if __name__ == "__main__":
    main()
