"""Command line: ``python -m coursedata.h36m [--preset P] [--seed N] [--out DIR] [--grader-seed N]``.

Writes the training and validation clips. ``--grader-seed N`` also writes hidden test clips
into ``_grader/`` from that seed (the grader uses its own seed, which is not in this code)."""
from __future__ import annotations

import argparse
import sys
import time


def main(argv=None) -> int:
    from . import PRESETS, default_dir, generate

    ap = argparse.ArgumentParser(prog="python -m coursedata.h36m",
                                 description="Render the synthetic Human3.6M-style clips (real .npy format).")
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="output folder (default: <data_root>/h36m)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: up to 2)")
    ap.add_argument("--grader-seed", type=int, default=None,
                    help="also write hidden test clips into _grader/ from this seed (grading side only)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    root = generate(a.out or default_dir(), preset=a.preset, seed=a.seed, workers=a.workers, progress=not a.quiet,
                    grader_seed=a.grader_seed)
    if not a.quiet:
        print(f"done: {root} ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
