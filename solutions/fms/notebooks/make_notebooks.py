"""Generate (and execute) the master notebooks of homework fms.

    python solutions/fms/notebooks/make_notebooks.py            # write + execute all
    python solutions/fms/notebooks/make_notebooks.py --no-run   # write only
    python solutions/fms/notebooks/make_notebooks.py part4      # only names containing "part4"

The notebooks are built with nbformat from the cell lists below and executed with
nbclient, so the master copies carry their outputs (plots, tables, scores). Every
written question of the handout is a markdown cell with nbgrader metadata (graded by
hand, ``points``); code answers sit in ``### BEGIN SOLUTION`` regions of cells marked
as nbgrader solution cells. ``course build`` turns them into the student notebooks.

Graded test cells call ``autograder.notebook.grade_cell("fms", CHECK_ID)``, one cell per
check of the suite (``course list fms``) with the check's points (read from the suite);
hidden checks sit between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. Those
cells grade the student's ``starter/fms`` files, so they are *not* run when the master
notebooks are executed here (their outputs stay empty); every other cell is.

Run times are kept small (reduced training sizes, ``FAST`` settings) so that every
notebook executes in well under two minutes on a laptop CPU. With ``FMS_FAST=1`` in the
environment (the notebook test, tests/fms/test_fms_notebooks.py) and while nbgrader
autogrades, the training runs shrink to a smoke test (seconds).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

from autograder.build.cells import NotebookKit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
HW = "fms"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
PREDICTIONS_ENV = "FMS_PREDICTIONS"  # where part 4 writes predictions.csv (default: next to cnn.py)


# the cell kit: graded cells, written answers and prompts take their points from the suite
kit = NotebookKit(HW, generator=__file__)
md, code, solution, written, ask = kit.md, kit.code, kit.solution, kit.written, kit.ask
check_points = kit.check_points


def graded(check_id: str, what: str = "", comment: str | None = None):
    """A graded test cell for one check of the suite (hidden checks inside a hidden-tests region)."""
    if kit.check(check_id).hidden:
        first = comment or f"# Graded by your instructor with hidden inputs{what or ''}."
    else:
        first = f"# Public check{what or ''}: run it to test your code (it is graded too)."
    return kit.graded(check_id, comment=first)


def is_graded_test(cell) -> bool:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


# parts 1-3 are numpy only: their kernels do not import torch (1.5 s of CPU each, four times under
# nbgrader autograde); part 4 adds it
SETUP = """
%matplotlib inline
import os

import numpy as np
import matplotlib.pyplot as plt

np.set_printoptions(precision=4, suppress=True)
"""
SETUP_TORCH = SETUP.replace("import matplotlib.pyplot as plt\n", "import matplotlib.pyplot as plt\nimport torch\n").replace(
    "np.set_printoptions", "torch.set_num_threads(2)\nnp.set_printoptions")

# ----------------------------------------------------------------------------------
# part 1: looking at the data
# ----------------------------------------------------------------------------------
def part1():
    return [
        md("""
# MDS189, part 1: look at the data first

Before training anything, spend some time with the frames, the labelled key frames and the
detector output. Each question below asks for at most two sentences; your answers may be general
statements (no subject ids needed).
"""),
        code(SETUP + """
from solutions.fms import data, plotting

root = data.ensure_data()   # generates the synthetic MDS189 copy on first use (about a minute)
split = data.subjects(root)
print({k: len(v) for k, v in split.items()})
"""),
        md("""
## Key-frame visualisations

**Part 1: same subject.** All key frames of one person with the labelled keypoints (rerun the cell
with other people: `person=None` picks one at random).
"""),
        code("""
fig = plotting.keyframe_montage(root, person=split["train"][1])
plt.show()
"""),
        ask("**(a) i.** What do you notice about the key-frame labels? Does each key frame really show the "
            "movement it is labelled with, at its peak?", "fms-written-1a_i_keyframe_quality"),
        written("fms-written-1a_i_keyframe_quality", """
**Answer.** The key frames almost always show the peak of the labelled movement, but a few are a
frame or two early or late, so the pose is not fully developed.
"""),
        ask("**(a) ii.** What do you notice about the labelled keypoints? Look at where they sit and at their "
            "colours (each colour is one body joint): is every keypoint on the joint it names?", "fms-written-1a_ii_keypoint_quality"),
        written("fms-written-1a_ii_keypoint_quality", """
**Answer.** Most keypoints sit on the right joints, but joints on the far side of the body are
placed less precisely or are missing, and left and right are sometimes swapped (the colours of
an arm or leg do not match the body side).
"""),
        md("**Part 2: random subjects.** One random key frame of each of twelve random people."),
        code("""
fig = plotting.keyframe_montage(root, n_people=12, seed=1)
plt.show()
"""),
        ask("**(b)** How varied are the data? Consider the poses, the people's appearance, the lighting, the "
            "rooms and the frames' aspect ratios.", "fms-written-1b_variety"),
        written("fms-written-1b_variety", """
**Answer.** The data vary a lot: people differ in body shape and clothes, rooms in colour, clutter
and lighting, the camera looks from either side at different heights and angles (some videos are
mirrored), and frames come in several sizes and aspect ratios, while the same movement is done in
different styles and depths.
"""),
        md("""
## Video-frame visualisations

**Part 3: same subject.** Every frame of one movement with the detector's keypoints and boxes.
"""),
        code("""
fig = plotting.videoframe_montage(root, person=split["train"][2], movement="lunge", every=1, max_frames=24)
plt.show()
"""),
        ask("**(c) i.** How good are the detector's bounding boxes and keypoints? Look at where they are, at the "
            "keypoint colours and at how many people are detected in a frame.", "fms-written-1c_i_detections"),
        written("fms-written-1c_i_detections", """
**Answer.** The detections are mostly on the person but noisier than the labels: keypoints jitter
from frame to frame, occluded joints are missing or misplaced, left/right colours swap, and some
frames have no detection or an extra, spurious person.
"""),
        ask("**(c) ii.** Looking at every frame of one movement: is the video sampled often enough to follow "
            "the movement?", "fms-written-1c_ii_sampling_rate"),
        written("fms-written-1c_ii_sampling_rate", """
**Answer.** At 10 frames a second a repetition spans only about ten frames, which is enough to see
the start, the peak and the return, but the motion between consecutive frames is large and the
peak may fall between two frames.
"""),
        md("""
## Neck keypoints: raw and aligned

