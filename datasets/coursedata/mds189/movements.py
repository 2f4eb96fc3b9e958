"""The eight MDS189 movements as joint-angle key poses of the body model.

Each movement has a *neutral* pose (where a repetition starts and ends) and a
*key* pose (the peak of the movement, the pose a key frame shows).  Unilateral
movements are written for the left side (the left leg in motion); the right
side is their mirror image.  Angles follow :mod:`coursedata.body.skeleton`
(degrees, anatomical signs, ``root`` = (pitch, roll, yaw)).

Sketch of the movements (loosely after the Functional Movement Screen):

* deadbug     lying on the back, arms up and hips/knees at 90 degrees; one leg
              and the opposite arm extend.
* hamstrings  active straight-leg raise: lying flat, one straight leg lifts.
* inline      inline lunge holding a dowel behind the back (one hand behind the
              head, one at the low back): lower until the back knee nears the floor.
* lunge       forward lunge, hands usually on the hips.
* stretch     standing quadriceps stretch: one heel pulled to the buttock.
* pushup      from a high plank lower the chest towards the floor.
* reach       standing forward fold, reaching towards the toes.
* squat       deep squat, usually with the arms overhead.
"""
from __future__ import annotations

import numpy as np

from coursedata.body import Pose, ROTATING_JOINTS

__all__ = ["LABELS", "BILATERAL", "LYING", "neutral_pose", "key_pose", "mirror_pose", "STAND"]

LABELS: tuple[str, ...] = ("deadbug", "hamstrings", "inline", "lunge", "stretch", "pushup", "reach", "squat")
BILATERAL: dict[str, bool] = {
    "deadbug": False, "hamstrings": False, "inline": False, "lunge": False, "stretch": False,
    "pushup": True, "reach": True, "squat": True,
}
LYING = {"deadbug", "hamstrings", "pushup"}

STAND = {
    "root": (0, 0, 0),
    "l_shoulder": (3, 8, 0), "r_shoulder": (3, 8, 0),
    "l_elbow": 12, "r_elbow": 12,
    "l_hip": (2, 3, 0), "r_hip": (2, 3, 0),
    "l_knee": 3, "r_knee": 3,
}

_NEUTRAL = {
    "deadbug": {"root": (-90, 0, 0), "l_shoulder": 90, "r_shoulder": 90, "l_elbow": 5, "r_elbow": 5,
                "l_hip": 90, "r_hip": 90, "l_knee": 90, "r_knee": 90, "neck": 15},
    "hamstrings": {"root": (-90, 0, 0), "l_shoulder": (0, 12, 0), "r_shoulder": (0, 12, 0),
                   "l_elbow": 5, "r_elbow": 5, "l_hip": (0, 4, 0), "r_hip": (0, 4, 0),
                   "l_ankle": 5, "r_ankle": 5},
    "pushup": {"root": (72, 0, 0), "l_shoulder": (72, 12, 0), "r_shoulder": (72, 12, 0),
               "l_elbow": 0, "r_elbow": 0, "l_ankle": -55, "r_ankle": -55, "neck": -15},
}

