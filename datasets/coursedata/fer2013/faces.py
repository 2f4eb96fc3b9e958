"""Synthetic 48x48 grayscale faces showing one of seven expressions.

A face is drawn from signed-distance shapes in *face coordinates* (pixels of a
frontal, upright face centred in the image), mapped to the image by a random
pose (in-plane rotation, scale, offset, yaw). Identity (head shape, skin, hair,
feature placement, brow thickness), the expression (its class and a random
intensity, plus per-face jitter of every expression parameter), illumination
(directional shading, global gain and gamma), occlusions (glasses, sunglasses,
a hand or object) and sensor noise all vary independently. The class only
enters through the expression parameters, and a low-intensity expression looks
close to neutral, so classes overlap as they do in FER-2013.
"""
from __future__ import annotations

import numpy as np

from ..cifar10 import _smooth_noise

SIZE = 48
EMOTIONS = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
# class frequencies of the FER-2013 training split (3995, 436, 4097, 7215, 4830, 3171, 4965)
FER_COUNTS = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965], dtype=float)
FER_PRIORS = FER_COUNTS / FER_COUNTS.sum()

# expression parameters: brow raise (up +), brow tilt (inner end down +), eye opening (x),
# mouth curve (corners up +), mouth opening, mouth width (x), teeth, nose wrinkle, lip asymmetry
PARAMS = ["brow_raise", "brow_tilt", "eye_open", "mouth_curve", "mouth_open", "mouth_width",
          "teeth", "wrinkle", "asym"]
