"""Grader-side caches of the fms hidden checks (issue 25).

The provided loaders (``solutions.fms.data``, ``solutions.fms.train``) and the reference parameter
counts need torch, and importing it in the grader's process cost 1.0-1.4 s of CPU per ``course grade``
(most of it for arrays that are the same for every submission). They are made once with the provided
code and kept as ``.npz`` files in a grader-only folder beside the dataset's secrets
(``<data_root>/mds189/_grader_cache``, ``engine.graderdata.cached_arrays``; not in ``_grader``, which the
Gradescope export ships: setup.sh makes the caches there), each stamped with what it was
made from (the sources of the code that made it, the sizes and modification times of the files it read)
and made again when that changes. ``warm(spec_models)`` makes them all: the ``course data`` hook calls
it, so a grading finds them ready.

* ``poses()``: the raw key-frame poses of problem 2.2 (``data.load_pose_data``);
* ``keyframes_train()``: the training key frames of problem 4a as uint8 arrays (``train.load_frames``);
* ``reference_counts(spec_models)``: the reference ``count_parameters`` / ``fc_equivalent_parameters``
  of problem 4c's spec models, and the values of the typical mistakes.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
from pathlib import Path

import numpy as np

IMAGE_SIZE = 48  # the provided datasets' frame size (hidden_cnn.IMAGE_SIZE)
FORMAT = "fms-cache-1"  # bump when what a cache holds changes


def _data_root() -> Path:
    from coursedata.paths import data_root

    return data_root() / "mds189"


def _source_digest(*modules: str) -> str:
    """SHA-256 of the modules' source files, found without importing them."""
    h = hashlib.sha256()
    for name in modules:
        h.update(Path(importlib.util.find_spec(name).origin).read_bytes())
    return h.hexdigest()


def _stamp(files, *extra) -> str:
    """A digest of ``extra`` and of every file's path, size and modification time (a missing file counts
    as missing: a folder made again, or another copy of the data, gets a new stamp)."""
    h = hashlib.sha256(FORMAT.encode())
    for x in extra:
        h.update(f"{x}\0".encode())
    for p in sorted(Path(f) for f in files):
        try:
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{p}\0missing\0".encode())
    return h.hexdigest()[:32]


CACHE_DIR = "_grader_cache"  # beside the secret ``_grader`` folder, not in it: the Gradescope export ships that


def cache_dir() -> Path:
    """``<data_root>/mds189/_grader_cache`` (0700; its files 0600 and, grading as root, unreadable to the
    sandbox's users: the reference counts are a hidden check's expected values)."""
    d = _data_root() / CACHE_DIR
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _cached(name: str, make, keys, stamp: str):
    from autograder.engine import graderdata

    return graderdata.cached_arrays(cache_dir() / f"{name}.npz", make, keys, stamp=stamp)


# ----------------------------------------------------------------------------------
# 2.2: the raw poses
# ----------------------------------------------------------------------------------
def poses():
    """(X_train, y_train, X_val, y_val) of the raw key-frame poses, as ``data.load_pose_data`` gives them."""
    root = _data_root()

    def make():
        from solutions.fms import data as fms_data  # the provided loader (imports torch)

        return fms_data.load_pose_data(fms_data.ensure_data(quiet=True), debug=False)

    if not (root / "trainval").is_dir():  # no data yet: the loader generates it (then the stamp is new)
        make()
    files = [*root.glob("trainval/*/labels/*.json"), root / "splits.json", root / "keyframe_data_train.txt",
             root / "keyframe_data_val.txt"]
    stamp = _stamp(files, _source_digest("solutions.fms.data"))
    return _cached("poses_raw", make, ("X_train", "y_train", "X_val", "y_val"), stamp)


# ----------------------------------------------------------------------------------
# 4a: the training key frames
# ----------------------------------------------------------------------------------
KEYFRAME_LIST = "keyframe_data_train.txt"


def keyframes_train():
    """(images uint8 (N, 3, S, S), labels (N,)) of every training key frame, as ``train.load_frames``
    gives them (S = 48)."""
    root = _data_root()

    def make():
        from solutions.fms.data import ensure_data
        from solutions.fms.train import load_frames  # the provided loader (imports torch)

        X, y, _ = load_frames(KEYFRAME_LIST, root=ensure_data(quiet=True), image_size=IMAGE_SIZE)
        return X, y

    if not (root / KEYFRAME_LIST).is_file():
        make()
    with open(root / KEYFRAME_LIST, newline="") as f:  # the frames the list names, for the stamp only
        listed = [root / row[0].strip() for row in csv.reader(f) if row and row[0].strip()]
    stamp = _stamp([root / KEYFRAME_LIST, *listed], IMAGE_SIZE, _source_digest("solutions.fms.data",
                                                                              "solutions.fms.train"))
    return _cached("keyframes_train", make, ("X", "y"), stamp)


# ----------------------------------------------------------------------------------
# 4c: reference parameter counts
# ----------------------------------------------------------------------------------
COUNT_KEYS = ("count", "fc", "no_bias", "all_params", "fc_no_bias", "fc_bias_per_channel", "fc_bias_by_input")


def _counts_of(spec, input_shape, frozen) -> list[int]:
    """The reference's counts on a model built from ``spec`` (with the probes' builder), and the values
    of the typical mistakes (``COUNT_KEYS`` order)."""
    import math

    from torch import nn

    from solutions.fms import cnn as ref

    here = Path(__file__).with_name("probes_cnn.py")
    mod_spec = importlib.util.spec_from_file_location("_fms_probes_cnn_parent", here)
    probes = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(probes)
    model = probes.build_spec_model(spec, frozen)
    count = int(ref.count_parameters(model))
    fc = int(ref.fc_equivalent_parameters(model, input_shape))
    no_bias = sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and not n.endswith("bias"))
    all_params = sum(p.numel() for p in model.parameters())
    fc_no_bias = fc_swapped = fc_kernel_only = count
    for _, m, i, o in ref.layer_shapes(model, input_shape):
        if isinstance(m, nn.Conv2d):
            own = sum(p.numel() for p in m.parameters() if p.requires_grad)
            n_in, n_out = math.prod(i), math.prod(o)
            fc_no_bias += n_in * n_out - own
            fc_swapped += n_in * n_out + (m.out_channels if m.bias is not None else 0) - own
            fc_kernel_only += n_in * n_out + (n_in if m.bias is not None else 0) - own
    return [count, fc, int(no_bias), int(all_params), int(fc_no_bias), int(fc_swapped), int(fc_kernel_only)]


def reference_counts(spec_models) -> list[dict]:
    """One ``{COUNT_KEYS: int}`` per ``(description, spec, input shape, frozen)`` of ``spec_models``."""
    def make():
        return (np.array([_counts_of(spec, shape, frozen) for _, spec, shape, frozen in spec_models],
                         dtype=np.int64),)

    stamp = _stamp([], repr(spec_models), _source_digest("solutions.fms.cnn", "autograder.fms.probes_cnn"))
    (table,) = _cached("reference_counts", make, ("counts",), stamp)
    return [dict(zip(COUNT_KEYS, (int(v) for v in row))) for row in table]


def warm(spec_models) -> None:
    """Make every cache now (the ``course data`` hook, with ``hidden_cnn.SPEC_MODELS``), so that no
    grading pays for it."""
    poses()
    keyframes_train()
    reference_counts(spec_models)
