"""Grading suite of homework `pose` (3D human pose from 8-frame clips: CNN + LSTM).

Checks live in ``public.py`` (shipped to students: small worked values, shapes) and
``hidden.py`` (grading side: values against the reference on cases, the model's
structure, a training run under a CPU budget scored on hidden clips, the handed-in
weights scored on hidden clips). ``probes.py`` runs inside the sandbox.
"""
from autograder.engine import Suite

DATASETS = ("h36m",)

# files the hidden checks read besides the code (saved next to it, in starter/pose/):
# name -> (check id, part, points) of each check that reads it. `course submit` refuses to
# pack without them; tests/instructor/test_submit.py keeps this in step with the suite.
SUBMIT_FILES = {
    "pose_model.pt": (("pose.saved_model", "5", 8),),
}

# Points per part. The handout (3D human pose from video) gives no points: these are the project's
# choice (49 in all), and it has no extra credit. Pinned by tests/pose/test_pose_suite.py.
HANDOUT_POINTS = {"1": 5, "2": 5, "3": 12, "4": 10, "5": 8, "6": 3, "7": 6}
EXTRA_CREDIT: dict[str, float] = {}

SUITE = Suite(
    homework="pose",
    title="3D human pose from video: MPJPE, a CNN + LSTM regressor in PyTorch",
    parts={
        "1": "MPJPE, the evaluation metric (mm)",
        "2": "the training loss (squared errors: a sum, sum / batch or mean; any positive multiple)",
        "3": "DeepDynamicModel: per-frame CNN + LSTM + MLP, inputs normalised inside",
        "4": "training with Adam (a short run by the grader: the loss falls, hidden-clip MPJPE near the mean pose's)",
        "5": "the saved model on hidden clips (every frame; the frames in which the person is not visible)",
        "6": "loss and MPJPE curves (written)",
        "7": "discussion: hyper-parameters, the LSTM's contribution (written)",
    },
    probes=("probes.py",),
    secret_paths=("data/h36m/_grader",),
    preload=("numpy", "torch"),
    manual_points={
        "pose-written-6_curves": ("6", 3),
        "pose-written-7a_hyperparameters": ("7", 3),
        "pose-written-7b_lstm": ("7", 3),
    },
    extra_credit=tuple(EXTRA_CREDIT),
)


def prepare_data(log=None):
    """`course data` hook: the public clips, and on the grading side the hidden clips (rendered
    from the grader's own seed, once, before any check's time limit runs)."""
    from coursedata.h36m import ensure

    ensure()
    try:
        from .hidden import prepare_data as hidden_prepare
    except ImportError:  # a student release has no hidden suite
        return
    hidden_prepare(log=log)

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
KERNEL_ENV = ("POSE_FAST",)  # the notebook's quick mode, passed into the sandboxed nbgrader kernel
VALIDITY = "tests.pose.validity_variants"  # the kept variants, for benchmarks/validity.py
# the longest test units (wall seconds on 2 busy cores; the samples and the training tests measured
# 2026-12-07 since pose.train runs 100 steps instead of 600: samples 107 s at a load of 7 (42 s at a
# load of 1-3), was 300; test_pose_training.py 34 s at a load of 3, was 90; the others 2026-11-28):
# the test scheduler starts them first
LONG_TESTS = {"tests/pose/test_pose_variants.py": 185, "samples": 110, "tests/pose/test_pose_suite.py": 105,
              "tests/pose/test_pose_training.py": 40}
CLI_TARGET_S = 20.0  # benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine
# the README's homework table (course list --markdown)
SUMMARY = ("3D human pose from 8-frame clips: MPJPE, the loss, a per-frame CNN + LSTM in PyTorch trained "
           "by the grader under a CPU budget, saved weights scored on hidden clips (synthetic "
           "Human3.6M-style clips)")
