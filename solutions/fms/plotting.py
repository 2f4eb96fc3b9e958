"""Visualisation of MDS189 (provided code: you do not need to edit this file).

* :func:`keyframe_montage`: key frames with the labelled keypoints, one colour
  per joint (Part 1: one subject, Part 2: random subjects);
* :func:`videoframe_montage`: video frames of one movement with the detector's
  keypoints and bounding boxes (every detected person);
* :func:`neck_scatter`: raw versus Procrustes-aligned Neck keypoints of all key
  frames;
* :func:`draw_pose`: draw one 25-keypoint pose on an axis.

Every function returns a matplotlib ``Figure`` and works with any backend
(including the non-interactive ``Agg``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .data import KEYPOINT_NAMES, LABELS, dataset_root, ensure_data, load_detections, load_image

__all__ = ["JOINT_COLORS", "LIMBS", "draw_pose", "keyframe_montage", "videoframe_montage",
           "neck_scatter", "movement_colors"]

# BODY_25 limbs (pairs of keypoint indices)
LIMBS = (
    (1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11),
    (8, 12), (12, 13), (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18),
    (14, 19), (19, 20), (14, 21), (11, 22), (22, 23), (11, 24),
)


def _joint_colors():
    import matplotlib

    cmap = matplotlib.colormaps["hsv"]
    cols = np.array([cmap(i / 25.0)[:3] for i in range(25)])
    # right side warm, left side cool, centre line white-ish: easy to spot swaps
    for i, n in enumerate(KEYPOINT_NAMES):
        if n.startswith("R"):
            cols[i] = 0.6 * cols[i] + 0.4 * np.array([1.0, 0.25, 0.1])
        elif n.startswith("L"):
            cols[i] = 0.6 * cols[i] + 0.4 * np.array([0.1, 0.45, 1.0])
    return cols


JOINT_COLORS = _joint_colors()


def movement_colors():
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {m: cmap(i)[:3] for i, m in enumerate(LABELS)}


def _subplots(n, ncols, size=1.9):
    """A grid of ``n`` image panels without axes. The margins are set here, from the panels' size
    (room for a figure title and two-line panel titles), instead of by ``tight_layout``, which
    measured every panel's axis again (0.1-0.2 s a montage)."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    width, height = size * ncols, size * nrows + 0.3
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False,
                             gridspec_kw=dict(left=0.1 / width, right=1 - 0.1 / width, bottom=0.05 / height,
                                              top=1 - 0.6 / height, wspace=0.06, hspace=0.2))
    for ax in axes.ravel():
        ax.axis("off")
    return fig, axes.ravel()


def draw_pose(ax, keypoints, min_conf: float = 0.0, size: float = 10, lw: float = 1.0,
              limb_color=None, alpha: float = 1.0):
    """Draw a (25, 3) or (75,) pose: dots coloured by joint, limbs as lines.

    Points with confidence <= ``min_conf`` (missing points have 0) are skipped.
    """
    from matplotlib.collections import LineCollection

    kp = np.asarray(keypoints, float).reshape(25, 3)
    ok = kp[:, 2] > min_conf
    limbs = [(a, b) for a, b in LIMBS if ok[a] and ok[b]]
    if limbs:  # one artist for all limbs: a montage draws hundreds of them
        a, b = np.array(limbs).T
        colors = ([limb_color] * len(limbs) if limb_color is not None
                  else 0.5 * (JOINT_COLORS[a] + JOINT_COLORS[b]))
        ax.add_collection(LineCollection(np.stack([kp[a, :2], kp[b, :2]], axis=1), colors=colors,
                                         linewidths=lw, alpha=alpha))
    ax.scatter(kp[ok, 0], kp[ok, 1], s=size, c=JOINT_COLORS[ok], edgecolors="k", linewidths=0.3,
               alpha=alpha, zorder=3)
    return ax


def _people(root: Path):
    return sorted(p.name for p in (root / "trainval").iterdir() if (p / "labels").is_dir())


def _keyframes_of(root: Path, pid: str):
    """[(image path, label, pose (25, 3))] of one subject's key frames."""
    out = []
    for m in LABELS:
        lp = root / "trainval" / pid / "labels" / f"{m}.json"
        if not lp.is_file():
            continue
        rec = json.loads(lp.read_text())
        sides = ("both",) if rec["movement"].get("bilateral") else ("left", "right")
        for side in sides:
            img = root / "trainval" / pid / "key_frames" / f"{m}_{side}.jpg"
            pose = rec["gt_pose"]["left" if side == "both" else side]
            out.append((img, f"{m}_{side}", np.asarray(pose, float).reshape(25, 3)))
    return out


