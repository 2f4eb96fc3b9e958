"""Figures in a student's feedback (issue 27): drawn here, in the grader's process, from numbers.

A check attaches a figure with ``t.figure(title, source)`` (``checks.Context.figure``); the
source is a matplotlib ``Figure`` made by the grader (or a callable returning one). Nothing a
student's process wrote is ever embedded as image bytes: what comes back from the sandbox is
numbers (losses, boxes, labels), validated and bounded by the plot helpers below before a line
is drawn, on matplotlib's Agg canvas (no display, no pyplot state shared between checks).

A figure is stored in the check's result (``CheckResult.figures``) as a small record: its
grader-authored title, the PNG as base64 (at most ``MAX_PNG_BYTES``; a figure over it is drawn
again at a lower resolution, then dropped), its size in pixels and how long it took to draw.
The writers embed the PNGs in the HTML feedback (``<img src="data:image/png;base64,...">``),
in the Markdown feedback too, and name them in text feedback (``course check``, Gradescope).
At most ``MAX_PER_CHECK`` figures per check and ``MAX_PER_SUBMISSION`` per submission are shown.

Which numbers may be drawn is the check's decision, under the rule of hidden checks (see
``grade.py``): a figure of a hidden input is forbidden; a learning curve of a grader-side run
on public training data, a confusion matrix of counts on a private split, boxes on a public page
and reconstructions of public validation images are allowed.

The generic plots live here (learning curve, confusion matrix, image grid, boxes on a page);
homework-specific ones in ``autograder/<hw>/figures.py``.
"""
from __future__ import annotations

import base64
import io
import math
import os
import threading
import time

import numpy as np

MAX_PNG_BYTES = 150_000  # one figure's PNG
MAX_PER_CHECK = 2
MAX_PER_SUBMISSION = 6
MAX_PIXELS = 1200  # the longer side of a figure's PNG
DPI = 80
_RETRY_DPI = (60, 45, 32)
MAX_CURVE_POINTS = 200  # a learning curve is drawn from at most this many (block-averaged) points
MAX_INPUT_VALUES = 1_000_000  # anything longer that comes back from a sandbox is not drawn
MAX_CLASSES = 50
MAX_BOXES = 2000


class FigureRejected(ValueError):
    """The numbers cannot make a figure (wrong shape, too many, not numbers): no figure is shown."""


# -- the record stored in a result ------------------------------------------------------------

_warm_up: dict[int, threading.Thread] = {}


def _import_drawing() -> None:
    try:
        import matplotlib.backends.backend_agg  # noqa: F401  (what savefig to PNG uses)
        import matplotlib.figure  # noqa: F401
        import PIL.Image  # noqa: F401
    except Exception:  # noqa: BLE001  (the figure itself reports a missing matplotlib)
        pass


def warm_up() -> None:
    """Import matplotlib in a daemon thread while the checks run (about 1.2 s of a submission's
    grading otherwise spent at its first figure, while no check ran); once per process."""
    if os.getpid() not in _warm_up:
        t = threading.Thread(target=_import_drawing, daemon=True, name="figures-warm-up")
        _warm_up[os.getpid()] = t
        t.start()


def _new_figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=DPI)


