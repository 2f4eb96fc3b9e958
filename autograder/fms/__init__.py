"""Grading suite of homework `fms` (MDS189 / Functional Movement Screen).

Checks live in ``public.py`` (shipped to students), ``hidden.py`` (problems 2 and 3,
grading side only) and ``hidden_cnn.py`` (problem 4, PyTorch). ``probes.py`` runs
inside the sandbox.
"""
from autograder.engine import Suite

# files the hidden checks read besides the code (part 4 writes it next to cnn.py, in
# starter/fms/): name -> (check id, part, points) of each check that reads it.
# `course submit` refuses to pack without them; tests/instructor/test_submit.py keeps this
# in step with the suite.
SUBMIT_FILES = {
    "predictions.csv": (("fms.cnn_test_predictions", "4g", 3),),
}

# Points per part. The handout (MDS189 homework) gives no points for its questions: these are the
# project's choice (108 in all: the code and the PyTorch models weigh most, each written answer a few),
# and it has no extra credit. Pinned by tests/fms/test_fms_suite.py.
HANDOUT_POINTS = {"1": 6, "2.1.1": 12, "2.1.2": 7, "2.1.3": 4, "2.2": 16, "2.3": 6, "3a": 4, "3b": 7, "3c": 4,
                  "3d": 7, "3e": 4, "3f": 5, "4a": 8, "4b": 1, "4c": 5, "4e": 3, "4f": 5, "4g": 4}
EXTRA_CREDIT: dict[str, float] = {}

SUITE = Suite(
    homework="fms",
    title="MDS189: fully-connected nets, convolution by hand, CNNs",
    parts={
        "1": "data visualisation (written answers)",
        "2.1.1": "fully-connected layer",
        "2.1.2": "ReLU",
        "2.1.3": "softmax loss",
        "2.2": "two-layer network",
        "2.3": "multi-layer network",
        "3a": "1-D derivative mask",
        "3b": "strided multi-channel convolution",
        "3c": "vertical-edge mask",
        "3d": "gradients of the convolution",
        "3e": "max pooling",
        "3f": "max-pooling gradient",
        "4a": "CNN model, loss and training on key frames",
        "4b": "loss curves",
        "4c": "parameter counts: CNN vs all-FC",
        "4e": "per-class accuracy",
        "4f": "confusion matrix",
        "4g": "Kaggle-style test predictions",
    },
    modules=("public", "hidden", "hidden_cnn"),
    probes=("probes.py", "probes_cnn.py"),
    secret_paths=("data/mds189/_grader",),
    # imported once per submission in the fork server: part 4's checks run PyTorch, and two of them
    # (confusion matrix, per-class accuracy) the sklearn.metrics the handout suggests (0.7 s of CPU per
    # import; the optimiser's torch._dynamo is a stand-in in the sandbox: child.lazy_dynamo)
    preload=("numpy", "torch", "sklearn.metrics"),
    # written answers: nbgrader grade_id -> (part, points), graded by hand in the notebooks
    manual_points={
        "fms-written-1a_i_keyframe_quality": ("1", 1),
        "fms-written-1a_ii_keypoint_quality": ("1", 1),
        "fms-written-1b_variety": ("1", 1),
        "fms-written-1c_i_detections": ("1", 1),
        "fms-written-1c_ii_sampling_rate": ("1", 1),
        "fms-written-1d_neck_alignment": ("1", 1),
        "fms-written-2_1_derivations": ("2.1.1", 6),
        "fms-written-2_1_2_vanishing_gradients": ("2.1.2", 3),
        "fms-written-2_2_hyperparameters": ("2.2", 3),
        "fms-written-2_3_architectures": ("2.3", 3),
        "fms-written-3a_mask": ("3a", 1),
        "fms-written-3b_pseudocode": ("3b", 3),
        "fms-written-3c_mask": ("3c", 1),
        "fms-written-3d_expressions": ("3d", 3),
        "fms-written-3e_expression": ("3e", 1),
        "fms-written-3f_backprop_maxpool": ("3f", 2),
        "fms-written-4a_architectures": ("4a", 3),
        "fms-written-4b_loss_curves": ("4b", 1),
        "fms-written-4c_architecture_params": ("4c", 2),
        "fms-written-4e_table": ("4e", 1),
        "fms-written-4f_confusion_errors": ("4f", 3),
        "fms-written-4g_kaggle": ("4g", 1),
    },
    extra_credit=tuple(EXTRA_CREDIT),
)


def prepare_data():
    """`course data` hook: the MDS189 train/validation splits and, on the grading side, the
    test split drawn from the grader's seed (frames and hidden labels) and the hidden checks'
    caches (``cache.py``: poses, training key frames, reference parameter counts), made once
    here before any check's time limit runs."""
    import coursedata.mds189 as mds

    mds.ensure()
    try:
        from .cache import warm
        from .hidden_cnn import SPEC_MODELS, prepare_test_split
    except ImportError:  # a student release has no hidden suite (its test frames came with it)
        return
    prepare_test_split()
    warm(SPEC_MODELS)


def release_data(dest):
    """`course release` hook: the test frames made from the grader's seed (no labels) go into
    the release's ``data/mds189/``; returns a note for the release's DATA.md."""
    from pathlib import Path

    from .hidden_cnn import release_test_frames

    release_test_frames(Path(dest) / "mds189")
    return ("\nThe Kaggle-style test frames of part 4 (`data/mds189/test_kaggle_frames/`,\n"
            "`videoframe_data_test.txt`, `kaggle_submission_format.csv`) come with this folder and\n"
            "cannot be generated: their labels stay with the grader. `python -m autograder data mds189`\n"
            "writes the training and validation data next to them and leaves them in place\n"
            "(even with `--force`); if you delete them, take them again from the release.\n")

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
DATASETS = ("mds189",)  # prepare_data() above builds it, with the hidden split
KERNEL_ENV = ("FMS_FAST",)  # the notebooks' quick mode, passed into the sandboxed nbgrader kernel
VALIDITY = "tests.fms.validity_variants"  # the kept variants, for benchmarks/validity.py
# the longest test units (wall seconds on 2 busy cores): the test scheduler starts them first. Measured
# 2026-12-07 at a load of 4-6 after the key-frame check's short run (issue 25): samples 54 (89 before),
# the nbgrader round trip 68, test_cnn_checks 44, test_cnn_training 34; test_fms_notebooks from 2026-11-28
LONG_TESTS = {"samples": 54, "tests/fms/test_fms_nbgrader.py": 68, "tests/fms/test_cnn_checks.py": 44,
              "tests/fms/test_fms_notebooks.py": 122, "tests/fms/test_cnn_training.py": 34}
# benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine (benchmarks/fms_bench.py
# lists the longest checks). The perfect sample, 2026-12-07, 2 shared cores, back to back at a load of 1.4-1.5:
# before issue 25 23.3 s wall / 24.9 s CPU (the key-frame CNN's 800 steps 16.0 s of it), after it 6.3-7.0 s
# wall / 6.8-7.2 s CPU (the key-frame check 2.4-2.9 s, the fork server's start with the first check 1.6-1.7 s)
CLI_TARGET_S = 10.0
# the README's homework table (course list --markdown)
SUMMARY = ("MDS189 movement screen: FC layers, FC nets, conv/pool in numpy, a PyTorch CNN (synthetic "
           "MDS189)")