NEUTRAL = np.array([0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
EXPRESSIONS = np.array([
    # raise tilt  eye  curve open  width teeth wrinkle asym
    [-0.9, 1.0, 0.75, -0.35, 0.10, 0.90, 0.3, 0.3, 0.0],   # 0 Angry
    [-0.5, 0.5, 0.70, -0.50, 0.25, 0.95, 0.2, 1.0, 0.9],   # 1 Disgust
    [0.8, -0.8, 1.45, -0.25, 0.55, 1.20, 0.2, 0.0, 0.0],   # 2 Fear
    [0.1, 0.0, 0.80, 1.00, 0.45, 1.25, 1.0, 0.0, 0.0],     # 3 Happy
    [0.2, -1.0, 0.80, -0.85, 0.00, 0.95, 0.0, 0.0, 0.0],   # 4 Sad
    [1.2, 0.0, 1.55, 0.00, 1.25, 0.70, 0.1, 0.0, 0.0],     # 5 Surprise
    NEUTRAL,                                              # 6 Neutral
])
# per-face jitter (standard deviation) of each expression parameter
JITTER = np.array([0.30, 0.35, 0.15, 0.30, 0.20, 0.10, 0.25, 0.25, 0.35])


def _seg(px, py, ax, ay, bx, by):
    """Distance from points (px, py) to the segments (a, b) (arrays broadcast)."""
    vx, vy = bx - ax, by - ay
    wx, wy = px - ax, py - ay
    t = np.clip((wx * vx + wy * vy) / (vx * vx + vy * vy + 1e-9), 0, 1)
    return np.hypot(wx - t * vx, wy - t * vy)


def _paint(img, alpha, value):
    return img * (1 - alpha) + value * alpha


def _cov(d, soft=0.7):
    """Coverage of a shape from its signed distance in pixels (anti-aliased edge)."""
    return np.clip(0.5 - d / soft, 0, 1)


def expression_params(labels, rng):
    """(N, 9) expression parameters: neutral + intensity * (class - neutral) + jitter."""
    labels = np.asarray(labels)
    n = len(labels)
    intensity = rng.uniform(0.3, 1.0, n)[:, None]
    p = NEUTRAL + intensity * (EXPRESSIONS[labels] - NEUTRAL)
    p = p + rng.standard_normal((n, len(PARAMS))) * JITTER
    p[:, 2] = np.clip(p[:, 2], 0.35, 1.9)   # eye opening
    p[:, 4] = np.clip(p[:, 4], 0.0, 1.6)    # mouth opening
    p[:, 5] = np.clip(p[:, 5], 0.55, 1.5)   # mouth width
    p[:, 6] = np.clip(p[:, 6], 0.0, 1.0)    # teeth
    p[:, 7] = np.clip(p[:, 7], 0.0, 1.2)    # wrinkle
    return p


def render_faces(labels, rng, size: int = SIZE) -> np.ndarray:
    """One face per label: float32 (N, size, size) in [0, 1]. Deterministic given ``rng``."""
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    E = expression_params(labels, rng)
    col = lambda a: np.asarray(a, dtype=np.float32)[:, None, None]  # noqa: E731 - per-image scalars to (n, 1, 1)
    u01 = lambda lo, hi: col(rng.uniform(lo, hi, n))  # noqa: E731

    # image grid, scaled so that the face coordinates are in pixels of a 48x48 image
    g = ((np.arange(size) + 0.5) * (SIZE / size)).astype(np.float32)
    Y, X = np.meshgrid(g, g, indexing="ij")
    # pose: image point = centre + offset + R(theta) * scale * face point (plus yaw below)
    theta = np.deg2rad(u01(-10, 10))
    scale = u01(0.92, 1.08)
    cx, cy = 24 + u01(-2, 2), 25 + u01(-2, 2)
    dx, dy = X[None] - cx, Y[None] - cy
    fx = (np.cos(theta) * dx + np.sin(theta) * dy) / scale
    fy = (-np.sin(theta) * dx + np.cos(theta) * dy) / scale
    yaw = u01(-0.35, 0.35)  # shifts the inner features sideways (a head turned a little)
    feat_dx = yaw * 5.0
    ux = fx - feat_dx  # feature coordinates

    # background: grey level, gradient, smooth blotches
    img = u01(0.05, 0.95) + (col(rng.uniform(-1, 1, n)) * dx + col(rng.uniform(-1, 1, n)) * dy) * 0.006
    img = img + u01(0.0, 0.12) * _smooth_noise(rng, n, size, 4).astype(np.float32)

    # head
    hw, hh = u01(13.5, 17.5), u01(17.0, 21.0)
    jaw = u01(0.0, 0.35)  # narrower chin
    width_at = hw * (1 - jaw * np.clip(fy / hh, 0, 1) ** 2)
    head_d = (np.hypot(fx / width_at, fy / hh) - 1) * np.minimum(width_at, hh)
    skin = u01(0.35, 0.85)
    img = _paint(img, _cov(head_d), skin)
    # ears
    for s in (-1, 1):
        ear = np.hypot((fx - s * (hw + 0.5)) / 2.2, (fy + 1) / 4.0) - 1
        img = _paint(img, _cov(ear * 2.2) * (1 - _cov(head_d)), skin * 0.92)
    # neck
    neck = np.maximum(np.abs(fx) - hw * 0.45, hh * 0.7 - fy)
    img = _paint(img, _cov(neck) * (1 - _cov(head_d)), skin * 0.85)
    # hair: a cap above a random hair line (sometimes none: bald or very light)
    hairline = u01(-16, -9) + 0.08 * fx ** 2 * u01(0, 1)
    hair_d = np.maximum(head_d - u01(0, 3), fy - hairline)
    hair_v = u01(0.02, 0.6)
    has_hair = col(rng.random(n) < 0.85)
    img = _paint(img, _cov(hair_d) * has_hair, hair_v)

    # eyes
    ex, ey = u01(5.0, 7.5), u01(-4.0, -1.5)
    eye_w = u01(2.6, 3.6)
    eye_h = 1.7 * col(E[:, 2])
    iris_v = u01(0.05, 0.35)
    gaze = u01(-0.8, 0.8)
    for s in (-1, 1):
        w_side = eye_w * (1 + s * yaw * 0.4)
        ed = (np.hypot((ux - s * ex) / w_side, (fy - ey) / eye_h) - 1) * np.minimum(w_side, eye_h)
        img = _paint(img, _cov(ed - 0.5), skin * 0.55)     # lid outline / socket shadow
        img = _paint(img, _cov(ed), 0.92 * (0.6 + 0.4 * skin))  # sclera
        iris = np.maximum(np.hypot(ux - s * ex - gaze, fy - ey) - 1.35, ed)
        img = _paint(img, _cov(iris), iris_v)
    # eyebrows: segments whose inner ends move with the tilt, the whole brow with the raise
    brow_y = ey - u01(4.0, 5.5) - col(E[:, 0]) * 1.6
    brow_t = u01(0.6, 1.2)
    brow_v = np.minimum(hair_v + 0.1, skin * 0.5)
    tilt = col(E[:, 1]) * 1.8
    for s in (-1, 1):
        inner_x, outer_x = s * (ex - eye_w * 0.9), s * (ex + eye_w * 1.3)
        d = _seg(ux, fy, inner_x, brow_y + tilt, outer_x, brow_y - 0.3 * tilt) - brow_t
        img = _paint(img, _cov(d), brow_v)
    # forehead lines with raised brows, frown line with lowered ones
    raise_amt = np.clip(col(E[:, 0]), 0, None)
    for k in range(2):
        yl = brow_y - 3.0 - 2.2 * k
        d = np.maximum(np.abs(fy - yl - 0.03 * ux ** 2 * 0) - 0.35, np.abs(ux) - 6)
        img = _paint(img, _cov(d) * np.clip(raise_amt - 0.4, 0, 1) * 0.5, skin * 0.6)
    frown = np.clip(col(E[:, 1]), 0, None)
    for s in (-1, 1):
        d = _seg(ux, fy, s * 1.0, brow_y + 1.5, s * 1.3, brow_y + 4.5) - 0.35
        img = _paint(img, _cov(d) * np.clip(frown - 0.3, 0, 1) * 0.6, skin * 0.55)

    # nose: nostrils, a shadow on one side, wrinkles across the bridge
    ny = u01(3.5, 5.5)
    for s in (-1, 1):
        d = np.hypot(ux - s * 1.8, fy - ny) - 0.8
        img = _paint(img, _cov(d), skin * 0.5)
    side = _seg(ux, fy, 1.3 * np.sign(yaw + 1e-9), ey + 1, 1.8 * np.sign(yaw + 1e-9), ny - 1) - 0.5
    img = _paint(img, _cov(side) * 0.35, skin * 0.7)
    wr = col(E[:, 7])
    for k in range(3):
        d = np.maximum(np.abs(fy - (ey + 1.2 + 1.3 * k)) - 0.3, np.abs(ux) - 2.5)
        img = _paint(img, _cov(d) * np.clip(wr - 0.2, 0, 1) * 0.7, skin * 0.55)

    # mouth: a lip line whose corners follow the curve, opening with dark inside and teeth
    my = ny + u01(4.5, 6.5)
    mw = u01(5.0, 7.0) * col(E[:, 5])
    curve, opening, teeth, asym = col(E[:, 3]), col(E[:, 4]), col(E[:, 6]), col(E[:, 8])
    t = np.clip(ux / mw, -1.2, 1.2)
    centre = my - curve * 2.8 * (t ** 2 - 0.3) - asym * 1.4 * np.clip(t, 0, 1) * np.abs(t)
    half_open = opening * 3.2 * np.sqrt(np.clip(1 - t ** 2, 0, 1))
    inside = np.maximum(np.abs(fy - centre) - half_open, np.abs(ux) - mw)
    lips = np.maximum(np.abs(fy - centre) - (half_open + u01(0.7, 1.2)), np.abs(ux) - mw - 0.6)
    img = _paint(img, _cov(lips), skin * u01(0.45, 0.75))
    img = _paint(img, _cov(inside) * (opening > 0.08), 0.08)
    teeth_d = np.maximum(inside, (fy - centre) - 0.1 * half_open)
    img = _paint(img, _cov(teeth_d) * teeth * (opening > 0.15), 0.85)
    # cheek folds of a smile
    for s in (-1, 1):
        d = _seg(ux, fy, s * (mw + 1.2), my - 4.5, s * (mw + 1.8), my + 0.5) - 0.4
        img = _paint(img, _cov(d) * np.clip(curve - 0.4, 0, 1) * 0.6, skin * 0.6)

    # illumination: directional shading over the face, then global gain and gamma
    la = rng.uniform(0, 2 * np.pi, n)
    shade = 1 + u01(0.0, 0.45) * (col(np.cos(la)) * fx + col(np.sin(la)) * fy) / 18.0
    img = img * np.clip(shade, 0.4, 1.6)

    # occlusions
    occ = rng.random(n)
    glasses = col(occ < 0.12)
    sunglasses = col((occ >= 0.12) & (occ < 0.17))
    frame_v = u01(0.0, 0.3)
    for s in (-1, 1):
        r = np.hypot((ux - s * ex) / 4.2, (fy - ey) / 3.4) - 1
        img = _paint(img, _cov(np.abs(r * 3.4) - 0.45) * glasses, frame_v)
        img = _paint(img, _cov(r * 3.4) * sunglasses, frame_v * 0.5)
    bridge = np.maximum(np.abs(fy - ey + 0.5) - 0.4, np.abs(ux) - (ex - 4.2))
    img = _paint(img, _cov(bridge) * np.maximum(glasses, sunglasses), frame_v)
    hand = col((occ >= 0.17) & (occ < 0.32))
    hx, hy = u01(-16, 16), u01(-4, 20)
    hr = u01(5, 9)
    hang = rng.uniform(0, np.pi, n)
    ax_, ay_ = col(np.cos(hang)) * 8, col(np.sin(hang)) * 8
    hand_d = _seg(fx, fy, hx - ax_, hy - ay_, hx + ax_, hy + ay_) - hr
    img = _paint(img, _cov(hand_d) * hand, u01(0.3, 0.9))

    gain, gamma = u01(0.7, 1.25), np.exp(u01(-0.35, 0.35))
    img = np.clip(img * gain, 0, 1) ** gamma
    img = img + u01(0.01, 0.05) * rng.standard_normal(img.shape, dtype=np.float32)
    return np.clip(img, 0, 1).astype(np.float32)