The key-frame poses were aligned to the reference subject's poses by Procrustes analysis
(translation, rotation and scale). The aligned poses are for debugging only.
"""),
        code("""
fig = plotting.neck_scatter(root)
plt.show()
"""),
        ask("**(d)** Compare the raw Neck keypoints with the aligned (normalised) ones in the two plots above. "
            "What changes, and why?", "fms-written-1d_neck_alignment"),
        written("fms-written-1d_neck_alignment", """
**Answer.** The raw Neck positions are spread over the whole frame with no structure by movement,
because people stand in different places and are filmed at different scales, while after the
alignment they gather into tight clusters, one per movement (lying, plank and standing movements
separate clearly).
"""),
    ]


# ----------------------------------------------------------------------------------
# part 2: modular fully-connected networks
# ----------------------------------------------------------------------------------
def part2():
    return [
        md("""
# MDS189, part 2: modular fully-connected networks

Your layers go into `layers.py` and the network into `fc_net.py`; `solver.py` (training) and
`data.py` (poses) are provided. This notebook checks every layer against numerical gradients,
then trains networks on the raw key-frame poses (25 keypoints x (x, y, confidence) = 75 numbers).
Report results on the raw poses only; `debug=True` (aligned poses) is for debugging.
"""),
        code(SETUP + """
from solutions.fms import data, layers
from solutions.fms.fc_net import FullyConnectedNet
from solutions.fms.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from solutions.fms.solver import Solver

rng = np.random.default_rng(0)
EPOCHS = 15   # short runs keep this notebook fast; use 40 or more for your reported results
# FMS_FAST=1 (the course's notebook test) and autograding shrink the runs to a smoke test: the grader
# trains your network with its own settings, so these runs are for you, not graded
if os.environ.get("FMS_FAST") == "1" or os.environ.get("NBGRADER_EXECUTION") == "autograde":
    EPOCHS = 2
"""),
        md("## 2.1.1 The fully-connected layer"),
        code("""
x = rng.standard_normal((4, 3, 5)); w = rng.standard_normal((15, 6)); b = rng.standard_normal(6)
dout = rng.standard_normal((4, 6))
_, cache = layers.affine_forward(x, w, b)
dx, dw, db = layers.affine_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(v, w, b)[0], x.copy(), dout)
dw_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(x, v, b)[0], w.copy(), dout)
db_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(x, w, v)[0], b.copy(), dout)
print(f"affine: dx {rel_error(dx, dx_num):.2e}  dw {rel_error(dw, dw_num):.2e}  db {rel_error(db, db_num):.2e}")
"""),
        graded("fms.public.affine", " of affine_forward / affine_backward (layers.py)"),
        graded("fms.affine_forward", " (affine_forward)"),
        graded("fms.affine_backward", " (affine_backward)"),
        md("## 2.1.2 ReLU"),
        code("""
x = rng.standard_normal((5, 7)); dout = rng.standard_normal((5, 7))
_, cache = layers.relu_forward(x)
dx = layers.relu_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda v: layers.relu_forward(v)[0], x.copy(), dout)
print(f"relu: dx {rel_error(dx, dx_num):.2e}")
"""),
        graded("fms.public.relu", " of relu_forward / relu_backward (layers.py)"),
        graded("fms.relu_forward", " (relu_forward)"),
        graded("fms.relu_backward", " (relu_backward)"),
        md("## 2.1.3 Softmax loss"),
        code("""
scores = rng.standard_normal((10, 8)); y = rng.integers(0, 8, 10)
loss, dx = layers.softmax_loss(scores, y)
dx_num = eval_numerical_gradient(lambda v: layers.softmax_loss(v, y)[0], scores.copy(), verbose=False)
print(f"softmax loss {loss:.4f} (log 8 = {np.log(8):.4f} when all scores are equal), dx {rel_error(dx, dx_num):.2e}")
print("large scores:", layers.softmax_loss(1e4 * scores, y)[0])
"""),
        graded("fms.public.softmax_loss", " of softmax_loss (layers.py)"),
        graded("fms.softmax_loss", " (softmax_loss)"),
        ask("""
**Question 2.1 (derivations).** For each layer you implemented (the fully-connected layer, ReLU and the
softmax loss), derive the gradients your backward pass computes: write `dL/dh`, `dL/dW`, `dL/db` of the
fully-connected layer for a batch of `B` inputs of any shape, the ReLU derivative, and the gradient of
the softmax loss with respect to the scores (say why subtracting the largest score changes nothing).
Quote the relative errors the gradient checks above print.
""", "fms-written-2_1_derivations"),
        written("fms-written-2_1_derivations", """
**Answer.** *Fully-connected layer* `out = h W + b` with `h` reshaped to `(B, D)`:
`dW = h^T dout`, `db = sum over the batch of dout`, `dh = dout W^T` reshaped back to the input's
shape (each output is linear in `h`, `W` and `b`; the chain rule sums over the batch for the shared
`W` and `b`).
*ReLU*: `d out / d x = 1` where `x > 0` and `0` elsewhere, so `dx = dout * [x > 0]`.
*Softmax loss* with `t = softmax(s)` and correct class `c`: `E = -s_c + log sum_k exp(s_k)`, so
`dE/ds_k = t_k - [k = c]`; averaged over a batch of `B` examples the gradient is divided by `B`.
Numerically we subtract `m = max_k s_k` first, which changes neither the loss nor the gradient.
The gradient checks above print relative errors around 1e-9 or smaller.
"""),
        ask("""
**Question 2.1.2 (vanishing gradients).** Which of the activations linear, ReLU, tanh and sigmoid can pass
(almost) no gradient back during training? Explain why, and say which one-dimensional inputs cause it.
""", "fms-written-2_1_2_vanishing_gradients"),
        written("fms-written-2_1_2_vanishing_gradients", """
**Answer.** Sigmoid and tanh: their derivatives `s(1 - s)` and `1 - tanh^2` go to zero when the
input is large in magnitude (saturation), so inputs far from 0 (e.g. |z| > 5) pass almost no
gradient, and products of many small factors vanish in deep nets. ReLU has zero gradient for all
negative inputs (a unit that is always negative is "dead"), but gradient 1 for positive ones, so
it does not shrink gradients there. A linear activation never saturates (gradient 1 everywhere),
but a network of linear layers is only a linear model.
"""),
        md("## 2.2 A two-layer network on the raw poses"),
        code("""
