"""Training and prediction loops for the pose model (provided code: do not edit).

You write the model, the loss and the metric in ``pose.py``; this file runs them.

* :func:`train` runs Adam on mini-batches of clips for a number of epochs (or steps),
  and returns a history ``dict`` with, per epoch, the training loss and MPJPE (running
  means over the epoch's batches) and the validation loss and MPJPE (whole validation
  set, model in ``eval()`` mode);
* :func:`predict` runs a model over clips in batches, ``eval()`` mode, no gradients;
* :func:`save_weights` / :func:`load_weights` write and read a ``state_dict`` (loaded with
  ``torch.load(..., weights_only=True)``: a weights file never runs code).

Clips stay uint8 until a batch is sent to the model: the model normalises its input.
"""
from __future__ import annotations

import math
import random
import sys
import time

import numpy as np
import torch
from torch import nn

__all__ = ["configure_torch", "seed_everything", "train", "predict", "save_weights", "load_weights",
           "state_dict_arrays"]


def configure_torch(threads: int | None = 2, deterministic: bool = True) -> None:
    """CPU threads for torch (None: leave as is) and deterministic algorithms."""
    if threads is not None:
        torch.set_num_threads(int(threads))
    _set_deterministic(deterministic)


def _set_deterministic(mode: bool) -> None:
    """Switch torch's deterministic algorithms on or off (warnings, not errors, where none exists).

    ``torch.use_deterministic_algorithms`` also sets the flag of ``torch.compile``'s code generator,
    and imports that compiler to do it: about 1 s of CPU in every process. Nothing in this course
    compiles, so only the flag the eager kernels read is set, unless the compiler is loaded already.
    """
    set_flag = getattr(torch._C, "_set_deterministic_algorithms", None)
    if set_flag is None or "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(mode, warn_only=True)
    else:
        set_flag(mode, warn_only=True)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _default_loss(y, pred):
    return ((pred - y) ** 2).sum() / y.shape[0]


def _mpjpe_mm(y, pred) -> float:
    return float(torch.linalg.vector_norm(pred.detach().double() - y.double(), dim=-1).mean()) * 1000.0


def predict(model: nn.Module, videos, batch_size: int = 64) -> np.ndarray:
    """Predictions float32 ``(N, T, 17, 3)`` for uint8 clips ``(N, T, H, W, 3)``."""
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(videos), batch_size):
            xb = torch.as_tensor(np.ascontiguousarray(videos[i:i + batch_size]))
            out.append(torch.as_tensor(model(xb)).detach().float().cpu().numpy())
    model.train(was_training)
    if not out:
        return np.empty((0,) + tuple(np.shape(videos)[1:2]) + (17, 3), np.float32)
    return np.concatenate(out)


def train(model: nn.Module, train_videos, train_joints, valid_videos=None, valid_joints=None, *,
          loss_fn=None, epochs: int = 5, num_steps: int | None = None, batch_size: int = 32, lr: float = 2e-3,
          betas=(0.9, 0.999), max_seconds: float | None = None, max_cpu_seconds: float | None = None,
          seed: int = 0, threads: int | None = 2, log=print) -> dict:
    """Train ``model`` with Adam on the clips; return the history.

    ``loss_fn(y, pred)``: the training loss (default: sum of squared errors / batch, i.e.
    ``pose.pose_loss``). ``epochs`` passes over the shuffled training clips, or exactly
    ``num_steps`` mini-batches when given. ``max_seconds`` (wall-clock) or ``max_cpu_seconds``
    (CPU time of this process, all threads: what the grader's budget counts, so a busy
    machine does not cut the run short) stops early (the history says so). ``log``: a print-like function for one line per epoch, or None.

    History keys: ``epoch`` (1, 2, ...), ``train_loss``, ``train_mpjpe``, ``valid_loss``,
    ``valid_mpjpe`` (one value per epoch; the validation entries are NaN without a
    validation set), ``steps`` (steps done by the end of each epoch), ``seconds``, ``cpu_seconds``,
    ``stopped_early``.
    """
    configure_torch(threads)
    seed_everything(seed)
    loss_fn = loss_fn or _default_loss
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=tuple(betas))
    n = len(train_videos)
    if n == 0:
        raise ValueError("no training clips")
    steps_per_epoch = max(1, n // batch_size)
    if num_steps is not None:
        epochs = math.ceil(num_steps / steps_per_epoch)
    gen = np.random.default_rng(seed)
    hist = {k: [] for k in ("epoch", "train_loss", "train_mpjpe", "valid_loss", "valid_mpjpe", "steps")}
    hist["stopped_early"] = False
    t0, c0 = time.perf_counter(), time.process_time()

    def out_of_time():
        return (max_seconds is not None and time.perf_counter() - t0 > max_seconds) or \
            (max_cpu_seconds is not None and time.process_time() - c0 > max_cpu_seconds)

    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = gen.permutation(n)
        losses, errors = [], []
        for b in range(steps_per_epoch):
            idx = np.sort(order[b * batch_size:(b + 1) * batch_size])
            xb = torch.as_tensor(np.ascontiguousarray(train_videos[idx]))
            yb = torch.as_tensor(np.ascontiguousarray(train_joints[idx]), dtype=torch.float32)
            pred = model(xb)
            loss = loss_fn(yb, pred)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            errors.append(_mpjpe_mm(yb, pred))
            step += 1
            if (num_steps is not None and step >= num_steps) or out_of_time():
                break
        hist["epoch"].append(epoch)
        hist["train_loss"].append(float(np.mean(losses)))
        hist["train_mpjpe"].append(float(np.mean(errors)))
        hist["steps"].append(step)
        if valid_videos is not None and len(valid_videos):
            pv = torch.as_tensor(predict(model, valid_videos, batch_size=2 * batch_size))
            yv = torch.as_tensor(np.asarray(valid_joints), dtype=torch.float32)
            with torch.no_grad():
                vl = float(loss_fn(yv, pv))
            hist["valid_loss"].append(vl)
            hist["valid_mpjpe"].append(_mpjpe_mm(yv, pv))
        else:
            hist["valid_loss"].append(float("nan"))
            hist["valid_mpjpe"].append(float("nan"))
        if log is not None:
            log(f"epoch {epoch}: train loss {hist['train_loss'][-1]:.3f}, MPJPE {hist['train_mpjpe'][-1]:.1f} mm | "
                f"valid loss {hist['valid_loss'][-1]:.3f}, MPJPE {hist['valid_mpjpe'][-1]:.1f} mm "
                f"({time.perf_counter() - t0:.0f} s)")
        if num_steps is not None and step >= num_steps:
            break
        if out_of_time():
            hist["stopped_early"] = True
            break
    hist["seconds"] = time.perf_counter() - t0
    hist["cpu_seconds"] = time.process_time() - c0
    return hist


def save_weights(model: nn.Module, path) -> None:
    """Write ``model.state_dict()`` to ``path`` (hand this file in)."""
    torch.save(model.state_dict(), str(path))


def load_weights(model: nn.Module, path) -> nn.Module:
    """Load a file written by :func:`save_weights` into ``model`` (``weights_only=True``)."""
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model


def state_dict_arrays(model: nn.Module) -> dict:
    """``{name: ndarray}`` of the model's parameters and buffers."""
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
