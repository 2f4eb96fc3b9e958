"""solutions/fms/plotting.py (provided to students): draw_pose's limbs and joints."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from solutions.fms.plotting import JOINT_COLORS, LIMBS, draw_pose  # noqa: E402


def _pose(missing=()):
    rng = np.random.default_rng(0)
    kp = np.column_stack([rng.uniform(0, 60, 25), rng.uniform(0, 80, 25), np.ones(25)])
    kp[list(missing), 2] = 0.0
    return kp


def test_draw_pose_draws_every_limb_whose_two_ends_are_seen_as_one_collection():
    kp = _pose(missing=(4, 11))
    fig, ax = plt.subplots()
    try:
        draw_pose(ax, kp.ravel())  # the (75,) layout of the label files
        (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        seen = [(a, b) for a, b in LIMBS if 4 not in (a, b) and 11 not in (a, b)]
        segments = lines.get_segments()
        assert len(segments) == len(seen) < len(LIMBS)
        for seg, (a, b) in zip(segments, seen):
            np.testing.assert_allclose(seg, kp[[a, b], :2])
        np.testing.assert_allclose(lines.get_colors()[:, :3], 0.5 * (JOINT_COLORS[[a for a, _ in seen]]
                                                                    + JOINT_COLORS[[b for _, b in seen]]))
        dots = [c for c in ax.collections if not isinstance(c, LineCollection)]
        assert len(dots) == 1 and len(dots[0].get_offsets()) == 23
        lo, hi = ax.get_xlim()
        assert lo <= kp[:, 0].min() and hi >= kp[:, 0].max(), "the view does not hold the pose"
    finally:
        plt.close(fig)


def test_draw_pose_with_one_limb_colour_and_with_no_limb_seen():
    fig, ax = plt.subplots()
    try:
        draw_pose(ax, _pose(), limb_color=(1.0, 0.0, 0.0), alpha=0.5)
        (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(lines.get_segments()) == len(LIMBS)
        np.testing.assert_allclose(lines.get_colors()[:, :3], np.tile([1.0, 0.0, 0.0], (len(LIMBS), 1)))
        ax.clear()
        draw_pose(ax, _pose(missing=range(25)))
        assert not [c for c in ax.collections if isinstance(c, LineCollection)]
    finally:
        plt.close(fig)
