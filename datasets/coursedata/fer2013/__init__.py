"""FER-2013 (48x48 grayscale faces, seven expressions) and its synthetic stand-in.

Two real layouts are read:

* ``fer2013.csv`` (the Kaggle file): a header ``emotion,pixels,Usage`` and one row per
  face: the label 0-6, the 2304 pixel values (row-major, 0-255) separated by spaces,
  and the split ``Training``, ``PublicTest`` or ``PrivateTest``.
* a **folder of images with a labels file** (the layout of the course's own
  distribution): image files (``.png``/``.jpg``, any sub-folders) under a root, and a
  CSV labels file with a header ``img,emotion`` whose ``img`` paths are relative to the
  root (e.g. ``Train/12.png,3``).

``load_fer2013(path=None)`` returns ``{split: (X uint8 (N, 48, 48), y int64 (N,))}``;
without a file at ``fer2013_path()`` it first writes the synthetic set (faces from
``faces.py``, class frequencies of FER-2013) in exactly the CSV format. See
``datasets/fer2013/CARD.md``.

Labels: 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..paths import data_root
from .faces import EMOTIONS, FER_PRIORS, SIZE, render_faces

__all__ = [
    "EMOTIONS", "SPLITS", "PRESETS", "SEED", "SOURCE", "fer2013_path", "generate", "write_csv", "read_csv",
    "load_fer2013", "write_image_folder", "read_image_folder", "list_images", "ensure",
]

FILENAME = "fer2013.csv"
SPLITS = ("Training", "PublicTest", "PrivateTest")
SEED = 2013
SOURCE = "coursedata synthetic faces v1"
MARKER = "COURSEDATA_SOURCE"  # file next to a generated csv naming the generator version
# (Training, PublicTest, PrivateTest) sizes
PRESETS = {"default": (7000, 1000, 1000), "small": (700, 150, 150), "tiny": (140, 30, 30),
           "large": (21000, 3000, 3000)}
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".pgm")


def fer2013_path(root: Path | str | None = None) -> Path:
    """``<root or data_root()>/fer2013/fer2013.csv``; a path ending in ``.csv`` is returned as is."""
    if root is not None and str(root).endswith(".csv"):
        return Path(root)
    base = Path(root) if root is not None else data_root()
    if (base / FILENAME).is_file() or base.name == "fer2013":
        return base / FILENAME
    return base / "fer2013" / FILENAME


def generate(n: int, seed: int, chunk: int = 500, priors=FER_PRIORS):
    """``n`` synthetic faces: (uint8 (n, 48, 48), int64 (n,)). Labels drawn with the FER-2013
    class frequencies (each class at least once when n >= 7). Deterministic in (n, seed)."""
    rng = np.random.default_rng(seed)
    counts = np.floor(np.asarray(priors) * n).astype(int)
    counts = np.maximum(counts, 1 if n >= len(priors) else 0)
    while counts.sum() < n:
        counts[np.argmax(np.asarray(priors) * n - counts)] += 1
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    labels = rng.permutation(np.repeat(np.arange(len(priors)), counts)).astype(np.int64)
    out = np.empty((n, SIZE, SIZE), dtype=np.uint8)
    for start in range(0, n, chunk):
        sub = np.random.default_rng([seed, start])
        out[start:start + chunk] = np.rint(render_faces(labels[start:start + chunk], sub) * 255).astype(np.uint8)
    return out, labels


# ----------------------------------------------------------------------------------
# fer2013.csv
# ----------------------------------------------------------------------------------
def write_csv(path: Path | str, splits: dict) -> Path:
    """Write ``{usage: (X (N, 48, 48) uint8, y (N,))}`` as a fer2013.csv file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        fh.write("emotion,pixels,Usage\n")
        for usage, (X, y) in splits.items():
            X = np.asarray(X, dtype=np.uint8).reshape(len(X), -1)
            lines = [f"{int(lab)},{' '.join(map(str, row.tolist()))},{usage}\n" for row, lab in zip(X, y)]
            fh.writelines(lines)
    tmp.replace(path)
    return path


def read_csv(path: Path | str) -> dict:
    """``{usage: (X uint8 (N, 48, 48), y int64 (N,))}`` from a fer2013.csv file (splits in file order)."""
    path = Path(path)
    rows: dict[str, tuple[list, list]] = {}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        try:
            ie, ip, iu = header.index("emotion"), header.index("pixels"), header.index("Usage")
        except ValueError:
            raise ValueError(f"{path}: header {header} is not 'emotion,pixels,Usage'") from None
        for lineno, rec in enumerate(reader, start=2):
            if not rec:
                continue
            pix = np.array(rec[ip].split(), dtype=np.uint8)
            if pix.size != SIZE * SIZE:
                raise ValueError(f"{path}:{lineno}: {pix.size} pixel values, expected {SIZE * SIZE}")
            xs, ys = rows.setdefault(rec[iu].strip(), ([], []))
            xs.append(pix)
            ys.append(int(rec[ie]))
    return {k: (np.stack(xs).reshape(-1, SIZE, SIZE), np.array(ys, dtype=np.int64)) for k, (xs, ys) in rows.items()}


