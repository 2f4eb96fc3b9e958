"""The grader's kit (autograder/engine/kit.py): central differences, per-function step timing, the
tie rule of max-pooling; shipped into the sandbox, where probes import it as ``kit``."""
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import kit
from autograder.engine.compare import numeric_gradient
from tests.helpers_common import imported_names

REPO = Path(__file__).resolve().parents[2]
SUITES = ("example", "fer", "fms", "lenet", "nist36", "pose")


# -- central differences ---------------------------------------------------------------
def test_central_differences_match_the_gradient_and_restore_x():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    x = rng.standard_normal((3, 4))
    before = x.copy()
    g = kit.central_differences(lambda: np.sum(a * np.sin(x)), x, 1e-6)
    np.testing.assert_allclose(g, a * np.cos(before), rtol=1e-6, atol=1e-8)
    assert np.array_equal(x, before)  # restored exactly
    assert g.dtype == np.float64 and g.shape == x.shape


def test_central_differences_perturb_one_element_at_a_time_in_c_order():
    x = np.zeros((2, 3))
    seen = []

    def f():
        nz = np.flatnonzero(x)
        assert len(nz) <= 1, "two elements perturbed at once"
        seen.append((int(nz[0]) if len(nz) else None, float(x.flat[nz[0]]) if len(nz) else 0.0))
        return float(np.sum(np.arange(6).reshape(2, 3) * x))

    g = kit.central_differences(f, x, 0.5)
    assert seen == [(i, s) for i in range(6) for s in (0.5, -0.5)]  # +h then -h, element by element
    np.testing.assert_allclose(g, np.arange(6).reshape(2, 3))


def test_central_differences_of_a_zero_dimensional_array():
    x = np.array(2.0)
    assert float(kit.central_differences(lambda: float(x) ** 3, x, 1e-4)) == pytest.approx(12.0, rel=1e-7)


def test_numeric_gradient_gives_what_the_loop_it_replaced_gave():
    """engine.compare.numeric_gradient goes through the kit: bit for bit the values of the loop it
    had (nditer order, +h then -h on the float64 copy, a fresh copy per evaluation)."""
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((2, 3, 2))
    dout = rng.standard_normal((2, 3, 2))

    def f(v):
        out = np.tanh(v) * 1.7
        v *= 0  # a forward that modifies its input: the copy protects the loop
        return out

    h = 6e-6
    x = np.array(x0)
    want = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        pos = np.sum(np.asarray(f(x.copy()), dtype=np.float64) * dout)
        x[i] = old - h
        neg = np.sum(np.asarray(f(x.copy()), dtype=np.float64) * dout)
        x[i] = old
        want[i] = (pos - neg) / (2 * h)
    assert np.array_equal(numeric_gradient(f, x0, dout, h=h), want)