X_train, y_train, X_val, y_val = data.load_mds189()
pose_data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
print("poses:", X_train.shape, X_val.shape)
"""),
        md("""
Check `FullyConnectedNet` (`fc_net.py`) before training it: parameter shapes, scores, loss and gradients.
"""),
        graded("fms.public.fcnet", " of FullyConnectedNet (fc_net.py)"),
        graded("fms.fcnet_init", " (parameter shapes and scales)"),
        graded("fms.fcnet_scores", " (scores without labels)"),
        graded("fms.fcnet_loss_grads", " (loss and gradients, with and without L2)"),
        md("""
**Your hyper-parameter search.** Fill `configs` below with the settings you want to compare: a list of
dicts, each with `hidden_dim`, `weight_scale`, `learning_rate`, `lr_decay` (per epoch) and `batch_size`.
The loop trains one two-layer net per dict for `EPOCHS` epochs (L2 1e-3), prints its training and best
validation accuracy and plots the curves of the best one (about 5 s per setting with `EPOCHS = 15`).
"""),
        solution("""
### BEGIN SOLUTION
configs = [
    dict(hidden_dim=100, weight_scale=1e-2, learning_rate=1e-2, lr_decay=0.95, batch_size=64),
    dict(hidden_dim=200, weight_scale=1e-2, learning_rate=5e-3, lr_decay=0.95, batch_size=32),
    dict(hidden_dim=50, weight_scale=1e-3, learning_rate=1e-2, lr_decay=0.9, batch_size=64),
]
### END SOLUTION
runs = []
for cfg in configs:
    model = FullyConnectedNet(hidden_dim=[cfg["hidden_dim"]], weight_scale=cfg["weight_scale"], reg=1e-3, seed=0)
    solver = Solver(model, pose_data, learning_rate=cfg["learning_rate"], lr_decay=cfg["lr_decay"],
                    batch_size=cfg["batch_size"], num_epochs=EPOCHS, verbose=False, seed=0)
    solver.train()
    runs.append((cfg, solver))
    print(cfg, f"train {solver.train_acc_history[-1]:.3f}  best val {solver.best_val_acc:.3f}")
best_cfg, best_solver = max(runs, key=lambda r: r[1].best_val_acc)
fig, ax = plt.subplots(1, 2, figsize=(10, 3))
ax[0].plot(best_solver.loss_history, lw=0.5); ax[0].set_xlabel("iteration"); ax[0].set_ylabel("loss")
ax[1].plot(best_solver.train_acc_history, label="train"); ax[1].plot(best_solver.val_acc_history, label="val")
ax[1].set_xlabel("epoch"); ax[1].legend(); plt.tight_layout(); plt.show()
""", "fms_2_2_sweep"),
        md("The grader trains your two-layer net with the provided `Solver` and its own settings (hidden size "
           "100, weight scale 0.1, L2 1e-3, learning rate 0.5 decayed by 0.96 per epoch, batches of 64, 75 "
           "epochs) on the raw poses standardised per feature (training mean and standard deviation), and "
           "checks the validation accuracy (at least 0.58; the reference reaches 0.67-0.73). It takes a few "
           "seconds."),
        graded("fms.two_layer_pose_accuracy", " (your two-layer net, trained by the grader)"),
        ask("""
**Question 2.2 (hyper-parameters).** Describe your search: which values of the learning rate, its decay,
the batch size, the hidden size and the weight scale did you try, and which setting gave the best
validation accuracy (on the raw poses)? Comment on the training curves of your best run.
""", "fms-written-2_2_hyperparameters"),
        written("fms-written-2_2_hyperparameters", """
**Answer.** I varied the learning rate (5e-3 to 1e-2), its decay per epoch (0.9 against a slower
decay), the batch size (32, 64), the hidden size (50-200) and the weight scale (1e-2 and ten times
smaller), as listed in `configs` above. On the raw poses (pixel coordinates up to about 100) a weight
scale of 1e-2 with a learning rate of 1e-2 trains stably; much larger rates diverge and a smaller
weight scale learns slowly at first. The best setting is printed above with its curves; with the
short notebook budget (15 epochs) the best runs reach about 0.5 validation accuracy; the grader's
longer run on standardised poses (its settings are given above) reaches about 0.7. The loss curve is noisy but falls steadily; training and validation accuracy stay close,
so the small net is not overfitting yet.
"""),
        md("## 2.3 Deeper networks"),
        md("""
Deeper nets on the raw pixel coordinates (values up to about 100) barely learn in a short run: the
signal shrinks or explodes from layer to layer. As the grader does for 2.2, standardise every feature
with the training set's mean and standard deviation first (still the raw poses, only rescaled); then a
weight scale of 0.1 and a learning rate of 0.1 train 1 to 4 hidden layers well. With `EPOCHS = 15` the
four nets take about 10-40 s in all on a laptop and reach roughly 0.4-0.55 validation accuracy
(chance: 0.125).
"""),
        code("""
mu, sd = X_train.mean(axis=0), X_train.std(axis=0) + 1e-6
pose_std = {"X_train": (X_train - mu) / sd, "y_train": y_train, "X_val": (X_val - mu) / sd, "y_val": y_val}
for hidden in ([100], [100, 100], [100, 100, 100], [100, 100, 100, 100]):
    model = FullyConnectedNet(hidden_dim=hidden, weight_scale=0.1, reg=1e-3, seed=0)
    solver = Solver(model, pose_std, learning_rate=0.1, lr_decay=0.95, batch_size=64, num_epochs=EPOCHS,
                    verbose=False, seed=0)
    solver.train()
    print(f"hidden {str(hidden):22s} train {solver.train_acc_history[-1]:.3f}  best val {solver.best_val_acc:.3f}")
"""),
        graded("fms.fcnet_multilayer", " (nets with 2 to 4 hidden layers)"),
        ask("""
**Question 2.3 (deeper networks).** List the networks you trained (1 to 4 hidden layers, their widths and
settings) with their training and validation accuracies. Which architecture works best, and why do you
think so?
""", "fms-written-2_3_architectures"),
        written("fms-written-2_3_architectures", """
