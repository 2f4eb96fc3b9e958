"""Child-side helpers for the problem-4 (PyTorch CNN) checks of fms.

Copied into the sandbox as ``probes_cnn.py``. They import the student's code from
``starter.fms`` and return plain arrays, numbers and strings. They never receive
labels of the frames they predict, expected values or thresholds: the grader's
process does all judging.
"""
import time

import numpy as np

PACKAGE = "starter.fms"


def _torch():
    import torch

    return torch


# ----------------------------------------------------------------------------------
# models built from a small spec (the same spec builds the grader's copy)
# ----------------------------------------------------------------------------------
def build_spec_model(spec, frozen=()):
    """An ``nn.Sequential`` from a list of layer specs (see ``hidden_cnn.SPEC_MODELS``).

    Layer specs: ``["conv", c_in, c_out, k, stride, pad, bias]``, ``["bn", c]``,
    ``["relu"]``, ``["maxpool", k]``, ``["avgpool", out]``, ``["flatten"]``,
    ``["linear", n_in, n_out, bias]``, ``["dropout", p]``. Parameters of the layers
    whose indices are in ``frozen`` get ``requires_grad=False``. Weights are seeded.
    """
    torch = _torch()
    from torch import nn

    torch.manual_seed(0)
    layers = []
    for s in spec:
        kind = s[0]
        if kind == "conv":
            _, ci, co, k, st, pad, bias = s
            layers.append(nn.Conv2d(int(ci), int(co), int(k), stride=int(st), padding=int(pad), bias=bool(bias)))
        elif kind == "bn":
            layers.append(nn.BatchNorm2d(int(s[1])))
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "maxpool":
            layers.append(nn.MaxPool2d(int(s[1])))
        elif kind == "avgpool":
            layers.append(nn.AdaptiveAvgPool2d(int(s[1])))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        elif kind == "linear":
            _, ni, no, bias = s
            layers.append(nn.Linear(int(ni), int(no), bias=bool(bias)))
        elif kind == "dropout":
            layers.append(nn.Dropout(float(s[1])))
        else:
            raise ValueError(f"unknown layer spec {s!r}")
    model = nn.Sequential(*layers)
    for i in frozen:
        for p in model[int(i)].parameters():
            p.requires_grad_(False)
    return model


def spec_model_counts(spec, input_shape, frozen=()):
    """The student's ``count_parameters`` and ``fc_equivalent_parameters`` on a spec model."""
    from starter.fms import cnn

    model = build_spec_model(spec, frozen)
    count = cnn.count_parameters(model)
    fc = cnn.fc_equivalent_parameters(model, tuple(int(s) for s in input_shape))
    return {"count": _as_number(count), "fc": _as_number(fc)}


def _as_number(v):
    torch = _torch()
    if torch.is_tensor(v):
        v = v.item() if v.numel() == 1 else v.tolist()
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, (int, float, bool)):
        return v
    return repr(v)[:200]


# ----------------------------------------------------------------------------------
# the loss
# ----------------------------------------------------------------------------------
def loss_value_and_grad(scores, labels):
    """The student's ``loss_function`` on float64 scores: its value and d loss / d scores."""
    torch = _torch()
    from starter.fms import cnn

    s = torch.tensor(np.asarray(scores, dtype=np.float64), requires_grad=True)
    y = torch.tensor(np.asarray(labels, dtype=np.int64))
    loss = cnn.loss_function(s, y)
    if not torch.is_tensor(loss):
        return {"kind": type(loss).__name__, "value": _as_number(loss), "grad": None}
    out = {"kind": "tensor", "shape": list(loss.shape), "value": float(loss.detach().reshape(-1)[0]) if loss.numel() else None,
           "grad": None}
    if loss.numel() == 1 and loss.requires_grad:
        loss.reshape(()).backward()
        out["grad"] = s.grad.detach().numpy() if s.grad is not None else None
    return out


# ----------------------------------------------------------------------------------
# training the student's Net with the provided loop
# ----------------------------------------------------------------------------------
def _student_settings(cnn, defaults):
    """The optimiser settings the student documented in ``cnn.TRAIN_SETTINGS`` (optional),
    kept within safe bounds; the step count and the time budget stay the grader's."""
    raw = getattr(cnn, "TRAIN_SETTINGS", None)
    if not isinstance(raw, dict):
        return dict(defaults), []
    out, used = dict(defaults), []
    bounds = {"lr": (1e-5, 0.5), "weight_decay": (0.0, 0.1), "momentum": (0.0, 0.999)}
    for key, (lo, hi) in bounds.items():
        v = raw.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= float(v) <= hi:
            out[key] = float(v)
            used.append(key)
    opt = raw.get("optimizer")
    if isinstance(opt, str) and opt.lower() in ("adam", "sgd"):
        out["optimizer"] = opt.lower()
        used.append("optimizer")
    return out, used