def png_bytes(fig, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise FigureRejected("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _clean_png(data: bytes) -> bytes:
    """PNG bytes made by grader code, decoded fully and written again (only pixels travel on)."""
    from PIL import Image

    w, h = _png_size(bytes(data[:32]))
    if not (0 < w <= MAX_PIXELS and 0 < h <= MAX_PIXELS):
        raise FigureRejected(f"a PNG of {w} x {h} pixels (at most {MAX_PIXELS} a side)")
    img = Image.open(io.BytesIO(bytes(data)))
    img.load()
    buf = io.BytesIO()
    img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def record(title: str, source, *, alt: str = "", max_bytes: int = MAX_PNG_BYTES) -> dict:
    """The stored form of a figure: ``{"title", "alt", "png" (base64), "width", "height",
    "bytes", "draw_seconds"}``. ``source``: a matplotlib Figure (drawn here, at a lower resolution
    while the PNG is over ``max_bytes``) or PNG bytes made by grader code (decoded and re-encoded)."""
    start = time.perf_counter()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = _clean_png(bytes(source))
    elif hasattr(source, "savefig"):
        w_in, h_in = source.get_size_inches()
        dpi = min(DPI, int(MAX_PIXELS / max(w_in, h_in, 1e-9)))
        data = png_bytes(source, dpi)
        for lower in _RETRY_DPI:
            if len(data) <= max_bytes:
                break
            if lower < dpi:
                data = png_bytes(source, lower)
    else:
        raise FigureRejected(f"a figure must be a matplotlib Figure or PNG bytes, not {type(source).__name__}")
    if len(data) > max_bytes:
        raise FigureRejected(f"the PNG takes {len(data)} bytes even at a low resolution (at most {max_bytes})")
    w, h = _png_size(data)
    return {"title": str(title)[:200], "alt": str(alt or title)[:300],
            "png": base64.b64encode(data).decode("ascii"), "width": w, "height": h, "bytes": len(data),
            "draw_seconds": round(time.perf_counter() - start, 4)}


def decode(rec: dict) -> bytes:
    """The PNG bytes of a stored figure record."""
    return base64.b64decode(rec.get("png", ""), validate=True)


# -- numbers from a sandbox, made safe to draw -------------------------------------------------

def as_numbers(values, *, name: str, ndim: int | None = None, max_values: int = MAX_INPUT_VALUES) -> np.ndarray:
    """``values`` (from a student's process, or derived from it) as a float64 array, or FigureRejected."""
    if isinstance(values, (str, bytes, dict)) or values is None:
        raise FigureRejected(f"{name}: not numbers")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise FigureRejected(f"{name}: not numbers") from None
    if arr.size > max_values:
        raise FigureRejected(f"{name}: {arr.size} values (at most {max_values})")
    if ndim is not None and arr.ndim != ndim:
        raise FigureRejected(f"{name}: {arr.ndim} dimensions, expected {ndim}")
    return arr


def block_means(y: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of at most ``max_points`` points: means over consecutive blocks of ``y``
    (x: the block's middle step, counted from 1). Non-finite values stay out of the means."""
    n = len(y)
    if n <= max_points:
        return np.arange(1, n + 1, dtype=np.float64), y
    edges = np.linspace(0, n, max_points + 1).astype(int)
    xs, ys = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        seg = y[a:b]
        seg = seg[np.isfinite(seg)]
        xs.append((a + b + 1) / 2.0)
        ys.append(float(seg.mean()) if seg.size else np.nan)
    return np.asarray(xs), np.asarray(ys)


# -- generic plots -----------------------------------------------------------------------------

def learning_curve(values, *, title: str, xlabel: str = "step", ylabel: str = "loss", steps=None,
                   reference=None, reference_label: str = "reference", note: str = ""):
    """A training-loss curve: ``values`` one loss per step (or per epoch), block-averaged to at
    most ``MAX_CURVE_POINTS`` points; log scale when the losses span over two decades; the first
    non-finite loss marked as "diverged". ``steps``: the step number of each value (default 1..n).
    ``reference``: an optional grader-side curve drawn grey behind it."""
    y = as_numbers(values, name="losses", ndim=1)
    if y.size == 0:
        raise FigureRejected("losses: empty")
    bad = np.flatnonzero(~np.isfinite(y))
    if steps is not None:
        s = as_numbers(steps, name="steps", ndim=1)
        if s.shape != y.shape or not np.all(np.isfinite(s)):
            s = None
    else:
        s = None
    x, yy = block_means(y)
    if s is not None and len(y) > MAX_CURVE_POINTS:
        x = np.interp(x - 1, np.arange(len(s)), s)
    elif s is not None:
        x = s
    fig = _new_figure(5.6, 2.9)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.17, top=0.86)
    ax = fig.add_subplot()
    if reference is not None:
        try:
            r = as_numbers(reference, name="reference", ndim=1)
            rx, ry = block_means(r)
            ax.plot(rx, ry, color="#999", linewidth=1.2, label=reference_label)
        except FigureRejected:
            pass
    ok = np.isfinite(yy)
    ax.plot(x[ok], yy[ok], color="#2a62b0", linewidth=1.6, label="your run")
    finite = yy[ok]
    if finite.size and np.all(finite > 0) and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    if bad.size:
        at = float(bad[0] + 1 if s is None else s[bad[0]])
        ax.axvline(at, color="#c33", linestyle="--", linewidth=1.2)
        ax.text(at, 0.95, "diverged (NaN/inf) ", color="#c33", fontsize=8, va="top", ha="right",
                transform=ax.get_xaxis_transform())
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if math.isclose(lo, hi):
            pad = abs(lo) * 0.1 + 1e-3
            ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.3)
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=9)
    if reference is not None:
        ax.legend(fontsize=8, loc="upper right")
    return fig


def confusion_counts(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]``: true class i predicted as j (labels outside 0..n-1 are left out)."""
    t = as_numbers(y_true, name="true labels", ndim=1)
    p = as_numbers(y_pred, name="predictions", ndim=1)
    if t.shape != p.shape:
        raise FigureRejected(f"{len(t)} labels but {len(p)} predictions")
    if not 1 <= n_classes <= MAX_CLASSES:
        raise FigureRejected(f"{n_classes} classes (at most {MAX_CLASSES})")
    keep = np.isfinite(t) & np.isfinite(p) & (t == np.round(t)) & (p == np.round(p))
    keep &= (t >= 0) & (t < n_classes) & (p >= 0) & (p < n_classes)
    # numpy's bincount, not sklearn.metrics.confusion_matrix: the same counts (tests compare them),
    # without the second and a half that importing scikit-learn adds to a grading process
    t, p = t[keep].astype(np.int64), p[keep].astype(np.int64)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def confusion_matrix(y_true, y_pred, labels, *, title: str, note: str = ""):
    """A confusion matrix of counts (rows: true class, columns: predicted), each cell's count
    written in it and coloured by its share of the row."""
    labels = [str(x)[:24] for x in labels]
    k = len(labels)
    counts = confusion_counts(y_true, y_pred, k)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, np.maximum(rows, 1))
    side = min(7.0, 2.4 + 0.4 * k)
    fig = _new_figure(side, side + 0.3)
    fig.subplots_adjust(left=0.2, right=0.97, bottom=0.17, top=0.88)
    ax = fig.add_subplot()
    ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=7 if k > 10 else 8,
                        color="white" if share[i, j] > 0.55 else "#222")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("predicted", fontsize=9)
    ax.set_ylabel("true class", fontsize=9)
    total = int(counts.sum())
    acc = float(np.trace(counts)) / total if total else 0.0
    ax.set_title(f"{title}\n{total} items, {acc:.1%} on the diagonal" + (f"; {note}" if note else ""), fontsize=9)
    return fig


def image_grid(images, *, title: str, captions=None, ncols: int | None = None, vmin: float = 0.0,
               vmax: float = 1.0, row_labels=None):
    """Small grey images in a grid (``images``: (n, h, w), at most 40), a caption over each; drawn
    as one montage on one axes (a subplot per image costs ten times the time)."""
    arr = as_numbers(images, name="images", ndim=3)
    n, h, w = arr.shape
    if not 1 <= n <= 40 or max(h, w) > 256:
        raise FigureRejected(f"{n} images of {h} x {w} (1 to 40, at most 256 pixels a side)")
    ncols = ncols or min(n, 10)
    nrows = math.ceil(n / ncols)
    gap_x, gap_y = max(2, w // 8), max(2, h // 2)  # room for each caption above its image
    tile_w, tile_h = w + gap_x, h + gap_y
    canvas = np.full((nrows * tile_h, ncols * tile_w), np.nan)
    for i in range(n):
        r, c = divmod(i, ncols)
        canvas[r * tile_h + gap_y:(r + 1) * tile_h, c * tile_w:c * tile_w + w] = np.clip(np.nan_to_num(arr[i]), vmin, vmax)
    width_in = 0.9 * ncols + (0.7 if row_labels else 0.1)
    height_in = width_in * canvas.shape[0] / canvas.shape[1] * (0.9 * ncols) / width_in + 0.45
    fig = _new_figure(width_in, height_in)
    fig.subplots_adjust(left=(0.7 if row_labels else 0.05) / width_in, right=1 - 0.05 / width_in, bottom=0.02,
                        top=1 - 0.4 / height_in)
    ax = fig.add_subplot()
    from matplotlib import colormaps

    cmap = colormaps["gray"].with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(canvas), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    for i in range(n):
        r, c = divmod(i, ncols)
        if captions is not None and i < len(captions):
            ax.text(c * tile_w + w / 2, r * tile_h + gap_y - 1, str(captions[i])[:20], ha="center", va="bottom", fontsize=7)
    for r, lab in enumerate((row_labels or [])[:nrows]):
        ax.text(-2, r * tile_h + gap_y + h / 2, str(lab)[:16], ha="right", va="center", fontsize=7, rotation=90)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return fig


def _shrink(img: np.ndarray, side: int) -> np.ndarray:
    """``img`` (grey or RGB) as uint8 with its longer side at most ``side`` pixels, 16 grey levels."""
    from PIL import Image

    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = np.clip(np.nan_to_num(a.astype(np.float64)) * (255.0 if a.max(initial=0) <= 1.0 else 1.0), 0, 255)
        a = a.astype(np.uint8)
    pil = Image.fromarray(a)
    if max(pil.size) > side:
        pil.thumbnail((side, side), Image.Resampling.BOX)
    out = np.asarray(pil)
    return (out // 16 * 17).astype(np.uint8)


def boxes_on_image(image, boxes, *, title: str, truth=None, max_side_in: float = 6.5, note: str = ""):
    """``boxes`` (n, 4) as ``[y1, x1, y2, x2]`` (rows first, the handout's order) in red on
    ``image`` (the grader's own copy of a page); ``truth`` boxes, if given, in thin green."""
    img = np.asarray(image)
    if img.ndim not in (2, 3) or img.size == 0:
        raise FigureRejected("the page is not an image")
    b = as_numbers(boxes, name="boxes", max_values=4 * MAX_BOXES)
    if b.size % 4:
        raise FigureRejected("boxes: not groups of four numbers")
    b = b.reshape(-1, 4)
    b = b[np.all(np.isfinite(b), axis=1)]
    h, w = img.shape[:2]
    scale = max_side_in / max(h, w)
    fig = _new_figure(max(2.0, w * scale), max(2.0, h * scale) + 0.35)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.35 / (max(2.0, h * scale) + 0.35))
    ax = fig.add_subplot()
    # the page at about the size it is shown, in 16 grey levels: a small PNG (the boxes keep the
    # page's own coordinates through ``extent``)
    small = _shrink(img, int(max_side_in * DPI))
    ax.imshow(small, cmap="gray" if small.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest",
              extent=(0, w, h, 0))
    from matplotlib.collections import LineCollection

    def outline(bx, colour, lw):
        y1, x1, y2, x2 = (np.clip(bx[:, i], -1, (h, w, h, w)[i] + 1) for i in range(4))
        segs = np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1), np.stack([x2, y2], 1), np.stack([x1, y2], 1),
                         np.stack([x1, y1], 1)], axis=1)
        ax.add_collection(LineCollection(segs, colors=colour, linewidths=lw))

    if truth is not None:
        tb = as_numbers(truth, name="truth", max_values=4 * MAX_BOXES).reshape(-1, 4)
        outline(tb, "#2a2", 0.6)
    outline(b, "#d22", 1.0)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title + (f" ({note})" if note else ""), fontsize=9)
    return fig