**Answer.** I trained the four nets of the cell above (hidden layers of 100 units) on the
standardised poses with the solver settings given there; the lines above list their training and
validation accuracies. Training accuracy grows with depth (more capacity), and two or three hidden
layers give the best validation accuracy in this short run (about 0.47-0.53 against 0.41 for one
layer); the fourth layer fits the training set better but no longer helps on new people, so the
small training set, not the model's capacity, is the limit. On the unscaled coordinates the deeper
nets stay near chance in this budget: their signal and gradients shrink or explode from layer to layer.
"""),
    ]


# ----------------------------------------------------------------------------------
# part 3: convolution and backprop by hand
# ----------------------------------------------------------------------------------
def part3():
    cells = [
        md("""
# MDS189, part 3: convolution and backpropagation by hand

Your code for this part goes into `conv.py` (the functions with `TODO`s). This notebook
runs it, checks it numerically and asks the written questions (a)-(f). Conventions:
an image is an array `(C, W, H)` (channel, x, y) and a set of `F` masks is `(F, C, w, h)`;
the 2-D functions slide the mask without flipping it, exactly like the handout's formula.
"""),
        code(SETUP + """
from solutions.fms import conv
from solutions.fms.gradient_check import eval_numerical_gradient_array, rel_error
"""),
        md("""
## (a) A 1-D derivative mask

`derivative_mask_1d()` returns the mask `G` (stored centred: `[G[-1], G[0], G[1]]`) such that
the handout's convolution `(I * G)[t] = sum_k I[k] G[t - k]` equals the central difference
`(I[t+1] - I[t-1]) / 2`. Below it is applied to a sampled sine; the result should follow the
cosine (scaled by the sampling step).
"""),
        code("""
t = np.linspace(0, 2 * np.pi, 60)
I = np.sin(t)
G = conv.derivative_mask_1d()
dI = conv.convolve1d(I, G)
step = t[1] - t[0]
print("mask:", G)
print("max error against cos(t) * step (interior):", np.abs(dI[1:-1] - np.cos(t[1:-1]) * step).max())
plt.figure(figsize=(6, 2.5))
plt.plot(t, I, label="I = sin t")
plt.plot(t[1:-1], dI[1:-1] / step, label="(I * G) / step")
plt.legend(); plt.tight_layout(); plt.show()
"""),
        graded("fms.public.derivative_mask", " of derivative_mask_1d (conv.py)"),
        graded("fms.derivative_mask", " (derivative_mask_1d)"),
        ask("""
**Question (a).** Give the mask `G` (its non-zero entries and their indices) for which the convolution
`(I * G)[t]` equals the central difference `(I[t+1] - I[t-1]) / 2`. Mind the flip `G[t - k]` in the
definition.
""", "fms-written-3a_mask"),
        written("fms-written-3a_mask", """
**Answer.** With the flip in the definition, `(I * G)[t] = G[-1] I[t+1] + G[0] I[t] + G[1] I[t-1]`,
so the mask is `G[-1] = 1/2`, `G[0] = 0`, `G[1] = -1/2` (zero elsewhere). Written in index order
`(G[-1], G[0], G[1]) = (1/2, 0, -1/2)`; read left to right as a sliding window (no flip) the
weights are `(-1/2, 0, 1/2)`.
"""),
        md("""
## (b) Strided convolution of a colour image

`conv2d_forward(I, G, s)` computes `R[f, x, y] = sum_{c,a,b} I[c, x s + a, y s + b] G[f, c, a, b]`.
The cell compares it with a direct loop and shows the output size formula
`floor(1 + (W - w)/s) x floor(1 + (H - h)/s)`.
"""),
        code("""
rng = np.random.default_rng(0)
I = rng.standard_normal((3, 9, 7))
G = rng.standard_normal((2, 3, 3, 2))
for s in (1, 2, 3):
    R = conv.conv2d_forward(I, G, s)
    loop = np.zeros_like(R)
    for f in range(G.shape[0]):
        for x in range(R.shape[1]):
            for y in range(R.shape[2]):
                loop[f, x, y] = np.sum(I[:, x * s:x * s + 3, y * s:y * s + 2] * G[f])
    print(f"stride {s}: output {R.shape}, max difference to the loop {np.abs(R - loop).max():.2e}")
"""),
        graded("fms.public.conv2d", " of conv2d_forward / conv2d_backward (conv.py)"),
        graded("fms.conv2d_forward", " (conv2d_forward)"),
        ask("""
**Question (b).** Write pseudocode that convolves a colour image `I` (channels of size `W x H`) with a set
of `F` masks `G` (channels of size `w x h`) at stride `s`. Give the output size; you may use `*` for the
element-wise product and a sum over all elements instead of writing the innermost loops.
""", "fms-written-3b_pseudocode"),
        written("fms-written-3b_pseudocode", """
**Answer (pseudocode).** Inputs: image `I` with channels `I_c` of size `W x H`, masks `G^1..G^F`
with channels `G^f_c` of size `w x h`, stride `s`.

```
W' = floor(1 + (W - w) / s);  H' = floor(1 + (H - h) / s)
for f in 1..F:
    for i in 0..W'-1:
        for j in 0..H'-1:
            x = i * s;  y = j * s
            P = I[:, x : x + w, y : y + h]          # the C x w x h patch under the mask
            R[f, i, j] = sum_all( P * G^f )        # * is element-wise, summed over c, a, b
return R                                           # shape F x W' x H'
```
"""),
        md("""
## (c) A vertical-edge mask

A vertical edge: a black region next to a white region, the change running along `x`.
The cell applies `vertical_edge_mask()` to a test picture with a vertical and a horizontal
edge: the response should be large along the vertical edge only.
"""),
        code("""
img = np.zeros((3, 24, 24))
img[:, 12:, :] = 1.0            # white for x >= 12: a vertical edge at x = 12
img[:, :12, 16:] = 0.5          # a weaker horizontal edge in the left half
mask = conv.vertical_edge_mask()
resp = conv.conv2d_forward(img, mask[None], 1)[0]
fig, ax = plt.subplots(1, 3, figsize=(9, 3))
ax[0].imshow(img[0].T, cmap="gray", origin="lower"); ax[0].set_title("image (x right, y up)")
ax[1].imshow(mask[0].T, cmap="coolwarm", origin="lower"); ax[1].set_title("mask, channel 0")
ax[2].imshow(np.abs(resp).T, cmap="magma", origin="lower"); ax[2].set_title("|response|")
for a in ax: a.set_xticks([]); a.set_yticks([])
plt.tight_layout(); plt.show()
print("strongest response at x =", np.unravel_index(np.abs(resp).argmax(), resp.shape)[0])
"""),
        graded("fms.public.vertical_edge_mask", " of vertical_edge_mask (conv.py)"),
        graded("fms.vertical_edge_mask", " (vertical_edge_mask)"),
        ask("""
