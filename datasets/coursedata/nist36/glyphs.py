"""Synthetic handwritten characters drawn from Hershey single-stroke vector fonts.

A *writer* is a random style: a font family, how often they write a letter in
lowercase (``make_split``), a slant, a stroke width, a size, an aspect ratio, how
shaky the pen is (jitter of the glyph's control points through a smooth random
field plus a little independent noise) and how much the paper "breathes" (an
elastic distortion of the rendered image, Simard et al. 2003, with
``scipy.ndimage``). Every character a writer writes adds its own small variation
of size, position and rotation on top of the style.

Glyphs are rasterised with PIL at a supersampled resolution and averaged down, so
strokes are anti-aliased like scanned pen strokes. Images are floats in [0, 1]
with a white (1.0) background and dark ink, the convention of the NIST36 files of
the original homework.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

FAMILY_WEIGHTS = np.array([3, 2, 3, 2, 2, 2, 1]) / 15.0
CLASSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # label order of the .mat files
FAMILIES = ("futural", "futuram", "rowmans", "rowmand", "timesr", "timesi", "scripts")
# Mixed case: half the writers write every letter as a capital; the others write a letter in
# lowercase with probability 0.3 or 0.75 (the label stays the capital's). Most classes then have
# two or more letter forms, which a linear model on the pixels cannot average well.
CASE_MIX = (0.0, 0.3, 0.75)
CASE_WEIGHTS = (0.5, 0.3, 0.2)
# per-character offset of the glyph's centre from the canvas centre (standard deviation, as a
# fraction of the canvas: 1.6 px at 32x32)
POSITION_SD = 0.05


@lru_cache(maxsize=None)
def _font(family: str):
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(family)
    font.normalize_rendering(100)
    return font


@lru_cache(maxsize=None)
def _font_strokes(family: str, char: str) -> tuple[np.ndarray, ...]:
    """Polylines of ``char`` in ``family`` (y down, glyph height normalised to 1, centred)."""
    font = _font(family)
    strokes = [np.asarray(s, dtype=np.float64) for s in font.strokes_for_text(char) if len(s) >= 1]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    height = max(hi[1] - lo[1], 1e-6)
    out = []
    for s in strokes:
        s = (s - centre) / height
        s[:, 1] *= -1  # y down, like image rows
        out.append(_subdivide(s))
    return tuple(out)


@dataclass(frozen=True)
class Writer:
    family: str
    slant: float  # shear: x += slant * y (y down, so positive leans the top to the right when negated)
    stroke: float  # pen width as a fraction of the glyph height
    height: float  # glyph height as a fraction of the canvas
    aspect: float  # width multiplier
    jitter: float  # amplitude of the smooth control-point field (fraction of the height)
    noise: float  # independent per-point noise (fraction of the height)
    elastic: float  # elastic distortion amplitude (pixels at 32x32)
    ink: float  # darkness of the ink (1 = black)


def random_writer(rng: np.random.Generator, difficulty: float = 1.0) -> Writer:
    """Draw a writer's style; ``difficulty`` scales the random distortions."""
    d = difficulty
    # the script family (joined-up capitals) is rarer than the block-letter ones
    family = FAMILIES[int(rng.choice(len(FAMILIES), p=FAMILY_WEIGHTS))]
    return Writer(
        family=family,
        slant=float(rng.normal(0.0, 0.18 * d)),
        stroke=float(rng.uniform(0.07, 0.15)),
        height=float(rng.uniform(0.55, 0.78)),
        aspect=float(rng.uniform(0.8, 1.25)),
        jitter=float(rng.uniform(0.02, 0.07) * d),
        noise=float(rng.uniform(0.0, 0.015) * d),
        elastic=float(rng.uniform(0.5, 1.6) * d),
        ink=float(rng.uniform(0.8, 1.0)),
    )


