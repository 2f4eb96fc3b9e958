"""One person's recording session: body, clothes, camera, room and lighting,
the animation of a movement and the rendering of its frames."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coursedata.body import (
    BODY25_FROM_JOINTS, BodyShape, Camera, JOINT_INDEX, forward_kinematics_batch, render_body,
)
from coursedata.body.render import SEGMENT_ENDS, sample_materials
from coursedata.body.render import hsv as _hsv
from .movements import BILATERAL, LYING, STAND, key_pose, mirror_pose, neutral_pose, style_weights

FRAME_SIZES = ((64, 64), (80, 64), (64, 80), (72, 72), (80, 80), (88, 64), (64, 88))  # (W, H)
FPS = 10  # frames are stored at 10 per second (the source videos run at 30)

# far-side keypoints (relative to the camera) are harder to see; BODY_25 indices
_B25_LEFT = np.array([5, 6, 7, 12, 13, 14, 16, 18, 19, 20, 21])
_B25_RIGHT = np.array([2, 3, 4, 9, 10, 11, 15, 17, 22, 23, 24])


@dataclass
class Subject:
    pid: str
    shape: BodyShape
    materials: dict
    speed: float              # > 1: faster (fewer frames per repetition)
    depth: float              # how far towards the full key pose the person goes
    posture: np.ndarray       # small personal offsets added to every pose vector
    frame_wh: tuple
    cam_side: float           # 0 (filmed from the body's left) or 180 (from the right)
    cam_az: float             # azimuth offset from a pure side view
    cam_el: float
    cam_roll: float
    cam_dist: float
    mirror: bool              # the video is stored mirrored (selfie camera)
    fill: float               # fraction of the frame the movement spans
    rot90: int = 0            # the stored video is rotated by rot90 * 90 degrees (phone orientation)
    room: dict = field(default_factory=dict)
    light: dict = field(default_factory=dict)
    fitness: int = 200


def sample_subject(rng: np.random.Generator, pid: str, canonical: bool = False) -> Subject:
    h = float(np.clip(rng.normal(1.71, 0.09), 1.50, 1.96))
    shape = BodyShape(height=h, leg=rng.uniform(0.93, 1.07), arm=rng.uniform(0.93, 1.07),
                      torso=rng.uniform(0.94, 1.06), width=rng.uniform(0.82, 1.22),
                      head=rng.uniform(0.92, 1.08))
    mats = sample_materials(rng)
    room = {
        "wall": _hsv(rng.uniform(), rng.uniform(0.0, 0.45), rng.uniform(0.35, 0.95)),
        "floor": _hsv(rng.uniform(0.0, 0.15), rng.uniform(0.1, 0.6), rng.uniform(0.2, 0.8)),
        "horizon": rng.uniform(0.05, 0.35),
        "n_clutter": int(rng.integers(0, 4)),
        "clutter_seed": int(rng.integers(1 << 30)),
    }
    light = {
        "gain": rng.uniform(0.65, 1.2),
        "tint": rng.uniform(0.88, 1.12, size=3),
        "grad": rng.uniform(-0.35, 0.35, size=2),
        "noise": rng.uniform(0.002, 0.012),
    }
    subj = Subject(
        pid=pid, shape=shape, materials=mats, speed=rng.uniform(0.75, 1.4),
        depth=rng.uniform(0.68, 1.05), posture=rng.normal(0, 3.0, size=3 + 3 * 14),
        frame_wh=FRAME_SIZES[rng.integers(len(FRAME_SIZES))],
        cam_side=float(rng.choice([0.0, 180.0])), cam_az=rng.uniform(-40, 40),
        cam_el=rng.uniform(-4, 22), cam_roll=rng.normal(0, 5.0), cam_dist=rng.uniform(2.8, 6.0),
        mirror=bool(rng.uniform() < 0.3), fill=rng.uniform(0.72, 0.92), room=room, light=light,
        fitness=int(rng.integers(0, 600)),
        rot90=int(rng.choice([0, 1, 3], p=[0.6, 0.2, 0.2])),
    )
    subj.posture[:3] = 0.0  # no personal root rotation
    if canonical:  # the reference subject: textbook side view, average body
        subj.shape = BodyShape(height=1.70)
        subj.cam_side, subj.cam_az, subj.cam_el, subj.cam_roll = 0.0, 0.0, 5.0, 0.0
        subj.mirror, subj.depth, subj.speed, subj.fill = False, 1.0, 1.0, 0.8
        subj.posture[:] = 0.0
        subj.frame_wh = (80, 80)
        subj.rot90 = 0
    return subj


# ------------------------------------------------------------------- animation
def _ease(t):
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(t, 0.0, 1.0))


def animate(subj: Subject, movement: str, rng: np.random.Generator):
    """Per-frame pose vectors of one video, and the peak frame of each side.

    Returns (vectors (T, D), sides {side: (f_start, f_key, f_end)} 0-based, style).
    """
    style = int(rng.choice(len(style_weights(movement)), p=style_weights(movement)))
    neutral = neutral_pose(movement).vector() + 0.5 * subj.posture
    depth = float(np.clip(subj.depth + rng.normal(0, 0.05), 0.55, 1.1))
    sides = ["both"] if BILATERAL[movement] else ["left", "right"]
    frames = []
    marks = {}
    n0 = int(rng.integers(1, 3))
    frames += [neutral] * n0
    for side in sides:
        key = key_pose(movement, "left" if side == "both" else side, style).vector()
        key = key + subj.posture + rng.normal(0, 4.0, size=key.shape)
        target = neutral + depth * (key - neutral)
        n_down = max(2, int(round(rng.uniform(2.6, 5.0) / subj.speed)))
        n_hold = int(rng.integers(1, 3))
        n_up = max(2, int(round(rng.uniform(2.6, 5.0) / subj.speed)))
        start = len(frames)
        for i in range(1, n_down + 1):
            frames.append(neutral + _ease(i / n_down) * (target - neutral))
        key_idx = len(frames) - 1 + n_hold // 2
        frames += [target] * (n_hold - 1)
        for i in range(1, n_up + 1):
            frames.append(target + _ease(i / n_up) * (neutral - target))
        frames += [neutral] * int(rng.integers(0, 2))
        marks[side] = (start, key_idx, len(frames) - 1)
    frames += [neutral] * int(rng.integers(0, 2))
    vec = np.array(frames)
    vec[:, 3:] += rng.normal(0, 1.2, size=vec[:, 3:].shape)  # natural wobble
    return vec, marks, style


def joints_3d(subj: Subject, movement: str, vectors: np.ndarray) -> np.ndarray:
    """World joint positions (T, J, 3): feet / back on the floor, body anchored."""
    X = forward_kinematics_batch(subj.shape, vectors)
    X[:, :, 1] -= X[:, :, 1].min(axis=1, keepdims=True) - 0.035 * subj.shape.height
    if movement in LYING:
        anchor = X[:, JOINT_INDEX["pelvis"]]
    else:
        anchor = 0.5 * (X[:, JOINT_INDEX["l_ankle"]] + X[:, JOINT_INDEX["r_ankle"]])
    X[:, :, 0] -= anchor[:, None, 0]
    X[:, :, 2] -= anchor[:, None, 2]
    return X


# ------------------------------------------------------------------- projection
@dataclass
class Framing:
    cam: Camera
    scale: float
    offset: np.ndarray
    W: int                 # size of the rendered (unrotated) frame
    H: int
    mirror: bool
    rot90: int = 0         # counter-clockwise quarter turns applied to the stored frame

    @property
    def size(self):
        """(W, H) of the stored frame."""
        return (self.H, self.W) if self.rot90 % 2 else (self.W, self.H)

    def project_unrotated(self, X):
        uv, z = self.cam.project(X)
        uv = uv * self.scale + self.offset
        if self.mirror:
            uv[..., 0] = self.W - uv[..., 0]
        return uv, z

    def rotate_points(self, uv):
        """Map unrotated pixel coordinates to the stored (rotated) frame."""
        w, h = self.W, self.H
        uv = uv.copy()
        for _ in range(self.rot90 % 4):  # one counter-clockwise quarter turn
            u, v = uv[..., 0].copy(), uv[..., 1].copy()
            uv[..., 0], uv[..., 1] = v, w - u
            w, h = h, w
        return uv

    def rotate_image(self, img):
        return np.ascontiguousarray(np.rot90(img, self.rot90 % 4))

    def project(self, X):
        uv, z = self.project_unrotated(X)
        return self.rotate_points(uv), z


def frame_video(subj: Subject, X: np.ndarray, rng: np.random.Generator) -> Framing:
    """Place the camera and fit the whole movement into the frame."""
    center = 0.5 * (X.reshape(-1, 3).min(0) + X.reshape(-1, 3).max(0))
    az = subj.cam_side + subj.cam_az + rng.normal(0, 6)
    cam = Camera.orbit(center, subj.cam_dist * rng.uniform(0.93, 1.07), az,
                       subj.cam_el + rng.normal(0, 2), subj.cam_roll + rng.normal(0, 1.5))
    uv, z = cam.project(X.reshape(-1, 3))
    pad = 0.09 * subj.shape.height / z.mean()
    lo, hi = uv.min(0) - pad, uv.max(0) + pad
    W, H = subj.frame_wh
    fill = float(np.clip(subj.fill * rng.uniform(0.92, 1.05), 0.45, 0.97))
    scale = fill * min(W / (hi[0] - lo[0]), H / (hi[1] - lo[1]))
    slack = np.array([W, H]) - (hi - lo) * scale
    offset = -lo * scale + slack * rng.uniform(0.38, 0.62, size=2)
    return Framing(cam, scale, offset, W, H, subj.mirror, subj.rot90)


# ------------------------------------------------------------------- rendering
def background(subj: Subject, fr: Framing, floor_row: float, rng: np.random.Generator) -> np.ndarray:
    W, H = fr.W, fr.H
    room = subj.room
    img = np.empty((H, W, 3), np.float64)
    horizon = int(np.clip(floor_row - room["horizon"] * H, 0, H))
    img[:horizon] = room["wall"]
    img[horizon:] = room["floor"]
    crng = np.random.default_rng(room["clutter_seed"])
    for _ in range(room["n_clutter"]):  # doors, windows, posters, furniture
        w, h = crng.uniform(0.1, 0.4) * W, crng.uniform(0.1, 0.5) * H
        x0, y0 = crng.uniform(-0.1, 1.0) * W, crng.uniform(-0.1, 0.8) * horizon
        col = _hsv(crng.uniform(), crng.uniform(0, 0.8), crng.uniform(0.2, 1.0))
        xa, xb = int(np.clip(x0, 0, W)), int(np.clip(x0 + w, 0, W))
        ya, yb = int(np.clip(y0, 0, H)), int(np.clip(y0 + h, 0, H))
        img[ya:yb, xa:xb] = col
    # a little texture so the background is not flat
    img += rng.normal(0, 0.012, size=(H, W, 1))
    return img


def light_map(subj: Subject, H: int, W: int) -> np.ndarray:
    """Per-pixel multiplicative lighting (H, W, 3): gain, colour tint, gradient."""
    L = subj.light
    yy, xx = np.mgrid[0:H, 0:W]
    g = 1.0 + L["grad"][0] * (xx / W - 0.5) + L["grad"][1] * (yy / H - 0.5)
    return (L["gain"] * g)[..., None] * L["tint"]


def apply_light(img: np.ndarray, light: np.ndarray, noise: float,
                noise_rng: np.random.Generator) -> np.ndarray:
    out = img * light
    out += noise_rng.normal(0, noise, size=out.shape)
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def render_video(subj: Subject, fr: Framing, X: np.ndarray, rng: np.random.Generator,
                 render: bool = True):
    """Render all frames; returns (images list of uint8 (H, W, 3), uv (T, J, 2), z (T, J))."""
    uv, z = fr.project_unrotated(X)
    if not render:
        return [None] * len(X), fr.rotate_points(uv), z
    floor_row = float(np.max(uv[:, :, 1]))
    radii_m = subj.shape.radii()
    bg = background(subj, fr, floor_row, rng)
    light = light_map(subj, fr.H, fr.W)
    seg_a = SEGMENT_ENDS[:, 0]
    images = []
    for t in range(len(X)):
        img = bg.copy()
        rad = radii_m * fr.cam.f * fr.scale / z[t, seg_a]
        render_body(img, uv[t], z[t], rad, subj.materials, side_shade=0.78)
        images.append(fr.rotate_image(apply_light(img, light, subj.light["noise"], rng)))
    return images, fr.rotate_points(uv), z


def body25(uv: np.ndarray) -> np.ndarray:
    return uv[..., BODY25_FROM_JOINTS, :]


def far_side_mask(z: np.ndarray) -> np.ndarray:
    """Boolean (T, 25): keypoints on the side of the body away from the camera."""
    zl = z[..., JOINT_INDEX["l_hip"]] + z[..., JOINT_INDEX["l_shoulder"]]
    zr = z[..., JOINT_INDEX["r_hip"]] + z[..., JOINT_INDEX["r_shoulder"]]
    m = np.zeros(z.shape[:-1] + (25,), bool)
    left_far = zl > zr
    m[left_far[..., None] & np.isin(np.arange(25), _B25_LEFT)] = True
    m[(~left_far)[..., None] & np.isin(np.arange(25), _B25_RIGHT)] = True
    return m


def body_height_px(subj: Subject, fr: Framing, z: np.ndarray) -> float:
    return float(subj.shape.height * fr.scale / np.mean(z))
