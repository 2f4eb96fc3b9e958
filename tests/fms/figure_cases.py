"""The fms feedback figures that ``benchmarks/figures_bench.py`` draws (the registry's
``FIGURE_CASES``): ``{label: make(t)}``, on data shaped like a real grading's."""
import numpy as np


def cases(rng: np.random.Generator) -> dict:
    from autograder.fms import figures
    from autograder.fms.hidden_cnn import LABELS

    truth = {i: LABELS[int(c)] for i, c in enumerate(rng.integers(0, 8, 2498), start=1)}
    return {
        "fms.cnn_test_predictions: confusion 8x8, 2498 frames": lambda t: figures.confusion(
            t, {i: c if rng.random() < 0.4 else LABELS[0] for i, c in truth.items()}, truth, LABELS),
    }