def _subdivide(s: np.ndarray, step: float = 0.12) -> np.ndarray:
    """Insert points along each segment so the jitter field bends straight strokes."""
    if len(s) < 2:
        return s
    out = [s[:1]]
    for a, b in zip(s[:-1], s[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def _smooth_field(rng: np.random.Generator, amp: float):
    """A smooth random 2-D displacement field made of a few low-frequency sinusoids."""
    k = rng.normal(0.0, 2.2, size=(3, 2, 2))  # (terms, output coord, input coord)
    ph = rng.uniform(0, 2 * np.pi, size=(3, 2))
    a = rng.normal(0.0, amp / np.sqrt(3), size=(3, 2))

    def field(p: np.ndarray) -> np.ndarray:
        out = np.zeros_like(p)
        for j in range(3):
            out += a[j] * np.sin(p @ k[j].T + ph[j])
        return out

    return field


def glyph_strokes(char: str, writer: Writer, rng: np.random.Generator) -> list[np.ndarray]:
    """The character's polylines with this writer's style and a per-sample variation.

    Coordinates are in units of the glyph height, centred on the origin, y down.
    """
    base = _font_strokes(writer.family, char)
    field = _smooth_field(rng, writer.jitter)
    theta = rng.normal(0.0, 0.06)
    slant = writer.slant + rng.normal(0.0, 0.05)
    aspect = writer.aspect * np.exp(rng.normal(0.0, 0.06))
    c, s = np.cos(theta), np.sin(theta)
    A = np.array([[c, -s], [s, c]]) @ np.array([[aspect, -slant], [0.0, 1.0]])
    out = []
    for p in base:
        p = p + field(p) + rng.normal(0.0, writer.noise, size=p.shape)
        out.append(p @ A.T)
    return out


def _draw(strokes: list[np.ndarray], size: int, width_px: float, supersample: int) -> np.ndarray:
    """Ink coverage (0..1) of the polylines (in pixel units of ``size``) on a size x size canvas."""
    from PIL import Image, ImageDraw

    S = size * supersample
    img = Image.new("L", (S, S), 0)
    draw = ImageDraw.Draw(img)
    w = max(1, int(round(width_px * supersample)))
    r = w / 2.0
    for p in strokes:
        q = p * supersample
        pts = [tuple(v) for v in q.tolist()]
        if len(pts) >= 2:
            draw.line(pts, fill=255, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):  # round pen caps
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr


def _elastic(arr: np.ndarray, alpha: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    from scipy import ndimage

    if alpha <= 0:
        return arr
    # smoothed uniform noise (Simard et al.), computed on a 4x coarser grid and
    # upsampled: the field is smooth anyway, and this is 16x cheaper
    shape = arr.shape
    f = 4
    small = (shape[0] // f, shape[1] // f)
    noise = rng.uniform(-1, 1, (2,) + small)
    d = ndimage.gaussian_filter(noise, (0, sigma / f, sigma / f), mode="constant") * alpha
    d = ndimage.uniform_filter(d.repeat(f, axis=1).repeat(f, axis=2), (1, f, f), mode="nearest")
    yy, xx = np.indices(shape)
    return ndimage.map_coordinates(arr, [yy + d[0], xx + d[1]], order=1, mode="constant", cval=0.0)


def render_glyph(char: str, writer: Writer, rng: np.random.Generator, size: int = 32,
                 supersample: int = 2, centre: tuple[float, float] | None = None) -> np.ndarray:
    """One handwritten ``char`` as a ``(size, size)`` float32 image, 1 = paper, 0 = ink.

    The glyph's height is ``writer.height * size`` (with a per-sample variation) and
    its centre ``centre`` (pixels, (row, col)); by default the canvas centre moved
    by a random offset (``POSITION_SD`` of the canvas in each direction).
    """
    strokes = glyph_strokes(char, writer, rng)
    h = writer.height * size * np.exp(rng.normal(0.0, 0.07))
    if centre is None:
        centre = (size / 2 + rng.normal(0.0, POSITION_SD * size), size / 2 + rng.normal(0.0, POSITION_SD * size))
    cy, cx = centre
    pix = [np.column_stack([p[:, 0] * h + cx, p[:, 1] * h + cy]) for p in strokes]
    width = max(0.9, writer.stroke * h * np.exp(rng.normal(0.0, 0.1)))
    cov = _draw(pix, size, width, supersample)
    # elastic distortion at the supersampled resolution (amplitude given at 32x32)
    scale = supersample * size / 32.0
    cov = _elastic(cov, alpha=writer.elastic * scale * 3.5, sigma=2.5 * scale, rng=rng)
    if supersample > 1:
        cov = cov.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    cov = np.clip(cov, 0.0, 1.0)
    return (1.0 - writer.ink * cov).astype(np.float32)


def make_split(n_writers: int, rng: np.random.Generator, difficulty: float = 0.55,
               chars: str = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Every writer writes every character once: images (n, 32, 32) and labels (n,).

    A writer writes a letter in lowercase with their own probability (``CASE_MIX``); the
    label is the capital's.
    """
    imgs, labels = [], []
    for _ in range(n_writers):
        w = random_writer(rng, difficulty)
        lower = float(rng.choice(CASE_MIX, p=CASE_WEIGHTS))
        for ch in chars:
            drawn = ch.lower() if ch.isalpha() and rng.random() < lower else ch
            imgs.append(render_glyph(drawn, w, rng))
            labels.append(CLASSES.index(ch))
    return np.stack(imgs), np.asarray(labels, dtype=np.int64)