def train_and_predict(X_train, y_train, X_predict, *, num_steps=600, batch_size=32, lr=2e-3,
                      weight_decay=0.0, lr_decay=0.5, decay_times=3, max_seconds=None, max_cpu_seconds=120.0,
                      seed=0, flip=True,
                      use_student_loss=False, standardize=False, student_settings=True, return_scores=False):
    """Train ``cnn.Net()`` on ``(X_train, y_train)`` with ``train.train``; predict ``X_predict``.

    ``X_*`` are uint8 images (N, 3, H, W); the labels of ``X_predict`` are never
    given. ``flip`` adds mirrored copies of the training images (people are filmed
    from either side). Returns ``pred`` (int64, one per predicted image) and the
    training log (loss curve, steps run, seconds, parameter count); with ``return_scores`` also
    ``scores``, the trained Net's raw scores (float64, eval mode) of every predicted image, from
    which the grader computes losses and accuracies itself.
    """
    torch = _torch()
    import torch.nn.functional as F

    from starter.fms import cnn
    from starter.fms import train as tr

    tr.configure_torch(threads=None)
    x = np.asarray(X_train)
    y = np.asarray(y_train, dtype=np.int64)
    if flip:
        x = np.concatenate([x, x[..., ::-1]])
        y = np.concatenate([y, y])
    train_set = tr.as_dataset(np.ascontiguousarray(x), y)
    pred_set = tr.as_dataset(np.asarray(X_predict))
    if standardize:  # per-channel mean and std of the training images (what most pipelines do)
        xt = train_set.tensors[0]
        mean = xt.mean(dim=(0, 2, 3), keepdim=True)
        std = xt.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
        train_set = tr.as_dataset(((xt - mean) / std).numpy(), y)
        pred_set = tr.as_dataset(((pred_set.tensors[0] - mean) / std).numpy())
    settings = {"optimizer": "adam", "lr": lr, "weight_decay": weight_decay, "momentum": 0.9}
    used = []
    if student_settings:
        settings, used = _student_settings(cnn, settings)

    tr.seed_everything(seed)
    t0 = time.perf_counter()
    model = cnn.Net()
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    with torch.no_grad():
        model.eval()
        probe = model(pred_set.tensors[0][:2])
    if not torch.is_tensor(probe) or tuple(probe.shape) != (2, cnn.NUM_CLASSES):
        shape = tuple(probe.shape) if torch.is_tensor(probe) else type(probe).__name__
        return {"error": f"Net()(x) must return scores of shape (batch, {cnn.NUM_CLASSES}); for a batch of "
                         f"2 images of shape {tuple(pred_set.tensors[0].shape[1:])} it returned {shape}"}
    loss_fn = cnn.loss_function if use_student_loss else F.cross_entropy
    probe_scores = probe.detach().numpy().astype(np.float64)
    hist = tr.train(model, train_set, None, loss_fn=loss_fn, optimizer=settings["optimizer"], lr=settings["lr"],
                    momentum=settings["momentum"], weight_decay=settings["weight_decay"],
                    batch_size=batch_size, num_steps=int(num_steps), log_every=max(1, int(num_steps) // 30),
                    val_every=max(1, int(num_steps) // (int(decay_times) + 1)), lr_decay=lr_decay,
                    max_seconds=max_seconds, max_cpu_seconds=max_cpu_seconds, seed=seed, threads=None,
                    progress=False)
    pred, scores = tr.predict(model, pred_set, batch_size=256, return_scores=True)
    extra = {"scores": np.asarray(scores, dtype=np.float64)} if return_scores else {}
    return {
        **extra,
        "pred": np.asarray(pred, dtype=np.int64),
        "train_loss": np.asarray(hist["train_loss"], dtype=np.float64),
        "steps_run": int(hist["steps_run"]),
        "stopped_early": bool(hist["stopped_early"]),
        "seconds": float(time.perf_counter() - t0),
        "train_seconds": float(hist["seconds"]),
        "train_cpu_seconds": float(hist.get("cpu_seconds", float("nan"))),
        "n_params": int(n_params),
        "settings": {k: settings[k] for k in used},
        "probe_scores": probe_scores,
    }
