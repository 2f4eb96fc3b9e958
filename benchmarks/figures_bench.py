"""What the feedback's figures (issue 27) cost a grading: time to make each one and its size.

    .venv/bin/python benchmarks/figures_bench.py [--repeat 5]

In one fresh process: the first figure (matplotlib's import and font set-up included: what a
grading process pays once), then each kind the suites draw (``engine.figures`` through the
homework helpers, on data shaped like a real grading's: the cases of each homework's
``FIGURE_CASES`` module in the registry, ``tests/<hw>/figure_cases.py``) ``--repeat`` times. Prints CPU and wall
seconds (median; on a busy machine compare CPU), the PNG's bytes and what it adds to the HTML
feedback (base64: 4/3 of the PNG), and the load average. Target: under 0.5 s a figure.
"""
from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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

    from autograder.engine import registry

    rng = np.random.default_rng(0)
    kinds = {}
    for hw in registry.all_declarations():  # each homework's figures: its declaration's FIGURE_CASES
        if hw.figure_cases:
            kinds.update(importlib.import_module(hw.figure_cases).cases(rng))
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
