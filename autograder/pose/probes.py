"""Sandbox-side helpers of `pose` (no secrets: shipped with the public checks).

They run in the student's process with the student's code (``starter.pose``) and
return plain arrays, numbers and strings. They never receive the joints of the clips
they predict, expected values or thresholds: the grader's process does all judging.
"""
import io
import time

import numpy as np


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def _as_number(v):
    torch = _torch()
    if torch.is_tensor(v):
        v = v.item() if v.numel() == 1 else v.tolist()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, (int, float, bool)):
        return v
    return repr(v)[:200]


def loss_value_and_grad(y, pred, dtype="float64"):
    """The student's ``pose_loss(y, pred)`` on tensors of ``dtype``: value and d loss / d pred."""
    torch = _torch()
    from starter.pose import pose

    dt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    yt = torch.tensor(np.asarray(y), dtype=dt)
    p = torch.tensor(np.asarray(pred), dtype=dt, requires_grad=True)
    loss = pose.pose_loss(yt, p)
    if not torch.is_tensor(loss):
        return {"kind": type(loss).__name__, "value": _as_number(loss), "grad": None, "shape": None}
    out = {"kind": "tensor", "shape": list(loss.shape), "grad": None,
           "value": loss.detach().double().numpy() if loss.numel() else None}
    if loss.numel() == 1 and loss.requires_grad:
        loss.reshape(()).backward()
        out["grad"] = p.grad.detach().numpy() if p.grad is not None else None
    return out


def _model(seed=0):
    torch = _torch()
    from starter.pose import pose

    torch.manual_seed(seed)
    return pose.DeepDynamicModel()


def _forward(model, x):
    torch = _torch()
    with torch.no_grad():
        out = model(torch.as_tensor(np.ascontiguousarray(x)))
    if not torch.is_tensor(out):
        raise TypeError(f"DeepDynamicModel.forward must return a tensor, got {type(out).__name__}")
    return out.detach().double().numpy()


def model_outputs(inputs, seed=0):
    """A freshly built ``DeepDynamicModel()`` in eval mode on each uint8 clip batch of ``inputs``."""
    model = _model(seed)
    model.eval()
    return [_forward(model, x) for x in inputs]


def model_info(seed=0):
    """Parameter count and the kinds of layers of a fresh model (for the feedback)."""
    model = _model(seed)
    kinds = sorted({type(m).__name__ for m in model.modules()})
    return {"n_params": int(sum(p.numel() for p in model.parameters())), "layers": kinds}


def train_and_predict(train_videos, train_joints, predict_videos, *, num_steps=600, batch_size=32, lr=2e-3,
                      max_cpu_seconds=300.0, seed=0, use_student_loss=False, threads=1):
    """Train a fresh ``DeepDynamicModel()`` with the provided loop; predict ``predict_videos``.

    The labels of ``predict_videos`` are never given. Returns the predictions (float32
    ``(N, T, 17, 3)``), the training loss of every step (``train_loss``; the loop's own history
    keeps one value per epoch), the steps run and the seconds spent.
    ``predict_videos=None``: no predictions; the trained weights instead (``weights``: the bytes
    of ``torch.save(state_dict)`` as uint8), so the grader can predict clips in a later call of
    ``predict_saved`` to which this run's numbers (its losses, its timing) owe nothing.
    ``threads``: torch's intra-op threads; ``max_cpu_seconds``: the budget, in CPU seconds of
    this process (all threads), so that a busy grading machine does not cut the run short.
    """
    torch = _torch()
    from starter.pose import pose
    from starter.pose import train as tr

    tr.seed_everything(seed)
    model = pose.DeepDynamicModel()
    n_params = int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    t0 = time.perf_counter()
    base_loss = pose.pose_loss if use_student_loss else (lambda y, pred: ((pred - y) ** 2).sum() / y.shape[0])
    step_losses = []

    def loss_fn(y, pred):  # the training loss, recorded at every step
        loss = base_loss(y, pred)
        step_losses.append(float(loss.detach()) if torch.is_tensor(loss) else float("nan"))
        return loss

    hist = tr.train(model, train_videos, train_joints, None, None, loss_fn=loss_fn, num_steps=int(num_steps),
                    batch_size=int(batch_size), lr=float(lr), max_cpu_seconds=float(max_cpu_seconds), seed=int(seed),
                    threads=int(threads), log=None)
    steps = int(hist["steps"][-1]) if hist["steps"] else 0
    if predict_videos is None:
        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        result = {"weights": np.frombuffer(buf.getvalue(), dtype=np.uint8).copy()}
    else:
        result = {"pred": np.asarray(tr.predict(model, predict_videos, batch_size=64), dtype=np.float32)}
    return {**result, "train_loss": np.asarray(step_losses, np.float64),
            "steps_run": steps, "stopped_early": bool(steps < int(num_steps)),
            "seconds": float(time.perf_counter() - t0), "cpu_seconds": float(hist.get("cpu_seconds", float("nan"))),
            "n_params": n_params}


def predict_saved(weights, videos):
    """Load the handed-in weights (bytes of a ``torch.save(state_dict)`` file) into a fresh
    ``DeepDynamicModel()`` with ``torch.load(weights_only=True)`` and predict ``videos``.

    Problems come back as codes and counts (the grader writes the feedback), never as the
    text of an exception: ``{"error": "unreadable" | "not_a_state_dict" | "does_not_fit" |
    "model_error", ...}``."""
    torch = _torch()
    from starter.pose import pose
    from starter.pose import train as tr

    buf = io.BytesIO(np.asarray(weights, dtype=np.uint8).tobytes())
    try:
        state = torch.load(buf, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - not a file torch.save wrote, or one holding more than tensors
        return {"error": "unreadable"}
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        return {"error": "not_a_state_dict", "kind": "list" if isinstance(state, (list, tuple)) else
                ("tensor" if torch.is_tensor(state) else "other")}
    try:
        model = pose.DeepDynamicModel()
    except Exception:  # noqa: BLE001
        return {"error": "model_error"}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and (not torch.is_tensor(state[k]) or tuple(state[k].shape) != tuple(own[k].shape))]
    if missing or unexpected or shapes:
        return {"error": "does_not_fit", "missing": missing[:50], "unexpected": unexpected[:50], "shapes": shapes[:50],
                "n_missing": len(missing), "n_unexpected": len(unexpected), "n_shapes": len(shapes),
                "n_file": len(state), "n_model": len(own)}
    try:
        model.load_state_dict(state)
        pred = tr.predict(model, videos, batch_size=64)
    except Exception:  # noqa: BLE001
        return {"error": "model_error"}
    return {"pred": np.asarray(pred, dtype=np.float32)}
