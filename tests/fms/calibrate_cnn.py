"""Calibrate the problem-4 thresholds (not collected by pytest; run by hand).

    NNCOURSE_DATA=... python -m tests.fms.calibrate_cnn key [name] [seeds]  # key-frame check (name: a variant)
    NNCOURSE_DATA=... python -m tests.fms.calibrate_cnn test [seeds]        # predictions.csv check

``key`` grades the reference tree, a family of reasonable architectures and broken models with
the real key-frame check (in the sandbox, one CPU thread) for several seeds (frames and training). ``test`` trains the reference
Net on random video frames with the notebook's settings, writes predictions.csv, and
scores it and two broken files (a constant, labels shifted by one class) with the
real check. Prints one line per run; copy the numbers into hidden_cnn.py and CARD.md.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.engine import run_check
from autograder.fms import hidden_cnn as H

from .test_cnn_checks import PROBES, make_tree

CONSTANT = ("cnn.py", "        return self.head(self.features(x))\n",
            "        return self.head(self.features(x)) * 0 + self.head[-1].bias\n")
LINEAR = ("cnn.py", "nn.ReLU(inplace=True), nn.MaxPool2d(2))", "nn.Identity(), nn.MaxPool2d(2))")
# a linear classifier on the pixels (no hidden nonlinearity at all)
PIXELS = [("cnn.py", "self.features = nn.Sequential(block(3, 8), block(8, 16), block(16, 32), block(32, 32))",
           "self.features = nn.Identity()"),
          ("cnn.py", "self.head = nn.Sequential(nn.AdaptiveAvgPool2d(4),",
           "self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 48 * 48, num_classes))\n        _ = ("),
          ]


def _acc(message: str) -> float:
    m = re.search(r"accuracy[^:]*: ([0-9.]+)", message)
    return float(m.group(1)) if m else float("nan")


PROBS = ("cnn.py", "        return self.head(self.features(x))\n",
         "        return torch.softmax(self.head(self.features(x)), dim=1)\n")


def _fit(message: str) -> str:
    m = re.search(r"accuracy ([0-9.]+), loss ([0-9.]+)", message)
    return f"acc {m.group(1)} loss {m.group(2)}" if m else "acc ? loss ?"


def key(seeds):
    """The key-frame check (a short run that must fit a few training key frames): frames drawn and
    training seeded with each seed; the accuracy and the loss on the fitted frames."""
    variants = [("reference", ()), ("constant output", (CONSTANT,)), ("no ReLU in the conv blocks", (LINEAR,)),
                ("linear classifier on pixels", tuple(PIXELS)), ("forward returns probabilities", (PROBS,))]
    variants += [(name, patches) for name, patches in FAMILY.items() if name != "reference (batch norm)"]
    only = [v for v in variants if any(o in v[0] for o in ONLY)] if ONLY else variants
    for name, patches in only:
        for seed in seeds:
            H.CNN_TRAIN_KW["seed"] = seed
            with tempfile.TemporaryDirectory() as d:
                tree = make_tree(Path(d), patches)
                r = run_check(H.cnn_keyframe_accuracy.check, tree, PROBES, seed=seed)
            print(f"key  {name:48s} seed {seed}: {_fit(r.message)} {r.status:7s} {r.duration:6.1f} s "
                  f"(lr={H.CNN_TRAIN_KW['lr']})", flush=True)


def test(seeds, num_steps=800, every=2):
    import torch

    from solutions.fms import cnn
    from solutions.fms import train as tr

    H.prepare_test_split()  # the grader's test split (its seed), frames and labels
    X, y, _ = H._load_list("videoframe_data_train.txt", every=every)
    Xt, _, ids = H._load_list("videoframe_data_test.txt")
    truth = H.read_hidden_labels()
    for seed in seeds:
        tr.seed_everything(seed)
        model = cnn.Net()
        t0 = time.perf_counter()
        xf = np.concatenate([X, X[..., ::-1]])
        hist = tr.train(model, tr.as_dataset(np.ascontiguousarray(xf), np.concatenate([y, y])), None,
                        num_steps=num_steps, batch_size=32, lr=2e-3, lr_decay=0.5, val_every=num_steps // 3,
                        seed=seed, threads=2, progress=False)
        pred = tr.predict(model, tr.as_dataset(Xt))
        secs = time.perf_counter() - t0
        files = {"reference": [H.LABELS[p] for p in pred],
                 "shifted by one": [H.LABELS[(p + 1) % 8] for p in pred],
                 "constant": [H.LABELS[int(np.bincount(y).argmax())]] * len(pred)}
        for name, cats in files.items():
            if name != "reference" and seed != seeds[0]:
                continue
            with tempfile.TemporaryDirectory() as d:
                tree = make_tree(Path(d))
                with open(tree / "starter" / "fms" / H.PREDICTIONS_NAME, "w") as f:
                    f.write("Id,Category\n" + "".join(f"{i},{c}\n" for i, c in zip(ids, cats)))
                r = run_check(H.cnn_test_predictions.check, tree, PROBES)
            print(f"test {name:28s} seed {seed}: acc {_acc(r.message):.3f} {r.status:7s} "
                  f"(train {secs:.0f} s, {hist['steps_run']} steps)", flush=True)
        _ = torch


# -- a family of reasonable architectures (any sensible model must pass the key-frame check)
_REF_BODY = ("cnn.py", "        self.features = nn.Sequential(block(3, 8), block(8, 16), block(16, 32), block(32, 32))\n"
             "        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Dropout(0.3),\n"
             "                                  nn.Linear(32 * 4 * 4, 128), nn.ReLU(inplace=True), nn.Linear(128, num_classes))\n")
FAMILY = {
    "reference (batch norm)": (),
    "reference without batch norm": (("cnn.py", "nn.BatchNorm2d(c_out),\n                                 ", ""),),
    "LeNet-5 style (5x5 convs 6-16, FC 120-84)": ((_REF_BODY[0], _REF_BODY[1],
        "        self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),\n"
        "                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))\n"
        "        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 9 * 9, 120), nn.ReLU(), nn.Linear(120, 84),\n"
        "                                  nn.ReLU(), nn.Linear(84, num_classes))\n"),),
    "batch norm + global average pooling (16-32-64)": ((_REF_BODY[0], _REF_BODY[1],
        "        self.features = nn.Sequential(block(3, 16), block(16, 32), block(32, 64))\n"
        "        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))\n"),),
}


ONLY: list = []

if __name__ == "__main__":
    what = sys.argv[1]
    if os.environ.get("CALIBRATE_STANDARDIZE") == "1":
        H.CNN_TRAIN_KW["standardize"] = True
    if os.environ.get("CALIBRATE_STEPS"):  # another training length (the decay schedule follows it)
        H.CNN_TRAIN_KW["num_steps"] = int(os.environ["CALIBRATE_STEPS"])
    if os.environ.get("CALIBRATE_LR"):
        H.CNN_TRAIN_KW["lr"] = float(os.environ["CALIBRATE_LR"])
    if what == "key" and len(sys.argv) > 2 and not sys.argv[2].isdigit():
        ONLY.append(sys.argv.pop(2))
    seeds = [int(s) for s in sys.argv[2:]] or [0, 1, 2, 3, 4]
    {"key": key, "test": test}[what](seeds)
