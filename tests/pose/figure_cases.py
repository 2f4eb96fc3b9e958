"""The pose feedback figures that ``benchmarks/figures_bench.py`` draws (the registry's
``FIGURE_CASES``): ``{label: make(t)}``, on data shaped like a real grading's."""
import numpy as np


def cases(rng: np.random.Generator) -> dict:
    from autograder.pose import figures

    return {
        "pose.train: learning curve, 150 steps": lambda t: figures.training_curve(
            t, {"train_loss": 1e4 * np.exp(-np.arange(150) / 40) + 800}),
    }
