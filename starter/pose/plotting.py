"""Plots for the pose homework (provided code: do not edit)."""
from __future__ import annotations

import numpy as np

from .data import PARENTS

__all__ = ["plot_history", "show_clip"]


def plot_history(hist: dict, title: str = ""):
    """Training / validation loss and MPJPE against the epoch (two panels)."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    ep = hist["epoch"]
    a.plot(ep, hist["train_loss"], "o-", label="train")
    a.plot(ep, hist["valid_loss"], "s-", label="validation")
    a.set_xlabel("epoch"); a.set_ylabel("loss (sum of squared errors / clip)"); a.legend()
    b.plot(ep, hist["train_mpjpe"], "o-", label="train")
    b.plot(ep, hist["valid_mpjpe"], "s-", label="validation")
    b.set_xlabel("epoch"); b.set_ylabel("MPJPE (mm)"); b.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_clip(video, joints=None, pred=None, frames=(0, 3, 7)):
    """The frames of one clip and, below them, the 3D skeletons (truth blue, prediction red)
    seen from the camera (x right, y down)."""
    import matplotlib.pyplot as plt

    frames = list(frames)
    rows = 1 + (joints is not None or pred is not None)
    fig, axes = plt.subplots(rows, len(frames), figsize=(2.2 * len(frames), 2.3 * rows), squeeze=False)
    for k, t in enumerate(frames):
        axes[0, k].imshow(np.asarray(video[t]))
        axes[0, k].set_title(f"frame {t}")
        axes[0, k].axis("off")
        if rows == 2:
            ax = axes[1, k]
            for pose, colour in ((joints, "tab:blue"), (pred, "tab:red")):
                if pose is None:
                    continue
                p = np.asarray(pose[t])
                for j, par in enumerate(PARENTS):
                    if par >= 0:
                        ax.plot([p[j, 0], p[par, 0]], [p[j, 1], p[par, 1]], "-", color=colour, lw=2)
            ax.set_xlim(-1, 1); ax.set_ylim(1.1, -1.1); ax.set_aspect("equal")
            ax.set_xticks([]); ax.set_yticks([])
    fig.tight_layout()
    return fig
