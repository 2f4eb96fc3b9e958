"""CIFAR-10 in its python-batch format, with a synthetic stand-in as embedded default.

Real layout (``cifar-10-batches-py/``): ``data_batch_1`` .. ``data_batch_5`` and
``test_batch`` are pickled dicts with ``b'data'`` (uint8, N x 3072: one image per row,
1024 red values, then 1024 green, then 1024 blue, each plane row-major 32x32),
``b'labels'`` (list of N ints 0-9), ``b'batch_label'`` and ``b'filenames'``;
``batches.meta`` holds ``b'label_names'`` and ``b'num_cases_per_batch'``.

``load_cifar10(root=None)`` reads that folder from
``data_root()/cifar10/cifar-10-batches-py/`` (or the folder given) and returns
``(X_train, y_train, X_test, y_test)`` with ``X`` uint8 ``(N, 32, 32, 3)`` and ``y``
int64 ``(N,)``. When the folder holds no batches it first writes a synthetic set in
exactly that format (see ``datasets/cifar10/CARD.md``): ten classes of coloured 32x32
objects that differ by silhouette, with random colours, pose, background texture,
clutter and pixel noise, so that a linear classifier does clearly worse than a
fully-connected net, and the FC net clearly worse than a small CNN.

The real files are used unchanged; files this generator wrote carry a
``b'coursedata_source'`` entry in ``batches.meta`` and are rebuilt when it names an
older generator version.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from ..paths import data_root

__all__ = [
    "CLASS_NAMES", "SOURCE", "PRESETS", "SEED", "cifar_dir", "render_objects", "generate",
    "write_batches", "read_batch", "load_cifar10", "ensure",
]

FOLDER = "cifar-10-batches-py"
SEED = 10
SOURCE = "coursedata synthetic objects v1"
N_BATCHES = 5
# silhouettes of the ten synthetic classes (label i is CLASS_NAMES[i])
CLASS_NAMES = ["disc", "square", "triangle", "ring", "plus", "bars", "star", "ellipse", "x-cross", "crescent"]
# (train images, test images)
PRESETS = {"default": (10_000, 2_000), "small": (2_000, 500), "full": (50_000, 10_000)}


def cifar_dir(root: Path | str | None = None) -> Path:
    """The batch folder: ``root`` itself if it holds batches, else ``root/cifar-10-batches-py``,
    else ``root/cifar10/cifar-10-batches-py``; default ``data_root()/cifar10/cifar-10-batches-py``."""
    if root is None:
        return data_root() / "cifar10" / FOLDER
    root = Path(root)
    for cand in (root, root / FOLDER, root / "cifar10" / FOLDER):
        if (cand / "data_batch_1").is_file():
            return cand
    return root if root.name == FOLDER else root / FOLDER


# ----------------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------------
def _box(ux, uy, hx, hy):
    """Signed distance (approximately) to an axis-aligned box of half sizes hx, hy."""
    dx, dy = np.abs(ux) - hx, np.abs(uy) - hy
    outside = np.hypot(np.maximum(dx, 0), np.maximum(dy, 0))
    return outside + np.minimum(np.maximum(dx, dy), 0)


def _sdf(label: int, ux, uy):
    """Signed distance (object units, negative inside) of class ``label`` at (ux, uy)."""
    r = np.hypot(ux, uy)
    if label == 0:  # disc
        return r - 0.55
    if label == 1:  # square
        return _box(ux, uy, 0.45, 0.45)
    if label == 2:  # triangle, pointing up (y grows downwards in the image)
        n = ((0.0, 1.0), (0.866, -0.5), (-0.866, -0.5))
        return np.max([a * ux + b * uy for a, b in n], axis=0) - 0.32
    if label == 3:  # ring
        return np.abs(r - 0.45) - 0.12
    if label == 4:  # plus
        return np.minimum(_box(ux, uy, 0.6, 0.14), _box(ux, uy, 0.14, 0.6))
    if label == 5:  # two parallel bars
        return np.minimum(_box(ux, uy - 0.3, 0.58, 0.12), _box(ux, uy + 0.3, 0.58, 0.12))
    if label == 6:  # five-pointed star
        phi = np.arctan2(uy, ux)
        return (r - (0.38 + 0.22 * np.cos(5 * phi + np.pi / 2))) * 0.8
    if label == 7:  # elongated ellipse
        return (np.hypot(ux / 0.65, uy / 0.26) - 1.0) * 0.26
    if label == 8:  # X-shaped cross (the plus turned by 45 degrees)
        a, b = (ux + uy) * 0.7071, (ux - uy) * 0.7071
        return np.minimum(_box(a, b, 0.62, 0.13), _box(a, b, 0.13, 0.62))
    if label == 9:  # crescent
        return np.maximum(r - 0.52, -(np.hypot(ux - 0.28, uy + 0.05) - 0.42))
    raise ValueError(f"no class {label}")


def _smooth_noise(rng, n, size, cells):
    """``n`` smooth random fields of shape (size, size) (bilinear upsampling of cells x cells noise)."""
    g = rng.standard_normal((n, cells + 1, cells + 1))
    t = np.linspace(0, cells, size)
    i0 = np.minimum(t.astype(int), cells - 1)
    f = t - i0
    rows = g[:, i0, :] * (1 - f)[None, :, None] + g[:, i0 + 1, :] * f[None, :, None]
    return rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]


def _random_colours(rng, n):
    """Random RGB colours in [0, 1] of varied saturation and brightness."""
    hue = rng.random(n)
    sat = rng.uniform(0.15, 1.0, n)
    val = rng.uniform(0.2, 1.0, n)
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hue[:, None] * 6) % 6
    rgb = val[:, None] - val[:, None] * sat[:, None] * np.clip(np.minimum(k, 4 - k), 0, 1)
    return rgb


def render_objects(labels, rng, size: int = 32) -> np.ndarray:
    """Render one image per label: float32 (N, size, size, 3) in [0, 1].

    Per image: a background (random colour, a linear illumination gradient and
    smooth random texture), 0-2 small clutter blobs, the object of the class (random
    colour with a contrast of at least 0.25 in brightness against the mean background, shading
    gradient, rotation within +-30 degrees, scale 0.7-1.25, aspect 0.8-1.25, offset
    up to +-5 px), and Gaussian pixel noise.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    c = (np.arange(size) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]
    Y, X = np.meshgrid(c, c, indexing="ij")
    px = 2.0 / size  # one pixel in these units

    # background
    bg = _random_colours(rng, n)[:, None, None, :]
    ang = rng.uniform(0, 2 * np.pi, n)
    grad = (np.cos(ang)[:, None, None] * X + np.sin(ang)[:, None, None] * Y) * rng.uniform(0, 0.25, n)[:, None, None]
    tex = _smooth_noise(rng, n, size, 4)[..., None] * rng.uniform(0.02, 0.12, n)[:, None, None, None]
    tex_col = _smooth_noise(rng, 3 * n, size, 3).reshape(n, 3, size, size).transpose(0, 2, 3, 1) * 0.04
    img = bg + grad[..., None] + tex + tex_col

    # clutter: 0-2 small discs or squares in random colours
    n_clutter = rng.integers(0, 3, n)
    for k in range(2):
        has = n_clutter > k
        cx, cy = rng.uniform(-0.9, 0.9, n), rng.uniform(-0.9, 0.9, n)
        rad = rng.uniform(0.06, 0.14, n)
        dx, dy = X[None] - cx[:, None, None], Y[None] - cy[:, None, None]
        square = rng.random(n) < 0.5
        d = np.where(square[:, None, None], np.maximum(np.abs(dx), np.abs(dy)), np.hypot(dx, dy)) - rad[:, None, None]
        alpha = np.clip(0.5 - d / px, 0, 1) * has[:, None, None]
        col = _random_colours(rng, n)[:, None, None, :]
        img = img * (1 - alpha[..., None]) + col * alpha[..., None]

    # the object
    theta = np.deg2rad(rng.uniform(-30, 30, n))
    scale = rng.uniform(0.7, 1.25, n) * 0.62
    aspect = np.exp(rng.uniform(np.log(0.8), np.log(1.25), n))
    sx, sy = scale * np.sqrt(aspect), scale / np.sqrt(aspect)
    tx, ty = rng.uniform(-5, 5, n) * px, rng.uniform(-5, 5, n) * px
    dx, dy = X[None] - tx[:, None, None], Y[None] - ty[:, None, None]
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    ux = (cos * dx + sin * dy) / sx[:, None, None]
    uy = (-sin * dx + cos * dy) / sy[:, None, None]
    d = np.empty_like(ux)
    for lab in np.unique(labels):
        sel = labels == lab
        d[sel] = _sdf(int(lab), ux[sel], uy[sel])
    d = d * np.minimum(sx, sy)[:, None, None]  # back to image units
    alpha = np.clip(0.5 - d / px, 0, 1)

    bg_mean = img.mean(axis=(1, 2))  # (n, 3)
    col = _random_colours(rng, n)
    lum = lambda v: v @ np.array([0.299, 0.587, 0.114])  # noqa: E731
    low = np.abs(lum(col) - lum(bg_mean)) < 0.25
    # push too-similar objects away from the background brightness
    shift = np.where(lum(bg_mean) > 0.5, -0.35, 0.35)
    col[low] = np.clip(col[low] + shift[low, None], 0, 1)
    sh_ang = rng.uniform(0, 2 * np.pi, n)
    shade = 1 + 0.25 * (np.cos(sh_ang)[:, None, None] * ux + np.sin(sh_ang)[:, None, None] * uy) / 0.6
    obj = col[:, None, None, :] * shade[..., None]
    img = img * (1 - alpha[..., None]) + obj * alpha[..., None]

    img += rng.uniform(0.02, 0.07, (n, 1, 1, 1)) * rng.standard_normal(img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def generate(n: int, seed: int, chunk: int = 2000):
    """``n`` synthetic images and labels: (uint8 (n, 32, 32, 3), int64 (n,)), balanced classes
    in random order. Deterministic in ``(n, seed)``."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10).astype(np.int64)
    out = np.empty((n, 32, 32, 3), dtype=np.uint8)
    for start in range(0, n, chunk):
        sub = np.random.default_rng([seed, start])
        imgs = render_objects(labels[start:start + chunk], sub)
        out[start:start + chunk] = np.rint(imgs * 255).astype(np.uint8)
    return out, labels


# ----------------------------------------------------------------------------------
# the python-batch format
# ----------------------------------------------------------------------------------
def _to_rows(X: np.ndarray) -> np.ndarray:
    """(N, 32, 32, 3) -> (N, 3072): the red plane, then green, then blue, each row-major."""
    return np.ascontiguousarray(X.transpose(0, 3, 1, 2).reshape(len(X), 3072))


def _from_rows(rows: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(rows, dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _dump(obj, path: Path):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=2)
    tmp.replace(path)


def write_batches(folder: Path | str, X_train, y_train, X_test, y_test, label_names=CLASS_NAMES,
                  source: str | None = SOURCE) -> Path:
    """Write arrays as ``data_batch_1..5``, ``test_batch`` and ``batches.meta`` in the real layout."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = np.array_split(np.arange(len(X_train)), N_BATCHES)
    for i, idx in enumerate(parts, start=1):
        _dump({b"batch_label": f"training batch {i} of {N_BATCHES}".encode(),
               b"labels": [int(v) for v in y_train[idx]],
               b"data": _to_rows(X_train[idx]),
               b"filenames": [f"synthetic_train_{j:05d}.png".encode() for j in idx]}, folder / f"data_batch_{i}")
    _dump({b"batch_label": b"testing batch 1 of 1",
           b"labels": [int(v) for v in y_test],
           b"data": _to_rows(X_test),
           b"filenames": [f"synthetic_test_{j:05d}.png".encode() for j in range(len(X_test))]}, folder / "test_batch")
    meta = {b"num_cases_per_batch": len(parts[0]), b"label_names": [s.encode() for s in label_names],
            b"num_vis": 3072}
    if source is not None:
        meta[b"coursedata_source"] = source.encode()
    _dump(meta, folder / "batches.meta")
    return folder


def read_batch(path: Path | str):
    """One batch file -> (X uint8 (N, 32, 32, 3), y int64 (N,)). Accepts str or bytes keys."""
    with open(path, "rb") as fh:
        d = pickle.load(fh, encoding="bytes")
    d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}
    rows = np.asarray(d["data"], dtype=np.uint8)
    if rows.ndim != 2 or rows.shape[1] != 3072:
        raise ValueError(f"{path}: 'data' has shape {rows.shape}, expected (N, 3072)")
    y = np.asarray(d["labels"], dtype=np.int64)
    if len(y) != len(rows):
        raise ValueError(f"{path}: {len(rows)} images but {len(y)} labels")
    return _from_rows(rows), y


