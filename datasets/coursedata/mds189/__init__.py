"""Synthetic MDS189: Functional-Movement-Screen style videos, key frames and
keypoints, rendered from an articulated body model.

``python -m coursedata.mds189 [--preset default|large] [--seed N] [--out DIR]``
writes the folder layout documented in ``datasets/mds189/FORMAT.md``.
"""
from .movements import BILATERAL, LABELS
from .generate import PRESETS, REFERENCE_ID, generate

__all__ = ["LABELS", "BILATERAL", "PRESETS", "REFERENCE_ID", "generate", "default_dir"]


def default_dir():
    """``data_root()/"mds189"``: where the default copy lives."""
    from coursedata.paths import data_root
    return data_root() / "mds189"
