"""Write a synthetic MDS189 copy in the real folder layout (see
``datasets/mds189/FORMAT.md``).

Everything is drawn from ``numpy.random.default_rng`` streams derived from one
seed (one independent stream per subject), so the output is byte-identical for
the same seed and preset whatever the number of worker processes.
"""
from __future__ import annotations

import csv
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


def generate(out: str | os.PathLike, preset: str = "default", seed: int = 0,
             workers: int | None = None, overwrite: bool = True, progress: bool = False) -> Path:
    """Generate the dataset into ``out``; returns the path. See FORMAT.md."""
    t0 = time.perf_counter()
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    p = PRESETS[preset]
    root = Path(out)
    if root.exists():
        if not overwrite:
            raise FileExistsError(root)
        shutil.rmtree(root)
    tmp = root.with_name(root.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "trainval").mkdir(parents=True)

    rng = np.random.default_rng(np.random.SeedSequence([seed, 189]))
    ids = _person_ids(rng, p.n_train - 1 + p.n_val + p.n_test)
    train_ids = [REFERENCE_ID] + ids[: p.n_train - 1]
    val_ids = ids[p.n_train - 1: p.n_train - 1 + p.n_val]
    test_ids = ids[p.n_train - 1 + p.n_val:]

    # the reference subject comes first: every other key pose is aligned to it
    ref = simulate_person(seed, 0, REFERENCE_ID, canonical=True)
    ref_gt = {m: ref["movements"][m]["label"]["gt_pose"] for m in LABELS}
    rows_by_pid = {REFERENCE_ID: _write_person(ref, tmp / "trainval" / REFERENCE_ID, ref_gt)}

    jobs = []
    for i, pid in enumerate(train_ids[1:] + val_ids + test_ids, start=1):
        split = "train" if pid in train_ids else ("val" if i < p.n_train + p.n_val else "test")
        jobs.append((seed, i, pid, split, str(tmp), ref_gt))
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    results = {}
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as ex:
            it = ex.map(_job, jobs, chunksize=2)
            for r in _maybe_tqdm(it, len(jobs), progress):
                results[r["pid"]] = r
    else:
        for r in _maybe_tqdm(map(_job, jobs), len(jobs), progress):
            results[r["pid"]] = r
    for pid, r in results.items():
        if r["split"] != "test":
            rows_by_pid[pid] = r["rows"]

    for split, pids in (("train", train_ids), ("val", val_ids)):
        _write_csv(tmp / f"keyframe_data_{split}.txt",
                   [("trainval/" + a, b) for pid in pids for a, b in rows_by_pid[pid]["key"]])
        _write_csv(tmp / f"videoframe_data_{split}.txt",
                   [("trainval/" + a, b) for pid in pids for a, b in rows_by_pid[pid]["video"]])

    # test frames: pooled over the test subjects, shuffled, numbered from 1
    pool = [fm for pid in test_ids for fm in results[pid]["frames"]]
    perm = np.random.default_rng(np.random.SeedSequence([seed, 189, 7])).permutation(len(pool))
    tdir = tmp / "test_kaggle_frames"
    tdir.mkdir()
    hidden = []
    for new_id, j in enumerate(perm, start=1):
        data, movement = pool[j]
        (tdir / f"{new_id:05d}.jpg").write_bytes(data)
        hidden.append((new_id, movement))
    _write_csv(tmp / "videoframe_data_test.txt",
               [(f"test_kaggle_frames/{i:05d}.jpg", "label") for i, _ in hidden])
    _write_csv(tmp / "kaggle_submission_format.csv", [(i, LABELS[0]) for i, _ in hidden],
               header=("Id", "Category"))
    gdir = tmp / "_grader"
    gdir.mkdir()
    _write_csv(gdir / "test_labels.csv", hidden, header=("Id", "Category"))
    test_poses = [(kp, m) for pid in test_ids for kp, m, _ in results[pid]["poses"]]
    np.savez_compressed(
        gdir / "test_poses.npz",
        X=np.array([np.asarray(kp).ravel() for kp, _ in test_poses], dtype=np.float64).reshape(-1, 75),
        y=np.array([LABELS.index(m) for _, m in test_poses], dtype=np.int64),
    )
    (gdir / "README.txt").write_text(
        "Instructor-only files: hidden labels of the test split.\n"
        "test_labels.csv: Id,Category for every frame in ../test_kaggle_frames.\n"
        "test_poses.npz: X (N, 75) raw key-frame poses of the test subjects, y (N,) label indices\n"
        "(label order: " + ", ".join(LABELS) + ").\n"
        "Remove this folder before handing the data to students.\n")

    (tmp / "splits.json").write_text(json.dumps(
        {"train": train_ids, "val": val_ids, "test_count": len(test_ids), "reference": REFERENCE_ID},
        indent=1))
    meta = {
        "name": "MDS189 (synthetic)", "format": FORMAT_VERSION, "preset": preset, "seed": seed,
        "labels": list(LABELS), "keypoints": list(BODY25_NAMES),
        "subjects": {"train": len(train_ids), "val": len(val_ids), "test": len(test_ids)},
        "counts": {
            "key_frames_train": sum(len(rows_by_pid[i]["key"]) for i in train_ids),
            "key_frames_val": sum(len(rows_by_pid[i]["key"]) for i in val_ids),
            "video_frames_train": sum(len(rows_by_pid[i]["video"]) for i in train_ids),
            "video_frames_val": sum(len(rows_by_pid[i]["video"]) for i in val_ids),
            "test_frames": len(hidden),
        },
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    os.replace(tmp, root)
    if progress:
        print(f"wrote {root} in {time.perf_counter() - t0:.1f}s")
    return root


def _maybe_tqdm(it, total, on):
    if not on:
        return it
    try:
        from tqdm import tqdm
        return tqdm(it, total=total, desc="subjects")
    except ImportError:  # pragma: no cover
        return it
