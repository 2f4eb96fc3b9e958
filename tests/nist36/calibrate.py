"""Calibrate the nist36 short training runs the grader makes (not part of the test suite; about a
second per run and seed): ``nist36.train_short`` (numpy FC net), ``nist36.torch_fc``,
``nist36.torch_cnn`` and ``nist36.torch_cifar``, each with the check's own settings from
``autograder/nist36/hidden_common.py`` unless overridden, on the reference or a variant.

    .venv/bin/python -m tests.nist36.calibrate train_short --seeds 0 1 2 3 4
    .venv/bin/python -m tests.nist36.calibrate train_short --variant train_step_uphill --seeds 0 1 2
    .venv/bin/python -m tests.nist36.calibrate torch_cnn --n 3600 --epochs 5 --batch 64
    .venv/bin/python -m tests.nist36.calibrate torch_cnn --model MLP      # a ReLU MLP in the CNN's place

A variant is the reference with a patch of tests/nist36/variants.py (BUGGY) or ``deriv_pre`` (the
sigmoid's derivative taken at the pre-activation). Each run goes through the sandbox probe the
check uses (``autograder/nist36/probes.py``), in this process on one thread, and prints the score the
check computes (validation or test accuracy) and the CPU seconds of the run.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from tests.nist36.helpers import make_tree  # noqa: E402
from tests.nist36.variants import BUGGY  # noqa: E402

VARIANTS = {"reference": [], **{k: v[0] for k, v in BUGGY.items()},
            "deriv_pre": [("nn.py", "    d_pre = delta * activation_deriv(post_act)\n",
                           "    d_pre = delta * activation_deriv(pre_act)\n")]}


def _mlp(relu: bool, hidden: int):
    import torch

    class MLP(torch.nn.Module):  # a model without convolutions, fed the CNN's images
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(1024, hidden), torch.nn.Linear(hidden, 36)

        def forward(self, x):
            h = self.a(x.reshape(len(x), -1))
            return self.b(torch.relu(h) if relu else torch.sigmoid(h))

    return MLP


def run(check: str, seed: int, args) -> tuple[float, float]:
    """(score, CPU seconds) of one short run of ``check`` with ``seed``."""
    from autograder.nist36 import hidden_common as C
    from autograder.nist36 import probes as P

    tx, ty = C._split("train")
    vx, vy = C._split("valid")
    start = time.process_time()
    if check == "train_short":
        n = args.n or C.SHORT_N
        out = P.train_nist36_short(np.array(tx[:n]), np.array(ty[:n]), max_iters=args.epochs or C.SHORT_EPOCHS,
                                   batch_size=args.batch or C.SHORT_BATCH, learning_rate=args.lr or C.SHORT_LR,
                                   seed=seed)
        with np.errstate(all="ignore"):
            pred = np.argmax(C.ref_q3.predict_probs(vx, out), axis=1)
        return float(np.mean(pred == np.argmax(vy, axis=1))), time.process_time() - start
    if check in ("torch_fc", "torch_cnn"):
        fc = check == "torch_fc"
        run_kw = dict(C.TORCH_FC if fc else C.TORCH_CNN)
        n = args.n or (C.TORCH_N if fc else C.TORCH_CNN_N)
        a_tx, a_ty = tx[:n], np.argmax(ty[:n], axis=1)
        a_vx, a_vy = vx[:C.TORCH_VALID], np.argmax(vy[:C.TORCH_VALID], axis=1)
        a, b = (a_tx.astype(np.float32), a_vx.astype(np.float32)) if fc else (C._images(a_tx), C._images(a_vx))
        model = args.model or ("FCNet" if fc else "ConvNet")
    else:  # torch_cifar
        from coursedata.cifar10 import load_cifar10

        Xtr, ytr, Xte, yte = load_cifar10()
        run_kw, n = dict(C.CIFAR_RUN), args.n or C.CIFAR_N
        a = np.ascontiguousarray(Xtr[:n].astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)
        b = np.ascontiguousarray(Xte[:C.CIFAR_TEST].astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)
        a_ty, a_vy = np.asarray(ytr[:n], dtype=np.int64), np.asarray(yte[:C.CIFAR_TEST])
        model = args.model or "CifarNet"
    for key, val in (("epochs", args.epochs), ("batch_size", args.batch), ("lr", args.lr)):
        if val:
            run_kw[key] = val
    if model in ("MLP", "MLP_sigmoid"):
        import torch

        from starter.nist36 import run_q6

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        net = _mlp(model == "MLP", 256 if model == "MLP" else 64)()
        run_q6.train_torch(net, a, a_ty, run_kw["epochs"], run_kw["batch_size"], run_kw["lr"], seed=seed,
                           optimizer=run_kw["optimizer"])
        pred = run_q6.predict(net, b)
    else:
        pred = P.torch_train_predict(model, a, a_ty, b, seed=seed, **run_kw)["pred"]
    return float(np.mean(np.asarray(pred) == a_vy)), time.process_time() - start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("check", choices=("train_short", "torch_fc", "torch_cnn", "torch_cifar"))
    p.add_argument("--variant", default="reference", choices=sorted(VARIANTS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--n", type=int, help="training rows (default: the check's)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--model", help="FCNet, ConvNet, CifarNet, MLP (ReLU, 256) or MLP_sigmoid (64) in the "
                                   "check's model's place")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nist36-calibrate-") as tmp:
        root = make_tree(Path(tmp), VARIANTS[args.variant])
        sys.path.insert(0, str(root))  # `starter.nist36` is the variant's tree
        for name in [m for m in sys.modules if m == "starter" or m.startswith("starter.")]:
            del sys.modules[name]
        for seed in args.seeds:
            score, cpu = run(args.check, seed, args)
            print(f"{args.check} {args.variant} seed {seed}: {score:.3f} ({cpu:.2f} CPU s; load "
                  f"{os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
