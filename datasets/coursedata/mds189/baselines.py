"""Reference scores for the dataset card.

``python -m coursedata.mds189.baselines [DIR] [--cnn]`` prints validation
accuracies of simple models on a generated copy:

* poses (the FC-net input, raw ``gt_pose`` and aligned ``gt_pose_align``):
  majority class, softmax regression (scikit-learn ``LogisticRegression``) and a
  one-hidden-layer MLP (``MLPClassifier``, a stand-in for the homework's FC net);
* with ``--cnn``: a small PyTorch CNN on key frames and on random video frames
  (same architecture, same number of training images).

The MDS189 folder is read with the homework's provided loader, ``starter.fms.data`` (provided
code: byte-identical to the reference tree's, and shipped in the fms release beside this
package), never with the reference tree ``solutions``, which no release has.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def _load(root, debug):
    from starter.fms.data import load_mds189
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        return load_mds189(root, debug=debug)


def pose_baselines(root, seeds=(0, 1, 2), hidden=(100,)) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    out = {}
    for name, debug in (("raw", False), ("aligned", True)):
        Xtr, ytr, Xva, yva = _load(root, debug)
        r = {"n_train": len(ytr), "n_val": len(yva)}
        r["constant"] = float(np.mean(yva == np.bincount(ytr).argmax()))
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000)).fit(Xtr, ytr)
        r["logreg"] = float(lr.score(Xva, yva))
        r["logreg_train"] = float(lr.score(Xtr, ytr))
        accs = []
        for s in seeds:
            mlp = make_pipeline(StandardScaler(), MLPClassifier(hidden, alpha=1.0, max_iter=500,
                                                                random_state=s)).fit(Xtr, ytr)
            accs.append(float(mlp.score(Xva, yva)))
        r["mlp"] = accs
        out[name] = r
    return out


def cnn_baselines(root, n_train=None, steps=600, seed=0, image_size=48) -> dict:
    import torch
    from torch import nn

    from starter.fms.data import Mds189

    torch.manual_seed(seed)
    torch.set_num_threads(2)

    def arrays(listfile, n=None, rng=None):
        ds = Mds189(f"{root}/{listfile}", image_size=image_size)
        idx = np.arange(len(ds))
        if n is not None and n < len(ds):
            idx = np.sort(rng.choice(len(ds), n, replace=False))
        X = torch.stack([ds[i][0] for i in idx])
        y = torch.as_tensor(ds.labels[idx])
        return X, y

    def net():
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (image_size // 8) ** 2, 128), nn.ReLU(), nn.Linear(128, 8))

    rng = np.random.default_rng(seed)
    Xk, yk = arrays("keyframe_data_train.txt")
    n = n_train or len(yk)
    sets = {
        "key_frames": (Xk[:n], yk[:n], *arrays("keyframe_data_val.txt")),
        "video_frames": (*arrays("videoframe_data_train.txt", n, rng), *arrays("videoframe_data_val.txt", 2000, rng)),
    }
    out = {}
    for name, (Xtr, ytr, Xva, yva) in sets.items():
        torch.manual_seed(seed)
        model = net()
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        mean = Xtr.mean((0, 2, 3), keepdim=True)
        std = Xtr.std((0, 2, 3), keepdim=True)
        g = torch.Generator().manual_seed(seed)
        t0 = time.perf_counter()
        for step in range(steps):
            b = torch.randint(0, len(ytr), (64,), generator=g)
            xb = (Xtr[b] - mean) / std
            if step % 2:  # cheap augmentation: horizontal flips (mirrored videos exist)
                xb = xb.flip(3)
            loss = nn.functional.cross_entropy(model(xb), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = model((Xva - mean) / std).argmax(1)
        acc = float((pred == yva).float().mean())
        per_class = [float((pred[yva == c] == c).float().mean()) if (yva == c).any() else float("nan")
                     for c in range(8)]
        out[name] = {"n_train": len(ytr), "n_val": len(yva), "acc": acc, "per_class": per_class,
                     "seconds": time.perf_counter() - t0}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m coursedata.mds189.baselines")
    ap.add_argument("root", nargs="?", default=None)
    ap.add_argument("--cnn", action="store_true")
    ap.add_argument("--steps", type=int, default=600)
    a = ap.parse_args(argv)
    from starter.fms.data import ensure_data
    root = ensure_data(root=a.root)
    res = pose_baselines(root)
    for k, r in res.items():
        print(f"poses[{k}] n_train={r['n_train']} n_val={r['n_val']} constant={r['constant']:.3f} "
              f"logreg={r['logreg']:.3f} (train {r['logreg_train']:.3f}) "
              f"mlp={np.round(r['mlp'], 3).tolist()}", flush=True)
    if a.cnn:
        for k, r in cnn_baselines(root, steps=a.steps).items():
            print(f"cnn[{k}] n_train={r['n_train']} n_val={r['n_val']} acc={r['acc']:.3f} "
                  f"per_class={np.round(r['per_class'], 2).tolist()} ({r['seconds']:.0f}s)", flush=True)


if __name__ == "__main__":
    main()
