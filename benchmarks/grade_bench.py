"""Grading throughput: seconds per submission per suite, and the speed-up of --jobs 2.

    .venv/bin/python benchmarks/grade_bench.py [--homeworks example,fms] [--n 20] [--skip-speedup]

1. For every homework with a suite (``course list``; or ``--homeworks``), grade the
   reference (``solutions/``) and the blank starter (``starter/``) once each, in this
   process, and print seconds per submission and per check.
2. Grade ``--n`` copies of example submissions (reference and buggy variants, built in a
   temporary folder) with ``grade_batch`` at ``--jobs 1`` and ``--jobs 2`` and print both
   wall times and the speed-up.

Timings depend on the machine's load: the figures printed are wall-clock seconds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine import available_homeworks, grade_submission, load_suite  # noqa: E402
from autograder.engine.batch import grade_batch  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "example"


def per_suite(homeworks):
    print(f"{'homework':<10} {'submission':<10} {'checks':>6} {'score':>12} {'s/submission':>13} {'s/check':>8}")
    for hw in homeworks:
        n = len(load_suite(hw).checks())
        for label, path in (("reference", REPO / "solutions"), ("starter", REPO / "starter")):
            start = time.perf_counter()
            r = grade_submission(hw, path)
            took = time.perf_counter() - start
            print(f"{hw:<10} {label:<10} {n:>6} {r.score:>5g} / {r.max_score:<4g} {took:>13.2f} {took / max(n, 1):>8.2f}",
                  flush=True)


def speedup(n: int):
    tmp = Path(tempfile.mkdtemp(prefix="nncourse-bench-"))
    try:
        sources = [REPO / "solutions" / "example", FIXTURES / "buggy_factor", FIXTURES / "returns_input",
                   FIXTURES / "wrong_shape", FIXTURES / "mutates_input"]
        subs = []
        for i in range(n):
            d = tmp / "subs" / f"student{i:02d}" / "example"
            shutil.copytree(sources[i % len(sources)], d)
            subs.append(d.parent)
        times = {}
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            start = time.perf_counter()
            rep = grade_batch("example", subs, out, formats=("json", "csv"), jobs=jobs, progress=False)
            times[jobs] = time.perf_counter() - start
            assert len(rep.graded) == n, rep
            print(f"example, {n} submissions, --jobs {jobs}: {times[jobs]:.1f} s "
                  f"({times[jobs] / n:.2f} s/submission)", flush=True)
        print(f"speed-up of --jobs 2 over --jobs 1: {times[1] / times[2]:.2f}x  (cpus: {os.cpu_count()}, "
              f"load average: {os.getloadavg()[0]:.1f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--homeworks", default=None, help="comma-separated (default: every suite)")
    p.add_argument("--n", type=int, default=20, help="submissions for the --jobs comparison (default 20)")
    p.add_argument("--skip-speedup", action="store_true")
    p.add_argument("--skip-suites", action="store_true")
    args = p.parse_args(argv)
    hws = args.homeworks.split(",") if args.homeworks else available_homeworks()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus; running as uid {os.geteuid()}")
    if not args.skip_suites:
        per_suite(hws)
    if not args.skip_speedup:
        speedup(args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
