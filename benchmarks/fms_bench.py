"""Benchmark: ``course grade fms <sample> --jobs 1`` (default: the ``perfect`` sample), as a grader runs
it, with the wall and CPU seconds of the whole command and the longest checks.

Target (issue 25): <= 10 s of wall time per submission on a quiet 2-core machine
(``autograder/fms/__init__.py``, ``CLI_TARGET_S``). CPU seconds are the command's and its waited-for
children's (the per-submission fork server and the checks it forks), so they grow much less with the
machine's load than wall seconds; the load average (1 min) is printed before and after each run.

Usage: ``python benchmarks/fms_bench.py [--sample perfect] [--repeat 1] [--top 5]``; the data must exist
(``course data fms``, which also fills the grader's caches, ``autograder/fms/cache.py``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", default="perfect")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--top", type=int, default=5, help="how many of the longest checks to list")
    a = ap.parse_args(argv)
    from autograder.instructor.samples import load_samples

    sample = next(s for s in load_samples("fms") if s.name == a.sample)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        sub = sample.materialize(Path(tmp) / sample.name)
        for run in range(a.repeat):
            out = Path(tmp) / f"out{run}"
            load0 = os.getloadavg()[0]
            c0, t0 = _children_cpu(), time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "fms", str(sub), "--jobs", "1",
                                   "--out", str(out), "--no-progress"], env=env, cwd=REPO, capture_output=True,
                                  text=True)
            wall, cpu = time.monotonic() - t0, _children_cpu() - c0
            res = out / f"{sample.name}.json"
            if proc.returncode != 0 or not res.is_file():
                print(f"course grade failed ({proc.returncode}): {proc.stderr[-400:]}")
                return 1
            record = json.loads(res.read_text())
            checks = sorted(record["checks"], key=lambda c: -(c.get("duration") or 0))
            print(f"fms/{sample.name} run {run + 1}: wall {wall:.1f} s, CPU {cpu:.1f} s, score {record['score']:g} / "
                  f"{record['max_score']:g}, {len(checks)} checks ({sum(c.get('duration') or 0 for c in checks):.1f} s "
                  f"in checks); load {load0:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            for c in checks[:a.top]:
                print(f"  {c['duration']:6.2f} s  {c['id']}  ({c['status']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
