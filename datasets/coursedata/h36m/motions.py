"""Smooth everyday motions of the articulated body, as joint-angle trajectories.

Loosely after the Human3.6M scenarios (walking, greeting, phoning, sitting down,
picking something up, pointing, turning, ...). A clip's motion is the sum of

* a neutral standing pose plus a personal posture (small static offsets),
* one primary action (periodic or a smooth ramp) with a random amplitude,
  speed and phase,
* sometimes a second, weaker action (e.g. waving while walking) and a slow turn,
* a small per-frame wobble.

Vectors follow :meth:`coursedata.body.Pose.vector` (degrees): root (pitch, roll,
yaw), then (flex, abd, twist) of every joint of :data:`~coursedata.body.ROTATING_JOINTS`.
"""
from __future__ import annotations

import numpy as np

from coursedata.body import ROTATING_JOINTS

POSTURE_SD = 3.0  # degrees of personal posture offset on every angle

__all__ = ["ACTIONS", "DIM", "idx", "neutral_vector", "action_trajectory", "clip_trajectory"]

DIM = 3 + 3 * len(ROTATING_JOINTS)
_J = {j: i for i, j in enumerate(ROTATING_JOINTS)}


def idx(joint: str, dof: str = "flex") -> int:
    """Index of one angle in a pose vector (``dof`` in flex / abd / twist, or root pitch / roll / yaw)."""
    if joint == "root":
        return {"pitch": 0, "roll": 1, "yaw": 2}[dof]
    return 3 + 3 * _J[joint] + {"flex": 0, "abd": 1, "twist": 2}[dof]


def neutral_vector() -> np.ndarray:
    v = np.zeros(DIM)
    for side in ("l_", "r_"):
        v[idx(side + "shoulder", "flex")] = 3
        v[idx(side + "shoulder", "abd")] = 8
        v[idx(side + "elbow")] = 12
        v[idx(side + "hip", "flex")] = 2
        v[idx(side + "hip", "abd")] = 3
        v[idx(side + "knee")] = 3
    return v


