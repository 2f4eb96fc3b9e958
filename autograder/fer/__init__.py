"""Grading suite of homework `fer` (dropout, fully-connected nets, FER-2013).

Checks live in ``public.py`` (shipped to students: shapes, values worked by hand,
gradient checks against the student's own forward functions), ``hidden.py`` (values
against ``solutions.fer`` on several cases, the optimiser and the stopping criterion,
the FER-2013 loader) and ``hidden_models.py`` (training and saved models: overfitting
50 images, the two-layer CIFAR-10 model, the best FER-2013 FC model and the CNN, all
scored here on private test sets generated with a grader-only seed).
``probes.py`` runs inside the sandbox.
"""
from autograder.engine import Suite

DATASETS = ("cifar10", "fer2013")

# files the hidden checks read besides the code (the notebook saves them next to it, in
# starter/fer/): name -> (check id, part, points) of each check that reads it.
# `course submit` refuses to pack without them; tests/instructor/test_submit.py keeps this
# in step with the suite.
SUBMIT_FILES = {
    "cifar_two_layer.npz": (("fer.two_layer_cifar", "Q4", 1),),
    "fer_model.npz": (("fer.fer_model", "Q5", 6), ("fer.test_fer_model", "Q5", 1)),
    "fer_cnn.pt": (("fer.cnn_model", "Q6", 4), ("fer.test_cnn_model", "Q6", 2)),
}

# The handout's points ("Summary of Grading"): 100 points, of which Q1-Q5 are code (35), the report 55
# and its presentation 10; Q6 is a 15-point bonus (its metrics 2, the written comparison 7, the model 6)
# on top of the 100. Pinned by tests/fer/test_fer_suite.py;
# the suite's ``extra_credit`` is read from EXTRA_CREDIT.
HANDOUT_POINTS = {"Q1": 5, "Q2": 5, "Q3": 5, "Q4": 10, "Q5": 10, "Report": 55, "Presentation": 10}
EXTRA_CREDIT = {"Q6": 15}

SUITE = Suite(
    homework="fer",
    title="Dropout, fully-connected networks and facial expressions (CIFAR-10, FER-2013)",
    parts={
        "Q1": "linear and ReLU layers",
        "Q2": "inverted dropout",
        "Q3": "softmax classifier",
        "Q4": "fully-connected network, overfitting 50 images, two-layer net on CIFAR-10",
        "Q5": "SGD with momentum, stopping criterion, FER-2013 loader, hyper-parameter search, saved model",
        "Q6": "a CNN on FER-2013 (PyTorch): metrics and saved model",
        "Report": "written answers: layers, results, A1 and A2",
        "Presentation": "quality of presentation of the report",
    },
    modules=("public", "hidden", "hidden_models"),
    probes=("probes.py",),
    preload=("numpy", "torch"),
    # the saved models (.npz weights, the CNN's .pt) are read and scored by the judge
    judge_server=True,
    manual_points={
        "fer-written-q1_linear_relu": ("Report", 2),
        "fer-written-q2_dropout": ("Report", 2),
        "fer-written-q3_softmax": ("Report", 2),
        "fer-written-q4_overfit": ("Report", 2),
        "fer-written-q4_two_layer": ("Report", 2),
        "fer-written-q5_setup": ("Report", 6),
        "fer-written-q5_learning_rate": ("Report", 6),
        "fer-written-q5_dropout": ("Report", 6),
        "fer-written-q5_l2": ("Report", 6),
        "fer-written-q5_topology": ("Report", 6),
        "fer-written-q5_test": ("Report", 5),
        "fer-written-q6_cnn_vs_fc": ("Q6", 7),
        "fer-written-a1": ("Report", 5),
        "fer-written-a2": ("Report", 5),
        "fer-written-presentation": ("Presentation", 10),
    },
    extra_credit=tuple(EXTRA_CREDIT),
)


def prepare_data():
    """`course data` hook: the CIFAR-10-style set and FER-2013, and on the grading side the two
    private test sets (generated once here, before any check's time limit runs)."""
    import coursedata.cifar10 as c10
    import coursedata.fer2013 as fer

    c10.ensure()
    fer.ensure()
    try:
        from .hidden_models import secret_cifar, secret_faces
    except ImportError:  # a student release has no hidden suite
        return
    secret_faces()
    secret_cifar()

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
KERNEL_ENV = ("FER_FAST",)  # the notebook's quick mode, passed into the sandboxed nbgrader kernel
VALIDITY = "tests.fer.validity_variants"  # the kept variants, for benchmarks/validity.py
# the longest test units (wall seconds on 2 busy cores, 2026-11-28): the test scheduler starts them first
LONG_TESTS = {"tests/fer/test_fer_notebook.py": 87, "samples": 80}
CLI_TARGET_S = 8.0  # benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine
# the README's homework table (course list --markdown)
SUMMARY = ("dropout, FC nets with L2, SGD with momentum, early stopping, FER-2013 hyper-parameter "
           "search, saved-model grading on private faces, a PyTorch CNN (synthetic CIFAR-10-style "
           "objects and FER-2013 faces)")
