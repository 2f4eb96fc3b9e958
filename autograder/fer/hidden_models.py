"""Hidden checks of `fer` that involve training or saved models.

Every accuracy is measured here, in the grader's process, with the reference forward
pass (``solutions.fer``) on weights that came back as arrays: from the student's training
function run in the sandbox (overfitting 50 images), or from the model files handed in
(``cifar_two_layer.npz``, ``fer_model.npz`` read with ``np.load(allow_pickle=False)``;
``fer_cnn.pt`` read with ``torch.load(weights_only=True)``). The private test sets are
generated here from the grader's secret seeds (``engine.graderdata.secret_seed``: 128 bits
drawn once and kept with the grader's private data) and cached under ``<data_root>/<dataset>/_grader/`` (unreadable to the sandbox user); the
sandbox only ever receives their images, never their labels.

Thresholds are calibrated in ``datasets/fer2013/CARD.md`` (reference models over seeds,
constant and linear baselines).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from autograder.engine import Context, check
from autograder.engine.graderdata import cached_arrays, private_dir, secret_seed, seed_tag
from autograder.engine.judge import FileRejected, JudgeFailed, load_torch_file, read_npz
from solutions.fer import cnn as ref_cnn
from solutions.fer import fcnet as ref_fc

from . import figures

PROBES = "probes"
N_SECRET_FACES = 600
N_SECRET_CIFAR = 1000

# accuracy tiers on the private test sets (one case each); see datasets/fer2013/CARD.md
CIFAR_TWO_LAYER_THRESHOLD = 0.30
FER_FC_TIERS = (0.30, 0.33, 0.35, 0.37)
FER_CNN_TIERS = (0.48, 0.53, 0.58)
AGREEMENT = 0.98  # test_*_model predictions vs the grader's predictions from the same file

MAX_FILE_BYTES = 40 << 20
MAX_FC_PARAMS = 8_000_000


# ----------------------------------------------------------------------------------
# private test sets
# ----------------------------------------------------------------------------------
def _cached(dataset: str, name: str, n: int, make):
    """The private set ``name`` of ``dataset`` (n items) made by ``make(n, seed)`` from the grader's
    secret seed, cached under ``<data_root>/<dataset>/_grader/`` (the file names the seed by a hash)."""
    seed = secret_seed("fer", name)
    path = private_dir(dataset) / f"secret_{name}_{seed_tag('fer', name)}_{n}.npz"
    return cached_arrays(path, lambda: make(n, seed))


def secret_faces():
    """The private FER test split: uint8 (N, 48, 48) faces and their labels (grader only)."""
    from coursedata.fer2013 import generate

    return _cached("fer2013", "faces", N_SECRET_FACES, generate)


def secret_cifar():
    """The private CIFAR-10-style test set: uint8 (N, 32, 32, 3) and labels (grader only)."""
    from coursedata.cifar10 import generate

    return _cached("cifar10", "cifar", N_SECRET_CIFAR, generate)


# ----------------------------------------------------------------------------------
# reading handed-in models (parent side, no pickles)
# ----------------------------------------------------------------------------------
class ModelFileError(ValueError):
    pass


def _fc_from_params(params: dict, input_dim: int, num_classes: int):
    """A reference FullyConnectedNet holding ``params`` (W1, b1, ..., WL, bL); checks every shape."""
    L = sum(1 for k in params if k.startswith("W"))
    if L < 1 or set(params) != {f"{p}{i}" for i in range(1, L + 1) for p in "Wb"}:
        raise ModelFileError(f"parameters {sorted(params)} are not W1, b1, ..., WL, bL")
    sizes = [input_dim]
    total = 0
    for i in range(1, L + 1):
        W, b = np.asarray(params[f"W{i}"]), np.asarray(params[f"b{i}"])
        if W.ndim != 2 or W.shape[0] != sizes[-1] or b.shape != (W.shape[1],):
            raise ModelFileError(f"W{i} has shape {W.shape} and b{i} {b.shape}; expected ({sizes[-1]}, H) and (H,)")
        if not (np.issubdtype(W.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)):
            raise ModelFileError(f"W{i} / b{i} must be floating-point arrays")
        sizes.append(W.shape[1])
        total += W.size + b.size
    if sizes[-1] != num_classes:
        raise ModelFileError(f"the last layer has {sizes[-1]} outputs, expected {num_classes}")
    if total > MAX_FC_PARAMS:
        raise ModelFileError(f"{total} parameters, more than the limit of {MAX_FC_PARAMS}")
    net = ref_fc.FullyConnectedNet(sizes[1:-1], input_dim=input_dim, num_classes=num_classes, dtype=np.float32)
    net.params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
    return net, sizes[1:-1]


def read_fc_file(path: Path, input_dim: int, num_classes: int, mean_shape):
    """``(net, hidden_dims, mean)`` from a ``save_fer_model`` .npz file (every array's size is
    checked from its header before it is read: ``engine.judge.read_npz``)."""
    try:
        arrays = read_npz(path, max_bytes=MAX_FC_PARAMS * 8 + (1 << 20), kinds="fiuU", max_str=10_000)
    except FileRejected as exc:
        raise ModelFileError(str(exc)) from None
    if "arch" not in arrays or "mean" not in arrays:
        raise ModelFileError("it lacks 'arch' or 'mean': write it with save_fer_model")
    try:
        arch = json.loads(str(arrays.pop("arch")))
    except ValueError:
        raise ModelFileError("'arch' is not a JSON string") from None
    mean = np.asarray(arrays.pop("mean"), dtype=np.float32)
    if mean.shape not in (tuple(mean_shape), ()):
        raise ModelFileError(f"'mean' has shape {mean.shape}, expected {tuple(mean_shape)}")
    net, hidden = _fc_from_params(arrays, input_dim, num_classes)
    if isinstance(arch, dict) and list(arch.get("hidden_dims", hidden)) != hidden:
        raise ModelFileError(f"'arch' says hidden_dims={arch.get('hidden_dims')} but the weights have {hidden}")
    return net, hidden, mean


def _predict_fc(net, X):
    return np.concatenate([np.argmax(net.loss(X[i:i + 500]), axis=1) for i in range(0, len(X), 500)])


def faces_input(X, mean):
    return (np.asarray(X, np.float32) / 255.0 - mean).astype(np.float32)


def cifar_input(X, mean):
    return (np.asarray(X, np.float32).transpose(0, 3, 1, 2) - mean).astype(np.float32)


def read_cnn_file(path: Path):
    """``(model, mean)`` from a ``save_cnn`` file: torch.load(weights_only=True), reference builder."""
    import torch

    try:  # sizes, compression and the pickle's nesting checked before torch.load reads anything
        blob = load_torch_file(path, max_bytes=MAX_FILE_BYTES)
    except FileRejected as exc:
        raise ModelFileError(f"{exc}: write it with save_cnn") from None
    if not isinstance(blob, dict) or not {"arch", "state_dict", "mean"} <= set(blob):
        raise ModelFileError("it must be a dict with 'arch', 'state_dict' and 'mean' (see save_cnn)")
    try:
        with torch.device("meta"):  # the architecture's size, before any of its weights is allocated
            ref_cnn.build_cnn(blob["arch"])
        model = ref_cnn.build_cnn(blob["arch"]).float()  # float32 whatever the process default
        model.load_state_dict(blob["state_dict"])
    except Exception as exc:  # noqa: BLE001 - bad spec or weights that do not fit it
        raise ModelFileError(f"the architecture or weights are not usable: {exc}") from None
    mean = np.asarray(blob["mean"], dtype=np.float32)
    if mean.shape not in ((48, 48), ()):
        raise ModelFileError(f"'mean' has shape {mean.shape}, expected (48, 48)")
    model.eval()
    return model, mean


# -- scoring handed-in files in the judge (engine.judge: a separate limited process, no student
# code, within what is left of the check's time; the grader process never holds the model)
JUDGE_MEMORY_MB = 2048  # the judge's server starts when the suite loads (hidden.py)


_JUDGED: dict = {}  # (function, file digest, args) -> result: two checks reading one file judge it once


def _judged(t: Context, func: str, path: str, *args) -> dict:
    """``{"pred": ...}`` or ``{"error": message}`` from ``func`` run in the judge on ``path``."""
    import hashlib

    key = (func, hashlib.sha256(Path(path).read_bytes()).hexdigest(), args, secret_seed("fer", "faces"))
    if key not in _JUDGED:
        try:
            _JUDGED[key] = t.judge(f"{__name__}:{func}", path, *args, memory_mb=JUDGE_MEMORY_MB)
        except JudgeFailed as exc:
            return {"error": str(exc)}
        while len(_JUDGED) > 16:
            _JUDGED.pop(next(iter(_JUDGED)))
    return _JUDGED[key]


def judge_fc_file(path: str, dataset: str) -> dict:
    """(In the judge.) Predictions of a ``save_fer_model`` file on a private set."""
    faces = dataset == "faces"
    try:
        net, hidden, mean = read_fc_file(Path(path), 48 * 48 if faces else 3072, 7 if faces else 10,
                                         (48, 48) if faces else (3, 32, 32))
    except ModelFileError as exc:
        return {"error": str(exc)}
    X, _ = secret_faces() if faces else secret_cifar()
    prep = faces_input if faces else cifar_input
    return {"hidden": [int(h) for h in hidden], "pred": _predict_fc(net, prep(X, mean)).astype(np.int64)}


def judge_cnn_file(path: str) -> dict:
    """(In the judge.) Predictions of a ``save_cnn`` file on the private faces."""
    import torch

    torch.set_num_threads(1)
    try:
        model, mean = read_cnn_file(Path(path))
    except ModelFileError as exc:
        return {"error": str(exc)}
    X, _ = secret_faces()
    return {"pred": np.asarray(_predict_cnn(model, faces_input(X, mean)), dtype=np.int64)}


# what a tier message names as read, and what usually keeps a model whose file loads below a tier
_TIER_FILES = {
    "FC model": ("fer_model.npz", "too few epochs (a FER_FAST dry run or a short search run saved as the best "
                 "model: retrain the chosen configuration with the notebook's full schedule before saving), then a "
                 "learning rate, dropout or L2 strength far from the best of your search"),
    "CNN": ("fer_cnn.pt", "too few epochs (a FER_FAST dry run trains 1 epoch, the notebook 8), then a learning "
            "rate far from the notebook's 1e-3, or images not normalised with the training mean saved beside it"),
}


def _tiers(t: Context, acc: float | None, tiers, what: str, problem: str | None):
    fname, cause = _TIER_FILES.get(what, (what, "too few epochs"))
    bars = ", ".join(f"{x:.0%}" for x in tiers)
    for k, thr in enumerate(tiers, start=1):
        with t.case(f"{what}: accuracy tier {k} of {len(tiers)}"):
            if problem is not None:
                t.fail(problem)
            why = (f"read {fname} (the {what} loads and runs); it classifies {acc:.1%} of the private test faces, "
                   f"and tier {k} of {len(tiers)} needs {thr:.0%} (the tiers: {bars}). What usually causes this: "
                   f"{cause}")
            t.assert_true(acc >= thr, why, summary=why)


def _model_file(t: Context, name: str, how: str):
    path = t.submission_file(name, max_bytes=MAX_FILE_BYTES)
    if path is None:
        return None, f"no {name} in your submission: {how}, and hand it in next to your code or at the top level"
    return path, None


# ----------------------------------------------------------------------------------
# Q4: overfitting 50 images, the two-layer model
# ----------------------------------------------------------------------------------
@check("fer.overfit", part="Q4", points=1, timeout=120,
       description="overfit_fcnet reaches 100% training accuracy on 50 images within 20 epochs")
def overfit(t: Context):
    from coursedata.cifar10 import generate

    seed = int(t.rng.integers(0, 2**31 - 1))
    X, y = generate(150, seed)
    mean = X[:50].astype(np.float32).transpose(0, 3, 1, 2).mean(axis=0)
    Xin = cifar_input(X, mean)
    data = {"X_train": Xin[:50], "y_train": y[:50], "X_val": Xin[50:], "y_val": y[50:]}
    with t.case("50 CIFAR-10-style training images"):
        res = t.probe(f"{PROBES}:run_overfit", data, seed=0)
        t.assert_true(isinstance(res, dict) and isinstance(res.get("params"), dict),
                      "overfit_fcnet must return (model, solver) with model.params a dict")
        t.assert_true(0 < res["num_epochs"] <= 20, f"the Solver was set to {res['num_epochs']} epochs; at most 20",
                      summary="the Solver must run at most 20 epochs")
        try:
            net, _ = _fc_from_params(res["params"], 3072, 10)
        except ModelFileError as exc:
            t.fail(f"model.params after training: {exc}")
        acc = float(np.mean(_predict_fc(net, data["X_train"]) == y[:50]))
        t.note(f"training accuracy on the 50 images: {acc:.3f}")
        t.assert_true(acc == 1.0, f"training accuracy {acc:.2f} on the 50 images (measured by the grader on the "
                      "returned weights); it must reach 1.00: raise the learning rate or the weight scale",
                      summary="the 50 training images are not all classified correctly")


@check("fer.two_layer_cifar", part="Q4", points=1, timeout=60,
       description="cifar_two_layer.npz: a two-layer net above the threshold on a private CIFAR-10-style test set")
def two_layer_cifar(t: Context):
    path, problem = _model_file(t, "cifar_two_layer.npz",
                                "save it with save_fer_model(model, data['mean'], 'cifar_two_layer.npz')")
    with t.case("two-layer model on the private test set"):
        if problem:
            t.fail(problem)
        out = _judged(t, "judge_fc_file", str(path), "cifar")
        if "error" in out:
            t.fail(f"cifar_two_layer.npz: {out['error']}")
        hidden = list(out["hidden"])
        t.assert_true(len(hidden) == 1, f"cifar_two_layer.npz has hidden layers {hidden}; a two-layer net has one",
                      summary="cifar_two_layer.npz must hold a net with one hidden layer")
        _X, y = secret_cifar()
        acc = float(np.mean(np.asarray(out["pred"]) == y))
        t.note(f"two-layer net: accuracy {acc:.3f} on the private test set (threshold {CIFAR_TWO_LAYER_THRESHOLD:.2f})")
        why = (f"read cifar_two_layer.npz (one hidden layer: the shape is right); it classifies {acc:.1%} of the "
               f"private CIFAR-10-style test images, and the bar is {CIFAR_TWO_LAYER_THRESHOLD:.0%} (chance 10%). "
               "What usually causes this: too few epochs (a FER_FAST dry run's model), then a learning rate or "
               "weight scale far from the notebook's, or images not centred with the mean saved beside the weights")
        t.assert_true(acc >= CIFAR_TWO_LAYER_THRESHOLD, why, summary=why)


# ----------------------------------------------------------------------------------
# Q5: the best FER-2013 model and its load-and-test function
# ----------------------------------------------------------------------------------
def _fer_fc(t: Context):
    """``(path, predictions of the file's net on the private faces, problem)``."""
    path, problem = _model_file(t, "fer_model.npz", "save your best model with save_fer_model(model, data['mean'])")
    if problem:
        return None, None, problem
    out = _judged(t, "judge_fc_file", str(path), "faces")
    if "error" in out:
        return path, None, f"fer_model.npz: {out['error']}"
    return path, np.asarray(out["pred"]), None


def _judge_saved_model(t: Context, pred, problem: str | None, tiers, what: str) -> None:
    """Score a saved model's predictions ``pred`` on the private faces (None when the file is
    missing or broken: ``problem`` says why) by accuracy ``tiers``; its confusion matrix (counts
    only, no face) and accuracy go into the feedback as the "saved <what>"."""
    acc = None
    if pred is not None:
        _X, y = secret_faces()
        acc = float(np.mean(pred == y))
        figures.confusion(t, y, pred, model=f"saved {what}")
        t.note(f"saved {what}: accuracy {acc:.3f} on {len(y)} private faces (tiers {tiers})")
    _tiers(t, acc, tiers, what, problem)


@check("fer.fer_model", part="Q5", points=6, timeout=60,
       description="fer_model.npz: accuracy of the saved FC model on the private FER test split (4 tiers)")
def fer_model(t: Context):
    _path, loaded, problem = _fer_fc(t)
    _judge_saved_model(t, loaded, problem, FER_FC_TIERS, "FC model")


def _run_test_function(t: Context, path: Path, which: str, reference_preds):
    X, _y = secret_faces()
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    preds = None
    with t.case("one label 0-6 per image, in list_images order"):
        preds = t.probe(f"{PROBES}:run_test_model", X, data, which=which, suffix=path.suffix)
        preds = t.as_array(preds, "predictions")
        t.assert_true(preds.shape == (len(X),), f"returned shape {preds.shape}, expected ({len(X)},): one "
                      "prediction per image", summary="one prediction per image expected")
        t.assert_true(np.all((preds >= 0) & (preds <= 6) & (preds == np.round(preds))),
                      "predictions must be integer labels 0-6")
    with t.case("agrees with the saved model"):
        t.assert_true(preds is not None and preds.shape == reference_preds.shape,
                      "no usable predictions (see the case above)")
        agree = float(np.mean(preds == reference_preds))
        t.assert_true(agree >= AGREEMENT, f"your function agrees with the grader's run of the same model file on "
                      f"{agree:.1%} of the images: preprocess like the training data (pixels / 255 - mean) and keep "
                      "the image order of list_images", summary="the predictions do not match the saved model")


def _judge_test_function(t: Context, which: str, path: Path | None, loaded, problem: str | None) -> None:
    """The student's test function of the ``which`` ("fc" or "cnn") model on its saved file ``path``
    (whose predictions the grader made: ``loaded``); when the file is missing or broken both cases
    fail with ``problem``."""
    if problem:
        for name in ("one label 0-6 per image, in list_images order", "agrees with the saved model"):
            with t.case(name):
                t.fail(problem)
        return
    _run_test_function(t, path, which, loaded)


@check("fer.test_fer_model", part="Q5", points=1, timeout=120,
       description="test_fer_model(img_folder, model=...) loads the saved model and predicts the private images")
def test_fer_model(t: Context):
    _judge_test_function(t, "fc", *_fer_fc(t))


# ----------------------------------------------------------------------------------
# Q6: the CNN
# ----------------------------------------------------------------------------------
def _metrics(y_true, y_pred, num_classes: int = 7) -> dict:
    """What ``sklearn.metrics`` gives with ``labels=range(7)`` and ``zero_division=0``, counted with
    numpy (the grader need not import sklearn, about 1 s; tests/fer/test_fer_metrics.py holds these
    to sklearn's): ``confusion`` (rows true, columns predicted), ``classification_rate``, and per
    class ``precision``, ``recall`` and ``f1`` (0 where undefined)."""
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    cm = np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)
    tp, predicted, present = np.diag(cm).astype(float), cm.sum(axis=0), cm.sum(axis=1)

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros(num_classes), where=den > 0)

    return {"confusion": cm, "classification_rate": float(np.mean(y_true == y_pred)),
            "precision": ratio(tp, predicted), "recall": ratio(tp, present), "f1": ratio(2 * tp, predicted + present)}


