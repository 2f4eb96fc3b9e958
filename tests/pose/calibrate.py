"""Calibrate the pose thresholds: train variants with the grader's loop and score them on the
hidden clips (not part of the test suite; minutes per run).

    .venv/bin/python -m tests.pose.calibrate mean_pose        # mean pose and ridge regression (no training)
    .venv/bin/python -m tests.pose.calibrate reference --seeds 0 1 2 3 4 --checkpoints 0 100 600 1000
    .venv/bin/python -m tests.pose.calibrate per_frame --seeds 0 1 2 3 4 --checkpoints 1000
    .venv/bin/python -m tests.pose.calibrate plain_cnn_lstm_without_skip --seeds 0 1 2 3 4 --checkpoints 1000
    .venv/bin/python -m tests.pose.calibrate reference --seeds 0      # pose.train's own run (TRAIN_KW)

Each variant is the reference with a patch (see VARIANTS: ``per_frame`` replaces the LSTM
by a per-frame layer of the same width, so the network sees one frame at a time; the
correct-but-different variants of test_pose_variants.py, e.g. the plain CNN + LSTM without
the skip connection, are there too). ``--checkpoints``: one run per seed (one torch thread, the
grader's batch size and learning rate), scored at each of those steps over every frame, the blocked
frames and the visible ones (``pose.saved_model``'s bars: the notebook trains 1,000 steps;
``pose.train``'s: 100), with the training loss's fall (``CALIBRATE_MAX_STEPS`` drops the checkpoints
past it). Without it, the run is ``pose.train``'s (TRAIN_KW, without its time limit, so a loaded
machine measures the same thing). Each prints the hidden-clip MPJPE, the steps and the CPU seconds.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.pose import hidden
from tests.pose.helpers import REPO, make_tree
from tests.pose.test_pose_variants import BUGGY, CORRECT, HANDOUT

PER_FRAME = [("pose.py", "        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)\n",
              "        self.lstm = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh())\n"),
             ("pose.py", "        seq, _ = self.lstm(feats)                                    # (B, T, hidden)\n",
              "        seq = self.lstm(feats)\n")]
VARIANTS = {"reference": [], "per_frame": PER_FRAME, **{k: v[0] for k, v in BUGGY.items()}, **CORRECT,
            **{k: v[0] for k, v in HANDOUT.items()}}


def run(variant: str, seed: int, steps: int | None = None):
    tree = make_tree(Path(tempfile.mkdtemp()), VARIANTS[variant])
    sys.path.insert(0, str(tree))
    for m in [m for m in sys.modules if m == "starter" or m.startswith("starter.")]:
        del sys.modules[m]
    spec = importlib.util.spec_from_file_location("pose_probes_cal", REPO / "autograder/pose/probes.py")
    probes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probes)
    Xtr, Ytr = hidden.load_train()
    Xh, Yh = hidden.load_hidden()
    kw = dict(hidden.TRAIN_KW, max_cpu_seconds=1e9)
    if steps:
        kw["num_steps"] = steps
    c0, t0 = time.process_time(), time.time()
    out = probes.train_and_predict(Xtr, Ytr, Xh, seed=seed, **kw)
    sys.path.remove(str(tree))
    per_t = np.linalg.norm(np.asarray(out["pred"], np.float64) - np.asarray(Yh, np.float64), axis=-1).mean(axis=(0, 2))
    print(f"{variant} seed {seed}: MPJPE per frame of the clip (mm): " + " ".join(f"{e * 1000:.1f}" for e in per_t),
          flush=True)
    return hidden._ref_mpjpe(Yh, out["pred"]), out["steps_run"], time.process_time() - c0, time.time() - t0


def blocked_mask():
    """The hidden clips' blocked frames (bool (N, 8)), or None (real files, an older generator)."""
    return hidden.load_hidden_blocked()


def scores(Y, pred, blocked):
    """MPJPE (mm): every frame, the blocked frames only, the visible frames only (None without a mask)."""
    err = np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(Y, np.float64), axis=-1).mean(-1) * 1000  # (N, T)
    if blocked is None:
        return float(err.mean()), None, None
    return float(err.mean()), float(err[blocked].mean()), float(err[~blocked].mean())


def fmt(s):
    return f"{s[0]:.1f} (blocked {s[1]:.1f}, visible {s[2]:.1f})" if s[1] is not None else f"{s[0]:.1f}"


