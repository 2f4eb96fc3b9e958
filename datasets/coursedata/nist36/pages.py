"""Photographed pages of handwritten capitals and digits, with their ground truth.

A page is a few lines of text written by one synthetic writer (``glyphs.py``),
each character drawn separately with a gap to its neighbours (block capitals, as
the homework's detector assumes), on paper-like background: an illumination
gradient, a faint paper texture, sensor noise, a slight rotation of the whole
sheet and JPEG compression. The ground truth holds the text of every line and the
box ``[y1, x1, y2, x2]`` (``y2``/``x2`` exclusive, like ``skimage.measure.regionprops``)
of every character's ink in the final image.

The four pages mirror the handout's samples: a to-do list, the alphabet and the
digits, a haiku and "deep learning" lines.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from .glyphs import Writer, render_glyph, random_writer

PAGES = {
    "01_list": ["TO DO LIST", "1 MAKE A TO DO LIST", "2 CHECK OFF THE FIRST", "THING ON TO DO LIST",
                "3 REALIZE YOU HAVE ALREADY", "COMPLETED 2 THINGS", "4 REWARD YOURSELF WITH", "A NAP"],
    "02_letters": ["ABCDEFG", "HIJKLMN", "OPQRSTU", "VWXYZ", "1234567890"],
    "03_haiku": ["HAIKUS ARE EASY", "BUT SOMETIMES THEY DONT MAKE SENSE", "REFRIGERATOR"],
    "04_deep": ["DEEP LEARNING", "DEEPER LEARNING", "DEEPEST LEARNING"],
}
PAGE_SEEDS = {"01_list": 11, "02_letters": 22, "03_haiku": 33, "04_deep": 44}


def _page_writer(rng: np.random.Generator) -> Writer:
    """A legible writer: block-letter families, moderate slant and distortion."""
    w = random_writer(rng, difficulty=0.7)
    family = ("futural", "futuram", "rowmans", "rowmand", "timesr")[int(rng.integers(5))]
    return Writer(family=family, slant=w.slant, stroke=max(w.stroke, 0.11), height=0.62, aspect=w.aspect,
                  jitter=w.jitter, noise=w.noise, elastic=w.elastic, ink=1.0)


def _rotate(img: np.ndarray, angle_deg: float, cval: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre (same shape); also return the 2x3 map from old to new (row, col)."""
    from scipy import ndimage

    h, w = img.shape[:2]
    a = np.deg2rad(angle_deg)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c = np.array([(h - 1) / 2, (w - 1) / 2])
    # output(p) = input(R^-1 (p - c) + c)
    Rinv = R.T
    offset = c - Rinv @ c
    out = ndimage.affine_transform(img, Rinv, offset=offset, order=1, mode="constant", cval=cval)
    return out, np.hstack([R, (c - R @ c)[:, None]])