@check("fer.cnn_metrics", part="Q6", points=2, timeout=60,
       description="evaluate_predictions: confusion matrix, classification rate, per-class F1")
def cnn_metrics(t: Context):
    cases = [("random labels, all classes present", None), ("class 1 never present nor predicted", 1),
             ("perfect predictions", "perfect")]
    for name, kind in cases:
        with t.case(name):
            y = t.rng.integers(0, 7, 80)
            p = t.rng.integers(0, 7, 80)
            p[: 40] = y[: 40]
            if kind == 1:
                y[y == 1], p[p == 1] = 2, 3
            if kind == "perfect":
                p = y.copy()
            got = t.call("fer.cnn:evaluate_predictions", y, p)
            t.assert_true(isinstance(got, dict) and {"confusion", "classification_rate", "f1"} <= set(got),
                          "evaluate_predictions must return a dict with 'confusion', 'classification_rate', 'f1'")
            exp = _metrics(y, p)
            t.assert_close(np.asarray(got["confusion"], dtype=float), exp["confusion"].astype(float), name="confusion",
                           what=f"{name}: rows are true classes, columns predicted, all 7 classes",
                           mistakes={"rows are the predicted classes (transpose it)": exp["confusion"].T.astype(float)})
            t.assert_close(float(got["classification_rate"]), exp["classification_rate"], name="classification_rate",
                           what=name)
            t.assert_close(np.asarray(got["f1"], dtype=float), exp["f1"], name="f1", what=f"{name}: F1 of each class",
                           mistakes={"returned precision instead of F1": exp["precision"],
                                     "returned recall instead of F1": exp["recall"],
                                     "macro average instead of one F1 per class": np.full(7, exp["f1"].mean())})


def _fer_cnn(t: Context):
    path, problem = _model_file(t, "fer_cnn.pt", "save your CNN with save_cnn(model, arch, data['mean'])")
    if problem:
        return None, None, problem
    out = _judged(t, "judge_cnn_file", str(path))
    if "error" in out:
        return path, None, f"fer_cnn.pt: {out['error']}"
    return path, np.asarray(out["pred"]), None


EVAL_BATCH = 64  # faces per forward pass: batches that stay in the CPU's cache, twice as fast as 500


def _predict_cnn(model, X):
    return ref_cnn.predict(model, X, batch_size=EVAL_BATCH)


@check("fer.cnn_model", part="Q6", points=4, timeout=120,
       description="fer_cnn.pt: accuracy of the saved CNN on the private FER test split (3 tiers)")
def cnn_model(t: Context):
    _path, loaded, problem = _fer_cnn(t)
    _judge_saved_model(t, loaded, problem, FER_CNN_TIERS, "CNN")


@check("fer.test_cnn_model", part="Q6", points=2, timeout=120,
       description="test_cnn_model(img_folder, model=...) loads the saved CNN and predicts the private images")
def test_cnn_model(t: Context):
    _judge_test_function(t, "cnn", *_fer_cnn(t))