**Question (c).** Design a mask `G` (all three channels) whose output is large on a vertical edge, where a
black region meets a white one (not on a thin black line between two white regions). Explain why it
responds to such an edge and not to flat regions or horizontal edges.
""", "fms-written-3c_mask"),
        written("fms-written-3c_mask", """
**Answer.** A Sobel-like mask, identical in the three colour channels, that takes the difference
along `x` and smooths along `y`: for each channel
`G_c = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]` (rows indexed by `a`, i.e. along `x`; columns by `b`,
along `y`). On a flat region or a horizontal edge the positive and negative rows cancel; across a
black-to-white vertical edge they add up to a large value (negative for white-to-black, so the
absolute value detects both).
"""),
        md("""
## (d) Gradients through the convolution

`conv2d_backward` returns `dL/dI` and `dL/dG`. They are compared with central differences.
"""),
        code("""
rng = np.random.default_rng(1)
I = rng.standard_normal((2, 7, 6))
G = rng.standard_normal((3, 2, 3, 2))
for s in (1, 2):
    R = conv.conv2d_forward(I, G, s)
    dR = rng.standard_normal(R.shape)
    dI, dG = conv.conv2d_backward(dR, I, G, s)
    num_dI = eval_numerical_gradient_array(lambda x: conv.conv2d_forward(x, G, s), I.copy(), dR)
    num_dG = eval_numerical_gradient_array(lambda g: conv.conv2d_forward(I, g, s), G.copy(), dR)
    print(f"stride {s}: rel. error dI {rel_error(dI, num_dI):.2e}, dG {rel_error(dG, num_dG):.2e}")
"""),
        graded("fms.conv2d_backward_dG", " (dL/dG of conv2d_backward)"),
        graded("fms.conv2d_backward_dI", " (dL/dI of conv2d_backward)"),
        ask("""
**Question (d).** Given the upstream gradient `dL/dR[i, j]` of the convolution output `R = I * G`, write
expressions for `dL/dG_c[x, y]` (a mask weight of channel `c`) and for `dL/dI_c[x, y]` (an input pixel).
Remember that every mask weight is used at every position of the image.
""", "fms-written-3d_expressions"),
        written("fms-written-3d_expressions", """