def _ramp(s):
    """Smooth 0 -> 1 ease over s in [0, 1] (clipped)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(s, 0.0, 1.0))


def action_trajectory(name: str, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Angle offsets (T, DIM) of one action at times ``t`` (seconds from the clip start)."""
    T = len(t)
    d = np.zeros((T, DIM))
    side = "l_" if rng.uniform() < 0.5 else "r_"
    other = "r_" if side == "l_" else "l_"
    dur = t[-1] - t[0] + 1e-9
    # ramps start and end at random points of the clip so that every clip shows motion
    r0, r1 = rng.uniform(-0.4, 0.3), rng.uniform(0.7, 1.4)
    s = _ramp((t - t[0]) / dur * (1.0 / (r1 - r0)) - r0 / (r1 - r0))
    if rng.uniform() < 0.5:
        s = 1.0 - s  # the reverse motion (standing up, lowering the arm, ...)
    phase = rng.uniform(0, 2 * np.pi)
    if name == "walk":
        f = rng.uniform(0.7, 1.1)  # strides per second
        amp = rng.uniform(15, 32)
        w = np.sin(2 * np.pi * f * t + phase)
        for sd, sign in (("l_", 1.0), ("r_", -1.0)):
            d[:, idx(sd + "hip")] = sign * amp * w
            swing = np.clip(np.sin(2 * np.pi * f * t + phase + sign * np.pi / 2 + np.pi), 0, None)
            d[:, idx(sd + "knee")] = 8 + amp * 1.6 * swing
            d[:, idx(sd + "shoulder")] = -sign * 0.8 * amp * w
            d[:, idx(sd + "elbow")] = 15 + 10 * np.clip(-sign * w, 0, None)
            d[:, idx(sd + "ankle")] = 6 * w * sign
        d[:, idx("spine")] = 4
    elif name == "wave":
        abd = rng.uniform(80, 160)
        f = rng.uniform(1.0, 2.0)
        d[:, idx(side + "shoulder", "abd")] = abd * np.maximum(s, 0.25)
        d[:, idx(side + "shoulder")] = rng.uniform(-10, 40)
        d[:, idx(side + "elbow")] = 50 + 35 * np.sin(2 * np.pi * f * t + phase)
    elif name == "sit":
        depth = rng.uniform(0.5, 1.0)
        for sd in ("l_", "r_"):
            d[:, idx(sd + "hip")] = 95 * depth * s
            d[:, idx(sd + "knee")] = 105 * depth * s
            d[:, idx(sd + "ankle")] = 15 * depth * s
            d[:, idx(sd + "shoulder")] = rng.uniform(0, 50) * s
            d[:, idx(sd + "elbow")] = rng.uniform(10, 70) * s
        d[:, idx("spine")] = rng.uniform(5, 35) * s
    elif name == "pickup":
        d[:, idx("spine")] = rng.uniform(40, 80) * s
        for sd in ("l_", "r_"):
            d[:, idx(sd + "hip")] = rng.uniform(20, 60) * s
            d[:, idx(sd + "knee")] = rng.uniform(5, 50) * s
        d[:, idx(side + "shoulder")] = rng.uniform(40, 90) * s
        d[:, idx(other + "shoulder")] = rng.uniform(0, 60) * s
    elif name == "point":
        d[:, idx(side + "shoulder")] = rng.uniform(60, 140) * s
        d[:, idx(side + "shoulder", "abd")] = rng.uniform(0, 50) * s
        d[:, idx(side + "elbow")] = -10 * s
        d[:, idx("spine", "twist")] = rng.uniform(-20, 20) * s
    elif name == "phone":
        d[:, idx(side + "shoulder")] = 30 + rng.uniform(-10, 25) * s
        d[:, idx(side + "shoulder", "abd")] = 25 * s
        d[:, idx(side + "elbow")] = 60 + 75 * s
        d[:, idx("neck")] = 12 * np.sin(2 * np.pi * 0.6 * t + phase)
        d[:, idx("neck", "abd")] = 15 * s
    elif name == "greet":
        amp = rng.uniform(60, 150)
        for sd in ("l_", "r_"):
            d[:, idx(sd + "shoulder", "abd")] = amp * s
            d[:, idx(sd + "shoulder")] = rng.uniform(-10, 30) * s
            d[:, idx(sd + "elbow")] = rng.uniform(0, 60) * s
    elif name == "squat":
        depth = rng.uniform(0.4, 1.0)
        for sd in ("l_", "r_"):
            d[:, idx(sd + "hip")] = 110 * depth * s
            d[:, idx(sd + "hip", "abd")] = 12 * depth * s
            d[:, idx(sd + "knee")] = 125 * depth * s
            d[:, idx(sd + "ankle")] = 25 * depth * s
            d[:, idx(sd + "shoulder")] = rng.uniform(40, 100) * s
        d[:, idx("spine")] = 30 * depth * s
    elif name == "kick":
        d[:, idx(side + "hip")] = rng.uniform(40, 90) * np.sin(np.pi * np.clip((t - t[0]) / dur, 0, 1)) ** 2
        d[:, idx(side + "knee")] = rng.uniform(10, 70) * (1 - s)
        d[:, idx(side + "shoulder", "abd")] = 25 * s
        d[:, idx(other + "shoulder", "abd")] = 25 * s
    elif name == "turn":
        d[:, idx("root", "yaw")] = rng.uniform(-90, 90) * s
        d[:, idx("spine", "twist")] = rng.uniform(-25, 25) * np.sin(np.pi * s)
    else:
        raise KeyError(name)
    return d


ACTIONS = ("walk", "wave", "sit", "pickup", "point", "phone", "greet", "squat", "kick", "turn")


def clip_trajectory(rng: np.random.Generator, n_frames: int = 8, fps: float = 10.0):
    """Pose vectors (T, DIM) of one clip, the primary action's name and the root path (T, 3) in metres."""
    t = np.arange(n_frames) / fps * rng.uniform(0.8, 1.25)
    v = neutral_vector() + rng.normal(0, POSTURE_SD, size=DIM)
    v[:3] = 0.0
    v[idx("root", "yaw")] = rng.uniform(-180, 180)
    main = str(rng.choice(ACTIONS))
    vec = v[None] + action_trajectory(main, t, rng)
    if rng.uniform() < 0.4:
        extra = str(rng.choice([a for a in ACTIONS if a != main]))
        vec += rng.uniform(0.3, 0.7) * action_trajectory(extra, t, rng)
    vec[:, 3:] += rng.normal(0, 1.0, size=vec[:, 3:].shape)
    root = np.zeros((n_frames, 3))
    if main == "walk":  # walk forwards, a little
        speed = rng.uniform(0.3, 1.0)
        yaw = np.deg2rad(vec[:, idx("root", "yaw")])
        root[:, 0] = np.cumsum(np.r_[0, np.diff(t)] * speed * np.sin(yaw))
        root[:, 2] = np.cumsum(np.r_[0, np.diff(t)] * speed * np.cos(yaw))
    return vec, main, root
