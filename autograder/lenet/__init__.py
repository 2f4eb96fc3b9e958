"""Grading suite of homework `lenet` (10-601 HW7: LeNet in numpy).

Checks live in ``public.py`` (shipped to students: shapes, small hand-checkable
values, gradient checks against the student's own forward functions) and
``hidden.py`` (grading side: values against ``solutions.lenet`` on several layer
geometries, SGD over several steps, a short training run with a calibrated
threshold, the twelve toy-CNN answers). ``probes.py`` runs inside the sandbox.
"""
from autograder.engine import Suite

# Points per part: the handout's (10-601 HW7): the QnA section 12, Q1-Q7 73 ([20], [3], [10], [20], [3],
# [10], [7]), Q8 5, Q9 2 + 2 + 3, Q10 3: 100. "5.5" (training LeNet to the handout's bar) has no points in
# the handout: its 5 are the project's choice. The handout's 2-point collaboration questionnaire is
# administrative and not graded here. No extra credit. Pinned by tests/lenet/test_lenet_suite.py.
HANDOUT_POINTS = {"QnA": 12, "Q1": 20, "Q2": 3, "Q3": 10, "Q4": 20, "Q5": 3, "Q6": 10, "Q7": 7, "Q8": 5, "Q9": 7,
                  "Q10": 3}
PROJECT_POINTS = {"5.5": 5}
EXTRA_CREDIT: dict[str, float] = {}

SUITE = Suite(
    homework="lenet",
    title="10-601 HW7: LeNet in numpy (pooling, ReLU, inner product, SGD with momentum)",
    parts={
        "QnA": "section 3: forward and backward pass through the toy CNN (12 answers)",
        "Q1": "max-pooling forward",
        "Q2": "ReLU forward",
        "Q3": "inner-product forward",
        "Q4": "max-pooling backward",
        "Q5": "ReLU backward",
        "Q6": "inner-product backward",
        "Q7": "SGD with momentum and weight decay",
        "5.5": "training LeNet on MNIST",
        "Q8": "feature maps of layers 2 and 3 (written)",
        "Q9": "what the feature maps show (written)",
        "Q10": "LeNet on the full MNIST set (written)",
    },
    probes=("probes.py",),
    # written answers and plots: nbgrader grade_id -> (part, points), graded by hand in the notebook
    manual_points={
        "lenet-written-q8_feature_maps": ("Q8", 5),
        "lenet-written-q9a_conv_vs_input": ("Q9", 2),
        "lenet-written-q9b_pool_vs_conv": ("Q9", 2),
        "lenet-written-q9c_explanation": ("Q9", 3),
        "lenet-written-q10_full_mnist": ("Q10", 3),
    },
    extra_credit=tuple(EXTRA_CREDIT),
)

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
DATASETS = ("mnist",)
VALIDITY = "tests.lenet.validity_variants"  # the kept variants, for benchmarks/validity.py
# the longest test units (wall seconds on 2 busy cores, 2026-11-28): the test scheduler starts them first
LONG_TESTS = {"samples": 136, "tests/lenet/test_lenet_notebook.py": 108}
CLI_TARGET_S = 5.0  # benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine
SPEED_BENCH = "benchmarks/lenet_bench.py"  # benchmarks/speed.py: the numpy step against PyTorch, the reference to 97%
# the README's homework table (course list --markdown)
SUMMARY = "LeNet in numpy in the handout's `[h*w*c, batch]` layout, MNIST subset"
