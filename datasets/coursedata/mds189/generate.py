"""Write a synthetic MDS189 copy in the real folder layout (see
``datasets/mds189/FORMAT.md``).

Everything is drawn from ``numpy.random.default_rng`` streams derived from one
seed (one independent stream per subject), so the output is byte-identical for
the same seed and preset whatever the number of worker processes.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image

from coursedata.body import BODY25_NAMES
from . import annotate, scene
from .movements import BILATERAL, LABELS

FORMAT_VERSION = "mds189-synthetic-1"
REFERENCE_ID = "refcoach"  # plays the role of the handout's reference labeller
JPEG_QUALITY = 80


@dataclass(frozen=True)
class Preset:
    n_train: int
    n_val: int
    n_test: int


PRESETS = {
    "default": Preset(n_train=100, n_val=20, n_test=20),
    "large": Preset(n_train=400, n_val=60, n_test=80),
    "tiny": Preset(n_train=6, n_val=2, n_test=2),  # for tests
}

_SYL = ("ka", "lo", "mi", "ra", "ne", "to", "vi", "su", "an", "el", "or", "ju", "pe", "di",
        "sa", "ho", "ri", "ta", "ly", "mo", "be", "ch", "ze", "qu", "fa", "gi", "wo", "ny")


def _person_ids(rng: np.random.Generator, n: int) -> list[str]:
    ids: list[str] = []
    seen = {REFERENCE_ID}
    while len(ids) < n:
        k = int(rng.integers(2, 5))
        name = "".join(_SYL[i] for i in rng.integers(len(_SYL), size=k))
        name += "".join(rng.choice(list("bcdfghklmnprstvwxz"), size=int(rng.integers(1, 4))))
        if rng.uniform() < 0.4:
            name += str(int(rng.integers(1, 99)))
        if name not in seen:
            seen.add(name)
            ids.append(name)
    return ids


def _jpeg(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def _flat(kp: np.ndarray) -> list[float]:
    kp = np.asarray(kp, float).reshape(25, 3)
    out = np.round(kp, 2)
    out[:, 2] = np.round(kp[:, 2], 3)
    return [float(v) for v in out.ravel()]


def _sides(movement: str) -> list[str]:
    return ["both"] if BILATERAL[movement] else ["left", "right"]


def simulate_person(seed: int, index: int, pid: str, canonical: bool = False, render: bool = True):
    """Everything about one subject, in memory (no files).

    Returns a dict: subject, per-movement videos (JPEG bytes), key frames,
    label records (without the aligned poses) and detections.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 189, index]))
    subj = scene.sample_subject(rng, pid, canonical=canonical)
    out = {"pid": pid, "frame_wh": subj.frame_wh, "movements": {}}
    for movement in LABELS:
        mrng = np.random.default_rng(np.random.SeedSequence([seed, 189, index, LABELS.index(movement)]))
        vec, marks, style = scene.animate(subj, movement, mrng)
        X = scene.joints_3d(subj, movement, vec)
        fr = scene.frame_video(subj, X, mrng)
        rrng = np.random.default_rng(np.random.SeedSequence([seed, 189, index, LABELS.index(movement), 1]))
        images, uv, z = scene.render_video(subj, fr, X, rrng, render=render)
        kp_true = scene.body25(uv)
        far = scene.far_side_mask(z)
        body_px = scene.body_height_px(subj, fr, z)
        W, H = fr.size
        T = len(images)
        # the labeller picks a key frame near (usually at) the peak
        keys = {}
        gt = {}
        for side, (f0, fk, f1) in marks.items():
            if not canonical:
                fk = int(np.clip(fk + rng.choice([0, 0, 0, 0, 0, -1, 1, -2]), f0 + 1, f1 - 1))
            keys[side] = (f0, fk, f1)
            gt[side] = annotate.label_keyframe(kp_true[fk], far[fk], body_px, W, H, subj.mirror, mrng)
        dets = [annotate.detect(kp_true[t], far[t], body_px, W, H, mrng) for t in range(T)]
        frames_jpg = [_jpeg(im) for im in images] if render else [None] * T
        key_jpg = {side: frames_jpg[keys[side][1]] for side in keys}
        left = keys.get("left", keys.get("both"))
        right = keys.get("right", keys.get("both"))
        label = {
            "metadata": {"id": pid, "fps": scene.FPS, "number_frames": T, "height": H, "width": W,
                         "mirrored": bool(subj.mirror), "rotation": 90 * subj.rot90, "source": FORMAT_VERSION},
            "movement": {"label": movement, "bilateral": BILATERAL[movement], "f_start": 1, "f_end": T},
            "left_frames": {"f_start": left[0] + 1, "f_key": left[1] + 1, "f_end": left[2] + 1},
            "right_frames": {"f_start": right[0] + 1, "f_key": right[1] + 1, "f_end": right[2] + 1},
            "subject_data": {
                "id": pid,
                "height": round(subj.shape.height * 100, 1),
                "torso": round(subj.shape.height * 0.27 * subj.shape.torso * 100, 1),
                "femur": round(subj.shape.height * 0.245 * subj.shape.leg * 100, 1),
                "wingspan": round(subj.shape.height * (0.38 * subj.shape.arm * 2 + 0.21 * subj.shape.width) * 100, 1),
                "fitness": subj.fitness,
            },
            "gt_pose": {"left": gt.get("left", gt.get("both")), "right": gt.get("right", gt.get("both"))},
        }
        out["movements"][movement] = {
            "label": label, "frames": frames_jpg, "keys": key_jpg, "detections": dets, "style": style,
        }
    return out


