"""pose.train's feedback figure: the training-loss curve of the grader's run, coarsened (its
process also predicted the hidden clips, so what it returns is drawn from few, rounded numbers)."""
import numpy as np

from autograder.pose import figures

from tests.engine.figure_helpers import FigureSink, coloured


def test_the_curve_is_drawn_from_few_rounded_points():
    rng = np.random.default_rng(0)
    losses = 1e4 * np.exp(-np.arange(5000) / 900) + rng.random(5000)  # a hostile, long curve
    x, y = figures.coarse_curve(losses)
    assert len(x) == len(y) == figures.MAX_POINTS
    digits = {len(f"{v:.6e}".split("e")[0].replace(".", "").rstrip("0")) for v in y}
    assert max(digits) <= 2  # two significant figures


def test_the_check_attaches_the_curve_of_the_probes_answer():
    t = FigureSink()
    assert figures.training_curve(t, {"train_loss": [900.0, 400.0, 250.0, 210.0, 190.0], "pred": None})
    assert [f["title"] for f in t.figures] == [figures.TITLE]
    assert coloured(t.figures[0], (0x2a, 0x62, 0xb0)) > 50  # the curve is drawn
    assert figures.training_curve(FigureSink(), "no dict") is False
    bad = FigureSink()
    assert figures.training_curve(bad, {"train_loss": "nan"}) is False and bad.figure_log  # left out, logged


def test_digits_past_the_second_do_not_reach_the_picture():
    """A model that writes a hidden clip's pixels into its losses' lower digits shows nothing of them."""
    base = np.array([900.0, 430.0, 260.0, 210.0, 190.0, 180.0])
    pngs = []
    for secret in (0.0, 3.7):  # two different hidden inputs, smuggled below the second significant figure
        t = FigureSink()
        assert figures.training_curve(t, {"train_loss": base + secret})
        pngs.append(t.figures[0]["png"])
    assert pngs[0] == pngs[1]
