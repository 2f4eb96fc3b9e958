"""Articulated human body model: a joint-angle kinematic tree, a pinhole camera
and a capsule renderer.

Used by the MDS189 generator (:mod:`coursedata.mds189`) and meant to be reused
for 3D-pose data (the Human3.6M 17-joint set is exposed as well as OpenPose
BODY_25).
"""
from .skeleton import (
    BODY25_FLIP, BODY25_FROM_JOINTS, BODY25_NAMES, BODY25_PAIRS, H36M17_FROM_JOINTS,
    H36M17_NAMES, H36M17_PARENTS, JOINT_INDEX, JOINTS, PARENTS, ROTATING_JOINTS, SEGMENTS,
    BodyShape, Pose, forward_kinematics, forward_kinematics_batch, to_body25, to_h36m17,
)
from .camera import Camera, look_at
from .render import draw_capsules, render_body

__all__ = [
    "BODY25_FLIP", "BODY25_FROM_JOINTS", "BODY25_NAMES", "BODY25_PAIRS", "H36M17_FROM_JOINTS",
    "H36M17_NAMES", "H36M17_PARENTS", "JOINT_INDEX", "JOINTS", "PARENTS", "ROTATING_JOINTS",
    "SEGMENTS", "BodyShape", "Pose", "forward_kinematics", "forward_kinematics_batch", "to_body25", "to_h36m17",
    "Camera", "look_at", "draw_capsules", "render_body",
]