**Answer.** With `R[i, j] = sum_{c,a,b} I_c[i s + a, j s + b] G_c[a, b]` (stride `s`; `s = 1` in the
handout's formula), every mask weight is used once per output position, so

`dL/dG_c[x, y] = sum_{i, j} dL/dR[i, j] * I_c[i s + x, j s + y]`

(a correlation of the upstream gradient with the input). A pixel receives a contribution from
every output whose window covers it:

`dL/dI_c[x, y] = sum_{i, j : 0 <= x - i s < w, 0 <= y - j s < h} dL/dR[i, j] * G_c[x - i s, y - j s]`,

which for `s = 1` is the "full" convolution of `dL/dR` with the mask (zero outside the ranges).
"""),
        md("""
## (e) Max pooling
"""),
        code("""
I = np.arange(2 * 6 * 6, dtype=float).reshape(2, 6, 6) % 7
R = conv.maxpool2d_forward(I, 2, 2, 2)
print("input channel 0:\\n", I[0]); print("2x2 max pooling, stride 2:\\n", R[0])
"""),
        graded("fms.public.maxpool", " of maxpool2d_forward / maxpool2d_backward (conv.py)"),
        graded("fms.maxpool_forward", " (maxpool2d_forward)"),
        ask("""
**Question (e).** Max pooling with a `w x h` window and stride `s` produces an array `R`. Write an
expression for the element `R[i, j]` and give the ranges of `i` and `j`.
""", "fms-written-3e_expression"),
        written("fms-written-3e_expression", """
**Answer.** `R[i, j] = max_{0 <= a < w, 0 <= b < h} I[i s + a, j s + b]` (for each channel
separately), for `0 <= i < floor(1 + (W - w)/s)` and `0 <= j < floor(1 + (H - h)/s)`.
"""),
        md("""
## (f) Backpropagation through max pooling
"""),
        code("""
rng = np.random.default_rng(2)
I = rng.standard_normal((2, 7, 7))
for (w, h, s) in [(2, 2, 2), (3, 3, 2)]:
    R = conv.maxpool2d_forward(I, w, h, s)
    dR = rng.standard_normal(R.shape)
    dI = conv.maxpool2d_backward(dR, I, w, h, s)
    num = eval_numerical_gradient_array(lambda x: conv.maxpool2d_forward(x, w, h, s), I.copy(), dR)
    print(f"window {w}x{h}, stride {s}: rel. error {rel_error(dI, num):.2e}")
"""),
        graded("fms.maxpool_backward", " (maxpool2d_backward)"),
        ask("""
**Question (f).** How does backpropagation pass gradients through a max-pooling layer? Plain words are
enough; say what happens when windows overlap.
""", "fms-written-3f_backprop_maxpool"),
        written("fms-written-3f_backprop_maxpool", """
**Answer.** Max pooling passes on only the largest value of each window, so locally it is a
selection: the output equals one input pixel (the arg max) and does not change when the other
pixels change a little. In the backward pass we therefore remember (or recompute) where each
window's maximum was, send `dL/dR[i, j]` to that pixel and give the other pixels of the window
zero gradient. When windows overlap, a pixel that is the maximum of several windows adds up their
gradients. (Ties are broken by picking one maximum.)
"""),
    ]
    return cells

# ----------------------------------------------------------------------------------
# part 4: a PyTorch CNN
# ----------------------------------------------------------------------------------
def part4():
    return [
        md("""
# MDS189, part 4: a convolutional network in PyTorch

You write the model, the loss and the evaluation in `cnn.py`; the training loop
(`train.train`), prediction (`train.predict`) and frame loading (`train.load_frames`) are
provided. Frames are resized to 48 x 48 RGB (their aspect ratios differ) and scaled to [0, 1].

**Budget.** `FAST = True` keeps this notebook to a few minutes on a laptop CPU: 150 steps per
key-frame model and 400 steps on every third video frame for the random-frame model of (d), whose
`predictions.csv` (g) is graded; with the reference `Net` that file scores about 0.31 on the hidden
test frames (the grader requires 0.25; measured with the reference, seed 0).
For your reported results set `FAST = False` (1200 steps each, all frames: 10-20 minutes).
The key-frame check does not depend on these settings: the grader trains your `Net` with its own
(see `TRAIN_SETTINGS` in `cnn.py` to choose the optimiser and learning rate it uses).

**Hand in** `predictions.csv` (question (g)) with your code: the last part of this notebook writes
it next to your `cnn.py` (`starter/fms/predictions.csv`), where the grader looks for it (a copy at
the top level of your submission is found too).

Debugging tips: first check that your model can overfit one small batch
(`train.overfit_batch`); the training loss should fall steadily; log the training loss every
N steps and the validation loss every M >> N steps and compare models by their curves.
"""),
        code(SETUP_TORCH + """
from pathlib import Path

import pandas as pd
from solutions.fms import cnn, data, train
from solutions.fms.data import LABELS

data.ensure_data()   # generates the synthetic MDS189 copy on first use (about a minute)

FAST = True
STEPS = 150 if FAST else 1200          # training steps of the key-frame models below
VIDEO_STEPS = 400 if FAST else 1200    # the random-frame model (d), whose predictions.csv is graded
VIDEO_EVERY = 3 if FAST else 1         # keep every k-th video frame
OVERFIT_STEPS = 60
# FMS_FAST=1 (the course's notebook test) and autograding shrink the runs to a smoke test: the grader
# trains your Net with its own settings, so these runs are for you, not graded
SMOKE = os.environ.get("FMS_FAST") == "1" or os.environ.get("NBGRADER_EXECUTION") == "autograde"
if SMOKE:
    STEPS, VIDEO_STEPS, VIDEO_EVERY, OVERFIT_STEPS = 12, 12, 40, 10
train.configure_torch(threads=2)
"""),
        md("## Data: key frames and random video frames"),
        code("""
Xk_train, yk_train, _ = train.load_frames("keyframe_data_train.txt")
Xk_val, yk_val, _ = train.load_frames("keyframe_data_val.txt")
print("key frames:", Xk_train.shape, Xk_val.shape)
key_train = train.as_dataset(np.concatenate([Xk_train, Xk_train[..., ::-1]]), np.concatenate([yk_train, yk_train]))
key_val = train.as_dataset(Xk_val, yk_val)   # mirrored copies above: people are filmed from both sides
fig, ax = plt.subplots(1, 8, figsize=(12, 1.8))
for c, a in enumerate(ax):
    a.imshow(Xk_train[np.flatnonzero(yk_train == c)[0]].transpose(1, 2, 0)); a.set_title(LABELS[c], fontsize=9)
    a.axis("off")
plt.show()
"""),
        md("""
## (a) The model, the loss and a first check

Your `Net` maps `(N, 3, 48, 48)` images to 8 scores. Before training for real, check that it can
overfit a single small batch.
"""),
        code("""
train.seed_everything(0)
h = train.overfit_batch(cnn.Net(), key_train, batch_size=16, num_steps=OVERFIT_STEPS, lr=3e-3,
                        loss_fn=cnn.loss_function)
print("overfitting 16 frames: loss %.3f -> %.3f, accuracy on them %.2f"
      % (h["train_loss"][0], h["train_loss"][-1], h["val_acc"][-1]))
"""),
        md("The loss must be the mean softmax cross-entropy of the scores (no softmax inside `Net`)."),
        graded("fms.cnn_loss", " (loss_function)"),
        md("""
### Experiments with a few architectures

Each candidate is trained with the same budget and compared on the validation key frames.
Keep every architecture you try (here: a dictionary of constructors) so you can rerun any of them.
"""),
        solution("""
import torch.nn as nn

def small_plain():
    \"\"\"Two conv layers, no batch norm, a linear head.\"\"\"
    return nn.Sequential(nn.Conv2d(3, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(4),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4),
                         nn.Flatten(), nn.Linear(16 * 3 * 3, 8))

### BEGIN SOLUTION
ARCHITECTURES = {
    "Net (4 conv blocks + BN)": cnn.Net,
    "small, no batch norm": small_plain,
}
### END SOLUTION
results = {}
for name, make in ARCHITECTURES.items():
    train.seed_everything(0)
    model = make()
    hist = train.train(model, key_train, key_val, loss_fn=cnn.loss_function, lr=2e-3, batch_size=32,
                       num_steps=STEPS, log_every=10, val_every=max(1, STEPS // 6), lr_decay=0.7,
                       progress=False)
    results[name] = (model, hist)
    print(f"{name:28s} params {cnn.count_parameters(model):7d}  val acc {hist['val_acc'][-1]:.3f}  "
          f"({hist['seconds']:.0f} s)")
""", "fms_4a_experiments"),
        md("The grader checks that your `Net` learns: it trains it with the provided loop for 80 Adam steps "
           "(learning rate 2e-3, or the optimiser settings you put in `TRAIN_SETTINGS` in `cnn.py`) on 32 "
           "training key frames, four of each movement, every channel standardised with their mean and "
           "standard deviation, and requires the trained `Net` to fit them: accuracy at least 0.5 and mean "
           "cross-entropy at most 1.0 on those frames (the reference reaches 1.0 and under 0.001, the same "
           "network without batch norm 0.94-1.0 and 0.03-0.13). It takes a few seconds. How well your `Net` does on new "
           "people is graded from your `predictions.csv` in (g)."),
        graded("fms.cnn_keyframe_accuracy", " (your Net, trained by the grader)"),
        ask("""
**Question (a).** Describe the architectures you tried for the key-frame classifier (layers, sizes,
normalisation, augmentation, training settings) and what you found: which worked best, and why do you
think it did?
""", "fms-written-4a_architectures"),
        written("fms-written-4a_architectures", """
**Answer (reference run).** I compared a plain two-layer CNN (5x5 and 3x3 convolutions, large
pooling, a linear classifier) with `Net`: four blocks of 3x3 convolution, batch norm, ReLU and 2x2
max pooling (8-16-32-32 channels), adaptive average pooling to 4x4 and a 128-unit hidden layer with
dropout. With the same number of steps `Net` learns faster and generalises better: batch norm lets
Adam use a larger learning rate, and the deeper stack sees the whole body in its last layers,
while the plain net underfits. Mirrored copies of the training frames (people are filmed from
either side) help both. With the full budget (`FAST = False`) `Net` reaches
0.40-0.53 (mean 0.46 over five seeds) on the validation key frames, whose subjects are new people filmed from new
angles; the short `FAST` run above stays lower.
"""),
        md("## (b) Loss curves of the best model"),
        code("""
best_name = max(results, key=lambda n: results[n][1]["val_acc"][-1])
key_model, key_hist = results[best_name]
plt.figure(figsize=(6, 3.5))
plt.plot(key_hist["step"], key_hist["train_loss"], label="training loss (mean over 10 steps)")
plt.plot(key_hist["val_step"], key_hist["val_loss"], "o-", label="validation loss")
plt.xlabel("step"); plt.ylabel("cross-entropy"); plt.title(f"key frames: {best_name}")
plt.legend(); plt.tight_layout(); plt.show()
"""),
        ask("""
**Question (b).** For your best model, show the training and validation loss against the number of
steps (the plot above) and say what the two curves tell you.
""", "fms-written-4b_loss_curves"),
        written("fms-written-4b_loss_curves", """
**Answer.** The training loss falls steadily over the run. The validation loss falls with it at
first and then flattens, well above the training loss: the model starts to fit details of the
training subjects that do not carry over to new people. A longer run needs more augmentation or
regularisation (or early stopping at the lowest validation loss).
"""),
        md("## (c) The architecture and its parameter count"),
        code("""
net = cnn.Net()
print(net)
n_cnn = cnn.count_parameters(net)
n_fc = cnn.fc_equivalent_parameters(net, (3, 48, 48))
print(f"CNN: {n_cnn:,} parameters; with every convolution replaced by a fully-connected layer: {n_fc:,} "
      f"({n_fc / n_cnn:,.0f} times more)")
for name, module, i, o in cnn.layer_shapes(net, (3, 48, 48)):
    if isinstance(module, torch.nn.Conv2d):
        print(f"  {name:16s} {str(i):14s} -> {str(o):14s}")
"""),
        graded("fms.cnn_count_parameters", " (count_parameters)"),
        graded("fms.cnn_fc_equivalent_parameters", " (fc_equivalent_parameters)"),
        ask("""
**Question (c).** Draw (or write out layer by layer, with the tensor sizes) the architecture of your best
CNN. How many parameters does it have, and how many would a comparable network have in which every
convolution is replaced by a fully-connected layer with the same input and output sizes?
""", "fms-written-4c_architecture_params"),
        written("fms-written-4c_architecture_params", """
**Answer.** Architecture: input 3x48x48 -> [conv 3x3 (8) -> BN -> ReLU -> maxpool 2] -> 8x24x24 ->
[conv 3x3 (16) -> BN -> ReLU -> pool] -> 16x12x12 -> [conv 3x3 (32) -> BN -> ReLU -> pool] -> 32x6x6
-> [conv 3x3 (32) -> BN -> ReLU -> pool] -> 32x3x3 -> adaptive average pool 32x4x4 -> flatten (512)
-> dropout -> linear 128 -> ReLU -> linear 8.

(The convolutions are padded, so they keep the size; each pooling halves it.)

It has 82,152 parameters, 65,664 of them in the first fully-connected layer; the four
convolutions have only 15,280. Replacing each convolution by a fully-connected layer with the same
input and output sizes gives about 182 million parameters (over 2,000 times more): the first
convolution alone becomes a 6,912 x 18,432 matrix (127 million weights). A convolution shares one
small mask over all positions, so its size does not depend on the image size, while its
fully-connected counterpart grows with the product of the input and output sizes.
"""),
        md("## (d) Random video frames"),
        code("""
Xv_train, yv_train, _ = train.load_frames("videoframe_data_train.txt", every=VIDEO_EVERY)
Xv_val, yv_val, _ = train.load_frames("videoframe_data_val.txt", every=VIDEO_EVERY)
print("video frames:", Xv_train.shape, Xv_val.shape)
vid_train = train.as_dataset(np.concatenate([Xv_train, Xv_train[..., ::-1]]), np.concatenate([yv_train, yv_train]))
vid_val = train.as_dataset(Xv_val, yv_val)
train.seed_everything(0)
vid_model = ARCHITECTURES[best_name]()
vid_hist = train.train(vid_model, vid_train, vid_val, loss_fn=cnn.loss_function, lr=2e-3, batch_size=32,
                       num_steps=VIDEO_STEPS, log_every=10, val_every=max(1, VIDEO_STEPS // 6), lr_decay=0.7,
                       progress=False)
print(f"random-frame model: validation accuracy {vid_hist['val_acc'][-1]:.3f} ({vid_hist['seconds']:.0f} s)")
"""),
        md("## (e) Per-movement accuracy of the two models"),
        code("""
key_pred = train.predict(key_model, key_val)
vid_pred = train.predict(vid_model, vid_val)
rows = {}
for name, y, p in [("key frame CNN", yk_val, key_pred), ("random frame CNN", yv_val, vid_pred)]:
    s = cnn.accuracy_summary(y, p)
    rows[name] = dict(zip(LABELS, s["per_class"]), overall=s["overall"])
table = pd.DataFrame(rows).T
table.round(3)
"""),
        graded("fms.cnn_per_class_accuracy", " (per_class_accuracy)"),
        ask("""
**Question (e).** Compare the key-frame CNN and the random-frame CNN (same architecture) with a two-row
table of per-movement accuracies and their overall accuracies (the table above). Which movements does
each get right, and why do the two differ?
""", "fms-written-4e_table"),
        written("fms-written-4e_table", """
**Answer.** See the table (reference numbers with the full budget are in the dataset card). Per
frame, random frames are harder: many show the neutral start and end poses, which several
movements share (standing for lunge, inline lunge, stretch, reach and squat; lying on the back for
deadbug and hamstrings), so one random frame often cannot tell the movement apart, while a key
frame shows the movement's peak. On the other hand there are ten times more random frames than key
frames, so with a short training budget the random-frame model can score as well or better on its
own validation frames; the movements it gets right are those whose every frame is distinctive
(pushup, stretch, the lying movements).
"""),
        md("## (f) Confusion matrices and errors"),
        code("""
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
for ax, (name, y, p) in zip(axes, [("key frame CNN", yk_val, key_pred), ("random frame CNN", yv_val, vid_pred)]):
    cm = cnn.confusion_matrix(y, p, normalize=True)
    im = ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(8), LABELS, rotation=60, fontsize=8); ax.set_yticks(range(8), LABELS, fontsize=8)
    ax.set_xlabel("predicted"); ax.set_ylabel("true"); ax.set_title(name)
    for i in range(8):
        for j in range(8):
            ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if cm[i, j] > 0.5 else "black")
fig.colorbar(im, ax=axes, shrink=0.8); plt.show()
"""),
        graded("fms.cnn_confusion_matrix", " (confusion_matrix)"),
        code("""
wrong = np.flatnonzero(key_pred != yk_val)[:12]
fig, ax = plt.subplots(2, 6, figsize=(12, 4.4))
for a, i in zip(ax.ravel(), wrong):
    a.imshow(Xk_val[i].transpose(1, 2, 0)); a.axis("off")
    a.set_title(f"true {LABELS[yk_val[i]]}\\npred {LABELS[key_pred[i]]}", fontsize=8)
for a in ax.ravel()[len(wrong):]:
    a.axis("off")
plt.suptitle("misclassified validation key frames (key frame CNN)"); plt.tight_layout(); plt.show()
"""),
        ask("""
**Question (f).** What do the two confusion matrices show? Then look at the frames one of the models
gets wrong (say which model): what do its errors have in common?
""", "fms-written-4f_confusion_errors"),
        written("fms-written-4f_confusion_errors", """
**Answer.** Key-frame model: most mass is on the diagonal; the errors are between movements that
look alike at their peak and from the side: lunge and inline lunge, reach and squat (a deep bend),
and the lying movements deadbug and hamstrings (both on the back with a raised leg); pushup is
rarely confused because the body is horizontal and face down. The random-frame model spreads much
more mass off the diagonal, mostly within the standing group and within the lying group, because
neutral frames of those movements are nearly identical. Looking at the misclassified key frames
(key frame model): many are small people seen from steep angles, mirrored videos or frames where
the limbs overlap, and some have dark clothes on a dark background; the mistakes are usually a
plausible movement with the same body orientation.
"""),
        md("""
## (g) Predictions for the test frames (Kaggle-style file)

Train your best random-frame model (improve it as you like), predict every frame in
`test_kaggle_frames/` and write `predictions.csv` (header `Id,Category`, one line per frame).
The test frames come with the homework (`data/mds189/test_kaggle_frames/`): they show other
people than the training and validation data, the data generator does not make them, and
their labels stay with the grader.

**Hand in `predictions.csv` with your code.** The cell below writes it next to your `cnn.py`,
i.e. `starter/fms/predictions.csv`, so it travels with your submission; the grader scores that
file against the hidden test labels (it also finds a copy at the top level of your submission).
While your instructor autogrades, the cell leaves the file you handed in as it is.
"""),
        code("""
# where the grader looks for it: next to your cnn.py in starter/fms/ (FMS_PREDICTIONS: somewhere else);
# a cnn.py outside a `starter` package (the course's reference copy) writes to a temporary folder instead
import tempfile
pred_path = Path(cnn.__file__).with_name("predictions.csv")
if Path(cnn.__file__).parent.parent.name != "starter":
    pred_path = Path(tempfile.mkdtemp(prefix="fms-")) / "predictions.csv"
pred_path = Path(os.environ.get("FMS_PREDICTIONS") or pred_path)
if os.environ.get("NBGRADER_EXECUTION") == "autograde":
    print(f"autograding: your handed-in {pred_path.name} is graded as it is (not rewritten)")
else:
    X_test, _, test_ids = train.load_frames("videoframe_data_test.txt")
    cnn.write_predictions(vid_model, X_test, pred_path, ids=test_ids)
    print(pred_path.read_text()[:80])
    print(f"wrote {len(test_ids)} predictions to {pred_path}")
"""),
        graded("fms.cnn_test_predictions",
               comment="# Graded by your instructor: the predictions.csv you hand in, against the hidden test labels."),
        ask("""
**Question (g).** How did you build the model behind your `predictions.csv`: what did you change from
part (d) (architecture, training, augmentation), and what would you try next?
""", "fms-written-4g_kaggle"),
        written("fms-written-4g_kaggle", """
**Answer.** For the submitted file I trained the random-frame `Net` on the video frames (plus
mirrored copies) for 800 steps with a learning rate halved twice; the grader reports its test
accuracy (see the dataset card for the reference's). Further gains would come from more
augmentation (crops, colour changes), a longer schedule and from using several frames of a video
instead of one.
"""),
    ]


NOTEBOOKS = {
    "fms_part1_visualization.ipynb": part1,
    "fms_part2_fc.ipynb": part2,
    "fms_part3_conv.ipynb": part3,
    "fms_part4_cnn.ipynb": part4,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name](), metadata={"kernelspec": KERNEL,
                                                         "language_info": {"name": "python"}})
    stem = name.split("_")[1]  # part1 ...
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating gives the same file
        cell["id"] = f"{stem}-{i:03d}"
    return nb


def execute(nb, timeout: int = 600, cwd: Path | None = None):
    """Run every cell except the graded test cells (they grade ``starter/fms``, not the reference).

    Outputs are written into ``nb`` in place; ``cwd`` is the kernel's working folder.
    """
    from nbclient import NotebookClient

    run = nbformat.from_dict(nb)
    run.cells = [c for c in run.cells if not is_graded_test(c)]
    client = NotebookClient(run, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or REPO)}})
    client.execute()
    done = {c["id"]: c for c in run.cells}
    for cell in nb.cells:
        if cell["id"] in done and cell.cell_type == "code":
            cell.outputs = done[cell["id"]].outputs
            cell.execution_count = done[cell["id"]].execution_count
            cell.metadata = done[cell["id"]].metadata
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("only", nargs="*", help="substrings of notebook names to build")
    ap.add_argument("--no-run", action="store_true", help="write without executing")
    a = ap.parse_args(argv)
    import os
    import tempfile

    # the master's cnn is solutions/fms/cnn.py: keep predictions.csv out of the reference folder
    os.environ.setdefault(PREDICTIONS_ENV, os.path.join(tempfile.mkdtemp(), "predictions.csv"))
    for name in NOTEBOOKS:
        if a.only and not any(o in name for o in a.only):
            continue
        nb = build(name)
        if not a.no_run:
            t0 = time.perf_counter()
            execute(nb)
            print(f"{name}: executed in {time.perf_counter() - t0:.1f} s")
        for cell in nb.cells:  # stable files: drop per-run ids and timing metadata
            cell.metadata.pop("execution", None)
        nbformat.write(nb, str(HERE / name))
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
