"""Render synthetic Human3.6M-style clips: 8 frames of a moving person and the 3D
positions of the 17 Human3.6M joints in every frame.

Labels are **root-relative, in the camera frame, in metres**: ``x`` to the right of
the image, ``y`` down, ``z`` away from the camera, with the pelvis (joint 0, "Hip")
at the origin in every frame (so ``joints[..., 0, :] == 0``).

Everything comes from ``numpy.random.default_rng`` streams derived from
``(seed, split, clip index)``, so a seed gives byte-identical files whatever the
number of worker processes.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from coursedata.body import (
    BodyShape, Camera, H36M17_FROM_JOINTS, JOINT_INDEX, forward_kinematics_batch, render_body,
)
from coursedata.body.render import SEGMENT_ENDS, sample_materials
from coursedata.body.render import hsv as _hsv

from .motions import clip_trajectory, idx

__all__ = ["PRESETS", "Preset", "SPLITS", "N_FRAMES", "N_JOINTS", "render_clip", "make_split", "generate",
           "generate_hidden", "hidden_info", "FORMAT_VERSION"]

FORMAT_VERSION = "h36m-synthetic-3"
BLOCKED_TEST = "blocked_frames_test.npy"  # _grader/: bool (N, 8), the hidden frames in which the person is not visible
N_FRAMES = 8
N_JOINTS = 17
FPS = 10.0
# split name -> stream id (the grader's hidden clips use their own stream, and their own seed)
SPLITS = {"train": 1, "valid": 2, "test": 3}
# difficulty knobs (the card documents the values used)
VIEW_RANGE = 70.0      # camera azimuth relative to the body's facing direction: +- this many degrees
P_OCCLUDER = 0.4       # probability that an occluder crosses the clip
P_BAD_FRAME = 0.15     # probability that a frame is degraded (blur, dark, noise): a single frame says
                       # little then, the clip's other frames (temporal context) say more
P_BLOCKED = 0.5        # probability that a frame after the first is blocked: something out of focus in
                       # front of the lens fills it and the person is not visible at all (runs of
                       # consecutive blocked frames occur). A per-frame model can only guess the pose
                       # there (the mean pose); a model that carries the clip's past can do better
MAX_CLUTTER = 2        # at most this many objects in the room
THICKNESS = (1.5, 2.2)  # limb radius multiplier range (cartoon-thick limbs)
FILL = (0.7, 0.85)     # body height as a fraction of the frame
JITTER = 0.02          # crop centre jitter (fraction of the frame)


@dataclass(frozen=True)
class Preset:
    n_train: int
    n_valid: int
    n_test: int
    size: int = 48


PRESETS = {
    "default": Preset(n_train=2000, n_valid=400, n_test=400, size=32),
    "tiny": Preset(n_train=24, n_valid=8, n_test=8, size=32),  # for tests
}


def _background(rng, S):
    """A static room (S, S, 3) float: wall, floor, clutter, texture."""
    img = np.empty((S, S, 3))
    wall = _hsv(rng.uniform(), rng.uniform(0.0, 0.5), rng.uniform(0.25, 0.95))
    floor = _hsv(rng.uniform(0.0, 0.15), rng.uniform(0.1, 0.6), rng.uniform(0.15, 0.8))
    horizon = int(rng.uniform(0.55, 0.9) * S)
    img[:horizon] = wall
    img[horizon:] = floor
    for _ in range(int(rng.integers(0, MAX_CLUTTER + 1))):
        w, h = rng.uniform(0.1, 0.4) * S, rng.uniform(0.1, 0.5) * S
        x0, y0 = rng.uniform(-0.1, 1.0) * S, rng.uniform(-0.1, 0.8) * horizon
        xa, xb = int(np.clip(x0, 0, S)), int(np.clip(x0 + w, 0, S))
        ya, yb = int(np.clip(y0, 0, S)), int(np.clip(y0 + h, 0, S))
        img[ya:yb, xa:xb] = _hsv(rng.uniform(), rng.uniform(0, 0.8), rng.uniform(0.2, 1.0))
    img += rng.normal(0, 0.015, size=(S, S, 1))
    return img


def render_clip(rng: np.random.Generator, S: int = 48, n_frames: int = N_FRAMES):
    """One clip: frames uint8 (T, S, S, 3), joints float32 (T, 17, 3) and a dict of its factors."""
    shape = BodyShape(height=float(np.clip(rng.normal(1.71, 0.09), 1.50, 1.96)), leg=rng.uniform(0.92, 1.08),
                      arm=rng.uniform(0.92, 1.08), torso=rng.uniform(0.93, 1.07), width=rng.uniform(0.75, 1.3),
                      head=rng.uniform(0.9, 1.1))
    mats = sample_materials(rng)
    vec, action, root = clip_trajectory(rng, n_frames, FPS)
    X = forward_kinematics_batch(shape, vec, root_pos=root)  # (T, J, 3) world, pelvis at root
    # camera: relative to the direction the body faces at the start of the clip
    yaw0 = vec[0, idx("root", "yaw")]
    view = rng.uniform(-VIEW_RANGE, VIEW_RANGE)  # 0: seen from the front, +-90: from the side
    centre = X[:, JOINT_INDEX["pelvis"]].mean(0)
    dist = rng.uniform(3.0, 7.0)
    cam = Camera.orbit(centre, dist, 90.0 - yaw0 + view, rng.uniform(-5, 25), rng.normal(0, 3.0))
    Xc = cam.to_camera(X)  # (T, J, 3) camera frame
    # the crop: a person-centred crop of the video (like the preprocessed real clips): the
    # pelvis track's centre near the middle, the body about `fill` of the frame tall
    uv = Xc[..., :2] / Xc[..., 2:3]
    pel = uv[:, 0].mean(0)
    tall = (uv[:, :, 1].max(1) - uv[:, :, 1].min(1)).max()
    wide = (uv[:, :, 0].max() - uv[:, :, 0].min())
    fill = rng.uniform(FILL[0], FILL[1])
    scale = fill * S / max(tall, wide / 0.95, 1e-3)
    offset = np.array([S / 2, S / 2]) - pel * scale + rng.normal(0, JITTER * S, size=2)
    uv_px = uv * scale + offset
    depth = Xc[..., 2]
    thick = rng.uniform(THICKNESS[0], THICKNESS[1])  # limbs drawn thicker than life: visible at low resolution
    radii = thick * shape.radii() * scale / depth[:, SEGMENT_ENDS[:, 0]]  # (T, K) pixels
    bg = _background(rng, S)
    gain = rng.uniform(0.6, 1.25)
    tint = rng.uniform(0.85, 1.15, size=3)
    grad = rng.uniform(-0.4, 0.4, size=2)
    yy, xx = np.mgrid[0:S, 0:S] / S - 0.5
    light = (gain * (1 + grad[0] * xx + grad[1] * yy))[..., None] * tint
    noise = rng.uniform(0.005, 0.03)
    # an occluder passing in front of the person in some clips, and a few degraded
    # frames (motion blur, a dark frame): single frames can be ambiguous, a clip is not
    occluder = None
    if rng.uniform() < P_OCCLUDER:
        w = rng.uniform(0.12, 0.3) * S
        h = rng.uniform(0.3, 1.0) * S
        y0 = rng.uniform(0, S - h)
        xs = np.linspace(rng.uniform(-0.3, 0.5) * S, rng.uniform(0.2, 1.0) * S, n_frames)
        if rng.uniform() < 0.5:
            xs = xs[::-1]
        occluder = (xs, w, y0, h, _hsv(rng.uniform(), rng.uniform(0, 0.8), rng.uniform(0.1, 0.9)))
    bad = rng.uniform(size=n_frames) < P_BAD_FRAME
    blocked = rng.uniform(size=n_frames) < P_BLOCKED
    blocked[0] = False  # the first frame always shows the person
    frames = np.empty((n_frames, S, S, 3), np.uint8)
    for t in range(n_frames):
        if blocked[t]:  # drawn from the frame's own random numbers only: it says nothing of the clip
            frames[t] = _blocked_frame(rng, S)
            continue
        img = bg.copy()
        render_body(img, uv_px[t], depth[t], radii[t], mats, side_shade=0.78)
        if occluder is not None:
            xs, w, y0, h, col = occluder
            xa, xb = int(np.clip(xs[t], 0, S)), int(np.clip(xs[t] + w, 0, S))
            img[int(y0):int(y0 + h), xa:xb] = col
        img = img * light
        if bad[t]:
            kind = rng.integers(3)
            if kind == 0:  # strong motion blur (any direction)
                k = int(rng.integers(4, 9))
                axis = int(rng.integers(2))
                img = np.mean([np.roll(img, s, axis=axis) for s in range(-k, k + 1)], axis=0)
            elif kind == 1:  # dark, noisy frame
                img = img * rng.uniform(0.08, 0.25) + rng.normal(0, 0.07, size=img.shape)
            else:  # strong sensor noise
                img = img + rng.normal(0, 0.25, size=img.shape)
        img = img + rng.normal(0, noise, size=img.shape)
        frames[t] = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    J = Xc[:, H36M17_FROM_JOINTS]
    J = J - J[:, :1]
    info = {"action": action, "view": float(view), "dist": float(dist), "occluded": occluder is not None,
            "bad_frames": int(bad.sum()), "blocked": blocked, "height": shape.height}
    return frames, J.astype(np.float32), info


def _blocked_frame(rng, S):
    """A frame filled by an out-of-focus surface right in front of the lens: a random colour, a smooth
    gradient and sensor noise, independent of the person, the room and the lighting of the clip."""
    yy, xx = np.mgrid[0:S, 0:S] / S - 0.5
    colour = _hsv(rng.uniform(), rng.uniform(0, 0.7), rng.uniform(0.1, 0.9))
    grad = rng.uniform(-0.3, 0.3, size=2)
    img = colour * (1 + grad[0] * xx + grad[1] * yy)[..., None]
    img = img + rng.normal(0, rng.uniform(0.005, 0.03), size=img.shape)
    return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _clip_rng(seed: int, split: str, i: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 3606, SPLITS[split], i]))


def _render_range(args):
    seed, split, start, stop, S = args
    vids = np.empty((stop - start, N_FRAMES, S, S, 3), np.uint8)
    joints = np.empty((stop - start, N_FRAMES, N_JOINTS, 3), np.float32)
    blocked = np.zeros((stop - start, N_FRAMES), bool)
    actions = []
    for k, i in enumerate(range(start, stop)):
        vids[k], joints[k], info = render_clip(_clip_rng(seed, split, i), S)
        blocked[k] = info["blocked"]
        actions.append(info["action"])
    return vids, joints, actions, blocked


def make_split(n: int, split: str = "train", seed: int = 0, size: int = 48, workers: int | None = None,
               with_blocked: bool = False):
    """``(videos uint8 (n, 8, size, size, 3), joints float32 (n, 8, 17, 3) metres, actions)``, and with
    ``with_blocked`` a fourth item: bool ``(n, 8)``, the frames in which the person is not visible."""
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    chunk = 100
    jobs = [(seed, split, a, min(a + chunk, n), size) for a in range(0, n, chunk)]
    if workers <= 1 or len(jobs) <= 1:
        parts = [_render_range(j) for j in jobs]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as ex:
            parts = list(ex.map(_render_range, jobs))
    if not parts:
        out = (np.empty((0, N_FRAMES, size, size, 3), np.uint8), np.empty((0, N_FRAMES, N_JOINTS, 3), np.float32),
               [], np.zeros((0, N_FRAMES), bool))
    else:
        out = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
               [a for p in parts for a in p[2]], np.concatenate([p[3] for p in parts]))
    return out if with_blocked else out[:3]


def _save_atomic(path: Path, arr) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}.npy")
    np.save(tmp, arr, allow_pickle=False)
    tmp.replace(path)


def generate(out, preset: str = "default", seed: int = 0, workers: int | None = None, progress: bool = True,
             grader_seed: int | None = None) -> Path:
    """Write the real file layout into ``out``:

    ``videoframes_clips_{train,valid}.npy`` and ``joint_3d_clips_{train,valid}.npy`` and
    ``_info.json`` (format version, preset, seed, per-clip actions), from ``seed``.

    The grader's hidden clips are **not** written unless ``grader_seed`` is given: they come
    from a seed only the grading side holds (see :func:`generate_hidden`), so that nobody can
    render them from the public seed.
    """
    import json

    p = PRESETS[preset]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = {"format": FORMAT_VERSION, "preset": preset, "seed": seed, "size": p.size,
            "labels": "root-relative camera-frame joint positions in metres (x right, y down, z forward)"}
    for split, n in (("train", p.n_train), ("valid", p.n_valid)):
        t0 = time.perf_counter()
        vids, joints, actions, blocked = make_split(n, split, seed, p.size, workers, with_blocked=True)
        _save_atomic(out / f"videoframes_clips_{split}.npy", vids)
        _save_atomic(out / f"joint_3d_clips_{split}.npy", joints)
        info[f"actions_{split}"] = actions
        info[f"blocked_{split}"] = ["".join("1" if b else "0" for b in row) for row in blocked]
        if progress:
            print(f"h36m {split}: {n} clips of {p.size}x{p.size} in {time.perf_counter() - t0:.1f} s")
    (out / "_info.json").write_text(json.dumps(info))
    if grader_seed is not None:
        generate_hidden(out, grader_seed, preset=preset, workers=workers, progress=progress)
    return out


def hidden_info(grader_seed: int, preset: str = "default", n: int | None = None) -> dict:
    """What ``_grader/_info.json`` records: enough to tell a stale hidden split, never the seed."""
    import hashlib

    p = PRESETS[preset]
    digest = hashlib.sha256(f"h36m-grader:{int(grader_seed)}".encode()).hexdigest()[:16]
    return {"format": FORMAT_VERSION, "preset": preset, "size": p.size, "n": p.n_test if n is None else int(n),
            "seed_digest": digest}


def generate_hidden(out, grader_seed: int, preset: str = "default", n: int | None = None,
                    workers: int | None = None, progress: bool = True) -> Path:
    """Write the grader's hidden clips ``out/_grader/{videoframes,joint_3d}_clips_test.npy``
    (and ``_grader/_info.json``) from ``grader_seed``; the folder is created readable by its
    owner only. Returns the ``_grader`` folder."""
    import json

    p = PRESETS[preset]
    n = p.n_test if n is None else int(n)
    folder = Path(out) / "_grader"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    t0 = time.perf_counter()
    vids, joints, _, blocked = make_split(n, "test", int(grader_seed), p.size, workers, with_blocked=True)
    (folder / "_info.json").unlink(missing_ok=True)  # written last: a half-written split is never current
    _save_atomic(folder / "videoframes_clips_test.npy", vids)
    _save_atomic(folder / "joint_3d_clips_test.npy", joints)
    _save_atomic(folder / BLOCKED_TEST, blocked)
    (folder / "_info.json").write_text(json.dumps(hidden_info(grader_seed, preset, n)))
    if progress:
        print(f"h36m hidden test split: {n} clips of {p.size}x{p.size} in {time.perf_counter() - t0:.1f} s")
    return folder
