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
    probes=("probes.py",),
    # written answers (notebook cells graded by hand), problems 2 and 3
    manual_points={
        "fms.written.2_1_derivations": 6,
        "fms.written.2_1_2_vanishing_gradients": 3,
        "fms.written.2_2_hyperparameters": 3,
        "fms.written.2_3_architectures": 3,
        "fms.written.3a_mask": 1,
        "fms.written.3b_pseudocode": 3,
        "fms.written.3c_mask": 1,
        "fms.written.3d_expressions": 3,
        "fms.written.3e_expression": 1,
        "fms.written.3f_backprop_maxpool": 2,
    },
)
