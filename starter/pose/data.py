"""Loading the clips (provided code: do not edit).

The data are Human3.6M-style clips in the course's ``.npy`` format:

* ``videoframes_clips_{train,valid}.npy``: uint8 ``(N, 8, H, W, 3)`` RGB frames;
* ``joint_3d_clips_{train,valid}.npy``: ``(N, 8, 17, 3)`` joint positions in metres,
  root-relative (the pelvis, joint 0, at the origin) in the camera frame (x right,
  y down, z away from the camera).

Without the licensed Human3.6M files, :func:`ensure_data` renders the synthetic copy
described in ``datasets/h36m/CARD.md`` (about a minute, once). Real files with the same
names in the same folder are used as they are.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["JOINT_NAMES", "PARENTS", "ensure_data", "load_clips", "load_blocked", "dataset_root"]

JOINT_NAMES = ("Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax", "Neck/Nose",
               "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist")
# PARENTS[j]: the joint that joint j hangs from (-1 for the root), to draw the skeleton
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)


def dataset_root(root=None) -> Path:
    """The folder of the clips: ``root`` if given, else the course's data folder."""
    if root is not None:
        return Path(root)
    from coursedata.h36m import default_dir

    return default_dir()


def ensure_data(root=None, quiet: bool = False) -> Path:
    """Make sure the clips exist (renders the synthetic copy on first use)."""
    path = dataset_root(root)
    if root is None:
        from coursedata.h36m import ensure

        if not quiet and not (path / "videoframes_clips_train.npy").is_file():
            print("rendering the synthetic clips (once, about a minute) ...")
        ensure()
    return path


def load_clips(split: str = "train", root=None, mmap: bool | None = None):
    """``(videos uint8 (N, 8, H, W, 3), joints (N, 8, 17, 3) metres)`` of ``train`` or ``valid``.

    Read with ``np.load(..., allow_pickle=False)``; large files are memory-mapped
    (read-only) unless ``mmap=False``: wrap them with ``np.asarray`` / ``torch.as_tensor``
    per batch, or copy them with ``np.array`` if you need them in memory.
    """
    if split not in ("train", "valid"):
        raise ValueError(f"split must be 'train' or 'valid', got {split!r}")
    from coursedata.h36m import load_clips as _load

    return _load(split, ensure_data(root, quiet=True), mmap=mmap)


def load_blocked(split: str = "valid", root=None):
    """bool ``(N, 8)``: the frames of ``split`` in which the person is not visible (something out of
    focus in front of the lens fills the frame), as the synthetic clips' ``_info.json`` records them;
    None for real files (or an older copy) that record no such frames."""
    if split not in ("train", "valid"):
        raise ValueError(f"split must be 'train' or 'valid', got {split!r}")
    from coursedata.h36m import synthetic_info

    rows = (synthetic_info(ensure_data(root, quiet=True)) or {}).get(f"blocked_{split}")
    if not rows:
        return None
    return np.array([[c == "1" for c in row] for row in rows], dtype=bool)
