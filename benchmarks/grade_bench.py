"""Grading throughput: seconds per submission per suite, and the speed-up of --jobs 2.

    .venv/bin/python benchmarks/grade_bench.py [--homeworks HW,HW] [--n 20] [--skip-speedup]

1. For every homework with a suite (``course list``; or ``--homeworks``), grade the
   reference (``solutions/``) and the blank starter (``starter/``) once each, in this
   process, with every check in a fresh interpreter (``NNCOURSE_ZYGOTE=0``) and with the
   checks forked by the per-submission zygote (the default), and print seconds per
   submission, per check, and the zygote's speed-up.
2. Grade ``--n`` submissions of the registry's benchmark homework (the first that declares
   ``BENCH_SUBMISSIONS``: its reference and buggy variants in turn, built in a temporary folder) with ``grade_batch`` at ``--jobs 1`` and ``--jobs 2`` and print both
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

from autograder.engine import available_homeworks, grade_submission, load_suite, registry  # noqa: E402
from autograder.engine.batch import grade_batch  # noqa: E402


def per_suite(homeworks):
    print(f"{'homework':<10} {'submission':<10} {'checks':>6} {'score':>12} {'fresh s':>8} {'zygote s':>9} "
          f"{'s/check':>8} {'speed-up':>8}")
    for hw in homeworks:
        n = len(load_suite(hw).checks())
        for label, path in (("reference", REPO / "solutions"), ("starter", REPO / "starter")):
            took, scores = {}, set()
            for mode in ("0", "auto"):
                os.environ["NNCOURSE_ZYGOTE"] = mode
                start = time.perf_counter()
                r = grade_submission(hw, path)
                took[mode] = time.perf_counter() - start
                scores.add((r.score, r.max_score))
            os.environ.pop("NNCOURSE_ZYGOTE")
            (score, top), = scores if len(scores) == 1 else [(float("nan"), float("nan"))]
            print(f"{hw:<10} {label:<10} {n:>6} {score:>5g} / {top:<4g} {took['0']:>8.2f} {took['auto']:>9.2f} "
                  f"{took['auto'] / max(n, 1):>8.2f} {took['0'] / took['auto']:>7.2f}x", flush=True)


def speedup(n: int):
    tmp = Path(tempfile.mkdtemp(prefix="nncourse-bench-"))
    try:
        bench = registry.bench_homework()
        hw, sources = bench.id, [REPO / s for s in bench.bench_submissions]
        subs = []
        for i in range(n):
            d = tmp / "subs" / f"student{i:02d}" / hw
            shutil.copytree(sources[i % len(sources)], d)
            subs.append(d.parent)
        times = {}
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            start = time.perf_counter()
            rep = grade_batch(hw, subs, out, formats=("json", "csv"), jobs=jobs, progress=False)
            times[jobs] = time.perf_counter() - start
            assert len(rep.graded) == n, rep
            print(f"{hw}, {n} submissions, --jobs {jobs}: {times[jobs]:.1f} s "
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
