"""Every handout question has a home (an autograded check, or a hand-graded answer with
points) and the points per question are the handout's."""
import numpy as np
import pytest

from autograder.engine import load_suite
from autograder.nist36 import EXTRA_CREDIT, HANDOUT_POINTS
from autograder.nist36 import hidden_common as C
from solutions.nist36 import run_q5
from solutions.nist36.notebooks import make_notebook as mk

def test_every_question_has_its_points():
    suite = load_suite("nist36")
    points = dict.fromkeys(suite.parts, 0.0)
    for c in suite.checks():
        assert c.part in suite.parts, c.id
        points[c.part] += c.points
    for gid, (part, pts) in suite.manual().items():
        assert part in suite.parts, gid
        points[part] += pts
    assert points == {**HANDOUT_POINTS, **EXTRA_CREDIT}
    # the handout's order, Q5 (the autoencoder) between Q4 and Q6
    assert list(suite.parts) == [p for p in HANDOUT_POINTS if p < "Q5"] + [p for p in EXTRA_CREDIT if p < "Q6"] + \
        [p for p in HANDOUT_POINTS if p > "Q5"] + ["Q6.3"]


def test_extra_credit_is_kept_apart_from_the_maximum():
    """Q5 ("(Extra Credit)" on each of its questions, 25 points) and Q6.3 (20) are extra credit: a
    student who skips them can still reach the maximum, 130 (not 130 out of 175)."""
    suite = load_suite("nist36")
    assert EXTRA_CREDIT == {"Q5.1.1": 5, "Q5.1.2": 5, "Q5.2": 5, "Q5.3.1": 5, "Q5.3.2": 5, "Q6.3": 20}
    assert suite.extra_credit == tuple(EXTRA_CREDIT)
    assert sum(HANDOUT_POINTS.values()) == 130 and sum(EXTRA_CREDIT.values()) == 45
    auto = [c for c in suite.checks()]
    assert sum(c.points for c in auto if c.part not in EXTRA_CREDIT) == 81
    assert sum(c.points for c in auto if c.part in EXTRA_CREDIT) == 15


def test_notebook_has_a_graded_cell_or_answer_for_every_check_and_written_question():
    nb = mk.build()
    suite = load_suite("nist36")
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    graded_ids = {m["grade_id"] for m in meta if m.get("grade")}
    for c in suite.checks():
        assert f"test_{c.id.replace('.', '_')}" in graded_ids, c.id
    for gid, (_part, pts) in suite.manual().items():
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        assert cell.metadata["nbgrader"]["points"] == pts
        # the prompt (kept for students) sits right above the answer
        above = nb.cells[nb.cells.index(cell) - 1]
        assert above.cell_type == "markdown" and "graded by hand" in above.source and "nbgrader" not in above.metadata



def test_the_graders_psnr_is_the_references():
    """hidden_common.average_psnr (numpy, what the checks compare with) equals the reference's
    skimage-based average_psnr: several images, a batch of one, an exact reconstruction (inf)."""
    rng = np.random.default_rng(3)
    for n, noise in ((10, 0.1), (1, 0.3), (3, 0.0)):
        x = rng.random((n, 64))
        r = np.clip(x + rng.normal(0, noise, x.shape), 0, 1)
        with np.errstate(divide="ignore"):
            expected = run_q5.average_psnr(x, r)
        assert C.average_psnr(x, r) == pytest.approx(expected, rel=1e-12), (n, noise)


def test_the_cached_rows_are_the_splits_rows():
    """The checks read the first training rows and the validation split from hidden_common's cache
    (an .npz beside the data): the same numbers in the same (column-major) layout as read_split's,
    and the CIFAR images are load_cifar10's first ones."""
    from coursedata.cifar10 import load_cifar10
    from coursedata.nist36 import read_split

    tx, ty = read_split("train")
    vx, vy = read_split("valid")
    cx, cy = C.train_rows()
    assert len(cx) == C.SHORT_ROWS >= max(C.SHORT_N, C.TORCH_N, C.TORCH_CNN_N)
    assert np.array_equal(cx, tx[:C.SHORT_ROWS]) and np.array_equal(cy, ty[:C.SHORT_ROWS])
    assert cx.flags.f_contiguous and not cx.flags.writeable
    gx, gy = C.validation()
    assert np.array_equal(gx, vx) and np.array_equal(gy, vy) and gx.flags.f_contiguous == vx.flags.f_contiguous
    sx, sy, svx, _svy = C.short_run_data()
    assert np.array_equal(sx, tx[:C.SHORT_N]) and sx.flags.c_contiguous and svx is gx
    Xtr, ytr, Xte, yte = load_cifar10()
    got = C.cifar_rows()
    for a, b in zip(got, (Xtr[:C.CIFAR_N], ytr[:C.CIFAR_N], Xte[:C.CIFAR_TEST], yte[:C.CIFAR_TEST])):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_packed_inputs_reach_the_probes_unchanged():
    """What the probes rebuild from the packed rows (hidden_common.packed, probes.unpack) is what the
    checks sent before packing: the same numbers, dtype and layout; anything not 8-bit passes as is."""
    from autograder.nist36 import probes

    tx, vx = C.train_rows()[0], C.validation()[0]
    sent = {"short": C.short_run_data()[0], "ae": C.short_run_data()[0][:C.AE_SHORT_N],
            "fc": tx[:C.TORCH_N].astype(np.float32), "fc_valid": vx[:C.TORCH_VALID].astype(np.float32),
            "cnn": C._images(tx[:C.TORCH_CNN_N]), "cnn_valid": C._images(vx[:C.TORCH_VALID])}
    xtr, _ytr, xte, _yte = C.cifar_rows()
    sent["cifar"] = np.ascontiguousarray(xtr.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)
    sent["cifar_test"] = np.ascontiguousarray(xte.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)
    for what, before in sent.items():
        packed = C.wire_rows(what)
        assert isinstance(packed, dict), what  # the embedded data are 8-bit: they travel packed
        got = probes.unpack(packed)
        assert got.dtype == before.dtype and got.shape == before.shape, what
        assert got.flags.c_contiguous == before.flags.c_contiguous, what
        assert got.flags.f_contiguous == before.flags.f_contiguous, what
        assert np.array_equal(got, before), what
    odd = np.array([[0.1, 0.5], [1 / 3, 1.0]])
    assert C.packed(odd) is odd or np.array_equal(C.packed(odd), odd)
    assert probes.unpack(odd) is odd