def _write_person(rec: dict, person_dir: Path, ref_gt: dict) -> dict:
    """Write one train/val subject's folder; returns its CSV rows."""
    (person_dir / "labels").mkdir(parents=True, exist_ok=True)
    (person_dir / "key_frames").mkdir(exist_ok=True)
    (person_dir / "detections").mkdir(exist_ok=True)
    key_rows, video_rows = [], []
    pid = rec["pid"]
    for movement in LABELS:
        m = rec["movements"][movement]
        label = m["label"]
        gt = label["gt_pose"]
        label["gt_pose_align"] = {
            s: annotate.align_to_reference(gt[s], ref_gt[movement][s]) for s in ("left", "right")
        }
        js = dict(label)
        js["gt_pose"] = {s: _flat(gt[s]) for s in ("left", "right")}
        js["gt_pose_align"] = {s: [float(v) for v in np.round(label["gt_pose_align"][s], 5).ravel()]
                               for s in ("left", "right")}
        (person_dir / "labels" / f"{movement}.json").write_text(json.dumps(js, indent=1))
        for side, data in m["keys"].items():
            rel = Path(pid) / "key_frames" / f"{movement}_{side}.jpg"
            (person_dir / "key_frames" / f"{movement}_{side}.jpg").write_bytes(data)
            key_rows.append((rel.as_posix(), f"{movement}_{side}"))
        fdir = person_dir / "frames" / movement
        fdir.mkdir(parents=True, exist_ok=True)
        for t, data in enumerate(m["frames"], start=1):
            (fdir / f"{t:04d}.jpg").write_bytes(data)
            video_rows.append(((Path(pid) / "frames" / movement / f"{t:04d}.jpg").as_posix(), movement))
        det = {"keypoint_format": "BODY_25",
               "frames": [{"frame": t, "people": p} for t, p in enumerate(m["detections"], start=1)]}
        (person_dir / "detections" / f"{movement}.json").write_text(json.dumps(det, separators=(",", ":")))
    return {"key": key_rows, "video": video_rows}


def _job(args):
    seed, index, pid, split, root, ref_gt = args
    rec = simulate_person(seed, index, pid)
    if split == "test":
        # only the frames (anonymous) and the hidden key-frame poses leave the worker
        frames = [(fr, m) for m in LABELS for fr in rec["movements"][m]["frames"]]
        poses = [(rec["movements"][m]["label"]["gt_pose"][s], m, s)
                 for m in LABELS for s in ("left", "right")]
        return {"split": split, "pid": pid, "frames": frames, "poses": poses}
    rows = _write_person(rec, Path(root) / "trainval" / pid, ref_gt)
    return {"split": split, "pid": pid, "rows": rows}


def _write_csv(path: Path, rows, header=None) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if header:
            w.writerow(header)
        w.writerows(rows)


