"""Benchmark of the numpy LeNet (``solutions.lenet``) against the same LeNet in PyTorch.

1. One training step (forward, backward, SGD-with-momentum update) on the same
   mini-batch of 64 MNIST digits, for the reference and for PyTorch, in the same run
   and the same floating type. Prints the median and best times and their ratio
   (target: reference <= 1.5x PyTorch).
2. Wall time of the reference training script until the test accuracy first reaches
   97% (evaluated every 100 steps; target <= 30 s on 2 cores).

Usage: ``python benchmarks/lenet_bench.py [--steps 30] [--dtype float32|float64] [--threads N] [--no-train]``.
``--threads`` sets the BLAS threads of numpy (threadpoolctl) and PyTorch's intra-op
threads alike (default: all cores). The machine's load average is printed first:
timings on a shared machine vary, and with several BLAS threads they collapse when
another process holds a core (threads wait for each other), so compare with
``--threads 1`` on a busy machine.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _torch_lenet(params, dtype):
    """The handout's LeNet in PyTorch, initialised with the reference's parameters."""
    import torch

    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]

    def conv_w(w, k, c, n):  # [k*k*c, n] (rows dy, dx, ch) -> (n, c, k, k)
        return torch.tensor(w.reshape(k, k, c, n).transpose(3, 2, 0, 1).copy(), dtype=tdt)

    # the first IP layer reads the pooled maps in (h, w, c) order; PyTorch flattens (c, h, w)
    w_ip = params[5]["w"].reshape(4, 4, 50, 500).transpose(2, 0, 1, 3).reshape(800, 500)
    tensors = {
        "c1w": conv_w(params[1]["w"], 5, 1, 20), "c1b": torch.tensor(params[1]["b"], dtype=tdt),
        "c2w": conv_w(params[3]["w"], 5, 20, 50), "c2b": torch.tensor(params[3]["b"], dtype=tdt),
        "ipw": torch.tensor(w_ip.T.copy(), dtype=tdt), "ipb": torch.tensor(params[5]["b"], dtype=tdt),
        "outw": torch.tensor(params[7]["w"].T.copy(), dtype=tdt), "outb": torch.tensor(params[7]["b"], dtype=tdt),
    }
    for t in tensors.values():
        t.requires_grad_(True)
    return tensors


def _torch_step(tp, winc, x, y, w_rate, b_rate, mu, decay):
    import torch
    import torch.nn.functional as F

    h = F.conv2d(x, tp["c1w"], tp["c1b"])
    h = F.max_pool2d(h, 2, 2)
    h = F.conv2d(h, tp["c2w"], tp["c2b"])
    h = F.max_pool2d(h, 2, 2)
    h = F.relu(F.linear(h.flatten(1), tp["ipw"], tp["ipb"]))
    logits = F.linear(h, tp["outw"], tp["outb"])
    loss = F.cross_entropy(logits, y)
    grads = torch.autograd.grad(loss, list(tp.values()))
    with torch.no_grad():  # the handout's update: theta = mu*theta + rate*(g + decay*w); w -= theta
        for (name, p), g in zip(tp.items(), grads):
            if name.endswith("w"):
                winc[name].mul_(mu).add_(g + decay * p, alpha=w_rate)
            else:
                winc[name].mul_(mu).add_(g, alpha=b_rate)
            p.sub_(winc[name])
    return float(loss.detach())


def _time(fn, steps):
    fn()  # warm-up
    fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


def bench_step(steps=30, dtype=np.float32, seed=0):
    import torch

    from solutions.lenet.cnn_lenet import conv_net, init_convnet, sgd_momentum
    from solutions.lenet.test_lenet import SETTINGS, lenet_layers
    from solutions.lenet.utils import load_mnist

    xtrain, ytrain = load_mnist(True)[:2]
    layers = lenet_layers(64)
    params = {i: {k: v.astype(dtype) for k, v in p.items()} for i, p in init_convnet(layers, seed).items()}
    winc = {i: {k: np.zeros_like(v) for k, v in p.items()} for i, p in params.items()}
    idx = np.random.default_rng(seed).permutation(xtrain.shape[1])[:64]
    x = np.ascontiguousarray(xtrain[:, idx], dtype=dtype)
    y = ytrain[idx]
    w_rate, b_rate = SETTINGS["epsilon"] * SETTINGS["w_lr"], SETTINGS["epsilon"] * SETTINGS["b_lr"]
    mu, decay = SETTINGS["mu"], SETTINGS["weight_decay"]

    tp = _torch_lenet(params, dtype)
    twinc = {k: torch.zeros_like(v) for k, v in tp.items()}
    xt = torch.tensor(x.T.reshape(64, 28, 28, 1).transpose(0, 3, 1, 2).copy())
    yt = torch.tensor(y)

    # same network, same batch: the first losses agree
    cp, _ = conv_net(params, layers, x, y)
    tl = _torch_step(_torch_lenet(params, dtype), {k: torch.zeros_like(v) for k, v in tp.items()},
                     xt, yt, w_rate, b_rate, mu, decay)
    assert abs(cp["cost"] - tl) < 1e-3 * max(1.0, abs(tl)), (cp["cost"], tl)

    state = {"params": params, "winc": winc}

    def ref_step():
        _, grads = conv_net(state["params"], layers, x, y)
        state["params"], state["winc"] = sgd_momentum(w_rate, b_rate, mu, decay, state["params"], state["winc"], grads)

    ref_med, ref_min = _time(ref_step, steps)
    torch_med, torch_min = _time(lambda: _torch_step(tp, twinc, xt, yt, w_rate, b_rate, mu, decay), steps)
    return {"ref_median": ref_med, "ref_min": ref_min, "torch_median": torch_med, "torch_min": torch_min,
            "first_loss": cp["cost"], "torch_threads": torch.get_num_threads()}


def time_to_97(seed=0, max_iter=3000):
    from solutions.lenet.test_lenet import train_lenet
    from solutions.lenet.utils import load_mnist

    data = load_mnist(True)
    run = train_lenet(max_iter=max_iter, seed=seed, data=data, target_accuracy=0.97, test_interval=100,
                      verbose=False, progress=False)
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-train", action="store_true", help="skip the time-to-97%% run")
    args = parser.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    dtype = {"float32": np.float32, "float64": np.float64}[args.dtype]
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"cores: {os.cpu_count()}, threads: {args.threads}, load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    r = bench_step(args.steps, dtype, args.seed)
    print(f"one training step, batch 64, {args.dtype} (median / best of {args.steps}):")
    print(f"  reference (numpy): {r['ref_median'] * 1e3:7.1f} ms / {r['ref_min'] * 1e3:7.1f} ms")
    print(f"  PyTorch ({r['torch_threads']} threads): {r['torch_median'] * 1e3:7.1f} ms / {r['torch_min'] * 1e3:7.1f} ms")
    ratio_med = r["ref_median"] / r["torch_median"]
    ratio_min = r["ref_min"] / r["torch_min"]
    ok = "ok" if ratio_med <= 1.5 else "ABOVE TARGET"
    print(f"  ratio reference / PyTorch: {ratio_med:.2f} (median), {ratio_min:.2f} (best); target <= 1.5: {ok}")
    if not args.no_train:
        run = time_to_97(args.seed)
        t = run["time_to_target"]
        if t is None:
            print(f"time to 97% test accuracy: not reached in {run['iterations']} steps "
                  f"(final {run['test_accuracy']:.4f}, {run['seconds']:.1f} s)")
        else:
            ok = "ok" if t <= 30 else "ABOVE TARGET"
            print(f"time to 97% test accuracy: {t:.1f} s ({run['iterations']} steps, accuracy "
                  f"{run['test_accuracy']:.4f}); target <= 30 s: {ok}")
    return r


if __name__ == "__main__":
    main()
