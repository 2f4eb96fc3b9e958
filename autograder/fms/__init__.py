"""Grading suite of homework `fms` (MDS189 / Functional Movement Screen).

Checks live in ``public.py`` (shipped to students), ``hidden.py`` (problems 2 and 3,
grading side only) and ``hidden_cnn.py`` (problem 4, PyTorch). ``probes.py`` runs
inside the sandbox.
"""
from autograder.engine import Suite

SUITE = Suite(
    homework="fms",
    title="MDS189: fully-connected nets, convolution by hand, CNNs",
    parts={
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
    },
    modules=("public", "hidden", "hidden_cnn"),
    probes=("probes.py", "probes_cnn.py"),
    # written answers: nbgrader grade_id -> (part, points), graded by hand in the notebooks
    manual_points={
        "fms-written-2_1-derivations": ("2.1.1", 6),
        "fms-written-2_1_2-vanishing_gradients": ("2.1.2", 3),
        "fms-written-2_2-hyperparameters": ("2.2", 3),
        "fms-written-2_3-architectures": ("2.3", 3),
        "fms-written-3a-mask": ("3a", 1),
        "fms-written-3b-pseudocode": ("3b", 3),
        "fms-written-3c-mask": ("3c", 1),
        "fms-written-3d-expressions": ("3d", 3),
        "fms-written-3e-expression": ("3e", 1),
        "fms-written-3f-backprop_maxpool": ("3f", 2),
    },
)
