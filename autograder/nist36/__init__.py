"""Grading suite of homework `nist36` (16-720 HW5: neural networks for recognition, NIST36 OCR).

``public.py`` (shipped to students): shapes, small hand-checkable values, each backward
pass against central differences of the student's own forward pass, the gradient
checker on a quadratic. ``hidden.py`` (grading side): values against
``solutions.nist36`` on several cases, training runs and OCR scored in the grader's
process, the weight files handed in (``q3_weights.npz``, ``q5_weights.npz``).
``probes.py`` runs inside the sandbox.
"""
from autograder.engine import Suite

DATASETS = ("nist36", "cifar10")

# files the hidden checks read besides the code (the notebook saves them next to it, in
# starter/nist36/): name -> (check id, part, points) of each check that reads it.
# `course submit` refuses to pack without them; tests/instructor/test_submit.py keeps this
# in step with the suite.
SUBMIT_FILES = {
    "q3_weights.npz": (("nist36.trained_weights", "Q3.1", 3),),
    "q5_weights.npz": (("nist36.ae_weights", "Q5.3.2", 3),),
}

# Points per part: the handout's (16-720 HW5), 130 in all; its extra credit (Q5, the autoencoder, 25, and
# Q6.3, 20) is kept apart: it adds to a student's total but not to the maximum (the engine reads
# ``extra_credit`` below). Pinned by tests/nist36/test_nist36_suite.py.
HANDOUT_POINTS = {
    "Q1.1": 3, "Q1.2": 3, "Q1.3": 3, "Q1.4": 3, "Q1.5": 12, "Q1.6": 4, "Q2.1.1": 3, "Q2.1.2": 3, "Q2.1.3": 3,
    "Q2.2.1": 4, "Q2.2.2": 3, "Q2.2.3": 3, "Q2.3": 7, "Q2.4": 5, "Q2.5": 5, "Q3.1": 5, "Q3.2": 3, "Q3.3": 3,
    "Q3.4": 3, "Q4.1": 4, "Q4.2": 10, "Q4.3": 5, "Q4.4": 8, "Q6.1.1": 5, "Q6.1.2": 5, "Q6.1.3": 5, "Q6.1.4": 10,
}
EXTRA_CREDIT = {"Q5.1.1": 5, "Q5.1.2": 5, "Q5.2": 5, "Q5.3.1": 5, "Q5.3.2": 5, "Q6.3": 20}

