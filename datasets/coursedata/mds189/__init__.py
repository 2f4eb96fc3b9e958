"""Synthetic MDS189: Functional-Movement-Screen style videos, key frames and
keypoints, rendered from an articulated body model.

``python -m coursedata.mds189 [--preset default|large] [--seed N] [--out DIR]``
writes the folder layout documented in ``datasets/mds189/FORMAT.md``.
"""
from .movements import BILATERAL, LABELS
from .generate import PRESETS, REFERENCE_ID, generate

__all__ = ["LABELS", "BILATERAL", "PRESETS", "REFERENCE_ID", "generate", "default_dir", "ensure"]


def default_dir():
    """``data_root()/"mds189"``: where the default copy lives."""
    from coursedata.paths import data_root
    return data_root() / "mds189"


def ensure(preset: str = "default", seed: int = 0, force: bool = False):
    """`course data mds189`: generate the synthetic copy into ``default_dir()``.

    An existing copy is kept unless ``force``; a real copy laid out the same way is
    never overwritten without ``force``.
    """
    import shutil

    root = default_dir()
    if force and root.exists():
        shutil.rmtree(root)
    if not (root / "trainval").is_dir():
        generate(root, preset=preset, seed=seed)
    return root
