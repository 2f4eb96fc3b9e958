"""Synthetic MDS189: Functional-Movement-Screen style videos, key frames and
keypoints, rendered from an articulated body model.

``python -m coursedata.mds189 [--preset default|large] [--seed N] [--out DIR]``
writes the train and validation splits in the folder layout documented in
``datasets/mds189/FORMAT.md``. The Kaggle-style test frames are not made from that seed:
the grader draws them (``generate_test``) from a seed only it holds, and they ship,
without labels, with the homework's release; the generator leaves them in place.
"""
from .movements import BILATERAL, LABELS
from .generate import PRESETS, REFERENCE_ID, TEST_ITEMS, TRAINVAL_ITEMS, generate, generate_test, test_digest

__all__ = ["LABELS", "BILATERAL", "PRESETS", "REFERENCE_ID", "TEST_ITEMS", "TRAINVAL_ITEMS", "generate",
           "generate_test", "test_digest", "default_dir", "ensure"]


def default_dir():
    """``data_root()/"mds189"``: where the default copy lives."""
    from coursedata.paths import data_root
    return data_root() / "mds189"


def ensure(preset: str = "default", seed: int = 0, force: bool = False):
    """`course data mds189`: generate the synthetic train and validation splits into ``default_dir()``.

    An existing copy is kept unless ``force``; a real copy laid out the same way is
    never overwritten without ``force``. Even with ``force`` the test frames
    (``test_kaggle_frames/`` and its lists, shipped with the release) are kept.
    """
    root = default_dir()
    if force or not (root / "trainval").is_dir():
        generate(root, preset=preset, seed=seed)
    return root
