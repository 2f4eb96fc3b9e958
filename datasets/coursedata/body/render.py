"""Rasterise a posed body as shaded, anti-aliased capsules (numpy only).

Every segment of :data:`~coursedata.body.skeleton.SEGMENTS` becomes a capsule (a
line segment with a radius) in the image; capsules are painted far-to-near
(painter's algorithm) with a soft one-pixel edge and a little shading towards
the rim so limbs read as round.
"""
from __future__ import annotations

import colorsys

import numpy as np

from .skeleton import JOINT_INDEX, SEGMENTS

__all__ = ["draw_capsules", "render_body", "SEGMENT_ENDS", "hsv", "sample_materials"]

SEGMENT_ENDS = np.array([[JOINT_INDEX[a], JOINT_INDEX[b]] for a, b, _, _ in SEGMENTS])


def hsv(h, s, v) -> np.ndarray:
    """An RGB colour (3,) in [0, 1] from hue (taken modulo 1), saturation and value (clipped to [0, 1])."""
    return np.array(colorsys.hsv_to_rgb(h % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1))))


def sample_materials(rng: np.random.Generator) -> dict:
    """A person's colours, ``{skin, hair, shirt, pants, shoes: RGB (3,)}``: one of five skin tones
    (jittered) and five hair colours, random clothes; a quarter of people wear shorts / short
    sleeves (more skin shows). Draws from ``rng`` in a fixed order (the generators' data depend on it)."""
    skin = [(0.96, 0.80, 0.66), (0.90, 0.70, 0.55), (0.76, 0.57, 0.42), (0.55, 0.38, 0.26),
            (0.40, 0.27, 0.18)][rng.integers(5)]
    skin = np.clip(np.array(skin) * rng.uniform(0.93, 1.07), 0, 1)
    hair = [(0.08, 0.06, 0.05), (0.25, 0.15, 0.08), (0.55, 0.40, 0.20), (0.80, 0.70, 0.45),
            (0.55, 0.55, 0.55)][rng.integers(5)]
    mats = {
        "skin": skin,
        "hair": np.array(hair),
        "shirt": hsv(rng.uniform(), rng.uniform(0.1, 0.9), rng.uniform(0.25, 0.95)),
        "pants": hsv(rng.uniform(), rng.uniform(0.0, 0.7), rng.uniform(0.1, 0.7)),
        "shoes": hsv(rng.uniform(), rng.uniform(0.0, 0.6), rng.uniform(0.1, 0.95)),
    }
    if rng.uniform() < 0.25:
        mats["pants"] = mats["pants"] * 0.5 + skin * 0.5
    return mats


def draw_capsules(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, radius: np.ndarray,
                  colors: np.ndarray, depth: np.ndarray, rim: float = 0.25) -> np.ndarray:
    """Paint capsules into ``img`` (H, W, 3 float, modified in place).

    p0, p1: (K, 2) end points as (x=column, y=row) in pixels; radius (K,) pixels;
    colors (K, 3) in [0, 1]; depth (K,) larger = farther (painted first).
    """
    H, W = img.shape[:2]
    order = np.argsort(-np.asarray(depth), kind="stable")
    for k in order:
        a, b, r = p0[k], p1[k], max(float(radius[k]), 0.5)
        x0 = int(max(np.floor(min(a[0], b[0]) - r - 1), 0))
        x1 = int(min(np.ceil(max(a[0], b[0]) + r + 1), W - 1))
        y0 = int(max(np.floor(min(a[1], b[1]) - r - 1), 0))
        y1 = int(min(np.ceil(max(a[1], b[1]) + r + 1), H - 1))
        if x1 < x0 or y1 < y0:
            continue
        xs = np.arange(x0, x1 + 1, dtype=float)[None, :] + 0.5
        ys = np.arange(y0, y1 + 1, dtype=float)[:, None] + 0.5
        d = b - a
        L2 = float(d @ d)
        if L2 < 1e-9:
            dist = np.hypot(xs - a[0], ys - a[1])
        else:
            t = np.clip(((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / L2, 0.0, 1.0)
            dist = np.hypot(xs - (a[0] + t * d[0]), ys - (a[1] + t * d[1]))
        alpha = np.clip(r - dist + 0.5, 0.0, 1.0)[..., None]
        shade = 1.0 - rim * np.clip(dist / r, 0.0, 1.0)[..., None] ** 2
        patch = img[y0:y1 + 1, x0:x1 + 1]
        patch *= 1.0 - alpha
        patch += alpha * (colors[k] * shade)
    return img


def render_body(img: np.ndarray, uv: np.ndarray, depth: np.ndarray, radius_px: np.ndarray,
                materials: dict, side_shade: float = 0.8) -> np.ndarray:
    """Draw one body given projected joints.

    uv (J, 2) pixel coordinates of every joint, depth (J,) camera depth,
    radius_px (K,) pixel radius per segment, materials: name -> RGB in [0, 1].
    Limbs on the far side of the body are darkened by ``side_shade`` so the two
    sides can be told apart.
    """
    a_idx, b_idx = SEGMENT_ENDS[:, 0], SEGMENT_ENDS[:, 1]
    p0, p1 = uv[a_idx], uv[b_idx]
    seg_depth = 0.5 * (depth[a_idx] + depth[b_idx])
    # the head and the torso sit between the two sides' limbs: nudge their depth
    colors = np.empty((len(SEGMENTS), 3))
    l_depth = depth[JOINT_INDEX["l_hip"]] + depth[JOINT_INDEX["l_shoulder"]]
    r_depth = depth[JOINT_INDEX["r_hip"]] + depth[JOINT_INDEX["r_shoulder"]]
    far_side = "l_" if l_depth > r_depth else "r_"
    for k, (a, _, _, mat) in enumerate(SEGMENTS):
        c = np.asarray(materials[mat], float)
        if a.startswith(far_side):
            c = c * side_shade
        colors[k] = c
    return draw_capsules(img, p0, p1, radius_px, colors, seg_depth)