def render_page(lines: list[str], seed: int, char_px: int = 48, width: int | None = None) -> dict:
    """Render ``lines``; return ``{"image": uint8 (H, W, 3), "lines", "boxes" (n, 4), "chars"}``.

    ``boxes`` are in reading order (line by line, left to right) and ``chars`` holds
    the matching characters (spaces excluded).
    """
    rng = np.random.default_rng(seed)
    writer = _page_writer(rng)
    cell = int(char_px * 1.5)
    line_gap = int(char_px * rng.uniform(1.55, 1.8))
    margin = int(char_px * 1.2)
    if width is None:
        width = 2 * margin + int(max(len(t) for t in lines) * char_px * 1.15)
    height = 2 * margin + line_gap * len(lines)
    ink = np.zeros((height, width), dtype=np.float32)  # coverage, 0..1
    label = np.zeros((height, width), dtype=np.int32)  # which character owns the ink
    chars = []
    k = 0
    for li, text in enumerate(lines):
        x = margin + rng.uniform(0, 0.6 * char_px)
        y_base = margin + li * line_gap + rng.uniform(-0.05, 0.05) * char_px
        for ch in text:
            if ch == " ":
                x += char_px * rng.uniform(0.7, 0.95)
                continue
            glyph = 1.0 - render_glyph(ch, writer, rng, size=cell, supersample=1,
                                       centre=(cell / 2 + rng.normal(0, 0.03 * char_px), cell / 2))
            cols = np.flatnonzero(glyph.max(axis=0) > 0.25)
            if cols.size == 0:
                continue
            left, right = cols[0], cols[-1] + 1
            top = int(round(y_base + rng.normal(0, 0.03 * char_px)))
            x0 = int(round(x)) - left
            if x0 + cell > width - margin // 2:
                raise ValueError(f"line {text!r} does not fit in a page {width} pixels wide")
            region = ink[top:top + cell, x0:x0 + cell]
            mine = glyph > 0.25
            label[top:top + cell, x0:x0 + cell][mine] = k + 1
            np.maximum(region, glyph, out=region)
            chars.append(ch)
            k += 1
            x = x0 + right + char_px * rng.uniform(0.22, 0.38)
    angle = float(rng.uniform(-1.5, 1.5))
    ink, _ = _rotate(ink, angle, 0.0)
    label, _ = _rotate_labels(label, angle)
    boxes = []
    for i in range(1, k + 1):
        rr, cc = np.nonzero(label == i)
        boxes.append([rr.min(), cc.min(), rr.max() + 1, cc.max() + 1])
    # paper: tinted, an illumination gradient, a fibrous texture, noise, JPEG
    from scipy import ndimage

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    gdir = rng.normal(size=2)
    gdir /= np.linalg.norm(gdir)
    grad = ((yy / height - 0.5) * gdir[0] + (xx / width - 0.5) * gdir[1]).astype(np.float32)
    light = 0.86 + 0.12 * grad + 0.02 * np.float32(rng.standard_normal())
    texture = ndimage.gaussian_filter(rng.standard_normal((height, width)).astype(np.float32), 3.0) * 0.06
    tint = np.array([1.0, 0.97, 0.9], dtype=np.float32) * rng.uniform(0.97, 1.0)
    paper = (light + texture)[..., None] * tint
    ink_rgb = np.array([0.1, 0.1, 0.18], dtype=np.float32) * rng.uniform(0.5, 1.5)
    img = paper * (1 - ink[..., None]) + ink_rgb * ink[..., None]
    img = img + rng.normal(0, 0.025, img.shape).astype(np.float32)
    img = np.clip(img * 255.0, 0, 255).astype(np.uint8)
    img = _jpeg(img, quality=int(rng.integers(55, 80)))
    return {"image": img, "lines": list(lines), "boxes": np.asarray(boxes, dtype=np.int64),
            "chars": "".join(chars)}


def _rotate_labels(label: np.ndarray, angle: float):
    from scipy import ndimage

    h, w = label.shape
    a = np.deg2rad(angle)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c = np.array([(h - 1) / 2, (w - 1) / 2])
    Rinv = R.T
    return ndimage.affine_transform(label, Rinv, offset=c - Rinv @ c, order=0, mode="constant", cval=0), None


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def write_pages(folder: Path, seed: int = 0) -> list[Path]:
    """Write the four pages as ``<name>.jpg`` plus ``<name>.json`` (ground truth) into ``folder``."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, lines in PAGES.items():
        page = render_page(lines, seed=PAGE_SEEDS[name] + 1000 * seed)
        path = folder / f"{name}.jpg"
        # the pixels were JPEG-compressed once already; store them losslessly-ish at high quality
        Image.fromarray(page["image"]).save(path, quality=95)
        truth = {"lines": page["lines"], "chars": page["chars"], "boxes": page["boxes"].tolist()}
        (folder / f"{name}.json").write_text(json.dumps(truth, indent=0))
        out.append(path)
    return out


def read_truth(path: Path | str) -> dict:
    """Ground truth of a page image: ``{"lines", "chars", "boxes" (n, 4) int array}``."""
    path = Path(path)
    truth = json.loads(path.with_suffix(".json").read_text())
    truth["boxes"] = np.asarray(truth["boxes"], dtype=np.int64).reshape(-1, 4)
    return truth
