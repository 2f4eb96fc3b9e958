"""Training and prediction loops for the problem-4 CNNs (provided code: do not edit).

You write the model, the loss and the evaluation in ``cnn.py``; this file runs them.

* :func:`train` runs a fixed number of optimisation steps (Adam or SGD with
  momentum) on mini-batches drawn from a dataset, logs the mean training loss every
  ``log_every`` steps and the validation loss and accuracy every ``val_every`` steps,
  and returns the logs as a plain ``dict`` (see :func:`train` for the keys) that you
  can plot against the step number.
* :func:`predict` and :func:`evaluate` run a trained model over a dataset.
* :func:`as_dataset` wraps numpy arrays / tensors as a dataset, so the same loops run
  on the MDS189 datasets of ``data.py`` and on small arrays (e.g. when you check that
  a model can overfit a single batch).

:func:`load_frames` reads the frames of an MDS189 list file into arrays.

A dataset item is either ``(image, label)`` or, for unlabelled frames, the image
alone (or ``(image, something_that_is_not_a_label)``, e.g. the frame id). Images are
float tensors ``(C, H, W)``; labels are class indices in ``data.LABELS`` order.

Everything runs on the CPU with a fixed seed, and torch's deterministic algorithms
are switched on, so the same call gives the same numbers twice.
"""
from __future__ import annotations

import math
import random
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from .data import IMAGE_SIZE, LABELS, dataset_root, ensure_data, label_index, load_image, read_list

__all__ = [
    "load_frames", "configure_torch", "seed_everything", "as_dataset", "make_loader", "train", "predict", "evaluate",
    "overfit_batch",
]


def load_frames(listfile: str, root=None, image_size: int = IMAGE_SIZE, every: int = 1, limit: int | None = None,
                progress: bool = False):
    """Load the frames of one MDS189 list (e.g. ``keyframe_data_train.txt``) as arrays.

    The array twin of ``data.Mds189`` (same files, same resizing): returns
    ``(images, labels, ids)`` with uint8 images ``(N, 3, S, S)`` (RGB, ``S = image_size``),
    label indices ``(N,)`` in ``LABELS`` order (-1 for the unlabelled test list) and
    integer ids (the number in a file name such as ``00017.jpg``, i.e. the Kaggle ``Id``
    of a test frame; the row number otherwise). ``every`` keeps every ``every``-th
    line, ``limit`` the first ``limit`` of those. ``root`` defaults to the course's
    copy (generated on first use by ``data.ensure_data``). Wrap the arrays with
    :func:`as_dataset` (mirrored copies are one ``images[..., ::-1]`` away).
    """
    from pathlib import Path

    root = dataset_root(root) if root is not None else ensure_data()
    rows = read_list(root / listfile)[::every][:limit]
    images = np.empty((len(rows), 3, image_size, image_size), dtype=np.uint8)
    it = rows
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(rows, desc=listfile, leave=False)
    for i, (rel, _) in enumerate(it):
        images[i] = load_image(root / rel, image_size).transpose(2, 0, 1)
    labels = np.array([label_index(lab) for _, lab in rows], dtype=np.int64)
    stems = [Path(rel).stem for rel, _ in rows]
    ids = np.array([int(st) if st.isdigit() else i for i, st in enumerate(stems)], dtype=np.int64)
    return images, labels, ids


def configure_torch(threads: int | None = 2, deterministic: bool = True) -> None:
    """Limit torch's CPU threads and ask for deterministic kernels.

    ``threads=None`` leaves the thread count alone.
    """
    if threads is not None and torch.get_num_threads() != threads:
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
    """Seed python, numpy and torch (weights initialisation and batch order)."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def as_dataset(images, labels=None) -> Dataset:
    """Wrap an array of images ``(N, C, H, W)`` (and optional labels ``(N,)``) as a dataset.

    uint8 images are scaled to [0, 1]; other dtypes are converted to float32 as they are.
    """
    x = torch.as_tensor(np.asarray(images))
    x = x.float().div_(255.0) if x.dtype == torch.uint8 else x.float()
    if labels is None:
        return TensorDataset(x)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if len(y) != len(x):
        raise ValueError(f"as_dataset: {len(x)} images but {len(y)} labels")
    return TensorDataset(x, y)


def make_loader(data, batch_size: int = 32, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A single-process DataLoader; with ``shuffle`` the order is fixed by ``seed``."""
    if isinstance(data, DataLoader):
        return data
    gen = torch.Generator()
    gen.manual_seed(seed)
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, num_workers=0, generator=gen,
                      drop_last=False)


