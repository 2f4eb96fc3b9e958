"""The nist36 feedback figures that ``benchmarks/figures_bench.py`` draws (the registry's
``FIGURE_CASES``): ``{label: make(t)}``, on data shaped like a real grading's (the generated
NIST36 set: ``course data nist36``)."""
import numpy as np


def cases(rng: np.random.Generator) -> dict:
    from autograder.nist36 import figures
    from coursedata.nist36 import read_split

    vx, vy = read_split("valid")
    page, truth = figures.public_page("01_list")
    return {
        "nist36.find_letters: boxes on a page": lambda t: figures.page_boxes(
            t, "01_list", {"boxes": truth["boxes"].tolist()}, 1),
        "nist36.ae_weights: 10 reconstructions": lambda t: figures.reconstructions(
            t, vx, vy, lambda x: np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1)),
    }
