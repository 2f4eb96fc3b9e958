"""Write the ``predictions.csv`` files of the fms sample submissions (not collected by pytest).

    .venv/bin/python -m tests.fms.make_sample_predictions          # rewrite them
    .venv/bin/python -m tests.fms.make_sample_predictions --check  # exit 1 if the Ids no longer match

``perfect``: the reference ``Net`` trained as the part-4 notebook's full run would
(every 2nd training video frame plus mirrored copies, 800 Adam steps of 32, learning
rate 2e-3 halved twice, seed 0; the settings of ``tests/fms/calibrate_cnn.py test``),
written with the reference ``write_predictions``; 0.430 test accuracy on the grader's
test frames (threshold 0.25). ``buggy``: the same predictions with class indices in place of the movement
names (a common slip). ``adversarial``: a forged file that lists every category for
each frame, hoping any line that matches counts (cut after 40 frames).

Rerun after the synthetic MDS189 generator or the grader's seed changes (the Ids are those
of the test frames, which the grader draws from its own seed: ``hidden_cnn.GRADER_SEED``).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "fixtures" / "samples" / "fms"
TARGETS = {name: SAMPLES / name / "files" / "starter" / "fms" / "predictions.csv"
           for name in ("perfect", "buggy", "adversarial")}


def reference_rows(num_steps: int = 800, every: int = 2, seed: int = 0) -> list[tuple[int, str]]:
    import numpy as np

    from solutions.fms import cnn, train

    X, y, _ = train.load_frames("videoframe_data_train.txt", every=every)
    Xt, _, ids = train.load_frames("videoframe_data_test.txt")
    train.seed_everything(seed)
    model = cnn.Net()
    data = train.as_dataset(np.ascontiguousarray(np.concatenate([X, X[..., ::-1]])), np.concatenate([y, y]))
    train.train(model, data, None, num_steps=num_steps, batch_size=32, lr=2e-3, lr_decay=0.5,
                val_every=num_steps // 3, seed=seed, threads=2, progress=False)
    pred = train.predict(model, train.as_dataset(Xt))
    return [(int(i), cnn.LABELS[int(p)]) for i, p in zip(ids, pred)]


def write(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Id", "Category"])
        w.writerows(rows)


def test_ids() -> list[int]:
    from solutions.fms import data

    return [int(Path(r[0]).stem) for r in data.read_list(data.ensure_data() / "videoframe_data_test.txt")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that perfect's Ids are the test frames'")
    a = ap.parse_args(argv)
    if a.check:
        with open(TARGETS["perfect"], newline="") as f:
            got = sorted(int(r[0]) for r in list(csv.reader(f))[1:])
        ok = got == sorted(test_ids())
        print("up to date" if ok else f"{TARGETS['perfect']} is stale: rerun this script")
        return 0 if ok else 1
    from autograder.fms import hidden_cnn as H
    from solutions.fms.data import LABELS

    H.prepare_test_split()  # the test frames are the grader's (its seed), as in the student release
    rows = reference_rows()
    truth = H.read_hidden_labels()
    acc = sum(truth[i] == c for i, c in rows) / len(truth)
    print(f"perfect: test-frame accuracy {acc:.3f} on {len(truth)} frames (threshold {H.TEST_THRESHOLD})")
    write(TARGETS["perfect"], rows)
    write(TARGETS["buggy"], [(i, LABELS.index(c)) for i, c in rows])
    write(TARGETS["adversarial"], [(i, c) for i, _ in rows[:40] for c in LABELS])
    for name, path in TARGETS.items():
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