# what generate() writes (the train/val part) and what generate_test() writes (the test frames,
# without labels); each leaves the other's files, and anything else in the folder, in place
TRAINVAL_ITEMS = ("trainval", "keyframe_data_train.txt", "keyframe_data_val.txt", "videoframe_data_train.txt",
                  "videoframe_data_val.txt", "splits.json", "meta.json")
TEST_ITEMS = ("test_kaggle_frames", "videoframe_data_test.txt", "kaggle_submission_format.csv")


def _run_jobs(jobs, workers, progress):
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    results = {}
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn")) as ex:
            it = ex.map(_job, jobs, chunksize=2)
            for r in _maybe_tqdm(it, len(jobs), progress):
                results[r["pid"]] = r
    else:
        for r in _maybe_tqdm(map(_job, jobs), len(jobs), progress):
            results[r["pid"]] = r
    return results


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _swap_in(tmp: Path, root: Path, items, last: str | None = None) -> None:
    """Replace ``items`` of ``root`` by those built in ``tmp`` (``last`` goes in last: a reader
    that waits for it never sees a half-written copy); other files of ``root`` stay."""
    root.mkdir(parents=True, exist_ok=True)
    order = [i for i in items if i != last] + ([last] if last else [])
    if last:
        _remove(root / last)
    for name in order:
        _remove(root / name)
        if (tmp / name).exists():
            os.replace(tmp / name, root / name)
    shutil.rmtree(tmp)