# ----------------------------------------------------------------------------------
# folder of images + labels file
# ----------------------------------------------------------------------------------
def list_images(folder: Path | str) -> list[str]:
    """Image files under ``folder`` (recursively), as sorted relative POSIX paths.

    This is the order in which ``read_image_folder`` (and a model's ``test_fer_model``)
    return images and predictions."""
    folder = Path(folder)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in IMAGE_EXTS)


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        arr = np.asarray(im.convert("L"), dtype=np.uint8)
    if arr.shape != (SIZE, SIZE):
        from PIL import Image as _I

        arr = np.asarray(_I.fromarray(arr).resize((SIZE, SIZE), _I.BILINEAR), dtype=np.uint8)
    return arr


def write_image_folder(folder: Path | str, X, y=None, *, subdir: str = "", labels_file: str | None = "labels.csv",
                       start: int = 0) -> list[str]:
    """Write images as PNG files ``<folder>/<subdir>/<i>.png``; append ``img,emotion`` rows to
    ``<folder>/<labels_file>`` when labels are given (``labels_file=None``: images only)."""
    from PIL import Image

    folder = Path(folder)
    (folder / subdir).mkdir(parents=True, exist_ok=True)
    names = []
    for i, img in enumerate(np.asarray(X, dtype=np.uint8)):
        rel = f"{subdir}/{start + i:05d}.png" if subdir else f"{start + i:05d}.png"
        Image.fromarray(img, mode="L").save(folder / rel)
        names.append(rel)
    if y is not None and labels_file is not None:
        lab = folder / labels_file
        new = not lab.is_file()
        with open(lab, "a", newline="") as fh:
            if new:
                fh.write("img,emotion\n")
            fh.writelines(f"{n},{int(v)}\n" for n, v in zip(names, y))
    return names


def read_image_folder(folder: Path | str, labels_file: str | Path | None = None):
    """Images under ``folder``: ``(X uint8 (N, 48, 48), y int64 (N,) or None, names)``.

    Without ``labels_file``: every image under ``folder`` in ``list_images`` order, y None.
    With one (a path, or a name relative to ``folder``; header ``img,emotion``): the images it
    lists, in its order, with their labels (colour images are converted to grey, other sizes
    resized to 48x48).
    """
    folder = Path(folder)
    if labels_file is None:
        names = list_images(folder)
        X = np.stack([_read_image(folder / n) for n in names]) if names else np.zeros((0, SIZE, SIZE), np.uint8)
        return X, None, names
    lab = Path(labels_file)
    lab = lab if lab.is_absolute() or lab.is_file() else folder / lab
    names, ys = [], []
    with open(lab, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        ii, ie = header.index("img"), header.index("emotion")
        for rec in reader:
            if rec:
                names.append(rec[ii].strip())
                ys.append(int(rec[ie]))
    X = np.stack([_read_image(folder / n) for n in names]) if names else np.zeros((0, SIZE, SIZE), np.uint8)
    return X, np.array(ys, dtype=np.int64), names


# ----------------------------------------------------------------------------------
# embedded default
# ----------------------------------------------------------------------------------
def build(path: Path | str | None = None, preset: str = "default", seed: int = SEED) -> Path:
    """Generate the synthetic set of ``preset`` and write it as ``fer2013.csv``."""
    path = Path(path) if path is not None else fer2013_path()
    sizes = PRESETS[preset]
    splits = {usage: generate(n, seed + 7919 * k) for k, (usage, n) in enumerate(zip(SPLITS, sizes))}
    write_csv(path, splits)
    (path.parent / MARKER).write_text(f"{SOURCE}\n{preset}\n{seed}\n")
    return path


def _stale(path: Path) -> bool:
    if not path.is_file():
        return True
    marker = path.parent / MARKER
    if not marker.is_file():
        return False  # the real file (or one we did not write): never touched
    return marker.read_text().splitlines()[0] != SOURCE


def ensure(preset: str = "default", seed: int = 0, force: bool = False, root: Path | str | None = None) -> Path:
    """`course data fer2013`: the csv path, generated unless a current one exists.

    ``seed`` is an offset to the documented generator seed (0: the default set of the card)."""
    path = fer2013_path(root)
    if force or _stale(path):
        build(path, preset=preset, seed=SEED + seed)
    return path


def load_fer2013(path: Path | str | None = None) -> dict:
    """``{"Training": (X, y), "PublicTest": (X, y), "PrivateTest": (X, y)}`` from fer2013.csv
    (X uint8 (N, 48, 48), y int64); the synthetic set is written first when no file exists."""
    return read_csv(ensure(root=path))

