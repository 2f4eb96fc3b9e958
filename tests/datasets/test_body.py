"""The articulated body model: kinematics, keypoint sets, camera, renderer."""
from __future__ import annotations

import numpy as np
import pytest

from coursedata.body import (
    BODY25_FLIP, BODY25_NAMES, H36M17_NAMES, H36M17_PARENTS, JOINT_INDEX, JOINTS, PARENTS,
    BodyShape, Camera, Pose, forward_kinematics, forward_kinematics_batch, render_body, to_body25,
    to_h36m17,
)
from coursedata.mds189.movements import LABELS, key_pose, mirror_pose, neutral_pose


def _bone_lengths(X):
    return np.array([np.linalg.norm(X[j] - X[p]) for j, p in enumerate(PARENTS) if p >= 0])


def test_pose_changes_keep_bone_lengths():
    shape = BodyShape(height=1.8, leg=1.05, width=0.9)
    rest = forward_kinematics(shape, Pose())
    for m in LABELS:
        X = forward_kinematics(shape, key_pose(m, "left"))
        np.testing.assert_allclose(_bone_lengths(X), _bone_lengths(rest), rtol=1e-10)


def test_rest_pose_is_upright_and_about_the_right_height():
    for h in (1.55, 1.72, 1.9):
        X = forward_kinematics(BodyShape(height=h), Pose())
        top = X[JOINT_INDEX["head_top"], 1] - X[:, 1].min()
        assert 0.88 * h < top < 0.98 * h
        assert X[JOINT_INDEX["l_shoulder"], 0] > 0 > X[JOINT_INDEX["r_shoulder"], 0]  # +x is the left
        assert X[JOINT_INDEX["nose"], 2] > X[JOINT_INDEX["head"], 2]                    # faces +z


def test_anatomical_signs():
    shape = BodyShape()
    knee = JOINT_INDEX["l_knee"]
    hip = JOINT_INDEX["l_hip"]
    X = forward_kinematics(shape, Pose.from_spec({"l_hip": 90}))
    assert X[knee, 2] - X[hip, 2] > 0.9 * np.linalg.norm(X[knee] - X[hip])   # thigh forward
    X = forward_kinematics(shape, Pose.from_spec({"l_knee": 90}))
    assert X[JOINT_INDEX["l_ankle"], 2] < X[knee, 2] - 0.3                      # shin backward
    X = forward_kinematics(shape, Pose.from_spec({"root": (-90, 0, 0)}))
    assert X[JOINT_INDEX["nose"], 1] > X[JOINT_INDEX["head"], 1]                # on the back, face up


def test_mirror_pose_mirrors_the_body():
    shape = BodyShape()
    for m in LABELS:
        a = forward_kinematics(shape, key_pose(m, "left"))
        b = forward_kinematics(shape, key_pose(m, "right"))
        swap = [JOINT_INDEX[n.replace("l_", "#").replace("r_", "l_").replace("#", "r_")] for n in JOINTS]
        np.testing.assert_allclose(b[swap] * [-1, 1, 1], a, atol=1e-9)
        v = key_pose(m).vector()
        np.testing.assert_allclose(mirror_pose(mirror_pose(key_pose(m))).vector(), v)
        assert neutral_pose(m).vector().shape == v.shape


def test_batch_kinematics_matches_single():
    rng = np.random.default_rng(1)
    V = rng.normal(0, 50, size=(4, 45))
    shape = BodyShape(height=1.6, arm=1.07)
    single = np.stack([forward_kinematics(shape, Pose.from_vector(v)) for v in V])
    np.testing.assert_allclose(forward_kinematics_batch(shape, V), single, atol=1e-12)


def test_keypoint_sets():
    X = forward_kinematics(BodyShape(), Pose())
    assert to_body25(X).shape == (25, 3) and len(BODY25_NAMES) == 25
    assert to_h36m17(X).shape == (17, 3) and len(H36M17_NAMES) == 17 and len(H36M17_PARENTS) == 17
    assert BODY25_NAMES[int(BODY25_FLIP[BODY25_NAMES.index("LKnee")])] == "RKnee"
    assert all(BODY25_FLIP[BODY25_FLIP] == np.arange(25))
    np.testing.assert_allclose(to_h36m17(X)[0], X[JOINT_INDEX["pelvis"]])


def test_camera_projects_the_side_view():
    X = forward_kinematics(BodyShape(), Pose())
    cam = Camera.orbit(X.mean(0), 4.0, azimuth_deg=0.0)   # from the body's left
    uv, z = cam.project(X)
    assert np.all(z > 3.0)
    assert uv[JOINT_INDEX["head_top"], 1] < uv[JOINT_INDEX["l_ankle"], 1]   # head above the feet
    assert uv[JOINT_INDEX["nose"], 0] != pytest.approx(uv[JOINT_INDEX["head"], 0])


def test_renderer_paints_inside_the_frame():
    X = forward_kinematics(BodyShape(), Pose())
    cam = Camera.orbit(X.mean(0), 4.0, azimuth_deg=90.0)
    uv, z = cam.project(X)
    uv = (uv - uv.mean(0)) * 100 + 32
    img = np.zeros((64, 64, 3))
    mats = {k: np.ones(3) for k in ("skin", "hair", "shirt", "pants", "shoes")}
    render_body(img, uv, z, np.full(18, 2.0), mats)
    assert 0.05 < (img.sum(-1) > 0).mean() < 0.6 and img.max() <= 1.0 + 1e-9
