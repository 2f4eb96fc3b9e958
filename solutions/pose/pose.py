"""3D human pose from video: the metric, the loss and the CNN + LSTM model (your code).

Shapes used throughout (``T = 8`` frames per clip, ``J = 17`` Human3.6M joints):

* a batch of clips ``x``: uint8 ``(B, T, H, W, 3)``, raw RGB pixels in 0..255 (the model
  normalises them itself: never divide the data by 255 outside the model);
* joint positions ``y`` / predictions ``pred``: ``(B, T, J, 3)`` in **metres**,
  root-relative (joint 0, the pelvis, at the origin) in the camera frame.

Implement the three pieces marked TODO:

* :func:`mpjpe`: the Mean Per Joint Position Error in **millimetres**;
* :func:`pose_loss`: the training loss, the sum of squared errors divided by the batch size;
* :class:`DeepDynamicModel`: a per-frame CNN applied to every frame (time-distributed),
  an LSTM over the frames of each clip, and an MLP predicting the 17 x 3 joint
  positions of every frame from the frame's CNN features and the LSTM's state.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

N_FRAMES = 8
N_JOINTS = 17
IMAGE_SIZE = 32  # height = width of the provided clips' frames

__all__ = ["N_FRAMES", "N_JOINTS", "IMAGE_SIZE", "mpjpe", "pose_loss", "DeepDynamicModel"]


def mpjpe(y, pred) -> float:
    """Mean Per Joint Position Error in millimetres.

    ``y`` and ``pred``: arrays (numpy or torch) of the same shape ``(..., J, 3)``, e.g.
    ``(N, T, J, 3)``, holding 3D joint positions in metres. The error of one joint in one
    frame is the Euclidean distance between its true and predicted positions; MPJPE is the
    mean of that distance over every joint of every frame (of every clip), times 1000.

    Returns a Python float (mm).
    """
    # TODO: Euclidean distance over the last axis (x, y, z), mean over everything else, in mm.
    # BEGIN SOLUTION
    y = np.asarray(y.detach().cpu() if torch.is_tensor(y) else y, dtype=np.float64)
    pred = np.asarray(pred.detach().cpu() if torch.is_tensor(pred) else pred, dtype=np.float64)
    return float(np.linalg.norm(pred - y, axis=-1).mean() * 1000.0)
    # END SOLUTION


def pose_loss(y: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """The training loss: squared errors summed over frames, joints and coordinates, averaged
    over the batch.

    ``y``, ``pred``: tensors ``(B, T, J, 3)`` (metres). Returns a 0-d tensor equal to
    ``sum((pred - y) ** 2) / B`` that ``backward()`` can differentiate with respect to
    ``pred``. (The handout's write-up sums without dividing and its Keras code takes the mean
    over every element: Adam trains the same with any positive constant multiple, and the
    grader accepts the sum, the sum / B and the mean.)
    """
    # TODO: one line of torch; keep it differentiable (no numpy, no .item()).
    # BEGIN SOLUTION
    return ((pred - y) ** 2).sum() / y.shape[0]
    # END SOLUTION


class DeepDynamicModel(nn.Module):
    """CNN (per frame) + LSTM (over the frames) + MLP (per frame) regressor.

    ``forward(x)``: ``x`` uint8 (or float in 0..255) ``(B, T, H, W, 3)`` with ``H = W =
    image_size`` -> joint positions ``(B, T, 17, 3)`` (metres, float32).

    The architecture of the handout, scaled to the small frames of this course's data:

    1. normalise the pixels inside the model: ``x / 255 - 0.5``, channels first;
    2. the CNN, applied to the ``B * T`` frames as one batch: three blocks of
       ``Conv2d(3x3, padding 1) -> BatchNorm2d -> ReLU -> MaxPool2d(2)`` with 16, 32 and 64
       channels, flattened, then ``Linear(-> 128) -> ReLU``: the features ``(B, T, 128)``;
    3. an LSTM with 128 hidden units run forwards over the T frames of every clip
       (``batch_first``: the time axis is axis 1), returning the hidden state of every frame;
    4. a skip connection around the LSTM: concatenate every frame's CNN features and its
       LSTM hidden state, ``(B, T, 128 + 128)``;
    5. the MLP, applied to every frame: ``Linear(256 -> 256) -> ReLU -> Linear(256 -> 51)``,
       reshaped to ``(B, T, 17, 3)``.

    The skip connection gives the MLP a frame's own features directly, while the LSTM
    adds what the earlier frames of the clip showed (useful when a frame is blurred, dark
    or occluded). The handout's plain version, the MLP on the LSTM's hidden state only
    (``Linear(128 -> 256)``), is correct too and gets full marks.

    Only the LSTM mixes frames, and nothing mixes clips: the prediction for a clip does
    not depend on the other clips of the batch (in ``eval()`` mode).
    """

    def __init__(self, image_size: int = IMAGE_SIZE, hidden: int = 128):
        super().__init__()
        self.image_size = image_size
        # TODO: create the layers (the CNN, the LSTM and the MLP).
        # BEGIN SOLUTION
        chans = (3, 16, 32, 64)
        blocks = []
        for c_in, c_out in zip(chans[:-1], chans[1:]):
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        side = image_size // 8
        self.cnn = nn.Sequential(*blocks, nn.Flatten(), nn.Linear(chans[-1] * side * side, hidden), nn.ReLU())
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(2 * hidden, 256), nn.ReLU(), nn.Linear(256, N_JOINTS * 3))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO: normalise, run the CNN on every frame, the LSTM over time, the MLP on every frame
        # (on the frame's CNN features concatenated with its LSTM state).
        # BEGIN SOLUTION
        B, T, H, W, C = x.shape
        frames = x.float().div(255.0).sub(0.5)                      # (B, T, H, W, 3) in [-0.5, 0.5]
        frames = frames.permute(0, 1, 4, 2, 3).reshape(B * T, C, H, W)
        feats = self.cnn(frames).reshape(B, T, -1)                  # (B, T, hidden)
        seq, _ = self.lstm(feats)                                    # (B, T, hidden)
        both = torch.cat([feats, seq], dim=-1)                       # (B, T, 2 * hidden): the skip connection
        return self.head(both).reshape(B, T, N_JOINTS, 3)
        # END SOLUTION