def read_meta(folder: Path | str) -> dict:
    path = Path(folder) / "batches.meta"
    if not path.is_file():
        return {}
    with open(path, "rb") as fh:
        d = pickle.load(fh, encoding="bytes")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}


def label_names(root: Path | str | None = None) -> list[str]:
    names = read_meta(cifar_dir(root)).get("label_names", CLASS_NAMES)
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def _stale(folder: Path) -> bool:
    if not (folder / "data_batch_1").is_file() or not (folder / "test_batch").is_file():
        return True
    src = read_meta(folder).get("coursedata_source")
    if src is None:
        return False  # real CIFAR-10 (or someone else's files): never touched
    return (src.decode() if isinstance(src, bytes) else str(src)) != SOURCE


def build(folder: Path | str | None = None, preset: str = "default", seed: int = SEED) -> Path:
    """Generate the synthetic set of ``preset`` and write it in the batch format."""
    folder = Path(folder) if folder is not None else cifar_dir()
    n_train, n_test = PRESETS[preset]
    X_train, y_train = generate(n_train, seed)
    X_test, y_test = generate(n_test, seed + 1_000_003)
    return write_batches(folder, X_train, y_train, X_test, y_test)


def ensure(preset: str = "default", seed: int = 0, force: bool = False, root: Path | str | None = None) -> Path:
    """`course data cifar10`: the batch folder, generated unless it exists (real or current synthetic).

    ``seed`` is an offset to the documented generator seed (0: the default set of the card)."""
    folder = cifar_dir(root)
    if force or _stale(folder):
        build(folder, preset=preset, seed=SEED + seed)
    return folder


def load_cifar10(root: Path | str | None = None):
    """``(X_train, y_train, X_test, y_test)``: X uint8 (N, 32, 32, 3), y int64 (N,).

    Reads the python batches under ``root`` (see ``cifar_dir``); writes the synthetic
    default set first when there are none.
    """
    folder = ensure(root=root)
    xs, ys = [], []
    for i in range(1, N_BATCHES + 1):
        X, y = read_batch(folder / f"data_batch_{i}")
        xs.append(X)
        ys.append(y)
    X_test, y_test = read_batch(folder / "test_batch")
    return np.concatenate(xs), np.concatenate(ys), X_test, y_test
