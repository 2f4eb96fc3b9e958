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
    raise NotImplementedError("group_rows is not implemented yet (see the TODO above this line)")
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
    raise NotImplementedError("crop_letter is not implemented yet (see the TODO above this line)")
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
    raise NotImplementedError("read_page is not implemented yet (see the TODO above this line)")
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