# Key poses for the left side; several movements come in a few "styles" that
# people really use (arms placement), which makes the classes multi-modal.
_KEY_STYLES: dict[str, list[tuple[float, dict]]] = {
    "deadbug": [(1.0, {"root": (-90, 0, 0), "l_shoulder": 90, "r_shoulder": 172,
                       "l_elbow": 5, "r_elbow": 5, "l_hip": 12, "r_hip": 90,
                       "l_knee": 5, "r_knee": 90, "neck": 15})],
    "hamstrings": [(1.0, {"root": (-90, 0, 0), "l_shoulder": (0, 12, 0), "r_shoulder": (0, 12, 0),
                          "l_elbow": 5, "r_elbow": 5, "l_hip": (78, 2, 0), "r_hip": (0, 4, 0),
                          "l_ankle": 15, "r_ankle": 5})],
    "inline": [(1.0, {"l_hip": 82, "l_knee": 95, "l_ankle": 10, "r_hip": -22, "r_knee": 105,
                      "r_ankle": -25, "spine": 4,
                      "r_shoulder": (150, 35, 0), "r_elbow": 135,
                      "l_shoulder": (-40, 15, 0), "l_elbow": 85})],
    "lunge": [
        (0.6, {"l_hip": 92, "l_knee": 95, "l_ankle": 5, "r_hip": -18, "r_knee": 100, "r_ankle": -30,
               "l_shoulder": (-15, 38, 0), "r_shoulder": (-15, 38, 0), "l_elbow": 105, "r_elbow": 105}),
        (0.25, {"l_hip": 92, "l_knee": 95, "l_ankle": 5, "r_hip": -18, "r_knee": 100, "r_ankle": -30,
                "l_shoulder": (5, 10, 0), "r_shoulder": (5, 10, 0), "l_elbow": 15, "r_elbow": 15}),
        (0.15, {"l_hip": 92, "l_knee": 95, "l_ankle": 5, "r_hip": -18, "r_knee": 100, "r_ankle": -30,
                "l_shoulder": (80, 5, 0), "r_shoulder": (80, 5, 0), "l_elbow": 10, "r_elbow": 10}),
    ],
    "stretch": [
        (0.5, {"l_hip": -12, "l_knee": 138, "l_ankle": -20, "r_knee": 3, "spine": 5,
               "l_shoulder": (-38, 10, 0), "l_elbow": 12, "r_shoulder": (10, 70, 0), "r_elbow": 10}),
        (0.5, {"l_hip": -12, "l_knee": 138, "l_ankle": -20, "r_knee": 3, "spine": 5,
               "l_shoulder": (-38, 10, 0), "l_elbow": 12, "r_shoulder": (85, 5, 0), "r_elbow": 5}),
    ],
    "pushup": [(1.0, {"root": (86, 0, 0), "l_shoulder": (4, 30, 0), "r_shoulder": (4, 30, 0),
                      "l_elbow": 85, "r_elbow": 85, "l_ankle": -55, "r_ankle": -55, "neck": -20})],
    "reach": [(1.0, {"root": (62, 0, 0), "l_hip": 60, "r_hip": 60, "spine": 22, "neck": 10,
                     "l_knee": 4, "r_knee": 4, "l_shoulder": 78, "r_shoulder": 78,
                     "l_elbow": 5, "r_elbow": 5})],
    "squat": [
        (0.7, {"root": (38, 0, 0), "l_hip": (128, 10, 0), "r_hip": (128, 10, 0), "l_knee": 122,
               "r_knee": 122, "l_ankle": 28, "r_ankle": 28, "spine": 5,
               "l_shoulder": (165, 8, 0), "r_shoulder": (165, 8, 0), "l_elbow": 5, "r_elbow": 5}),
        (0.3, {"root": (38, 0, 0), "l_hip": (128, 10, 0), "r_hip": (128, 10, 0), "l_knee": 122,
               "r_knee": 122, "l_ankle": 28, "r_ankle": 28, "spine": 5,
               "l_shoulder": (95, 5, 0), "r_shoulder": (95, 5, 0), "l_elbow": 5, "r_elbow": 5}),
    ],
}


def _spec_to_pose(spec: dict) -> Pose:
    return Pose.from_spec(spec)


def neutral_pose(movement: str) -> Pose:
    """The pose a repetition of ``movement`` starts and ends in."""
    return _spec_to_pose(_NEUTRAL.get(movement, STAND))


def n_styles(movement: str) -> int:
    return len(_KEY_STYLES[movement])


def style_weights(movement: str) -> np.ndarray:
    w = np.array([w for w, _ in _KEY_STYLES[movement]], float)
    return w / w.sum()


def key_pose(movement: str, side: str = "left", style: int = 0) -> Pose:
    """Peak pose of ``movement`` for ``side`` ('left', 'right' or 'both')."""
    spec = dict(_NEUTRAL.get(movement, STAND))
    spec.update(_KEY_STYLES[movement][style][1])
    pose = _spec_to_pose(spec)
    return mirror_pose(pose) if side == "right" else pose


def mirror_pose(pose: Pose) -> Pose:
    """Swap the body's left and right (a movement done on the other side)."""
    out = pose.copy()
    ang = {}
    for j in ROTATING_JOINTS:
        if j.startswith("l_"):
            src = "r_" + j[2:]
        elif j.startswith("r_"):
            src = "l_" + j[2:]
        else:
            src = j
        v = pose.angles.get(src, np.zeros(3)).copy()
        if not (j.startswith("l_") or j.startswith("r_")):
            v[1:] *= -1.0  # lateral bend and twist change direction
        ang[j] = v
    out.angles = ang
    out.root_rot = pose.root_rot * np.array([1.0, -1.0, -1.0])
    return out