# -- timing a training step ------------------------------------------------------------------
class FakeClock:
    """A clock that only the fake student functions move: deterministic timings."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _fake_modules(clock):
    layers = types.ModuleType("fake_layers")
    net = types.ModuleType("fake_net")

    def forward(x):
        clock.now += 2.0
        return x

    def backward(x):
        clock.now += 3.0
        return x

    layers.forward, layers.backward = forward, backward
    net.forward = forward  # imported by name into a second module, as fc_net does
    return layers, net


def test_time_per_function_names_where_a_step_spends_its_time_and_restores():
    clock = FakeClock()
    layers, net = _fake_modules(clock)
    originals = (layers.forward, layers.backward, net.forward)

    def step():
        net.forward(1)
        layers.backward(1)
        clock.now += 1.0  # the rest of the step

    out = kit.time_per_function(step, (layers, net), ("forward", "backward", "missing"), repeats=3, clock=clock)
    assert out == {"forward": 2.0, "backward": 3.0, "missing": 0.0, "(everything else)": 1.0}
    assert (layers.forward, layers.backward, net.forward) == originals


def test_time_per_function_last_only_and_restores_after_an_error():
    clock = FakeClock()
    layers, net = _fake_modules(clock)
    calls = []

    def step():
        calls.append(1)
        layers.forward(1)
        if len(calls) == 1:
            layers.forward(1)  # the first step pays for set-up
    out = kit.time_per_function(step, (layers,), ("forward",), repeats=2, last_only=True, clock=clock)
    assert out == {"forward": 2.0, "(everything else)": 0.0}

    original = layers.forward

    def broken():
        layers.forward(1)
        raise RuntimeError("student error")
    with pytest.raises(RuntimeError):
        kit.time_per_function(broken, (layers,), ("forward",), clock=clock)
    assert layers.forward is original


# -- tie rules of max-pooling ------------------------------------------------------------------
def _pool_backward(x, dout, k, s, rule):
    """A max-pooling backward on (W, H, C) with non-overlapping windows and a tie rule."""
    g = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            for c in range(x.shape[2]):
                win = x[i * s:i * s + k, j * s:j * s + k, c]
                hit = np.flatnonzero(win.ravel() == win.max())
                share = {"first": [1.0] + [0.0] * (len(hit) - 1), "last": [0.0] * (len(hit) - 1) + [1.0],
                         "split": [1.0 / len(hit)] * len(hit), "every": [1.0] * len(hit),
                         "convex": list(np.linspace(1, 2, len(hit)) / np.linspace(1, 2, len(hit)).sum())}[rule]
                for n, w in zip(hit, share):
                    a, b = np.unravel_index(n, win.shape)
                    g[i * s + a, j * s + b, c] += w * dout[i, j, c]
    return g


@pytest.fixture
def ties():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (6, 8, 3)).astype(np.float64)  # values 0, 1, 2: ties in most windows
    dout = rng.standard_normal((3, 4, 3))
    return x, dout, _pool_backward(x, dout, 2, 2, "first")


@pytest.mark.parametrize("rule", ["first", "last", "split", "convex"])
def test_every_valid_tie_rule_is_accepted(ties, rule):
    x, dout, expected = ties
    got = _pool_backward(x, dout, 2, 2, rule)
    assert rule == "first" or not np.allclose(got, expected)  # the case has ties that matter
    np.testing.assert_allclose(kit.accept_tie_rules(got, expected, x, dout, (2, 2), 2), got, rtol=0, atol=1e-12)


def test_invalid_tie_rules_are_not_accepted(ties):
    x, dout, expected = ties
    every = _pool_backward(x, dout, 2, 2, "every")
    assert np.array_equal(kit.accept_tie_rules(every, expected, x, dout, (2, 2), 2), expected)
    off = expected.copy()
    off[0, 0, 0] += 1.0  # a gradient on an entry that is no maximum stays wrong
    acc = kit.accept_tie_rules(off, expected, x, dout, (2, 2), 2)
    assert acc[0, 0, 0] == expected[0, 0, 0]


def test_tie_rules_follow_the_window_axes_and_any_shape_of_the_gradient(ties):
    """The same case laid out as (C, W, H) (fms) or flattened (lenet's [h*w*c, batch]) gives the same."""
    x, dout, expected = ties
    got = _pool_backward(x, dout, 2, 2, "last")
    chw = kit.accept_tie_rules(got.transpose(2, 0, 1), expected.transpose(2, 0, 1), x.transpose(2, 0, 1),
                               dout.transpose(2, 0, 1), (2, 2), 2, axes=(1, 2))
    np.testing.assert_array_equal(chw, got.transpose(2, 0, 1))
    flat = kit.accept_tie_rules(got.reshape(-1, 1), expected.reshape(-1, 1), x[..., None], dout[..., None],
                                (2, 2), 2)
    assert flat.shape == (got.size, 1)
    np.testing.assert_array_equal(flat.ravel(), got.ravel())


def test_tie_rules_leave_expected_alone_where_they_cannot_judge(ties):
    x, dout, expected = ties
    got = _pool_backward(x, dout, 2, 2, "last")
    assert kit.accept_tie_rules(got, expected, x, dout, (2, 2), 1) is expected  # overlapping windows
    assert kit.accept_tie_rules(got[:-1], expected, x, dout, (2, 2), 2) is expected  # wrong shape
    assert kit.accept_tie_rules("no array", expected, x, dout, (2, 2), 2) is expected
    assert kit.accept_tie_rules(None, expected, x, dout, (2, 2), 2) is expected


# -- shipped into the sandbox; who imports what --------------------------------------------------
def test_the_kit_needs_only_the_standard_library_and_numpy():
    mods = {n.split(".")[0] for n in imported_names(REPO / "autograder" / "engine" / "kit.py")}
    assert mods <= set(sys.stdlib_module_names) | {"numpy"}, mods


@pytest.mark.parametrize("hw", SUITES)
def test_suites_use_the_public_engine_not_the_sandbox(hw):
    for path in sorted((REPO / "autograder" / hw).glob("*.py")):
        bad = {n for n in imported_names(path) if n.startswith(("autograder.engine.sandbox", "..engine.sandbox"))}
        assert not bad, f"{path.name} imports {sorted(bad)}: use what autograder.engine exports"
    for path in sorted((REPO / "autograder" / hw).glob("probes*.py")):
        engine = {n for n in imported_names(path) if n.startswith(("autograder", "."))}
        assert engine <= {"autograder.engine"}, f"{path.name}: a probe may import the kit only, not {engine}"


def test_a_probe_imports_the_kit_inside_the_sandbox(tmp_path):
    from autograder.engine.sandbox import Limits, Sandbox

    tree = tmp_path / "tree"
    (tree / "starter").mkdir(parents=True)
    (tree / "starter" / "__init__.py").write_text("")
    probe = tmp_path / "kprobe.py"
    probe.write_text("import sys\n"
                     "import kit\n\n\n"
                     "def grad(x):\n"
                     "    import numpy as np\n"
                     "    x = np.array(x, dtype=np.float64)\n"
                     "    return kit.central_differences(lambda: float(np.sum(x ** 2)), x, 1e-6), "
                     "kit.__file__, 'autograder' in sys.modules\n")
    with Sandbox(tree, Limits(timeout=30), {"kprobe.py": probe}) as box:
        g, where, engine_loaded = box.call("kprobe:grad", np.array([1.0, -2.0]), kind="probe")
    np.testing.assert_allclose(g, [2.0, -4.0], rtol=1e-6)
    assert Path(where).name == "kit.py" and Path(where).parent.name == "grader"
    assert engine_loaded is False  # the kit brings none of the engine into the sandbox
