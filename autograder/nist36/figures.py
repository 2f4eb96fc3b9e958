"""Figures of `nist36`'s feedback (issue 27), drawn in the grader's process (``engine.figures``).

* ``nist36.find_letters``: the student's boxes (red) and the ground truth (green) on one of the
  notebook's own pages (``coursedata.nist36.page_paths()``: public, shipped with the data
  tooling). The page is read here, by name, from those files: this module draws no other image.
* ``nist36.ae_weights``: validation images (the public split) beside their reconstructions by
  the handed-in autoencoder (computed here with the reference forward), each with its PSNR.
"""
from __future__ import annotations

import functools

import numpy as np

from autograder.engine import figures as F

BOXES_TITLE = "your findLetters boxes (red) and the true characters (green) on page {name}"
RECON_TITLE = "validation images (top) and your autoencoder's reconstructions (bottom)"
RECON_CLASSES = "AKR27"  # five classes, two validation images each (the handout's Q5.3.1 asks for that)


@functools.lru_cache(maxsize=None)
def public_page(name: str):
    """``(image, truth)`` of the public page ``name`` (the notebook's images), read from its file."""
    from PIL import Image

    from coursedata.nist36 import page_paths
    from coursedata.nist36.pages import read_truth

    for p in page_paths():
        if p.stem == name:
            return np.asarray(Image.open(p).convert("L")), read_truth(p)
    raise F.FigureRejected(f"{name!r} is not one of the public pages")


def page_boxes(t, name: str, res, scale: int = 1) -> bool:
    """Attach the boxes of ``res`` (the probe's answer on the page enlarged ``scale`` times) drawn
    on the public page ``name``."""
    boxes = res.get("boxes") if isinstance(res, dict) else None
    if boxes is None:
        return False
    title = BOXES_TITLE.format(name=name)

    def draw():
        image, truth = public_page(str(name))
        b = F.as_numbers(boxes, name="boxes", max_values=4 * F.MAX_BOXES) / max(1, int(scale))
        note = f"found on the page enlarged {int(scale)}x, drawn at its size" if int(scale) != 1 else ""
        return F.boxes_on_image(image, b, truth=truth["boxes"], title=f"page {name}", note=note)

    return t.figure(title, draw, alt=f"{title}: boxes are [y1, x1, y2, x2]")


def psnr(x, r) -> np.ndarray:
    """Per-image PSNR (data range 1) of rows ``x`` and their reconstructions ``r``."""
    mse = np.mean((np.asarray(x, dtype=np.float64) - np.asarray(r, dtype=np.float64)) ** 2, axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(1.0 / mse)


def pick_validation(vy, classes: str = RECON_CLASSES, per_class: int = 2) -> np.ndarray:
    """Row indices of the first ``per_class`` validation images of each class in ``classes``."""
    from coursedata.nist36 import CLASSES

    labels = np.argmax(np.asarray(vy), axis=1)
    rows = [np.flatnonzero(labels == CLASSES.index(c))[:per_class] for c in classes]
    return np.concatenate(rows).astype(np.int64)


def reconstructions(t, vx, vy, reconstruct) -> bool:
    """Attach a grid of public validation images (``vx``, ``vy``: the valid split) and
    ``reconstruct(rows)`` of them (the grader's forward pass on the handed-in weights)."""

    def draw():
        from coursedata.nist36 import CLASSES

        idx = pick_validation(vy)
        x = np.asarray(vx)[idx]
        r = F.as_numbers(reconstruct(x), name="reconstructions", ndim=2)
        if r.shape != x.shape:
            raise F.FigureRejected(f"reconstructions of shape {r.shape}, expected {x.shape}")
        p = psnr(x, r)
        labels = np.argmax(np.asarray(vy)[idx], axis=1)
        images = np.concatenate([x, np.clip(r, 0, 1)]).reshape(-1, 32, 32).transpose(0, 2, 1)  # stored transposed
        captions = [CLASSES[k] for k in labels] + [f"{v:.1f} dB" for v in p]
        return F.image_grid(images, title=f"{RECON_TITLE}; PSNR {np.mean(p):.2f} dB on these {len(idx)}",
                            captions=captions, ncols=len(idx), row_labels=["original", "reconstructed"])

    return t.figure(RECON_TITLE, draw, alt=f"{RECON_TITLE}, with each image's PSNR")