SUITE = Suite(
    homework="nist36",
    title="16-720 HW5: neural networks for recognition (NIST36 OCR)",
    parts={
        "Q1.1": "softmax is invariant to translation",
        "Q1.2": "softmax as a three-step process",
        "Q1.3": "no non-linearity: a linear model",
        "Q1.4": "the sigmoid's derivative through its output",
        "Q1.5": "gradients of a linear layer",
        "Q1.6": "vanishing gradients, tanh and the sigmoid",
        "Q2.1.1": "why not initialise with zeros (written)",
        "Q2.1.2": "Xavier initialisation",
        "Q2.1.3": "why random, why scaled (written)",
        "Q2.2.1": "sigmoid and the forward pass",
        "Q2.2.2": "a stable softmax",
        "Q2.2.3": "loss and accuracy",
        "Q2.3": "backpropagation through one layer",
        "Q2.4": "random batches and the training loop",
        "Q2.5": "numerical gradient checker",
        "Q3.1": "training the network (75% validation)",
        "Q3.2": "learning rates x10 and x0.1 (plots, written)",
        "Q3.3": "first-layer weights before and after training (plot, written)",
        "Q3.4": "confusion matrix",
        "Q4.1": "assumptions of the detector (written)",
        "Q4.2": "findLetters",
        "Q4.3": "boxes on the pages (plots)",
        "Q4.4": "reading the pages",
        "Q5.1.1": "the autoencoder",
        "Q5.1.2": "momentum",
        "Q5.2": "training loss curve (plot, written)",
        "Q5.3.1": "reconstructions of 5 classes (plot, written)",
        "Q5.3.2": "PSNR of the reconstructions",
        "Q6.1.1": "the FC network in PyTorch",
        "Q6.1.2": "a CNN on NIST36",
        "Q6.1.3": "a CNN on CIFAR-10",
        "Q6.1.4": "CNN versus the earlier models (written)",
        "Q6.3": "extra credit: the CIFAR CNN on a handheld video of one class (plot, written)",
    },
    probes=("probes.py",),
    # torch._dynamo, which a PyTorch optimiser's first step imports (1.0-1.3 s of CPU), is not
    # preloaded: the sandbox gives a stand-in until a check needs the compiler (child.lazy_dynamo)
    # The scikit-image modules of the reference findLetters / read_page (grey, blur, Otsu, closing,
    # labels and regions, resize): each of find_letters, read_page and group_rows imported them again
    # (0.08-0.12 s each); preloaded, 0.09 s once (measured 2026-12-07). skimage.metrics (the
    # reference average_psnr) is left out: its import (scipy.stats) costs the server as much as the one
    # check that uses it.
    preload=("numpy", "torch", "skimage.measure", "scipy.ndimage", "skimage.color.colorconv",
             "skimage.filters._gaussian", "skimage.filters.thresholding", "skimage.morphology",
             "skimage.transform._warps", "skimage.measure._regionprops"),
    # written answers and plots: nbgrader grade_id -> (part, points), graded by hand in the notebook
    manual_points={
        "nist36-written-q1_1": ("Q1.1", 2),
        "nist36-written-q1_2": ("Q1.2", 2),
        "nist36-written-q1_3": ("Q1.3", 2),
        "nist36-written-q1_4": ("Q1.4", 2),
        "nist36-written-q1_5": ("Q1.5", 6),
        "nist36-written-q1_6": ("Q1.6", 2),
        "nist36-written-q2_1_1": ("Q2.1.1", 3),
        "nist36-written-q2_1_3": ("Q2.1.3", 3),
        "nist36-written-q3_2": ("Q3.2", 3),
        "nist36-written-q3_3": ("Q3.3", 3),
        "nist36-written-q3_4": ("Q3.4", 2),
        "nist36-written-q4_1": ("Q4.1", 4),
        "nist36-written-q4_3": ("Q4.3", 5),
        "nist36-written-q5_2": ("Q5.2", 5),
        "nist36-written-q5_3_1": ("Q5.3.1", 5),
        "nist36-written-q6_1_4": ("Q6.1.4", 10),
        "nist36-written-q6_3": ("Q6.3", 20),
    },
    extra_credit=tuple(EXTRA_CREDIT),
)


def prepare_data():
    """`course data` hook: the NIST36 set and pages, the CIFAR-10-style set, the cached
    reference network the OCR check reads the pages with, and the rows the checks read."""
    import coursedata.nist36 as n36

    n36.ensure()
    try:
        import coursedata.cifar10 as c10

        c10.ensure()
    except (ImportError, AttributeError):
        pass
    try:
        from .hidden_common import _rows, reference_network
    except ImportError:  # a student release has no hidden suite
        return
    reference_network()
    _rows()  # the rows the checks read, uncompressed (hidden_common.ROWS_CACHE)

# -- for the course's shared tooling (autograder/engine/registry.py) ---------------------------
KERNEL_ENV = ("NIST36_FAST",)  # the notebook's quick mode, passed into the sandboxed nbgrader kernel
VALIDITY = "tests.nist36.validity_variants"  # the kept variants, for benchmarks/validity.py
# the longest test units (wall seconds on 2 busy cores, 2026-11-28): the test scheduler starts them first
LONG_TESTS = {"tests/nist36/test_nist36_nbgrader.py": 145, "samples": 124}
CLI_TARGET_S = 10.0  # benchmarks/speed.py: course grade of one sample, --jobs 1, quiet 2-core machine
# the README's homework table (course list --markdown)
SUMMARY = ("16-720 HW5: numpy FC net, gradient checker, OCR of photographed pages, autoencoder, PyTorch "
           "FC/CNN (synthetic NIST36 from Hershey-font writers)")
