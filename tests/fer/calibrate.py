"""Calibration of the `fer` thresholds: trains the reference models with the notebook's
settings on several seeds and prints their accuracies on the private test sets.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m tests.fer.calibrate --seeds 0 1 2 [--save] [--only fc,cnn,cifar]

``--save`` writes the models of the first seed into the perfect sample
(``tests/fixtures/samples/fer/perfect/files/starter/fer/``). Not run by CI (minutes of CPU;
the reference numbers are recorded in ``datasets/fer2013/CARD.md``).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.fer import hidden_models as hm
from solutions.fer import cnn, data_utils, fer_model
from solutions.fer.fcnet import FullyConnectedNet
from solutions.fer.solver import Solver

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "fer" / "perfect" / "files" / "starter" / "fer"

# the settings the master notebook uses (keep in sync with solutions/fer/notebooks/make_notebook.py)
FC_SETTINGS = dict(hidden_dims=[256], weight_scale=1e-2, dropout=0.0, reg=0.0, learning_rate=3e-2, momentum=0.9,
                   lr_decay=0.95, num_epochs=20, batch_size=100, patience=5)
CIFAR_SETTINGS = dict(hidden_dims=[100], weight_scale=1e-2, learning_rate=2e-4, momentum=0.9, lr_decay=0.95,
                      num_epochs=12, batch_size=100, patience=3)
CNN_SETTINGS = dict(epochs=8, lr=1e-3, batch_size=64, weight_decay=1e-4)


def _train(model, data, seed, s):
    """Train ``model`` on ``data`` with SGD + momentum and the solver settings of ``s``: (model, solver)."""
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": s["learning_rate"], "momentum": s["momentum"]},
                    lr_decay=s["lr_decay"], num_epochs=s["num_epochs"], batch_size=s["batch_size"],
                    patience=s["patience"], verbose=False, seed=seed)
    solver.train()
    return model, solver


def train_fer_fc(data, seed, s=FC_SETTINGS):
    np.random.seed(seed)
    return _train(FullyConnectedNet(s["hidden_dims"], input_dim=48 * 48, num_classes=7, dropout=s["dropout"],
                                    reg=s["reg"], weight_scale=s["weight_scale"]), data, seed, s)


def train_cifar(data, seed, s=CIFAR_SETTINGS):
    np.random.seed(seed)
    return _train(FullyConnectedNet(s["hidden_dims"], weight_scale=s["weight_scale"]), data, seed, s)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--save", action="store_true")
    ap.add_argument("--only", default="fc,cnn,cifar")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    Xs, ys = hm.secret_faces()
    if only & {"fc", "cnn"}:
        t0 = time.time()
        fer = data_utils.get_FER2013_data()
        print(f"FER data loaded in {time.time() - t0:.0f} s; constant predictor on the private split: "
              f"{np.mean(ys == np.bincount(fer['y_train']).argmax()):.3f}", flush=True)
    for seed in args.seeds:
        if "fc" in only:
            t0 = time.time()
            model, solver = train_fer_fc(fer, seed)
            acc = np.mean(hm._predict_fc(model, hm.faces_input(Xs, fer["mean"])) == ys)
            print(f"FER FC seed {seed}: val {solver.best_val_acc:.3f}, epochs {solver.epoch}, private {acc:.3f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
            if args.save and seed == args.seeds[0]:
                fer_model.save_fer_model(model, fer["mean"], OUT / "fer_model.npz")
        if "cnn" in only:
            import torch

            torch.manual_seed(seed)
            t0 = time.time()
            arch = cnn.cnn_architecture()
            net = cnn.build_cnn(arch)
            hist = cnn.train_cnn(net, fer, seed=seed, verbose=False, **CNN_SETTINGS)
            secs = time.time() - t0
            # scored as the grader scores a hand-in: the saved file, read back by its reader
            with tempfile.TemporaryDirectory() as tmp:
                path = cnn.save_cnn(net, arch, fer["mean"], Path(tmp) / "fer_cnn.pt")
                graded, mean = hm.read_cnn_file(path)
                acc = np.mean(hm._predict_cnn(graded, hm.faces_input(Xs, mean)) == ys)
                if args.save and seed == args.seeds[0]:
                    shutil.copy(path, OUT / "fer_cnn.pt")
            print(f"FER CNN seed {seed}: val {max(hist['val_acc']):.3f}, private {acc:.3f} ({secs:.0f} s)", flush=True)
        if "cifar" in only:
            t0 = time.time()
            data = data_utils.get_CIFAR10_data()
            Xc, yc = hm.secret_cifar()
            model, solver = train_cifar(data, seed)
            acc = np.mean(hm._predict_fc(model, hm.cifar_input(Xc, data["mean"])) == yc)
            print(f"CIFAR two-layer seed {seed}: val {solver.best_val_acc:.3f}, private {acc:.3f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
            if args.save and seed == args.seeds[0]:
                fer_model.save_fer_model(model, data["mean"], OUT / "cifar_two_layer.npz")


if __name__ == "__main__":
    main()
