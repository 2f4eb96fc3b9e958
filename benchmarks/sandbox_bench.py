"""What isolation costs: seconds per check with namespaces against the fallback level.

    .venv/bin/python benchmarks/sandbox_bench.py [--n 20]

Prints, for each isolation level this machine offers (namespaces need root), the time to
start a sandboxed child and answer one call (fresh interpreter per check, and forked by a
submission's zygote), the median over ``--n`` checks, and the ratio namespaces / fallback;
then the wall time of grading the reference of the registry's benchmark homework (the first that
declares ``BENCH_SUBMISSIONS``) at each level. Wall-clock figures:
they move with the machine's load.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from autograder.engine import grade_submission, registry  # noqa: E402
from autograder.engine.sandbox import Limits, Sandbox, UidLease, Zygote, current_isolation, reset_isolation  # noqa: E402


HW = registry.bench_homework().id  # the homework whose reference is graded at each level


def tree() -> Path:
    t = Path(tempfile.mkdtemp(prefix="nncourse-bench-"))
    pkg = t / "starter" / "bench_pkg"
    pkg.mkdir(parents=True)
    (t / "starter" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "ops.py").write_text("def double(x):\n    return 2 * x\n")
    return t


def per_check(n: int, zygote: bool) -> float:
    sub = tree()
    times = []
    with UidLease() as lease:
        zy = Zygote(("numpy",), lease.identity) if zygote else None
        try:
            for _ in range(n):
                t0 = time.perf_counter()
                with Sandbox(sub, Limits(timeout=60), zygote=zy, identity=lease.identity) as box:
                    box.call("bench_pkg.ops:double", np.ones(3))
                times.append(time.perf_counter() - t0)
        finally:
            if zy is not None:
                zy.close()
    return statistics.median(times[1:] if zygote and len(times) > 1 else times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args(argv)
    levels = ["namespaces", "fallback"] if os.geteuid() == 0 else ["fallback"]
    rows = {}
    for level in levels:
        os.environ["NNCOURSE_ISOLATION"] = level
        reset_isolation()
        iso = current_isolation()
        fresh, forked = per_check(args.n, False), per_check(args.n, True)
        t0 = time.perf_counter()
        r = grade_submission(HW, REPO / "solutions")
        whole = time.perf_counter() - t0
        rows[level] = (iso.level, fresh, forked, whole, f"{r.score:g}/{r.max_score:g}")
    print(f"{'level':<12} {'fresh s/check':>14} {'forked s/check':>15} {HW + ' ref s':>14} {'score':>7}")
    for level, (name, fresh, forked, whole, score) in rows.items():
        print(f"{name:<12} {fresh:>14.3f} {forked:>15.3f} {whole:>14.2f} {score:>7}")
    if len(rows) == 2:
        a, b = rows["namespaces"], rows["fallback"]
        print(f"ratio namespaces/fallback: fresh {a[1] / b[1]:.2f}x, forked {a[2] / b[2]:.2f}x, "
              f"whole submission {a[3] / b[3]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
