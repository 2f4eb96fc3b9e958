"""Command line: ``python -m coursedata.mds189 [--preset P] [--seed N] [--out DIR]``.

Writes the train and validation splits; the test frames (shipped with the release) are kept.
"""
from __future__ import annotations

import argparse
import sys
import time


def main(argv=None) -> int:
    from . import PRESETS, default_dir, generate

    ap = argparse.ArgumentParser(prog="python -m coursedata.mds189",
                                 description="Generate the synthetic MDS189 dataset (train and validation splits; "
                                 "test frames already in the folder are kept).")
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="output folder (default: <data_root>/mds189)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: up to 4)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    out = a.out or default_dir()
    t0 = time.perf_counter()
    root = generate(out, preset=a.preset, seed=a.seed, workers=a.workers, progress=not a.quiet)
    if not a.quiet:
        print(f"done: {root} ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
