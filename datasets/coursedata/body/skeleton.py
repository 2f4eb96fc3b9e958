"""A small articulated human body: a joint-angle kinematic tree in 3D.

World frame (metres): ``+y`` up, ``+z`` is where the body faces in its rest pose,
``+x`` is the body's *left*.  The rest pose stands upright with the arms hanging.

A pose is a mapping ``joint name -> (flex, abd, twist)`` in degrees plus a root
orientation ``(pitch, roll, yaw)`` and a root translation.  Signs are anatomical,
so the same number means the same thing on both sides of the body:

* ``flex`` > 0 flexes the joint: the thigh / upper arm swings forward, the knee
  bends the shin backwards, the elbow lifts the forearm, the spine and neck bend
  forwards, the ankle pulls the toes up (dorsiflexion).
* ``abd`` > 0 moves a limb away from the mid-line (for the spine/neck: bends to
  the body's left).
* ``twist`` > 0 rotates a limb outwards about its own axis.
* root ``pitch`` > 0 tips the whole body forwards (+90: lying face down,
  -90: lying on the back); ``yaw`` turns it about the vertical axis.

:func:`forward_kinematics` turns (body, pose) into 3D positions of every joint in
:data:`JOINTS`; :data:`BODY25_FROM_JOINTS` and :data:`H36M17_FROM_JOINTS` pick the
OpenPose BODY_25 and Human3.6M 17-joint subsets in their usual orders.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np

__all__ = [
    "JOINTS", "JOINT_INDEX", "PARENTS", "ROTATING_JOINTS",
    "BODY25_NAMES", "BODY25_FROM_JOINTS", "BODY25_PAIRS", "BODY25_FLIP",
    "H36M17_NAMES", "H36M17_FROM_JOINTS", "H36M17_PARENTS",
    "SEGMENTS", "BodyShape", "Pose", "forward_kinematics", "forward_kinematics_batch",
    "rot_x", "rot_y", "rot_z",
    "to_body25", "to_h36m17",
]

# --------------------------------------------------------------------------- joints
# (name, parent, rest offset in the parent's frame as a function of the shape)
# Offsets are filled in by BodyShape.offsets(); here only the tree is declared.
_TREE: list[tuple[str, str | None]] = [
    ("pelvis", None),
    ("spine", "pelvis"),
    ("neck", "spine"),
    ("neck_top", "neck"),
    ("head", "neck"),
    ("head_top", "head"),
    ("nose", "head"),
    ("l_eye", "head"), ("r_eye", "head"),
    ("l_ear", "head"), ("r_ear", "head"),
    ("l_shoulder", "spine"), ("r_shoulder", "spine"),
    ("l_elbow", "l_shoulder"), ("r_elbow", "r_shoulder"),
    ("l_wrist", "l_elbow"), ("r_wrist", "r_elbow"),
    ("l_hand", "l_wrist"), ("r_hand", "r_wrist"),
    ("l_hip", "pelvis"), ("r_hip", "pelvis"),
    ("l_knee", "l_hip"), ("r_knee", "r_hip"),
    ("l_ankle", "l_knee"), ("r_ankle", "r_knee"),
    ("l_heel", "l_ankle"), ("r_heel", "r_ankle"),
    ("l_bigtoe", "l_ankle"), ("r_bigtoe", "r_ankle"),
    ("l_smalltoe", "l_ankle"), ("r_smalltoe", "r_ankle"),
]
JOINTS: tuple[str, ...] = tuple(n for n, _ in _TREE)
JOINT_INDEX: dict[str, int] = {n: i for i, n in enumerate(JOINTS)}
PARENTS: tuple[int, ...] = tuple(-1 if p is None else JOINT_INDEX[p] for _, p in _TREE)

# Joints whose local rotation a pose may set (the root is handled separately).
ROTATING_JOINTS: tuple[str, ...] = (
    "spine", "neck",
    "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist",
    "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle",
)

# --------------------------------------------------------------- keypoint formats
BODY25_NAMES: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
    "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)
_B25_SRC = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "pelvis", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye",
    "r_ear", "l_ear", "l_bigtoe", "l_smalltoe", "l_heel", "r_bigtoe", "r_smalltoe", "r_heel",
)
BODY25_FROM_JOINTS: np.ndarray = np.array([JOINT_INDEX[n] for n in _B25_SRC])
# Limb pairs used by OpenPose-style drawings (index pairs into BODY_25).
BODY25_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11),
    (8, 12), (12, 13), (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18),
    (14, 19), (19, 20), (14, 21), (11, 22), (22, 23), (11, 24),
)


def _flip_perm(names: tuple[str, ...]) -> np.ndarray:
    out = []
    for n in names:
        if n.startswith("L") and n[1:2].isupper():
            m = "R" + n[1:]
        elif n.startswith("R") and n[1:2].isupper():
            m = "L" + n[1:]
        else:
            m = n
        out.append(names.index(m))
    return np.array(out)


# BODY25_FLIP[i] is the index of the keypoint with the other side's name.
BODY25_FLIP: np.ndarray = _flip_perm(BODY25_NAMES)

H36M17_NAMES: tuple[str, ...] = (
    "Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax",
    "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist",
)
_H36_SRC = (
    "pelvis", "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "spine", "neck",
    "neck_top", "head_top", "l_shoulder", "l_elbow", "l_wrist", "r_shoulder", "r_elbow",
    "r_wrist",
)
H36M17_FROM_JOINTS: np.ndarray = np.array([JOINT_INDEX[n] for n in _H36_SRC])
H36M17_PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

# ------------------------------------------------------------ rendering segments
# (joint a, joint b, radius as a fraction of height, material)
SEGMENTS: tuple[tuple[str, str, float, str], ...] = (
    ("pelvis", "neck", 0.085, "shirt"),
    ("l_hip", "r_hip", 0.060, "pants"),
    ("l_shoulder", "r_shoulder", 0.045, "shirt"),
    ("neck", "neck_top", 0.032, "skin"),
    ("head", "head", 0.068, "skin"),
    ("head_top", "head_top", 0.045, "hair"),
    ("l_shoulder", "l_elbow", 0.034, "shirt"), ("r_shoulder", "r_elbow", 0.034, "shirt"),
    ("l_elbow", "l_wrist", 0.028, "skin"), ("r_elbow", "r_wrist", 0.028, "skin"),
    ("l_wrist", "l_hand", 0.024, "skin"), ("r_wrist", "r_hand", 0.024, "skin"),
    ("l_hip", "l_knee", 0.055, "pants"), ("r_hip", "r_knee", 0.055, "pants"),
    ("l_knee", "l_ankle", 0.042, "pants"), ("r_knee", "r_ankle", 0.042, "pants"),
    ("l_heel", "l_bigtoe", 0.024, "shoes"), ("r_heel", "r_bigtoe", 0.024, "shoes"),
)


# ----------------------------------------------------------------------- rotations
def rot_x(deg):
    t = np.deg2rad(deg); c, s = np.cos(t), np.sin(t)
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg):
    t = np.deg2rad(deg); c, s = np.cos(t), np.sin(t)
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rot_z(deg):
    t = np.deg2rad(deg); c, s = np.cos(t), np.sin(t)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


# sign of the x-rotation that realises positive flexion, per joint kind
_FLEX_SIGN = {"spine": 1, "neck": 1, "shoulder": -1, "elbow": -1, "wrist": -1,
              "hip": -1, "knee": 1, "ankle": -1}


def _local_rotation(name: str, angles) -> np.ndarray:
    flex, abd, twist = (float(a) for a in angles)
    kind = name[2:] if name[:2] in ("l_", "r_") else name
    side = -1.0 if name.startswith("r_") else 1.0
    if kind in ("spine", "neck"):
        # lateral bend to the left is a +z rotation, twist to the left is +y
        return rot_y(twist) @ rot_z(-abd) @ rot_x(flex)
    return rot_y(side * twist) @ rot_z(side * abd) @ rot_x(_FLEX_SIGN[kind] * flex)


# ----------------------------------------------------------------------- the body
@dataclass(frozen=True)
class BodyShape:
    """Proportions of one person (lengths in metres).

    ``height`` is the standing height; the other fields scale parts of the body
    relative to an average adult (1.0 = average).
    """

    height: float = 1.72
    leg: float = 1.0
    arm: float = 1.0
    torso: float = 1.0
    width: float = 1.0
    head: float = 1.0

    def offsets(self) -> np.ndarray:
        """Rest-pose offset of every joint from its parent, shape (len(JOINTS), 3)."""
        H = self.height
        # keep the total height: the torso absorbs what the legs gain or lose
        thigh = 0.245 * self.leg
        shin = 0.243 * self.leg
        ankle_h = 0.040
        pelvis_h = thigh + shin + ankle_h + 0.03
        head_len = 0.10 * self.head
        torso_len = max(0.20, 1.0 - pelvis_h - head_len - 0.075 * self.head - 0.035) * self.torso
        sw = 0.105 * self.width
        hw = 0.085 * self.width
        upper = 0.170 * self.arm
        fore = 0.150 * self.arm
        hr = self.head
        o = {
            "pelvis": (0.0, pelvis_h, 0.0),
            "spine": (0.0, 0.42 * torso_len, 0.0),
            "neck": (0.0, 0.58 * torso_len, 0.0),
            "neck_top": (0.0, 0.055 * hr, 0.012),
            "head": (0.0, head_len, 0.012),
            "head_top": (0.0, 0.062 * hr, -0.008),
            "nose": (0.0, -0.008 * hr, 0.072 * hr),
            "l_eye": (0.024 * hr, 0.014 * hr, 0.060 * hr), "r_eye": (-0.024 * hr, 0.014 * hr, 0.060 * hr),
            "l_ear": (0.066 * hr, 0.0, -0.004), "r_ear": (-0.066 * hr, 0.0, -0.004),
            "l_shoulder": (sw, 0.58 * torso_len - 0.025, 0.0), "r_shoulder": (-sw, 0.58 * torso_len - 0.025, 0.0),
            "l_elbow": (0.0, -upper, 0.0), "r_elbow": (0.0, -upper, 0.0),
            "l_wrist": (0.0, -fore, 0.0), "r_wrist": (0.0, -fore, 0.0),
            "l_hand": (0.0, -0.06 * self.arm, 0.0), "r_hand": (0.0, -0.06 * self.arm, 0.0),
            "l_hip": (hw, -0.03, 0.0), "r_hip": (-hw, -0.03, 0.0),
            "l_knee": (0.0, -thigh, 0.0), "r_knee": (0.0, -thigh, 0.0),
            "l_ankle": (0.0, -shin, 0.0), "r_ankle": (0.0, -shin, 0.0),
            "l_heel": (0.0, -0.036, -0.040), "r_heel": (0.0, -0.036, -0.040),
            "l_bigtoe": (-0.012, -0.040, 0.120), "r_bigtoe": (0.012, -0.040, 0.120),
            "l_smalltoe": (0.030, -0.040, 0.100), "r_smalltoe": (-0.030, -0.040, 0.100),
        }
        return np.array([o[n] for n in JOINTS], dtype=float) * H

    def radii(self) -> np.ndarray:
        """Rendering radius (metres) of each entry of :data:`SEGMENTS`."""
        r = np.array([s[2] for s in SEGMENTS]) * self.height
        for i, (a, b, _, _) in enumerate(SEGMENTS):
            if a.startswith("head") or a == "neck":
                r[i] *= self.head
            elif a in ("pelvis", "l_hip", "l_shoulder") or "hip" in a or "knee" in a:
                r[i] *= self.width
        return r


@dataclass
class Pose:
    """Joint angles (degrees) plus the root placement."""

    angles: dict[str, np.ndarray] = field(default_factory=dict)
    root_rot: np.ndarray = field(default_factory=lambda: np.zeros(3))  # pitch, roll, yaw
    root_pos: np.ndarray = field(default_factory=lambda: np.zeros(3))

    @classmethod
    def from_spec(cls, spec: Mapping) -> "Pose":
        """Build from a dict ``{joint: (flex, abd, twist) | flex, "root": (pitch, roll, yaw)}``."""
        angles = {}
        root = np.zeros(3)
        for k, v in spec.items():
            v = np.atleast_1d(np.asarray(v, dtype=float))
            v = np.concatenate([v, np.zeros(3 - v.size)])
            if k == "root":
                root = v
            else:
                if k not in ROTATING_JOINTS:
                    raise KeyError(f"unknown joint {k!r}")
                angles[k] = v
        return cls(angles, root)

    def vector(self) -> np.ndarray:
        """All angles as one flat vector (root rotation first), for interpolation."""
        return np.concatenate([self.root_rot] + [self.angles.get(j, np.zeros(3)) for j in ROTATING_JOINTS])

    @classmethod
    def from_vector(cls, v: np.ndarray, root_pos=None) -> "Pose":
        v = np.asarray(v, dtype=float)
        angles = {j: v[3 + 3 * i: 6 + 3 * i].copy() for i, j in enumerate(ROTATING_JOINTS)}
        return cls(angles, v[:3].copy(), np.zeros(3) if root_pos is None else np.asarray(root_pos, float))

    def copy(self) -> "Pose":
        return replace(self, angles={k: v.copy() for k, v in self.angles.items()},
                       root_rot=self.root_rot.copy(), root_pos=self.root_pos.copy())


def root_rotation(pitch_roll_yaw) -> np.ndarray:
    pitch, roll, yaw = (float(a) for a in pitch_roll_yaw)
    return rot_y(yaw) @ rot_x(pitch) @ rot_z(roll)


def forward_kinematics(shape: BodyShape, pose: Pose, offsets: np.ndarray | None = None,
                       rotations: bool = False):
    """3D joint positions (len(JOINTS), 3) of ``shape`` in ``pose``.

    The root sits at ``pose.root_pos`` (the pelvis; the rest-pose pelvis height is
    not added). With ``rotations=True`` also returns the global rotation matrices.
    """
    off = shape.offsets() if offsets is None else offsets
    n = len(JOINTS)
    pos = np.zeros((n, 3))
    glob = np.zeros((n, 3, 3))
    glob[0] = root_rotation(pose.root_rot)
    pos[0] = pose.root_pos
    for j in range(1, n):
        p = PARENTS[j]
        pos[j] = pos[p] + glob[p] @ off[j]
        name = JOINTS[j]
        a = pose.angles.get(name)
        glob[j] = glob[p] @ _local_rotation(name, a) if a is not None else glob[p]
    return (pos, glob) if rotations else pos


def _batch_rot(axis: int, deg: np.ndarray) -> np.ndarray:
    t = np.deg2rad(np.asarray(deg, float))
    c, s = np.cos(t), np.sin(t)
    R = np.zeros(t.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R[..., axis, axis] = 1.0
    R[..., i, i] = c
    R[..., j, j] = c
    R[..., i, j] = -s
    R[..., j, i] = s
    return R


def _batch_local(name: str, ang: np.ndarray) -> np.ndarray:
    """Vectorised :func:`_local_rotation`: ang (T, 3) -> (T, 3, 3)."""
    kind = name[2:] if name[:2] in ("l_", "r_") else name
    side = -1.0 if name.startswith("r_") else 1.0
    if kind in ("spine", "neck"):
        return _batch_rot(1, ang[:, 2]) @ _batch_rot(2, -ang[:, 1]) @ _batch_rot(0, ang[:, 0])
    return (_batch_rot(1, side * ang[:, 2]) @ _batch_rot(2, side * ang[:, 1])
            @ _batch_rot(0, _FLEX_SIGN[kind] * ang[:, 0]))


def forward_kinematics_batch(shape: BodyShape, vectors: np.ndarray, offsets: np.ndarray | None = None,
                             root_pos: np.ndarray | None = None) -> np.ndarray:
    """:func:`forward_kinematics` for many poses given as :meth:`Pose.vector` rows.

    vectors (T, 3 + 3 * len(ROTATING_JOINTS)) -> joint positions (T, len(JOINTS), 3).
    """
    v = np.atleast_2d(np.asarray(vectors, float))
    T = v.shape[0]
    off = shape.offsets() if offsets is None else offsets
    pos = np.zeros((T, len(JOINTS), 3))
    glob = np.zeros((T, len(JOINTS), 3, 3))
    glob[:, 0] = _batch_rot(1, v[:, 2]) @ _batch_rot(0, v[:, 0]) @ _batch_rot(2, v[:, 1])
    if root_pos is not None:
        pos[:, 0] = root_pos
    rot_index = {j: i for i, j in enumerate(ROTATING_JOINTS)}
    for j in range(1, len(JOINTS)):
        p = PARENTS[j]
        pos[:, j] = pos[:, p] + glob[:, p] @ off[j]
        name = JOINTS[j]
        if name in rot_index:
            k = rot_index[name]
            glob[:, j] = glob[:, p] @ _batch_local(name, v[:, 3 + 3 * k: 6 + 3 * k])
        else:
            glob[:, j] = glob[:, p]
    return pos


def to_body25(joints: np.ndarray) -> np.ndarray:
    """Pick BODY_25 keypoints (..., 25, D) from internal joints (..., len(JOINTS), D)."""
    return joints[..., BODY25_FROM_JOINTS, :]


def to_h36m17(joints: np.ndarray) -> np.ndarray:
    """Pick the Human3.6M 17-joint set (..., 17, D) from internal joints."""
    return joints[..., H36M17_FROM_JOINTS, :]
