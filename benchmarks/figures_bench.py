"""What the feedback's figures (issue 27) cost a grading: time to make each one and its size.

    .venv/bin/python benchmarks/figures_bench.py [--repeat 5]

In one fresh process: the first figure (matplotlib's import and font set-up included: what a
grading process pays once), then each kind the suites draw (``engine.figures`` through the
homework helpers, on data shaped like a real grading's) ``--repeat`` times. Prints CPU and wall
seconds (median; on a busy machine compare CPU), the PNG's bytes and what it adds to the HTML
feedback (base64: 4/3 of the PNG), and the load average. Target: under 0.5 s a figure.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import types

import numpy as np

TARGET_S = 0.5


def _timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]

    from autograder.engine import figures as F
    from autograder.engine.checks import Context

    def sink():
        t = types.SimpleNamespace(figures=[], figure_log=[])
        t.figure = lambda title, source, alt="": Context.figure(t, title, source, alt=alt)
        return t

    first, cpu, wall = _timed(lambda: F.record("first", F.learning_curve([3.0, 2.0, 1.0], title="x")))
    rows = [("first figure of a process (matplotlib import included)", cpu, wall, first["bytes"])]

    from autograder.fer import figures as fer
    from autograder.fms import figures as fms
    from autograder.fms.hidden_cnn import LABELS
    from autograder.lenet import figures as lenet
    from autograder.nist36 import figures as nist36
    from autograder.pose import figures as pose
    from coursedata.nist36 import read_split

    rng = np.random.default_rng(0)
    vx, vy = read_split("valid")
    page, truth = nist36.public_page("01_list")
    y = rng.integers(0, 7, 600)
    truth_fms = {i: LABELS[int(c)] for i, c in enumerate(rng.integers(0, 8, 2498), start=1)}
    kinds = {
        "lenet.train: learning curve, 100 steps": lambda t: lenet.training_curve(
            t, {"losses": 2.3 * np.exp(-np.arange(100) / 30)}, steps=100),
        "pose.train: learning curve, 10 epochs": lambda t: pose.training_curve(
            t, {"train_loss": 1e4 * np.exp(-np.arange(10) / 3) + 800}),
        "fer.fer_model: confusion 7x7, 600 faces": lambda t: fer.confusion(
            t, y, np.where(rng.random(600) < 0.4, y, rng.integers(0, 7, 600)), model="saved FC model"),
        "fms.cnn_test_predictions: confusion 8x8, 2498 frames": lambda t: fms.confusion(
            t, {i: c if rng.random() < 0.4 else LABELS[0] for i, c in truth_fms.items()}, truth_fms, LABELS),
        "nist36.find_letters: boxes on a page": lambda t: nist36.page_boxes(
            t, "01_list", {"boxes": truth["boxes"].tolist()}, 1),
        "nist36.ae_weights: 10 reconstructions": lambda t: nist36.reconstructions(
            t, vx, vy, lambda x: np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1)),
    }
    for name, make in kinds.items():
        cpus, walls, size = [], [], 0
        for _ in range(args.repeat):
            t = sink()
            _, cpu, wall = _timed(lambda: make(t))
            assert t.figures, (name, t.figure_log)
            cpus.append(cpu)
            walls.append(wall)
            size = t.figures[0]["bytes"]
        rows.append((name, statistics.median(cpus), statistics.median(walls), size))
    print(f"load average (1 min) before: {load:.1f}")
    print(f"{'figure':58} {'CPU s':>6} {'wall s':>7} {'PNG KB':>7} {'HTML KB':>8}  target {TARGET_S} s")
    for name, cpu, wall, size in rows:
        print(f"{name:58} {cpu:6.3f} {wall:7.3f} {size / 1e3:7.1f} {size * 4 / 3 / 1e3:8.1f}  "
              f"{'ok' if cpu < TARGET_S else 'OVER'}")


if __name__ == "__main__":
    main()
