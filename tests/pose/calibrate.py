"""Calibrate the pose thresholds: train variants the way ``pose.train`` does and score them
on the hidden clips (not part of the test suite; minutes per run).

    .venv/bin/python -m tests.pose.calibrate reference --seeds 0 1 2 3 4
    .venv/bin/python -m tests.pose.calibrate per_frame --seeds 0 1 2
    .venv/bin/python -m tests.pose.calibrate plain_cnn_lstm_without_skip --seeds 0 1 2
    .venv/bin/python -m tests.pose.calibrate mean_pose

Each variant is the reference with a patch (see VARIANTS: ``per_frame`` replaces the LSTM
by a per-frame layer of the same width, so the network sees one frame at a time; the
correct-but-different variants of test_pose_variants.py, e.g. the plain CNN + LSTM without
the skip connection, are there too); the run uses the check's
TRAIN_KW (without its time limit, so a loaded machine measures the same thing) and
prints the hidden-clip MPJPE, the steps and the CPU seconds of the training.
"""
from __future__ import annotations

import argparse
import importlib.util
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


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", choices=sorted(VARIANTS) + ["mean_pose"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--steps", type=int, default=None)
    a = ap.parse_args(argv)
    if a.variant == "mean_pose":
        Xtr, Ytr = hidden.load_train()
        Xh, Yh = hidden.load_hidden()
        print(f"mean_pose: hidden MPJPE {hidden._mean_pose_mpjpe(Ytr, Yh):.1f} mm", flush=True)
        return
    for s in a.seeds:
        err, steps, cpu, wall = run(a.variant, s, a.steps)
        print(f"{a.variant} seed {s}: hidden MPJPE {err:.1f} mm, {steps} steps, {cpu:.0f} s CPU, {wall:.0f} s wall",
              flush=True)


if __name__ == "__main__":
    main()
