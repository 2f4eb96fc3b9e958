"""Shared by the figure tests of the homeworks: a stand-in for a check's context that keeps
what ``t.figure`` attaches (the real ``Context.figure``), and the PNG's pixels."""
from __future__ import annotations

import io

import numpy as np

from autograder.engine import figures as F
from autograder.engine.checks import Context


class FigureSink:
    """Only ``figure`` of a check's context: enough for the ``autograder/<hw>/figures.py`` helpers."""

    def __init__(self):
        self.figures, self.figure_log = [], []

    def figure(self, title, source, *, alt=""):
        return Context.figure(self, title, source, alt=alt)


def pixels(rec: dict) -> np.ndarray:
    """RGB pixels of a stored figure record."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(F.decode(rec))).convert("RGB")).astype(int)


def coloured(rec: dict, rgb, tol: int = 40) -> int:
    """How many pixels of the figure are near the colour ``rgb``."""
    a = pixels(rec)
    return int(np.sum(np.all(np.abs(a - np.asarray(rgb)) < tol, axis=-1)))
