"""A short "handheld video" of one synthetic CIFAR-10-style object (homework nist36, Q6.3).

The offline stand-in for filming a real object with a phone: the object of one class of
``coursedata.cifar10`` (same silhouettes, colours and background model as the data set)
is rendered frame by frame while the "camera" moves. Over the clip the object

* drifts smoothly across the image (up to about +-8 px from the centre, the training
  images stay within +-5 px),
* zooms in and out (0.75x-1.6x the mean training size, the training range is 0.7x-1.25x),
* turns (up to about +-50 degrees, the training range is +-30 degrees),
* is smeared by motion blur: each frame averages ``sub`` renders spread over the exposure
  (longer when the light is dim), so fast motion gives long streaks,
* and sees the light change (overall brightness 0.45-1.15 and a slowly changing colour cast).

Everything is deterministic in ``seed``; no new dependency. ``handheld_video`` returns the
uint8 frames in the data set's layout ``(T, 32, 32, 3)`` together with the per-frame pose,
blur and light, so a plot can show what the camera did.
"""
from __future__ import annotations

import numpy as np

from . import CLASS_NAMES, _random_colours, _sdf, _smooth_noise

__all__ = ["handheld_video"]


def _smooth_path(rng, t, n_waves=3):
    """A smooth random curve on ``t`` in [0, 1], roughly within [-1, 1] (a sum of a few sines)."""
    freqs = rng.uniform(0.6, 2.2, n_waves)
    phases = rng.uniform(0, 2 * np.pi, n_waves)
    amps = rng.uniform(0.5, 1.0, n_waves)
    path = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in zip(amps, freqs, phases))
    return path / amps.sum() * 1.6


def handheld_video(label, n_frames: int = 60, seed: int = 0, size: int = 32, sub: int = 7) -> dict:
    """Frames of a moving object of class ``label`` (an index or a name of ``CLASS_NAMES``).

    Returns a dict: ``frames`` uint8 ``(n_frames, size, size, 3)``, ``label`` (int),
    ``centre`` float ``(n_frames, 2)`` (x, y of the object in pixels, image centre at
    ``size / 2``), ``scale`` (object size relative to the training mean), ``angle``
    (degrees), ``blur`` (how far the object centre travels during one exposure, in
    pixels) and ``light`` (overall brightness factor), each ``(n_frames,)``.
    """
    if isinstance(label, str):
        label = CLASS_NAMES.index(label)
    label = int(label)
    if not 0 <= label < len(CLASS_NAMES):
        raise ValueError(f"no class {label}")
    rng = np.random.default_rng([seed, label, 7_1903])
    c = (np.arange(size) + 0.5) / size * 2 - 1
    Y, X = np.meshgrid(c, c, indexing="ij")
    px = 2.0 / size

    # the scene: one background (colour, light gradient, texture), one object colour
    bg_col = _random_colours(rng, 1)[0]
    ang = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(ang) * X + np.sin(ang) * Y) * rng.uniform(0.05, 0.2)
    tex = _smooth_noise(rng, 1, size, 4)[0] * rng.uniform(0.03, 0.08)
    background = np.clip(bg_col[None, None, :] + (grad + tex)[..., None], 0, 1)
    lum = np.array([0.299, 0.587, 0.114])
    obj_col = _random_colours(rng, 1)[0]
    if abs(obj_col @ lum - background.mean(axis=(0, 1)) @ lum) < 0.3:
        shift = -0.4 if background.mean(axis=(0, 1)) @ lum > 0.5 else 0.4
        obj_col = np.clip(obj_col + shift, 0, 1)
    aspect = np.exp(rng.uniform(np.log(0.85), np.log(1.15)))

    # the light, and the exposure: the dimmer the scene, the longer the shutter stays open
    t_frame = np.arange(n_frames) / max(n_frames - 1, 1)
    light_t = 0.8 + 0.35 * np.clip(_smooth_path(rng, t_frame, 2), -1, 1)  # 0.45 .. 1.15
    cast = 1 + 0.12 * np.stack([_smooth_path(rng, t_frame, 2) for _ in range(3)], axis=1)
    exposure = 1.5 / light_t  # in frame intervals
    # the camera path, sampled at sub-frame times spread over each exposure
    offsets = (np.arange(sub) / max(sub - 1, 1) - 0.5)[None, :] * exposure[:, None] / max(n_frames - 1, 1)
    t = (t_frame[:, None] + offsets).ravel()
    shake = rng.uniform(0.6, 1.0)
    x_path = _smooth_path(rng, t) * 6 + shake * np.sin(2 * np.pi * rng.uniform(4, 7) * t + rng.uniform(0, 6.3))
    y_path = _smooth_path(rng, t) * 5 + shake * np.sin(2 * np.pi * rng.uniform(4, 7) * t + rng.uniform(0, 6.3))
    x_path = np.clip(x_path, -8.5, 8.5)
    y_path = np.clip(y_path, -8.5, 8.5)
    zoom = np.exp(np.log(1.6 / 0.75) * (0.5 + 0.5 * np.clip(_smooth_path(rng, t, 2), -1, 1)) + np.log(0.75))
    theta = np.clip(_smooth_path(rng, t) * 35, -50, 50)

    # render every sub-frame, then average the sub-frames of each frame (motion blur)
    s = zoom * 0.62
    sx, sy = s * np.sqrt(aspect), s / np.sqrt(aspect)
    dx = X[None] - (x_path * px)[:, None, None]
    dy = Y[None] - (y_path * px)[:, None, None]
    th = np.deg2rad(theta)[:, None, None]
    ux = (np.cos(th) * dx + np.sin(th) * dy) / sx[:, None, None]
    uy = (-np.sin(th) * dx + np.cos(th) * dy) / sy[:, None, None]
    d = _sdf(label, ux, uy) * np.minimum(sx, sy)[:, None, None]
    alpha = np.clip(0.5 - d / px, 0, 1)
    shade = 1 + 0.2 * (ux * 0.6 - uy * 0.8) / 0.6
    obj = obj_col[None, None, None, :] * shade[..., None]
    img = background[None] * (1 - alpha[..., None]) + obj * alpha[..., None]
    img = img.reshape(n_frames, sub, size, size, 3).mean(axis=1)
    img = img * (light_t[:, None, None, None] * cast[:, None, None, :])
    img += 0.03 * rng.standard_normal(img.shape)
    frames = np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8)

    xs, ys = x_path.reshape(n_frames, sub), y_path.reshape(n_frames, sub)
    mid = sub // 2
    return {
        "frames": frames,
        "label": label,
        "centre": np.stack([xs[:, mid], ys[:, mid]], axis=1) + size / 2,
        "scale": zoom.reshape(n_frames, sub)[:, mid],
        "angle": theta.reshape(n_frames, sub)[:, mid],
        "blur": np.hypot(xs[:, -1] - xs[:, 0], ys[:, -1] - ys[:, 0]),
        "light": light_t,
    }
