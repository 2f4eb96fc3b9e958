"""Q4.3-Q4.4: read the text of a page with ``findLetters`` and the network of Q3.

Steps: group the boxes into lines (cluster the box centres' rows), order each line
left to right, crop every character so that it looks like the training images
(square, padded, 32x32, stored transposed), classify the crops, and spell the lines.
"""
import numpy as np
import skimage.morphology
import skimage.transform

from .q4 import findLetters
from .run_q3 import predict_probs
from .util import LETTERS


def group_rows(bboxes):
    """Cluster boxes into text lines.

    bboxes: ``(n, 4)`` array-like of ``[y1, x1, y2, x2]``. Returns a list of lines, top
    line first; each line is a list of indices into ``bboxes`` sorted left to right.
    Two boxes are on the same line when their vertical centres are closer than about
    half a character height.
    """
    rows = []
    # TODO: sort the boxes by their centre row; start a new line when the gap to the line's
    #       centre exceeds a fraction of the median box height; sort each line by x.
    # BEGIN SOLUTION
    b = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0:
        return rows
    cy = (b[:, 0] + b[:, 2]) / 2
    height = np.median(b[:, 2] - b[:, 0])
    current = []
    for i in np.argsort(cy, kind="stable"):
        if current and cy[i] - np.mean(cy[current]) > 0.6 * height:
            rows.append(current)
            current = []
        current.append(int(i))
    rows.append(current)
    rows = [sorted(r, key=lambda i: b[i, 1]) for r in rows]
    # END SOLUTION
    return rows


def crop_letter(bw, bbox):
    """The character of ``bw`` inside ``bbox`` made to look like a training row.

    bw: the black-and-white page of ``findLetters`` (1 = paper, 0 = ink);
    bbox: ``[y1, x1, y2, x2]``. Returns a ``(1024,)`` float row in [0, 1]: the crop
    padded with white to a square with a margin (the training glyphs fill about
    two thirds of the image height), thickened if needed, resized to 32x32 and
    *transposed* before flattening, as the rows of the .mat files are.
    """
    row = None
    # TODO: crop, pad to a centred square with a white margin, resize to 32x32, transpose, flatten.
    # BEGIN SOLUTION
    y1, x1, y2, x2 = (int(v) for v in bbox)
    crop = np.asarray(bw, dtype=np.float64)[y1:y2, x1:x2]
    h, w = crop.shape
    side = int(np.ceil(max(h, w) / 0.68))
    canvas = np.ones((side, side))
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top:top + h, left:left + w] = crop
    # thicken the strokes to the training data's pen width before shrinking
    ink = canvas < 0.5
    ink = skimage.morphology.dilation(ink, skimage.morphology.disk(max(1, side // 48)))
    small = skimage.transform.resize(1.0 - ink.astype(np.float64), (32, 32), anti_aliasing=True)
    row = np.clip(small, 0, 1).T.reshape(-1)
    # END SOLUTION
    return row


def read_page(image, params):
    """Read a page: ``(bboxes, lines)``.

    ``bboxes``: an ``(n, 4)`` int array of ``[y1, x1, y2, x2]`` in reading order (line by
    line, left to right); ``lines``: a list of strings, one per text line, without
    spaces, whose characters (concatenated) are the classes predicted for ``bboxes``
    in that order. ``params`` is a trained two-layer network (``layer1``, ``output``).
    """
    bboxes, lines = np.zeros((0, 4), dtype=np.int64), []
    # TODO: findLetters, group_rows, crop_letter for each box, predict_probs, LETTERS.
    # BEGIN SOLUTION
    boxes, bw = findLetters(image)
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    rows = group_rows(boxes)
    order = [i for r in rows for i in r]
    if order:
        crops = np.stack([crop_letter(bw, boxes[i]) for i in order])
        pred = np.argmax(predict_probs(crops, params), axis=1)
        k = 0
        for r in rows:
            lines.append("".join(LETTERS[p] for p in pred[k:k + len(r)]))
            k += len(r)
        bboxes = boxes[order]
    # END SOLUTION
    return bboxes, lines


def box_iou(a, b):
    """IoU of every box of ``a`` ``(n, 4)`` with every box of ``b`` ``(m, 4)`` (provided)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    y1 = np.maximum(a[:, None, 0], b[None, :, 0])
    x1 = np.maximum(a[:, None, 1], b[None, :, 1])
    y2 = np.minimum(a[:, None, 2], b[None, :, 2])
    x2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(y2 - y1, 0, None) * np.clip(x2 - x1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def score_page(truth_boxes, truth_chars, bboxes, chars, iou=0.5):
    """``(detected, classified)`` fractions of the true characters (provided).

    A true character is detected when some returned box overlaps it with IoU >= ``iou``
    (each returned box matches at most one true character, greedily by IoU), and
    classified when that box's predicted character is right.
    """
    T = np.asarray(truth_boxes).reshape(-1, 4)
    B = np.asarray(bboxes).reshape(-1, 4)
    if len(T) == 0:
        return 1.0, 1.0
    if len(B) == 0:
        return 0.0, 0.0
    M = box_iou(T, B)
    det = cls = 0
    used_t, used_b = set(), set()
    for flat in np.argsort(-M, axis=None, kind="stable"):
        ti, bi = divmod(int(flat), M.shape[1])
        if M[ti, bi] < iou:
            break
        if ti in used_t or bi in used_b:
            continue
        used_t.add(ti)
        used_b.add(bi)
        det += 1
        cls += int(bi < len(chars) and chars[bi] == truth_chars[ti])
    return det / len(T), cls / len(T)
