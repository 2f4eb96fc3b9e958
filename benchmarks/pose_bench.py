"""Benchmark: ``course grade pose`` on the reference submission (the ``perfect`` sample:
reference code + the notebook-trained weights), with the time of every check.

Target: the whole grading <= 60 s of work on 2 idle cores apart from the training check,
whose training run the grader caps at 300 s of CPU time (600 Adam steps; the reference
needs about 116 s of CPU, 119 s of wall time with the grader's one thread on 2 idle cores). The load average is printed first: on a shared machine the numbers grow with it.

Usage: ``python benchmarks/pose_bench.py [--no-train]``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-train", action="store_true", help="skip pose.train")
    ap.add_argument("--only-train", action="store_true", help="run pose.train only")
    a = ap.parse_args(argv)
    from autograder.engine import grade_submission, load_suite
    from autograder.instructor.samples import load_samples
    from coursedata.h36m import ensure

    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    ensure()
    sample = next(s for s in load_samples("pose") if s.name == "perfect")
    sub = sample.materialize(Path(tempfile.mkdtemp()) / "perfect")
    only = [c.id for c in load_suite("pose").checks() if not (a.no_train and c.id == "pose.train")]
    if a.only_train:
        only = ["pose.train"]
    t0 = time.perf_counter()
    res = grade_submission("pose", sub, only=only)
    total = time.perf_counter() - t0
    for c in res.checks:
        print(f"  {c.id:34s} {c.status:7s} {c.score:4.1f}/{c.points:<4.1f} {c.duration:6.1f} s")
        if c.id == "pose.train" or c.status != "passed":
            print("     ", (c.message or "").replace("\n", " ")[:400])
    print(f"course grade pose (reference): {sum(c.score for c in res.checks):.0f}/"
          f"{sum(c.points for c in res.checks):.0f} points in {total:.1f} s")


if __name__ == "__main__":
    main()
