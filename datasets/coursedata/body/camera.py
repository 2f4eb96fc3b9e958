"""A pinhole camera looking at the body.

Camera frame: ``x`` right, ``y`` down, ``z`` forward (into the scene); image
coordinates ``u = f x / z + cx`` (column), ``v = f y / z + cy`` (row).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .skeleton import rot_z

__all__ = ["Camera", "look_at"]


def look_at(eye, target, up=(0.0, 1.0, 0.0), roll_deg: float = 0.0) -> np.ndarray:
    """World-to-camera rotation (3, 3) for a camera at ``eye`` looking at ``target``."""
    eye = np.asarray(eye, float)
    fwd = np.asarray(target, float) - eye
    fwd /= np.linalg.norm(fwd)
    up = np.asarray(up, float)
    right = np.cross(fwd, up)  # world up x forward would point left; this points right
    if np.linalg.norm(right) < 1e-8:
        right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    R = np.stack([right, down, fwd])  # rows: camera axes in world coordinates
    return rot_z(roll_deg) @ R


@dataclass
class Camera:
    R: np.ndarray          # (3, 3) world -> camera rotation
    eye: np.ndarray        # (3,) camera centre in world coordinates
    f: float = 1.0
    cx: float = 0.0
    cy: float = 0.0

    @classmethod
    def orbit(cls, target, distance: float, azimuth_deg: float, elevation_deg: float = 0.0,
              roll_deg: float = 0.0, f: float = 1.0) -> "Camera":
        """Camera on a sphere around ``target``.

        ``azimuth`` 0 looks at the body's left side from +x, 90 from the front (+z),
        180 from the right side; ``elevation`` > 0 looks down from above.
        """
        a, e = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
        d = np.array([np.cos(a) * np.cos(e), np.sin(e), np.sin(a) * np.cos(e)])
        eye = np.asarray(target, float) + distance * d
        return cls(look_at(eye, target, roll_deg=roll_deg), eye, f)

    def to_camera(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, float) - self.eye) @ self.R.T

    def project(self, X: np.ndarray):
        """Project world points (..., 3) -> (uv (..., 2), depth (...))."""
        Xc = self.to_camera(X)
        z = np.maximum(Xc[..., 2], 1e-6)
        uv = np.stack([self.f * Xc[..., 0] / z + self.cx, self.f * Xc[..., 1] / z + self.cy], -1)
        return uv, Xc[..., 2]