def run_checkpoints(variant: str, seed: int, checkpoints, threads: int = 1):
    """One training run of ``variant`` (the grader's loop and settings) scored on the hidden clips at each
    of ``checkpoints`` (steps): the weights are copied when the loss of the step after them is computed."""
    import copy

    import torch

    tree = make_tree(Path(tempfile.mkdtemp()), VARIANTS[variant])
    sys.path.insert(0, str(tree))
    for m in [m for m in sys.modules if m == "starter" or m.startswith("starter.")]:
        del sys.modules[m]
    from starter.pose import pose
    from starter.pose import train as tr

    Xtr, Ytr = hidden.load_train()
    Xh, Yh = hidden.load_hidden()
    blocked = blocked_mask()
    checkpoints = sorted(set(int(c) for c in checkpoints))
    tr.seed_everything(seed)
    model = pose.DeepDynamicModel()
    saved, count, losses = {}, [0], []

    def loss_fn(y, pred):  # called once per step, before that step's update
        if count[0] in checkpoints:
            saved[count[0]] = copy.deepcopy(model.state_dict())
        count[0] += 1
        loss = ((pred - y) ** 2).sum() / y.shape[0]
        losses.append(float(loss.detach()))
        return loss

    c0, t0 = time.process_time(), time.time()
    tr.train(model, Xtr, Ytr, None, None, loss_fn=loss_fn, num_steps=checkpoints[-1], batch_size=hidden.TRAIN_KW[
        "batch_size"], lr=hidden.TRAIN_KW["lr"], seed=seed, threads=threads, log=None)
    cpu, wall = time.process_time() - c0, time.time() - t0
    saved[checkpoints[-1]] = copy.deepcopy(model.state_dict())
    sys.path.remove(str(tree))
    for step in checkpoints:
        if step not in saved:
            continue
        model.load_state_dict(saved[step])
        s = scores(Yh, tr.predict(model, Xh), blocked)
        print(f"{variant} seed {seed} step {step}: hidden MPJPE {fmt(s)} mm", flush=True)
    w = 10  # the training loss, mean of the first 10 steps over the mean of the 10 steps before each checkpoint
    ratios = " ".join(f"{c}: {np.mean(losses[:w]) / np.mean(losses[c - w:c]):.2f}" for c in checkpoints if c >= 2 * w)
    print(f"{variant} seed {seed}: loss falls by (first {w} steps / last {w} before) {ratios}", flush=True)
    print(f"{variant} seed {seed}: {checkpoints[-1]} steps in {cpu:.0f} s CPU, {wall:.0f} s wall", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", choices=sorted(VARIANTS) + ["mean_pose"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--checkpoints", type=int, nargs="+", default=None,
                    help="one run per seed, scored (every frame, blocked frames, visible frames) at these steps")
    a = ap.parse_args(argv)
    if a.variant == "mean_pose":  # and the closed-form baselines
        from coursedata.h36m.baselines import ridge

        Xtr, Ytr = hidden.load_train()
        Xh, Yh = hidden.load_hidden()
        blocked = blocked_mask()
        print(f"mean_pose: hidden MPJPE {fmt(scores(Yh, np.broadcast_to(Ytr.mean(0), Yh.shape), blocked))} mm",
              flush=True)
        for alpha in (1.0, 10.0, 100.0):
            pred = ridge(Xtr, Ytr, alpha)(Xh)
            print(f"ridge alpha {alpha:g}: hidden MPJPE {fmt(scores(Yh, pred, blocked))} mm", flush=True)
        return
    if a.checkpoints:
        cap = int(os.environ.get("CALIBRATE_MAX_STEPS", "0"))  # drop the checkpoints past it (a busy machine)
        if cap:
            a.checkpoints = [c for c in a.checkpoints if c <= cap]
        for s in a.seeds:
            run_checkpoints(a.variant, s, a.checkpoints)
        return
    for s in a.seeds:
        err, steps, cpu, wall = run(a.variant, s, a.steps)
        print(f"{a.variant} seed {s}: hidden MPJPE {err:.1f} mm, {steps} steps, {cpu:.0f} s CPU, {wall:.0f} s wall",
              flush=True)


if __name__ == "__main__":
    main()
