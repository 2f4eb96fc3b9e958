"""The fer feedback figures that ``benchmarks/figures_bench.py`` draws (the registry's
``FIGURE_CASES``): ``{label: make(t)}``, on data shaped like a real grading's."""
import numpy as np


def cases(rng: np.random.Generator) -> dict:
    from autograder.fer import figures

    y = rng.integers(0, 7, 600)
    return {
        "fer.fer_model: confusion 7x7, 600 faces": lambda t: figures.confusion(
            t, y, np.where(rng.random(600) < 0.4, y, rng.integers(0, 7, 600)), model="saved FC model"),
    }
