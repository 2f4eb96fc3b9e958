"""Human3.6M-style 3D pose clips: the real file format and a synthetic stand-in.

Real format (the course's preprocessed Human3.6M): four ``.npy`` files

* ``videoframes_clips_{train,valid}.npy``: uint8 ``(N, 8, H, W, 3)``, 8 RGB frames per clip
  (224x224 in the original, 5,964 training and 1,368 validation clips);
* ``joint_3d_clips_{train,valid}.npy``: ``(N, 8, 17, 3)`` 3D positions of the 17 Human3.6M
  joints in every frame, in metres.

Human3.6M is licensed and cannot be downloaded here, so ``ensure()`` renders a
synthetic copy in exactly that format with the articulated body model of
:mod:`coursedata.body` (see ``datasets/h36m/CARD.md``). A real copy placed in
``default_dir()`` is used as is.

The public generator writes the training and validation splits only. The grader's hidden
clips (``_grader/``) come from a seed that only the grading side holds
(``autograder/pose``): ``generate_hidden(root, grader_seed)``, or ``--grader-seed N`` on the
command line.

``python -m coursedata.h36m [--preset default|tiny] [--seed N] [--out DIR] [--grader-seed N]``
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .clips import (FORMAT_VERSION, N_FRAMES, N_JOINTS, PRESETS, generate, generate_hidden, hidden_info, make_split,
                    render_clip)

__all__ = ["FORMAT_VERSION", "N_FRAMES", "N_JOINTS", "PRESETS", "JOINT_NAMES", "PARENTS", "default_dir",
           "ensure", "generate", "generate_hidden", "hidden_info", "make_split", "render_clip", "load_clips",
           "clip_paths", "synthetic_info"]

JOINT_NAMES = ("Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax", "Neck/Nose",
               "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist")
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
MMAP_BYTES = 64 << 20  # files larger than this are memory-mapped, not read


def default_dir() -> Path:
    """``data_root()/"h36m"``: where the default copy lives."""
    from coursedata.paths import data_root

    return data_root() / "h36m"


def clip_paths(split: str, root=None) -> tuple[Path, Path]:
    """``(videos, joints)`` file paths of ``split`` (train, valid; test lives in ``_grader/``)."""
    root = Path(root) if root is not None else default_dir()
    folder = root / "_grader" if split == "test" else root
    return folder / f"videoframes_clips_{split}.npy", folder / f"joint_3d_clips_{split}.npy"


def _load(path: Path, mmap: bool | None):
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `course data h36m` (or python -m coursedata.h36m) "
                                f"or put the real files there")
    if mmap is None:
        mmap = path.stat().st_size > MMAP_BYTES
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


def load_clips(split: str = "train", root=None, mmap: bool | None = None):
    """Read one split: ``(videos uint8 (N, 8, H, W, 3), joints (N, 8, 17, 3) in metres)``.

    Files are read with ``allow_pickle=False``; large ones are memory-mapped
    (read-only) unless ``mmap=False``. The shapes and dtypes are validated.
    """
    vpath, jpath = clip_paths(split, root)
    videos, joints = _load(vpath, mmap), _load(jpath, mmap)
    if videos.dtype != np.uint8 or videos.ndim != 5 or videos.shape[-1] != 3:
        raise ValueError(f"{vpath.name}: expected uint8 (N, T, H, W, 3), got {videos.dtype} {videos.shape}")
    if joints.ndim != 4 or joints.shape[-2:] != (N_JOINTS, 3) or not np.issubdtype(joints.dtype, np.floating):
        raise ValueError(f"{jpath.name}: expected float (N, T, 17, 3), got {joints.dtype} {joints.shape}")
    if videos.shape[:2] != joints.shape[:2]:
        raise ValueError(f"{vpath.name} has {videos.shape[:2]} (clips, frames) but {jpath.name} has "
                         f"{joints.shape[:2]}")
    return videos, joints


def synthetic_info(root=None) -> dict | None:
    """The ``_info.json`` of a synthetic copy (None for real files or a broken record)."""
    import json

    path = (Path(root) if root is not None else default_dir()) / "_info.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def ensure(preset: str = "default", seed: int = 0, force: bool = False) -> Path:
    """`course data h36m`: generate the synthetic training and validation clips into
    ``default_dir()`` unless present (a synthetic copy of an older generator version is
    rendered again; real files are kept). No hidden clips: the grader makes its own."""
    root = default_dir()
    info = synthetic_info(root)
    stale = info is not None and info.get("format") != FORMAT_VERSION
    if force or stale or not all(p.is_file() for s in ("train", "valid") for p in clip_paths(s, root)):
        generate(root, preset=preset, seed=seed)
    return root