def _split_batch(batch):
    """``(x, y)`` from whatever the loader yields; ``y`` is None when unlabelled."""
    if isinstance(batch, dict):
        x = batch.get("image", batch.get("x"))
        y = batch.get("label", batch.get("y"))
    elif isinstance(batch, (list, tuple)):
        x = batch[0]
        y = batch[1] if len(batch) > 1 else None
    else:
        x, y = batch, None
    if y is not None and not (torch.is_tensor(y) and y.dtype in (torch.int64, torch.int32) and y.ndim == 1):
        y = None  # e.g. frame ids or file names of unlabelled test frames
    return x.float(), (y.long() if y is not None else None)


def _infinite(loader):
    while True:
        yielded = False
        for batch in loader:
            yielded = True
            yield batch
        if not yielded:
            raise ValueError("train: the training set is empty")


def _make_optimizer(model: nn.Module, optimizer, lr: float, momentum: float, weight_decay: float):
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("train: the model has no trainable parameters (did you register its layers "
                         "as attributes in __init__?)")
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    name = str(optimizer).lower()
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"train: unknown optimizer {optimizer!r} (use 'adam' or 'sgd')")


def train(model: nn.Module, train_data, val_data=None, *, loss_fn=None, optimizer="adam", lr: float = 1e-3,
          momentum: float = 0.9, weight_decay: float = 0.0, batch_size: int = 32, num_steps: int = 500,
          log_every: int = 10, val_every: int = 100, lr_decay: float = 1.0, max_seconds: float | None = None,
          max_cpu_seconds: float | None = None, seed: int = 0, threads: int | None = 2,
          progress: bool = True) -> dict:
    """Train ``model`` for ``num_steps`` mini-batch steps and return the logs.

    Parameters
    ----------
    model : nn.Module mapping images ``(N, C, H, W)`` to class scores ``(N, 8)``.
    train_data, val_data : datasets (or DataLoaders) of ``(image, label)`` items.
    loss_fn : ``loss_fn(scores, labels) -> scalar tensor``; default: mean cross-entropy.
    optimizer : ``"adam"``, ``"sgd"`` (with ``momentum``) or a ready optimizer.
    lr_decay : the learning rate is multiplied by this every ``val_every`` steps.
    log_every, val_every : log the training loss every ``log_every`` steps (mean over
        those steps) and evaluate on ``val_data`` every ``val_every`` steps (and at the end).
    max_seconds : stop early once this much wall-clock time has passed.
    max_cpu_seconds : stop early once this process has used this much CPU time (all threads):
        what the grader's budget counts, so a busy machine slows a run down without cutting it short.
    seed : fixes the batch order and dropout (seed before building the model, e.g. with
        :func:`seed_everything`, to fix its initial weights too).
    threads : torch CPU threads (None: leave as is).

    Returns
    -------
    dict with ``step`` and ``train_loss`` (lists, one entry per ``log_every`` steps),
    ``val_step``, ``val_loss``, ``val_acc`` (one per validation), ``steps_run``,
    ``seconds``, ``cpu_seconds`` and ``stopped_early`` (True when a time limit ran out).
    """
    configure_torch(threads)
    seed_everything(seed)
    loss_fn = loss_fn or nn.functional.cross_entropy
    opt = _make_optimizer(model, optimizer, lr, momentum, weight_decay)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, val_every), gamma=lr_decay)
    batches = _infinite(make_loader(train_data, batch_size, shuffle=True, seed=seed))
    hist = {"step": [], "train_loss": [], "val_step": [], "val_loss": [], "val_acc": [], "lr": [],
            "steps_run": 0, "seconds": 0.0, "stopped_early": False}
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=num_steps, desc="training", leave=False)
    start, cpu_start = time.perf_counter(), time.process_time()
    running, count = 0.0, 0
    step = 0
    try:
        for step in range(1, num_steps + 1):
            model.train()
            x, y = _split_batch(next(batches))
            if y is None:
                raise ValueError("train: the training set must yield (image, label) pairs")
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            if not torch.is_tensor(loss) or loss.ndim != 0:
                raise ValueError("train: loss_fn must return a scalar tensor")
            loss.backward()
            opt.step()
            sched.step()
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"train: the loss became {value} at step {step}: lower the learning rate")
            running += value
            count += 1
            if step % log_every == 0 or step == num_steps:
                hist["step"].append(step)
                hist["train_loss"].append(running / count)
                hist["lr"].append(opt.param_groups[0]["lr"])
                if bar is not None:
                    bar.set_postfix(loss=f"{running / count:.3f}")
                running, count = 0.0, 0
            out_of_time = (max_seconds is not None and time.perf_counter() - start > max_seconds) or \
                (max_cpu_seconds is not None and time.process_time() - cpu_start > max_cpu_seconds)
            if val_data is not None and (step % val_every == 0 or step == num_steps or out_of_time):
                res = evaluate(model, val_data, loss_fn=loss_fn, batch_size=max(batch_size, 128))
                hist["val_step"].append(step)
                hist["val_loss"].append(res["loss"])
                hist["val_acc"].append(res["accuracy"])
            if bar is not None:
                bar.update(1)
            if out_of_time:
                hist["stopped_early"] = step < num_steps
                break
    finally:
        if bar is not None:
            bar.close()
    if count:  # a partial logging window at an early stop
        hist["step"].append(step)
        hist["train_loss"].append(running / count)
        hist["lr"].append(opt.param_groups[0]["lr"])
    hist["steps_run"] = step
    hist["seconds"] = time.perf_counter() - start
    hist["cpu_seconds"] = time.process_time() - cpu_start
    model.eval()
    return hist