def _fresh_tmp(root: Path, tag: str) -> Path:
    tmp = root.with_name(f"{root.name}.{tag}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def generate(out: str | os.PathLike, preset: str = "default", seed: int = 0,
             workers: int | None = None, overwrite: bool = True, progress: bool = False) -> Path:
    """Generate the train and validation splits into ``out``; returns the path. See FORMAT.md.

    Only the files listed in ``TRAINVAL_ITEMS`` are written (replaced when ``overwrite``);
    the test frames (``TEST_ITEMS``, shipped with the homework's release and made by
    :func:`generate_test` with a seed the public tools do not know) and anything else in
    ``out`` are left as they are.
    """
    t0 = time.perf_counter()
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    p = PRESETS[preset]
    root = Path(out)
    if (root / "trainval").exists() and not overwrite:
        raise FileExistsError(root / "trainval")
    tmp = _fresh_tmp(root, "trainval")
    (tmp / "trainval").mkdir()

    # the ids of the test people are drawn too (and never used), so that the train and validation
    # people are the same whatever the test split is
    rng = np.random.default_rng(np.random.SeedSequence([seed, 189]))
    ids = _person_ids(rng, p.n_train - 1 + p.n_val + p.n_test)
    train_ids = [REFERENCE_ID] + ids[: p.n_train - 1]
    val_ids = ids[p.n_train - 1: p.n_train - 1 + p.n_val]

    # the reference subject comes first: every other key pose is aligned to it
    ref = simulate_person(seed, 0, REFERENCE_ID, canonical=True)
    ref_gt = {m: ref["movements"][m]["label"]["gt_pose"] for m in LABELS}
    rows_by_pid = {REFERENCE_ID: _write_person(ref, tmp / "trainval" / REFERENCE_ID, ref_gt)}

    jobs = [(seed, i, pid, "train" if i < p.n_train else "val", str(tmp), ref_gt)
            for i, pid in enumerate(train_ids[1:] + val_ids, start=1)]
    for pid, r in _run_jobs(jobs, workers, progress).items():
        rows_by_pid[pid] = r["rows"]

    for split, pids in (("train", train_ids), ("val", val_ids)):
        _write_csv(tmp / f"keyframe_data_{split}.txt",
                   [("trainval/" + a, b) for pid in pids for a, b in rows_by_pid[pid]["key"]])
        _write_csv(tmp / f"videoframe_data_{split}.txt",
                   [("trainval/" + a, b) for pid in pids for a, b in rows_by_pid[pid]["video"]])

    (tmp / "splits.json").write_text(json.dumps(
        {"train": train_ids, "val": val_ids, "reference": REFERENCE_ID}, indent=1))
    meta = {
        "name": "MDS189 (synthetic)", "format": FORMAT_VERSION, "preset": preset, "seed": seed,
        "labels": list(LABELS), "keypoints": list(BODY25_NAMES),
        "subjects": {"train": len(train_ids), "val": len(val_ids)},
        "counts": {
            "key_frames_train": sum(len(rows_by_pid[i]["key"]) for i in train_ids),
            "key_frames_val": sum(len(rows_by_pid[i]["key"]) for i in val_ids),
            "video_frames_train": sum(len(rows_by_pid[i]["video"]) for i in train_ids),
            "video_frames_val": sum(len(rows_by_pid[i]["video"]) for i in val_ids),
        },
        "test_split": "not generated from this seed: the test frames ship with the homework's release",
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    _swap_in(tmp, root, TRAINVAL_ITEMS, last="meta.json")
    if progress:
        print(f"wrote {root} in {time.perf_counter() - t0:.1f}s")
    return root


@dataclass
class TestSplit:
    """What :func:`generate_test` returns: the labels stay with the caller (the grader)."""
    labels: list  # [(Id, movement)] for every frame of test_kaggle_frames, by Id
    pose_X: np.ndarray  # (N, 75) raw key-frame poses of the test people
    pose_y: np.ndarray  # (N,) label indices
    digest: str  # test_digest() of the frames written


def generate_test(out: str | os.PathLike, seed: int, preset: str = "default",
                  workers: int | None = None, progress: bool = False) -> TestSplit:
    """Write the Kaggle-style test frames of ``preset``'s test people, drawn from ``seed``, into
    ``out`` (``TEST_ITEMS``: the frames, ``videoframe_data_test.txt`` and
    ``kaggle_submission_format.csv``; other files stay). Their labels are returned, never written.

    The people come from their own streams of ``seed`` (not those of :func:`generate`), so the
    test split of a course is as secret as the seed its grader keeps.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    n_test = PRESETS[preset].n_test
    root = Path(out)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 189, 2]))
    test_ids = _person_ids(rng, n_test)
    jobs = [(seed, 10_000 + i, pid, "test", "", None) for i, pid in enumerate(test_ids)]
    results = _run_jobs(jobs, workers, progress)

    # test frames: pooled over the test people, shuffled, numbered from 1
    pool = [fm for pid in test_ids for fm in results[pid]["frames"]]
    perm = np.random.default_rng(np.random.SeedSequence([seed, 189, 7])).permutation(len(pool))
    tmp = _fresh_tmp(root, "test")
    tdir = tmp / "test_kaggle_frames"
    tdir.mkdir()
    labels = []
    for new_id, j in enumerate(perm, start=1):
        data, movement = pool[j]
        (tdir / f"{new_id:05d}.jpg").write_bytes(data)
        labels.append((new_id, movement))
    _write_csv(tmp / "videoframe_data_test.txt",
               [(f"test_kaggle_frames/{i:05d}.jpg", "label") for i, _ in labels])
    _write_csv(tmp / "kaggle_submission_format.csv", [(i, LABELS[0]) for i, _ in labels],
               header=("Id", "Category"))
    digest = test_digest(tmp)
    _swap_in(tmp, root, TEST_ITEMS)
    poses = [(kp, m) for pid in test_ids for kp, m, _ in results[pid]["poses"]]
    return TestSplit(
        labels=labels,
        pose_X=np.array([np.asarray(kp).ravel() for kp, _ in poses], dtype=np.float64).reshape(-1, 75),
        pose_y=np.array([LABELS.index(m) for _, m in poses], dtype=np.int64),
        digest=digest,
    )


def test_digest(root: str | os.PathLike) -> str | None:
    """SHA-256 over the test split's list file and every test frame (None if there is none)."""
    root = Path(root)
    listing = root / "videoframe_data_test.txt"
    if not listing.is_file():
        return None
    h = hashlib.sha256(listing.read_bytes())
    for line in listing.read_text().splitlines():
        rel = line.split(",")[0].strip()
        if not rel:
            continue
        path = root / rel
        if not path.is_file():
            return None
        data = path.read_bytes()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


test_digest.__test__ = False  # not a pytest test (its name starts with test_)
TestSplit.__test__ = False


def _maybe_tqdm(it, total, on):
    if not on:
        return it
    try:
        from tqdm import tqdm
        return tqdm(it, total=total, desc="subjects")
    except ImportError:  # pragma: no cover
        return it