def keyframe_montage(root=None, person: str | None = None, n_people: int = 1, seed: int | None = None,
                     show_keypoints: bool = True, ncols: int = 7):
    """Key frames with their labelled keypoints.

    Part 1 (same subject): ``keyframe_montage(person="...")`` or ``person=None``
    with ``n_people=1`` for a random one. Part 2 (random subjects):
    ``keyframe_montage(n_people=12)`` shows one random key frame of each of 12
    random subjects. ``seed=None`` picks new ones every call.
    """
    root = dataset_root(root) if root is not None else ensure_data()
    rng = np.random.default_rng(seed)
    people = _people(root)
    if person is not None:
        items = [(person, *it) for it in _keyframes_of(root, person)]
    elif n_people == 1:
        pid = people[rng.integers(len(people))]
        items = [(pid, *it) for it in _keyframes_of(root, pid)]
    else:
        chosen = rng.choice(people, size=min(n_people, len(people)), replace=False)
        items = []
        for pid in chosen:
            kf = _keyframes_of(root, pid)
            items.append((pid, *kf[rng.integers(len(kf))]))
    fig, axes = _subplots(len(items), ncols)
    for ax, (pid, path, label, pose) in zip(axes, items):
        ax.imshow(load_image(path, image_size=None))
        if show_keypoints:
            draw_pose(ax, pose)
        ax.set_title(label if person is not None or n_people == 1 else f"{pid}\n{label}", fontsize=7)
    if person is not None or n_people == 1:
        fig.suptitle(f"key frames of {items[0][0]}" if items else "no key frames", fontsize=9)
    return fig


def videoframe_montage(root=None, person: str | None = None, movement: str = "squat", every: int = 1,
                       max_frames: int = 36, show_detections: bool = True, ncols: int = 8, seed=None):
    """Video frames of one movement with detected keypoints and bounding boxes.

    Every detected person is drawn (the detector sometimes finds none, or an
    extra one); boxes are dashed. ``every`` keeps every n-th frame.
    """
    from matplotlib.patches import Rectangle

    root = dataset_root(root) if root is not None else ensure_data()
    if person is None:
        people = _people(root)
        person = people[np.random.default_rng(seed).integers(len(people))]
    pdir = root / "trainval" / person
    frames = sorted((pdir / "frames" / movement).glob("*.jpg"))
    dets = load_detections(pdir, movement) if show_detections else [[] for _ in frames]
    idx = list(range(0, len(frames), max(1, every)))[:max_frames]
    fig, axes = _subplots(len(idx), ncols)
    for ax, i in zip(axes, idx):
        ax.imshow(load_image(frames[i], image_size=None))
        people = dets[i] if i < len(dets) else []
        for k, p in enumerate(people):
            draw_pose(ax, p["keypoints"], min_conf=0.05, size=6, lw=0.8)
            if len(p.get("bbox", [])) == 4:
                x0, y0, x1, y1 = p["bbox"]
                ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ls="--", lw=0.8,
                                       ec="yellow" if k == 0 else "magenta"))
        ax.set_title(f"{i + 1} ({len(people)} det.)", fontsize=6)
    fig.suptitle(f"{person}: {movement}, every {every} frame(s)", fontsize=9)
    return fig


def neck_scatter(root=None, people=None, side: str = "left"):
    """Neck keypoints of the key frames: raw pixels (left) and aligned (right).

    Colours are movements; missing Necks (confidence 0) are left out.
    """
    import matplotlib.pyplot as plt

    root = dataset_root(root) if root is not None else ensure_data()
    people = people or _people(root)
    cols = movement_colors()
    neck = KEYPOINT_NAMES.index("Neck")
    raw = {m: [] for m in LABELS}
    ali = {m: [] for m in LABELS}
    for pid in people:
        for m in LABELS:
            lp = root / "trainval" / pid / "labels" / f"{m}.json"
            if not lp.is_file():
                continue
            rec = json.loads(lp.read_text())
            r = np.asarray(rec["gt_pose"][side], float).reshape(25, 3)[neck]
            a = np.asarray(rec["gt_pose_align"][side], float).reshape(25, 3)[neck]
            if r[2] > 0:
                raw[m].append(r[:2])
            if a[2] > 0:
                ali[m].append(a[:2])
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.5))
    for m in LABELS:
        if raw[m]:
            p = np.array(raw[m])
            ax0.scatter(p[:, 0], p[:, 1], s=8, color=cols[m], label=m)
        if ali[m]:
            p = np.array(ali[m])
            ax1.scatter(p[:, 0], p[:, 1], s=8, color=cols[m], label=m)
    ax0.set_title("raw Neck keypoints (pixels)")
    ax1.set_title("aligned Neck keypoints (normalised)")
    for ax in (ax0, ax1):
        ax.invert_yaxis()  # image coordinates: y grows downwards
        ax.set_aspect("equal", adjustable="datalim")
    ax1.legend(fontsize=7, markerscale=1.5, loc="best")
    fig.tight_layout()
    return fig