@torch.no_grad()
def _run(model: nn.Module, data, batch_size: int):
    model.eval()
    scores, labels = [], []
    for batch in make_loader(data, batch_size, shuffle=False):
        x, y = _split_batch(batch)
        s = model(x)
        if not torch.is_tensor(s) or s.ndim != 2 or s.shape[0] != x.shape[0]:
            shape = tuple(s.shape) if torch.is_tensor(s) else type(s).__name__
            raise ValueError(f"the model must return scores of shape (batch, classes), got {shape} "
                             f"for a batch of {x.shape[0]}")
        scores.append(s.float())
        if y is not None:
            labels.append(y)
    scores = torch.cat(scores) if scores else torch.zeros(0, 0)
    labels = torch.cat(labels) if labels else None
    return scores, labels


def predict(model: nn.Module, data, batch_size: int = 128, return_scores: bool = False):
    """Predicted class indices ``(N,)`` (int64 numpy) for every item of ``data``.

    With ``return_scores`` also the raw scores ``(N, classes)``.
    """
    scores, _ = _run(model, data, batch_size)
    pred = scores.argmax(dim=1).numpy().astype(np.int64) if len(scores) else np.zeros(0, np.int64)
    return (pred, scores.numpy()) if return_scores else pred


def evaluate(model: nn.Module, data, loss_fn=None, batch_size: int = 128) -> dict:
    """Loss, accuracy, predictions and labels of ``model`` on a labelled dataset."""
    loss_fn = loss_fn or nn.functional.cross_entropy
    scores, labels = _run(model, data, batch_size)
    if labels is None:
        raise ValueError("evaluate: the dataset has no labels (use predict for unlabelled frames)")
    with torch.no_grad():
        loss = float(loss_fn(scores, labels))
    pred = scores.argmax(dim=1)
    return {"loss": loss, "accuracy": float((pred == labels).float().mean()), "pred": pred.numpy(),
            "labels": labels.numpy()}


def overfit_batch(model: nn.Module, data, *, batch_size: int = 16, num_steps: int = 100, lr: float = 1e-3,
                  loss_fn=None, seed: int = 0) -> dict:
    """Debugging aid: train on the first ``batch_size`` items only (the loss should reach ~0)."""
    x, y = _split_batch(next(iter(make_loader(data, batch_size, shuffle=False))))
    small = TensorDataset(x, y)
    return train(model, small, small, loss_fn=loss_fn, lr=lr, batch_size=batch_size, num_steps=num_steps,
                 log_every=max(1, num_steps // 20), val_every=num_steps, seed=seed, progress=False)
