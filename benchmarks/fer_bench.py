"""Wall time of ``course grade fer`` on the reference submission (target <= 60 s on 2 cores).

The submission is the reference code (``solutions/fer``) with the reference model files
(``tests/fixtures/samples/fer/models``), laid out as a student hands it in
(``starter/fer/`` with the three model files next to the code). The grading data (the
private FER and CIFAR-10-style test sets) is generated once and cached; ``--cold`` removes
the cache first so its generation is timed too.

Usage: ``python benchmarks/fer_bench.py [--runs 2] [--cold]``. Prints the load average
first: the machine is shared, timings vary with it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--cold", action="store_true", help="delete the cached private test sets first")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from tests.fer.helpers import make_tree

    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.cold:
        from coursedata.paths import data_root

        for ds in ("fer2013", "cifar10"):
            shutil.rmtree(data_root() / ds / "_grader", ignore_errors=True)
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="fer-bench-") as tmp:
            sub = make_tree(Path(tmp) / "reference")
            out = Path(tmp) / "grades"
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "fer", str(sub), "--out", str(out),
                                   "--no-progress"], cwd=REPO, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            print(f"run {run + 1}: {times[-1]:.1f} s (exit {proc.returncode}) " + " | ".join(tail))
    print(f"course grade fer, reference: best {min(times):.1f} s, median {sorted(times)[len(times) // 2]:.1f} s "
          f"(target <= 60 s on 2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
