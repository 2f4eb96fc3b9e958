"""NIST36 in the ``.mat`` layout of the 16-720 HW5 homework, with a synthetic default.

Real layout: three MATLAB files ``nist36_train.mat``, ``nist36_valid.mat`` and
``nist36_test.mat``; each holds ``<split>_data`` (N x 1024, one 32x32 image per
row, stored *transposed*: view a row with ``row.reshape(32, 32).T``; floats in
[0, 1], white paper = 1, dark ink) and ``<split>_labels`` (N x 36 one-hot, classes
A-Z then 0-9).

Embedded default (no download possible): handwriting-like characters drawn from
Hershey single-stroke vector fonts by random *writers* (``glyphs.py``), every
writer writing each of the 36 characters once; writers never cross splits. It also
writes four photographed-looking pages with ground truth into ``images/``
(``pages.py``). See ``datasets/nist36/CARD.md``.

Real files placed at ``nist36_dir()`` are used unchanged; files written here carry a
``coursedata_source`` variable and are rebuilt when it names an older version.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..paths import data_root
from .glyphs import CLASSES, make_split

__all__ = ["CLASSES", "SPLITS", "PRESETS", "SOURCE", "nist36_dir", "split_path", "write_split", "read_split",
           "load_nist36", "generate", "ensure", "images_dir", "page_paths"]

SPLITS = ("train", "valid", "test")
# writers per split (each writes the 36 characters once): the original has 10,800 / 3,600 / 1,800
PRESETS = {"default": (300, 100, 50), "small": (24, 10, 6), "tiny": (3, 2, 1)}
SEED = 36
SOURCE = "coursedata hershey writers v2"
PAGE_NAMES = ("01_list", "02_letters", "03_haiku", "04_deep")


def nist36_dir(root: Path | str | None = None) -> Path:
    """``root`` or ``data_root()/nist36``: the folder holding the three .mat files."""
    return Path(root) if root is not None else data_root() / "nist36"


def split_path(split: str, root: Path | str | None = None) -> Path:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return nist36_dir(root) / f"nist36_{split}.mat"


def images_dir(root: Path | str | None = None) -> Path:
    """Folder of the OCR page images (``01_list.jpg`` ... with ``.json`` ground truth)."""
    return nist36_dir(root) / "images"


def page_paths(root: Path | str | None = None) -> list[Path]:
    """The page images, generating the default data first when they are missing."""
    folder = images_dir(root)
    if not all((folder / f"{n}.jpg").is_file() for n in PAGE_NAMES):
        if root is None:
            ensure()
        else:
            from .pages import write_pages

            write_pages(folder)
    return [folder / f"{n}.jpg" for n in PAGE_NAMES]


def write_split(path: Path | str, split: str, images: np.ndarray, labels: np.ndarray, source: str = SOURCE):
    """Write images ``(N, 32, 32)`` (upright, 1 = paper) and integer labels ``(N,)`` in the real layout."""
    import scipy.io

    images = np.asarray(images, dtype=np.float64)
    n = images.shape[0]
    data = images.transpose(0, 2, 1).reshape(n, 1024)  # stored transposed, as in the real files
    data = np.round(data * 255.0) / 255.0
    onehot = np.zeros((n, len(CLASSES)), dtype=np.float64)
    onehot[np.arange(n), np.asarray(labels, dtype=np.int64)] = 1.0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        scipy.io.savemat(fh, {f"{split}_data": data, f"{split}_labels": onehot, "coursedata_source": source},
                         do_compression=True)
    tmp.replace(path)
    return path


def read_split(split: str, root: Path | str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(<split>_data (N, 1024) float64, <split>_labels (N, 36) float64)`` exactly as stored."""
    import scipy.io

    path = split_path(split, root)
    if root is None and not path.is_file():
        ensure()
    mat = scipy.io.loadmat(str(path))
    for key in (f"{split}_data", f"{split}_labels"):
        if key not in mat:
            raise KeyError(f"{path} has no variable {key!r}: not a NIST36 file")
    x = np.asarray(mat[f"{split}_data"], dtype=np.float64)
    y = np.asarray(mat[f"{split}_labels"], dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1024 or y.shape != (x.shape[0], len(CLASSES)):
        raise ValueError(f"{path}: data {x.shape} / labels {y.shape}, expected (N, 1024) / (N, 36)")
    return x, y


def load_nist36(root: Path | str | None = None):
    """``(train_x, train_y, valid_x, valid_y, test_x, test_y)`` (rows of 1024, one-hot labels)."""
    out = []
    for split in SPLITS:
        out.extend(read_split(split, root))
    return tuple(out)


def generate(root: Path | str | None = None, preset: str = "default", seed: int = 0,
             pages: bool = True) -> Path:
    """Write the three synthetic splits (and the four pages) into ``root``; return the folder.

    ``seed`` is an offset to the documented generator seed ``SEED`` (0: the default set of the
    dataset card), as for the other embedded sets, so ``course data nist36`` and a first
    ``load_nist36()`` write the same files.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    folder = nist36_dir(root)
    seqs = np.random.SeedSequence([SEED + seed, 1036]).spawn(len(SPLITS))
    for split, n_writers, ss in zip(SPLITS, PRESETS[preset], seqs):
        images, labels = make_split(n_writers, np.random.default_rng(ss))
        order = np.random.default_rng(ss.spawn(1)[0]).permutation(len(labels))
        write_split(split_path(split, folder), split, images[order], labels[order],
                    source=f"{SOURCE}, preset {preset}, seed {SEED + seed}")
    if pages:
        from .pages import write_pages

        write_pages(images_dir(folder))
    return folder


def _ours(path: Path) -> str | None:
    import scipy.io

    try:
        if "coursedata_source" not in {n for n, _s, _c in scipy.io.whosmat(str(path))}:
            return None
        return str(np.squeeze(scipy.io.loadmat(str(path), variable_names=["coursedata_source"])
                              ["coursedata_source"]))
    except Exception:  # noqa: BLE001 - an unreadable file is left for the loader to report
        return None


def ensure(preset: str = "default", seed: int = 0, force: bool = False) -> Path:
    """`course data nist36`: generate the default set into ``nist36_dir()`` unless present.

    Existing files (e.g. the real ones) are kept unless ``force``; files from an older
    version of this generator are rebuilt.
    """
    folder = nist36_dir()
    paths = [split_path(s, folder) for s in SPLITS]
    have = [p.is_file() for p in paths]
    stale = any(h and (_ours(p) is not None and not _ours(p).startswith(SOURCE)) for p, h in zip(paths, have))
    if force or not all(have) or stale:
        generate(folder, preset=preset, seed=seed)
    elif not all((images_dir(folder) / f"{n}.jpg").is_file() for n in PAGE_NAMES):
        from .pages import write_pages

        write_pages(images_dir(folder))
    return folder
