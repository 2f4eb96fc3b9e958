"""nist36's feedback figures are drawn from public data only: the boxes on one of the notebook's
own pages (the pages find_letters grades are those files), and the handed-in autoencoder's
reconstructions of images of the public validation split."""
import numpy as np
import pytest

from autograder.nist36 import figures
from autograder.nist36 import hidden_common as C
from tests.engine.figure_helpers import FigureSink, coloured

from .helpers import grade, make_tree


def test_the_graded_pages_are_the_public_page_files():
    from PIL import Image

    from coursedata.nist36 import page_paths

    files = {p.stem: p for p in page_paths()}
    for name, image, _truth in C.pages():
        assert name in files  # find_letters grades the notebook's own pages: nothing hidden to show
        shown, _ = figures.public_page(name)
        assert np.array_equal(shown, np.asarray(Image.open(files[name]).convert("L")))


def test_boxes_are_drawn_on_a_public_page_only():
    name, _image, truth = C.pages()[0]
    t = FigureSink()
    assert figures.page_boxes(t, name, {"boxes": (truth["boxes"] * 2).tolist()}, 2)
    assert coloured(t.figures[0], (0xdd, 0x22, 0x22)) > 100  # the red boxes
    other = FigureSink()
    assert not figures.page_boxes(other, "hidden_page", {"boxes": truth["boxes"].tolist()}, 1)
    assert other.figures == [] and "not one of the public pages" in other.figure_log[0]


def test_reconstructions_come_from_the_validation_split():
    from coursedata.nist36 import CLASSES

    vx, vy = C.validation()  # the public split ae_weights scores on
    idx = figures.pick_validation(vy)
    assert len(set(idx.tolist())) == 10
    assert "".join(CLASSES[k] for k in np.argmax(vy[idx], axis=1)) == "".join(c * 2 for c in figures.RECON_CLASSES)
    t = FigureSink()
    assert figures.reconstructions(t, vx, vy, lambda x: np.clip(x + 0.1, 0, 1))
    assert t.figures[0]["title"] == figures.RECON_TITLE
    wrong = FigureSink()
    assert not figures.reconstructions(wrong, vx, vy, lambda x: x[:, :10])  # shapes checked, left out
    assert "shape" in wrong.figure_log[0]


@pytest.mark.slow
def test_ae_weights_gets_its_reconstructions(tmp_path):
    from autograder.engine.submission import REPO

    weights = REPO / "tests" / "fixtures" / "samples" / "nist36" / "perfect" / "files" / "starter" / "nist36"
    tree = make_tree(tmp_path, files={"q5_weights.npz": (weights / "q5_weights.npz").read_bytes()})
    r = grade(tree, ids=["nist36.ae_weights"])["nist36.ae_weights"]
    assert r.status == "passed", r.message
    assert [f["title"] for f in r.figures] == [figures.RECON_TITLE]
