"""The lenet feedback figures that ``benchmarks/figures_bench.py`` draws (the registry's
``FIGURE_CASES``): ``{label: make(t)}``, on data shaped like a real grading's."""
import numpy as np


def cases(rng: np.random.Generator) -> dict:
    from autograder.lenet import figures

    return {
        "lenet.train: learning curve, 100 steps": lambda t: figures.training_curve(
            t, {"losses": 2.3 * np.exp(-np.arange(100) / 30)}, steps=100),
    }
