"""Keypoint annotations: a human labeller's key-frame poses, a detector's
per-frame poses, boxes from detections, and Procrustes alignment."""
from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes
from scipy.spatial import procrustes

from coursedata.body import BODY25_FLIP

# limb groups a labeller or detector may mix up (BODY_25 index pairs, L then R)
_SWAP_GROUPS = (
    [(12, 9), (13, 10), (14, 11), (19, 22), (20, 23), (21, 24)],  # whole legs
    [(13, 10), (14, 11)],                                           # knee + ankle
    [(5, 2), (6, 3), (7, 4)],                                       # whole arms
    [(7, 4)],                                                       # wrists
    [(16, 15), (18, 17)],                                           # eyes + ears
)


def _swap(kp: np.ndarray, group) -> None:
    for a, b in group:
        kp[[a, b]] = kp[[b, a]]


def _inside(xy: np.ndarray, W: int, H: int) -> np.ndarray:
    return (xy[:, 0] >= 0) & (xy[:, 0] <= W - 1) & (xy[:, 1] >= 0) & (xy[:, 1] <= H - 1)


def label_keyframe(xy: np.ndarray, far: np.ndarray, body_px: float, W: int, H: int,
                   mirrored: bool, rng: np.random.Generator) -> np.ndarray:
    """What a (careful but human) labeller clicks: (25, 3) x, y, confidence.

    Jitter of about 1.5% of the body height, a per-labeller offset, far-side
    points sometimes skipped, an occasional left/right mix-up (more often in
    mirrored videos) and rare stray clicks. Missing points are (0, 0, 0).
    """
    kp = np.zeros((25, 3))
    kp[:, :2] = xy + rng.normal(0, 0.013 * body_px, size=(25, 2)) + rng.normal(0, 0.01 * body_px, size=2)
    kp[:, 2] = 1.0
    if rng.uniform() < (0.10 if mirrored else 0.05):
        _swap(kp, _SWAP_GROUPS[rng.integers(len(_SWAP_GROUPS))])
    if rng.uniform() < 0.03:
        j = rng.integers(25)
        kp[j, :2] += rng.normal(0, 0.2 * body_px, size=2)
    p_miss = np.where(far, 0.10, 0.015)
    p_miss[[15, 16, 17, 18]] += 0.08  # eyes / ears are often skipped
    missing = (rng.uniform(size=25) < p_miss) | ~_inside(kp[:, :2], W, H)
    kp[missing] = 0.0
    return kp


def detect(xy: np.ndarray, far: np.ndarray, body_px: float, W: int, H: int,
           rng: np.random.Generator) -> list[dict]:
    """A per-frame keypoint detector's output: a list of people, OpenPose style.

    The subject is found with noisier points, detector confidences, frequent
    left/right confusion in side views and dropped far-side points; now and
    then the subject is missed, or a spurious extra person appears.
    """
    people = []
    if rng.uniform() >= 0.03:
        kp = np.zeros((25, 3))
        kp[:, :2] = xy + rng.normal(0, 0.028 * body_px, size=(25, 2))
        conf = np.clip(rng.normal(np.where(far, 0.45, 0.75), 0.15), 0.05, 0.98)
        kp[:, 2] = conf
        if rng.uniform() < 0.12:
            _swap(kp, _SWAP_GROUPS[rng.integers(2)])
        if rng.uniform() < 0.05:
            j = rng.integers(25)
            kp[j, :2] += rng.normal(0, 0.3 * body_px, size=2)
            kp[j, 2] *= 0.5
        missing = (rng.uniform(size=25) < np.where(far, 0.14, 0.04)) | ~_inside(kp[:, :2], W, H)
        kp[missing] = 0.0
        if (kp[:, 2] > 0).sum() >= 4:
            people.append(kp)
    if rng.uniform() < 0.05:
        # a ghost: a small partial skeleton somewhere in the background
        s = rng.uniform(0.25, 0.6)
        ghost = np.zeros((25, 3))
        c = xy.mean(0)
        ghost[:, :2] = (xy - c) * s + rng.uniform([0, 0], [W, H]) + rng.normal(0, 0.03 * body_px, (25, 2))
        ghost[:, 2] = rng.uniform(0.05, 0.4, size=25)
        keep = (rng.uniform(size=25) < rng.uniform(0.3, 0.7)) & _inside(ghost[:, :2], W, H)
        ghost[~keep] = 0.0
        if keep.sum() >= 4:
            people.append(ghost)
    order = rng.permutation(len(people))
    return [{"pose_keypoints_2d": _round(people[i]).ravel().tolist(),
             "bbox": bbox_from_keypoints(people[i], W, H)} for i in order]


def bbox_from_keypoints(kp: np.ndarray, W: int, H: int, margin: float = 0.08,
                        min_conf: float = 0.05) -> list[float]:
    """[x_min, y_min, x_max, y_max] around confident keypoints, padded and clipped."""
    kp = np.asarray(kp, float).reshape(-1, 3)
    ok = kp[:, 2] > min_conf
    if not ok.any():
        return [0.0, 0.0, 0.0, 0.0]
    lo, hi = kp[ok, :2].min(0), kp[ok, :2].max(0)
    pad = margin * max(hi - lo) + 1.0
    lo = np.maximum(lo - pad, 0.0)
    hi = np.minimum(hi + pad, [W - 1, H - 1])
    return [round(float(v), 1) for v in (*lo, *hi)]


def _round(kp: np.ndarray) -> np.ndarray:
    out = np.round(np.asarray(kp, float), 1)
    out[:, 2] = np.round(kp[:, 2], 2)
    return out


def align_to_reference(pose: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Procrustes-align a (25, 3) pose to a reference pose; returns (25, 3).

    ``scipy.spatial.procrustes`` standardises both point sets (centred, unit
    Frobenius norm) and finds the rotation (reflections allowed) and scale that
    best fit ``pose`` to ``ref`` over the points both have (confidence > 0).
    The same transform is applied to all of ``pose``'s points; points missing
    in ``pose`` stay (0, 0, 0).
    """
    pose = np.asarray(pose, float).reshape(25, 3)
    ref = np.asarray(ref, float).reshape(25, 3)
    common = (pose[:, 2] > 0) & (ref[:, 2] > 0)
    out = np.zeros((25, 3))
    if common.sum() < 3:
        return out
    _, fitted, _ = procrustes(ref[common, :2], pose[common, :2])
    # recover the similarity transform scipy applied, to map every point
    src = pose[common, :2]
    mu = src.mean(0)
    norm = np.linalg.norm(src - mu)
    A = (src - mu) / norm
    R, sc = orthogonal_procrustes(A, fitted)
    s = sc / float(np.sum(A * A))
    have = pose[:, 2] > 0
    out[have, :2] = ((pose[have, :2] - mu) / norm) @ R * s
    out[have, 2] = pose[have, 2]
    return out


__all__ = ["label_keyframe", "detect", "bbox_from_keypoints", "align_to_reference", "BODY25_FLIP"]
