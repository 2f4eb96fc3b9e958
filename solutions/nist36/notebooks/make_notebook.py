"""Generate (and execute) the master notebook of homework nist36.

    python solutions/nist36/notebooks/make_notebook.py            # write + execute (fast mode)
    python solutions/nist36/notebooks/make_notebook.py --full     # execute with the default schedules
    python solutions/nist36/notebooks/make_notebook.py --no-run   # write only
    python solutions/nist36/notebooks/make_notebook.py --full --keep /tmp/hw   # ... and keep the hand-in
    python solutions/nist36/notebooks/make_notebook.py --sync-text  # refresh only the text cells

The notebook is built with nbformat from the cells below and executed with nbclient in
a working folder whose ``starter/nist36/`` is the reference (graded cells grade that
folder). Written questions are a prompt cell (kept for students, with the points)
above an nbgrader answer cell. ``NIST36_FAST=1`` makes every training run short (a
subset, a few epochs) so CI can execute the notebook top to bottom in a few minutes;
without it the notebook runs the default schedules, which reach every threshold.
``course build`` derives the student notebook (``solutions.`` becomes ``starter.``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.build import cells as cells_kit
from autograder.build.cells import NotebookKit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NOTEBOOK = HERE / "nist36.ipynb"
HW = "nist36"
FAST_ENV = "NIST36_FAST"
WEIGHTS_ENV = "NIST36_WEIGHTS_DIR"


kit = NotebookKit(HW, generator=__file__)
md, code, written, ask = kit.md, kit.code, kit.written, kit.ask


def graded(check_id: str):
    """A graded test cell (points and visibility: the suite's; extra credit 0 in nbgrader)."""
    return kit.graded(check_id, comment=None if kit.check(check_id).hidden else "# Public check: run it to test your code.")


def theory(q: str, question: str, answer: str, check_id: str):
    points_auto = kit.check(check_id).points
    return [ask(question, f"nist36-written-{q}"), written(f"nist36-written-{q}", answer),
            md(f"The code part of this question is a function of `theory.py` ({points_auto:g} "
               f"point{'s' if points_auto != 1 else ''}, hidden check)."),
            graded(check_id)]


def cells():
    out = [
        md("""
# Homework 5: neural networks for recognition (NIST36)

You will write a fully-connected network in numpy one layer at a time, train it to
recognise handwritten capitals and digits (36 classes), use it to read photographed
pages, train an autoencoder with momentum, and redo the classifiers in PyTorch.

Your code goes into the `nist36` package (the functions that raise `NotImplementedError`):

| file | what you write |
|---|---|
| `theory.py` | the code-checkable parts of section 1 |
| `nn.py` | `initialize_weights`, `sigmoid`, `forward`, `softmax`, `compute_loss_and_acc`, `backwards`, `get_random_batches` |
| `run_q2.py` | `train_step`, `numerical_gradients` |
| `run_q3.py` | the epoch loop of `train_nist36`, `confusion_matrix`, your schedule in `tuned_schedule` |
| `q4.py`, `run_q4.py` | `findLetters`; `group_rows`, `crop_letter`, `read_page` |
| `run_q5.py` | `reconstruct`, `autoencoder_step`, `average_psnr` |
| `run_q6.py` | `FCNet`, `ConvNet`, `train_torch` |

**Data.** `load_data(split)` returns `x` of shape `(N, 1024)` (one 32x32 image per row,
stored *transposed*: `x[i].reshape(32, 32).T` is upright; 1 = paper, 0 = ink) and
one-hot labels `y` of shape `(N, 36)`, classes `A`-`Z` then `0`-`9`. Without the
original files, a synthetic set in the same format is generated on first use
(handwriting-like glyphs from single-stroke fonts with per-writer style:
10,800 / 3,600 / 1,800 images; see `datasets/nist36/CARD.md`).

**Hand in** your code, this notebook, and the two weight files the notebook saves next
to your code: `q3_weights.npz` (section 3) and `q5_weights.npz` (section 5).

**Timing** (CPU time of the notebook's kernel, one BLAS thread: `OMP_NUM_THREADS=1`). The long
runs are your Q3.1 training, the two Q3.2 runs with the same number of epochs, the 100-epoch
autoencoder of section 5 and the PyTorch runs of section 6. Measured with the reference code on a
two-core AMD EPYC virtual machine (2026-12-07): Q3.1's training about 0.4 s of CPU time per epoch,
the two Q3.2 runs twice that of Q3.1 together, the autoencoder 43 s, the three PyTorch trainings
11 s, 14 s and 17 s (the graded cells' checks run in processes of their own, on top). Wall time
depends on what else runs: that run took 16 minutes of wall time at a load average of 8-12 from
other work on the machine. With two or more BLAS threads on a busy machine the same work can cost
several times the CPU time (threads that wait for each other still count), so budget minutes, not
seconds. **While debugging** set the environment variable `NIST36_FAST=1` before starting Jupyter:
every run is then a few epochs on a subset (a couple of minutes for the whole notebook) and the
thresholds are not reached; run the full schedules once at the end.
"""),
        code("""
%matplotlib inline
import os
import time
from pathlib import Path

import numpy as np
import matplotlib.pyplot as plt

from solutions.nist36 import nn, run_q2, run_q3, run_q4, run_q5, run_q6, theory
from solutions.nist36.q4 import findLetters
from solutions.nist36.util import LETTERS, as_images, image_grid, load_data, plot_history, plot_weight_grid

# NIST36_FAST=1 (a dry run, the course's notebook test) and nbgrader's autograding shrink every run:
# the grader trains with its own settings and reads the weight files you handed in, which an
# autograding run must not overwrite
AUTOGRADE = os.environ.get("NBGRADER_EXECUTION") == "autograde"
FAST = os.environ.get("NIST36_FAST", "") not in ("", "0") or AUTOGRADE
# where the weight files go: next to your code unless NIST36_WEIGHTS_DIR says otherwise
WEIGHTS_DIR = Path(os.environ.get("NIST36_WEIGHTS_DIR") or Path(nn.__file__).parent)
np.set_printoptions(precision=4, suppress=True)

train_x, train_y = load_data("train")
valid_x, valid_y = load_data("valid")
test_x, test_y = load_data("test")
if FAST:  # a quick dry run (autograding: on fewer images still, only to show every output)
    n_fast = 600 if AUTOGRADE else 1800
    train_x, train_y = train_x[:n_fast], train_y[:n_fast]
print("train", train_x.shape, "valid", valid_x.shape, "test", test_x.shape, "fast mode" if FAST else "")
plt.figure(figsize=(10, 2))
plt.imshow(image_grid(as_images(train_x[:36]), ncols=18), cmap="gray")
plt.title(" ".join(LETTERS[i] for i in train_y[:36].argmax(axis=1)), fontsize=8)
plt.axis("off")
plt.show()
"""),
        md("## 1. Theory"),
    ]
    out += theory("q1_1", r"""
**Q1.1** Show that softmax is invariant to translation: $\mathrm{softmax}(x + c) = \mathrm{softmax}(x)$ for
every real $c$. Why is $c = -\max_i x_i$ a good choice in practice? (Think about the range of the
numerator's values with $c = 0$ and with $c = -\max_i x_i$.) In `theory.py`, `softmax_shifted(x, c)`
computes the softmax of $x + c$ from the definition.
""", r"""
**Q1.1** $\frac{e^{x_i + c}}{\sum_j e^{x_j + c}} = \frac{e^c e^{x_i}}{e^c \sum_j e^{x_j}} = \frac{e^{x_i}}{\sum_j e^{x_j}}$:
the common factor $e^c$ cancels. With $c = -\max x$ every exponent is $\le 0$, so every numerator lies
in $(0, 1]$ and the largest is exactly 1: no overflow for large scores, and the denominator is at least 1
(no division by an underflowed 0).
""", "nist36.q1_1_softmax_shift")
    out += theory("q1_2", r"""
**Q1.2** Write softmax in three steps: $s_i = e^{x_i}$, $S = \sum_i s_i$, $\mathrm{softmax}(x)_i = s_i / S$.
What range can each entry take and what do all entries sum to? Complete: "softmax turns an arbitrary
real vector into a ___". What does each of the three steps do? (`softmax_steps(x)` returns the values of
the three steps for a vector `x`; the range and the sum are your written answer.)
""", r"""
**Q1.2** Each entry lies in $(0, 1)$ and the entries sum to 1: softmax turns an arbitrary real vector
into a *probability distribution*. Step 1 makes every score positive (and monotone in the score),
step 2 computes the normaliser, step 3 divides so the entries sum to one.
""", "nist36.q1_2_softmax_steps")
    out += theory("q1_3", r"""
**Q1.3** Show that a multi-layer network without non-linear activations is equivalent to a linear
(affine) model. `collapse_linear(W1, b1, W2, b2)` returns the single layer $(W, b)$.
""", r"""
**Q1.3** $h_2 = W_2 (W_1 x + b_1) + b_2 = (W_2 W_1) x + (W_2 b_1 + b_2) = W x + b$, and by induction any
depth collapses to one affine map, i.e. linear regression.
""", "nist36.q1_3_collapse_linear")
    out += theory("q1_4", r"""
**Q1.4** Derive the derivative of $\sigma(x) = 1 / (1 + e^{-x})$ and write it as a function of $\sigma(x)$
only. (`sigmoid_grad_from_output(s)` implements it.)
""", r"""
**Q1.4** $\sigma'(x) = \frac{e^{-x}}{(1 + e^{-x})^2} = \frac{1}{1 + e^{-x}} \cdot \frac{e^{-x}}{1 + e^{-x}}
= \sigma(x)\,(1 - \sigma(x))$.
""", "nist36.q1_4_sigmoid_grad")
    out += theory("q1_5", r"""
**Q1.5** For $y = W x + b$ ($W \in \mathbb{R}^{k \times d}$, $x \in \mathbb{R}^d$, $b, y \in \mathbb{R}^k$) and
$\delta = \partial J / \partial y$, derive $\partial J / \partial W$, $\partial J / \partial x$ and
$\partial J / \partial b$ with scalar derivatives first, then in matrix form.
(`linear_layer_grads(W, x, b, delta)` returns the three.)
""", r"""
**Q1.5** $y_i = \sum_j W_{ij} x_j + b_i$. Then $\partial J / \partial W_{ij} = \delta_i x_j$, so
$\partial J / \partial W = \delta x^T$ ($k \times d$); $\partial J / \partial x_j = \sum_i \delta_i W_{ij}$, so
$\partial J / \partial x = W^T \delta$; $\partial J / \partial b_i = \delta_i$, so $\partial J / \partial b = \delta$.
""", "nist36.q1_5_linear_grads")
    out += theory("q1_6", r"""
**Q1.6** (1) Why can the sigmoid cause vanishing gradients in deep networks (plot its derivative)?
(2) What are the output ranges of the sigmoid and of $\tanh$, and why might we prefer $\tanh$?
(3) Why does $\tanh$ suffer less from vanishing gradients ($\tanh'(x) = 1 - \tanh^2(x)$)?
(4) Write $\tanh(x)$ through $\sigma$. (In code: `sigmoid_and_tanh_slopes(x)` returns both
derivatives at the points `x`, for (3), and `tanh_from_sigmoid(x)` computes (4); (1) and (2) are
written.)
""", r"""
**Q1.6** (1) $\sigma'(x) \le 1/4$ and tends to 0 for large $|x|$: backprop multiplies one such factor
per layer, so gradients shrink geometrically with depth. (2) $\sigma \in (0, 1)$, $\tanh \in (-1, 1)$;
tanh is zero-centred, so the next layer's inputs have both signs and updates are not all of one sign.
(3) $\tanh'(0) = 1$, four times the sigmoid's largest slope, so the product over layers shrinks much
more slowly. (4) $\tanh(x) = 2\sigma(2x) - 1$.
""", "nist36.q1_6_tanh")
    out += [
        md("""
## 2. A fully-connected network in numpy

### Q2.1 Initialisation
"""),
        ask("""
**Q2.1.1** Why is it a bad idea to initialise a network with all zeros? What can a zero-initialised
network output after training?
""", "nist36-written-q2_1_1"),
        written("nist36-written-q2_1_1", """
**Q2.1.1** All units of a layer then compute the same thing and receive the same gradient, so they
stay identical forever (the symmetry is never broken); with sigmoid layers the zero weights of the
later layers also send zero gradient to the earlier ones. The trained network is no better than one
unit per layer: it outputs (close to) the same prediction, e.g. the class prior, for every input.
"""),
        md("**Q2.1.2** Implement `initialize_weights` (Xavier uniform, `b` a 1-D zero vector) in `nn.py`."),
        graded("nist36.public.initialize_weights"),
        graded("nist36.initialize_weights"),
        ask("""
**Q2.1.3** Why do we initialise with random numbers? Why scale the initialisation with the layer
sizes?
""", "nist36-written-q2_1_3"),
        written("nist36-written-q2_1_3", """
**Q2.1.3** Randomness breaks the symmetry between units. The scale keeps the variance of the
activations (forward) and of the gradients (backward) roughly constant from layer to layer, so
signals neither explode nor vanish and the sigmoid is not saturated at the start.
"""),
        md("""
### Q2.2 Forward pass, softmax, loss

Implement `sigmoid` and `forward` (Q2.2.1), `softmax` (Q2.2.2, subtract each row's maximum) and
`compute_loss_and_acc` (Q2.2.3: the *total* cross-entropy over the batch, and the accuracy).
"""),
        graded("nist36.public.forward_softmax"),
        graded("nist36.sigmoid"),
        graded("nist36.forward"),
        graded("nist36.softmax"),
        graded("nist36.public.loss_and_acc"),
        graded("nist36.compute_loss_and_acc"),
        md("""
### Q2.3 Backpropagation

Implement `backwards`: through the activation first (its derivative is a function of
`post_act`), then `grad_W`, `grad_b` (sums over the batch) and the returned `grad_X`.
"""),
        graded("nist36.public.backwards_gradcheck"),
        graded("nist36.backwards"),
        md("""
### Q2.4 Batches and the training loop

Implement `get_random_batches` (`nn.py`), `train_step` (`run_q2.py`) and the epoch loop of
`train_nist36` (`run_q3.py`).
"""),
        graded("nist36.get_random_batches"),
        graded("nist36.train_step"),
        md("""
### Q2.5 Numerical gradient checker

Implement `numerical_gradients(params, loss_fn, eps)` (central differences, every scalar of
every parameter) and compare it with your backprop:
"""),
        code("""
errors = run_q2.gradient_check()
assert max(errors.values()) < 1e-6, "backprop and central differences disagree"
"""),
        graded("nist36.public.numerical_gradients"),
        graded("nist36.numerical_gradients"),
        md(f"""
## 3. Training on NIST36

### Q3.1 Train the network

The handout fixes one hidden layer of 64 sigmoid units and at least 50 epochs; the batch size
and the learning rate are yours to tune. **Search space:** batch sizes from 16 to 128; learning
rates from 1e-4 to 1e-1 on the *summed* loss of a batch (what `train_step` differentiates),
first one per power of ten, then a few between the best two; 50 to 150 epochs (more epochs help
while the validation accuracy still climbs). Compare settings on the validation set, never on
the test set. Put the schedule you pick in `tuned_schedule()` (`run_q3.py`): the cell below
trains with it and saves the weights.

**The bar:** the grader reads the `q3_weights.npz` this cell saves next to your code and needs
75% validation accuracy from it (2 of Q3.1's points also come from a short training run the
grader does with its own settings). A well-tuned schedule ends around 0.80-0.83 on validation.

**Time:** one epoch on the 10,800 training images costs about 0.4 s of CPU time (one BLAS
thread, the machine above), so 50 epochs about 20 s; on a busy machine with two BLAS threads the
same training has cost seven times that. **While debugging**, start Jupyter
with `NIST36_FAST=1` (5 epochs on 1,800 images: a few seconds; far below the bar) or try a
schedule with 10 epochs first. Once `python -m autograder check nist36` passes, run your full
schedule once and hand in the `q3_weights.npz` that run saves (the fast runs save theirs too:
they are under-trained).
"""),
        code("""
BATCH, LR, EPOCHS = run_q3.tuned_schedule()  # your Q3.1 choice (run_q3.py)
if FAST:
    EPOCHS = 2 if AUTOGRADE else 5
start, cpu = time.time(), time.process_time()
params, hist = run_q3.train_nist36(train_x, train_y, valid_x, valid_y, batch_size=BATCH, learning_rate=LR,
                                   max_iters=EPOCHS, seed=0, verbose=True)
print(f"validation accuracy {hist['valid_acc'][-1]:.3f} after {EPOCHS} epochs "
      f"({time.time() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")
if not AUTOGRADE:
    np.savez(WEIGHTS_DIR / "q3_weights.npz", **{k: params[k] for k in ("Wlayer1", "blayer1", "Woutput", "boutput")})
plot_history(hist, f"lr {LR}")
plt.show()
"""),
        graded("nist36.train_short"),
        graded("nist36.trained_weights"),
        md("""
### Q3.2 Learning rates

The same training with ten times and with a tenth of your learning rate, each for **the same
number of epochs** as your tuned run (equal budgets, so a slow rate is not judged on a shorter
run): twice the CPU time of Q3.1 together.
"""),
        code("""
runs = {}
start, cpu = time.time(), time.process_time()
for factor in (10, 0.1):
    _, h = run_q3.train_nist36(train_x, train_y, valid_x, valid_y, batch_size=BATCH, learning_rate=LR * factor,
                               max_iters=EPOCHS, seed=0)
    runs[factor] = h
    print(f"lr {LR * factor:g}: validation accuracy {h['valid_acc'][-1]:.3f} after {EPOCHS} epochs")
    plot_history(h, f"lr {LR * factor:g}")
    plt.show()
print(f"({time.time() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU for both)")
best = params
test_acc = np.mean(run_q3.predict_probs(test_x, best).argmax(1) == test_y.argmax(1))
print(f"test accuracy of the tuned network: {test_acc:.3f}")
"""),
        ask("""
**Q3.2** Include the plots of the three learning rates (the same number of epochs each). How does
the learning rate affect training? Report the test accuracy of your best network.
""", "nist36-written-q3_2"),
        written("nist36-written-q3_2", """
**Q3.2** (Reference run, the same number of epochs each.) Ten times the tuned rate (0.05 on the summed loss)
takes steps that are too large: the loss jumps around, training accuracy stalls low and the
validation accuracy ends far below the tuned run's (0.400). A tenth of it (0.0005) trains
smoothly but slowly: the curves still rise at the last epoch, train and validation close
together, and it ends lower (0.740) for the same budget. The tuned rate is best: 0.821 validation
and 0.776 test accuracy.
"""),
        md("### Q3.3 First-layer weights"),
        code("""
init = run_q3.init_network(seed=0)
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
plot_weight_grid(init["Wlayer1"], axes[0], "at initialisation")
plot_weight_grid(params["Wlayer1"], axes[1], "after training")
plt.show()
"""),
        ask("""
**Q3.3** Show the first-layer weights (64 images of 32x32) right after initialisation and after
training. Compare them: what patterns do you see?
""", "nist36-written-q3_3"),
        written("nist36-written-q3_3", """
**Q3.3** At initialisation the weights are independent uniform noise. After training they are
smooth, spatially structured templates: blobs and stroke-like bars at various positions and
orientations, positive and negative regions side by side (edge / stroke detectors); some look
like fragments of characters.
"""),
        md("### Q3.4 Confusion matrix\n\nImplement `confusion_matrix` in `run_q3.py`."),
        code("""
Cm = run_q3.confusion_matrix(test_y, run_q3.predict_probs(test_x, params))
plt.figure(figsize=(7, 7))
plt.imshow(Cm, cmap="Blues")
plt.xticks(range(36), LETTERS, fontsize=7)
plt.yticks(range(36), LETTERS, fontsize=7)
plt.xlabel("predicted")
plt.ylabel("true")
plt.show()
print("most confused pairs:", [(LETTERS[i], LETTERS[j], int(Cm[i, j] + Cm[j, i]))
                               for i, j in run_q3.most_confused_pairs(Cm, 5)])
"""),
        graded("nist36.confusion_matrix"),
        ask("**Q3.4** Show the test confusion matrix and comment on the most commonly confused pairs.", "nist36-written-q3_4"),
        written("nist36-written-q3_4", """
**Q3.4** The confusions are between characters of similar shape. In the reference run the five most
confused pairs are O/0, I/J, I/L, S/3 and D/0: O and 0 are the same loop; I, J and L are nearly one
vertical bar once written in lowercase (i, j, l) by the writers who mix cases; S/3 and D/0 share
most of their strokes in nearly the same place. A pixel-based network cannot tell such pairs apart
when the writer's style blurs the small difference.
"""),
        md("""
## 4. Reading handwritten pages

The pages are in `images/` next to the data (`coursedata.nist36.page_paths()`): a to-do list,
the alphabet and digits, a haiku and "deep learning" lines, photographed on paper (uneven
light, noise, a slight rotation, JPEG).
"""),
        ask("""
**Q4.1** The simple detector below makes strong assumptions. Name two, and describe (or draw) two
images on which you expect the detection to fail.
""", "nist36-written-q4_1"),
        written("nist36-written-q4_1", """
**Q4.1** (1) Each character is one connected blob separated from its neighbours: joined-up
(cursive) writing or touching letters merge into one box, and characters made of several
strokes that do not touch (i, j, accented letters, a broken stroke) split. (2) Characters have
about the same size and are much larger than noise: small characters, punctuation or large
blots are dropped or detected. Also, text is dark on a fairly uniform light background and lines
are horizontal. Failures: a cursive signature; a page with a dark shadow or ruled lines; a
rotated page where lines cross in the row clustering.
"""),
        md("""
**Q4.2** Implement `findLetters` in `q4.py`. The grader runs it on the four pages and needs 95%
of the characters of each page boxed (IoU >= 0.5) with few spurious boxes (8 of the 10 points),
and `bw` in [0, 1] with white paper and black characters (2 points). These pages are smaller
than the handout's photos (characters about 50 px high): a page your detector misses at its
size is given to it again enlarged 2x and 3x, and the best scale counts.
"""),
        graded("nist36.find_letters"),
        code("""
from PIL import Image
from coursedata.nist36 import page_paths
from matplotlib.patches import Rectangle

pages = {p.stem: np.asarray(Image.open(p).convert("RGB")) for p in page_paths()}
for name, img in pages.items():
    boxes, bw = findLetters(img)
    plt.figure(figsize=(12, 5))
    plt.imshow(bw, cmap="gray")
    for y1, x1, y2, x2 in boxes:
        plt.gca().add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="red", linewidth=1))
    plt.title(f"{name}: {len(boxes)} boxes")
    plt.axis("off")
    plt.show()
"""),
        ask("**Q4.3** Show the boxes found on all four pages (the figures above).", "nist36-written-q4_3"),
        written("nist36-written-q4_3", """
**Q4.3** The figures above: every character of the four pages is boxed, with no box on the paper.
"""),
        md("""
**Q4.4** Implement `group_rows`, `crop_letter` and `read_page` in `run_q4.py` and read the
pages with the network of section 3. The grader reads the four pages with a reference network
trained with the default schedule and requires 80% of all their characters read correctly,
and at least 70% on each page (the handout's "about 80% of each page": one page, the to-do
list, is harder). Like `findLetters`, `read_page` is given each page at its size and, if it
reads too little there, enlarged 2x and 3x (the handout's photos are larger): the best counts.
"""),
        code("""
for name, img in pages.items():
    boxes, lines = run_q4.read_page(img, params)
    print(name)
    print("\\n".join("    " + line for line in lines))
"""),
        graded("nist36.group_rows"),
        graded("nist36.read_page"),
        md("""
## 5. Autoencoder

1024-32-32-32-1024 (ReLU x3, sigmoid), total squared error, momentum 0.9, the handout's
schedule: 100 epochs, batch 36, learning rate 3e-5, x0.9 every 20 epochs (43 s of CPU time in the
run measured above); expected validation PSNR about 16.5 dB (16.47 in that run; the grader
requires 14). The cell saves `q5_weights.npz` next to your code: **hand it in**.

**Section 5 is extra credit** (25 points: Q5.1.1, Q5.1.2 and Q5.3.2 autograded, 15; Q5.2 and Q5.3.1
by hand, 10), like Q6.3 (20, by hand): it adds to your score, never to the maximum. Its graded cells
carry 0 points and what their checks earn is entered as extra credit; the written answers show their
points for the grader to mark, and the course's gradebook counts them as extra credit too.
"""),
        graded("nist36.ae_reconstruct"),  # extra credit: 0 points in nbgrader's maximum
        graded("nist36.ae_step"),
        code("""
start, cpu = time.time(), time.process_time()
ae, losses = run_q5.train_autoencoder(train_x, max_iters=3 if FAST else run_q5.MAX_ITERS, seed=0, verbose=True)
print(f"{time.time() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
if not AUTOGRADE:
    np.savez(WEIGHTS_DIR / "q5_weights.npz", **{k: ae[k] for k in run_q5.PARAM_KEYS})
plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("average squared error per image")
plt.show()
"""),
        graded("nist36.ae_train_short"),
        ask("**Q5.2** Plot the training loss curve (above). What do you observe?", "nist36-written-q5_2"),
        written("nist36-written-q5_2", """
**Q5.2** The loss drops quickly during the first epochs, then decreases slowly and flattens out
(the learning-rate decay and the 32-unit bottleneck limit how well images can be reproduced).
"""),
        code("""
recon = run_q5.reconstruct(valid_x, ae)
classes = [0, 11, 18, 28, 33]  # A, L, S, 2, 7
rows = []
for c in classes:
    idx = np.flatnonzero(valid_y.argmax(1) == c)[:2]
    for i in idx:
        rows += [valid_x[i], recon[i]]
plt.figure(figsize=(8, 4))
plt.imshow(image_grid(as_images(np.array(rows)), ncols=4), cmap="gray")
plt.title("original | reconstruction (two per class)")
plt.axis("off")
plt.show()
"""),
        ask("""
**Q5.3.1** Show two validation images of each of five classes with their reconstructions. What
differs between the reconstructions and the originals?
""", "nist36-written-q5_3_1"),
        written("nist36-written-q5_3_1", """
**Q5.3.1** The reconstructions keep the overall shape and position of the character but are
blurry: thin details, the exact stroke width and the writer's wobbles are lost, and some look
like an average character of the class (the bottleneck keeps only 32 numbers).
"""),
        md("**Q5.3.2** Implement `average_psnr` (per-image PSNR with `skimage.metrics`, then the mean)."),
        code("""
psnr = run_q5.average_psnr(valid_x, recon)
print(f"average validation PSNR: {psnr:.2f} dB")
"""),
        graded("nist36.average_psnr"),
        graded("nist36.ae_weights"),
        md("""
## 6. PyTorch

### Q6.1.1 The FC network

`FCNet` (1024-64-36, sigmoid) trained with `train_torch` (SGD with momentum 0.9, lr 0.015, 30
epochs: Adam tends to saturate the sigmoid units on these inputs). Expect about 0.75-0.78 validation
accuracy (0.766 in the run measured above, 10 s of CPU time).
"""),
        code("""
import torch
torch.set_num_threads(1)
tr_lab, va_lab = train_y.argmax(1), valid_y.argmax(1)
torch.manual_seed(0)  # the starting weights: the same on every run
fc = run_q6.FCNet()
cpu = time.process_time()
h_fc = run_q6.train_torch(fc, train_x.astype(np.float32), tr_lab, 2 if FAST else run_q6.FC_EPOCHS,
                          run_q6.FC_BATCH, run_q6.FC_LR, valid=(valid_x.astype(np.float32), va_lab),
                          optimizer=run_q6.FC_OPT, verbose=not FAST)
print("FC validation accuracy", h_fc["valid_acc"][-1], f"({time.process_time() - cpu:.0f} s CPU)")
plot_history(h_fc, "FCNet (PyTorch)")
plt.show()
"""),
        graded("nist36.torch_fc"),
        md("""
### Q6.1.2 A CNN on NIST36

`ConvNet` (conv8-pool-conv16-pool-fc64, Adam 3e-3, 8 epochs): expect about 0.89 validation
accuracy (in the run measured above 0.670 after one epoch and 0.899 after eight, 15 s of CPU time),
well above the FC nets.
"""),
        code("""
torch.manual_seed(0)
cnn = run_q6.ConvNet()
cpu = time.process_time()
h_cnn = run_q6.train_torch(cnn, run_q6.nist36_images(train_x), tr_lab, 1 if FAST else run_q6.CNN_EPOCHS,
                           run_q6.CNN_BATCH, run_q6.CNN_LR, valid=(run_q6.nist36_images(valid_x), va_lab),
                           verbose=not FAST)
print("CNN validation accuracy", h_cnn["valid_acc"][-1], "vs FC", h_fc["valid_acc"][-1],
      f"({time.process_time() - cpu:.0f} s CPU)")
plot_history(h_cnn, "ConvNet")
plt.show()
"""),
        graded("nist36.torch_cnn"),
        md("""
### Q6.1.3 A CNN on CIFAR-10

The real CIFAR-10 python batches are used when present in `data/cifar10/cifar-10-batches-py/`,
otherwise the project's synthetic 32x32 colour set in the same format (10,000 training and 2,000
test images). `CifarNet`, Adam 3e-3, batch 32, 8 epochs: expect about 0.69-0.79 test accuracy on
the synthetic set (in the run measured above, from seed 0, 0.367 after one epoch and 0.686 after
eight, 17 s of CPU time; runs from other starting weights reached 0.737-0.787). On the real CIFAR-10
this small network reaches roughly 0.6-0.65.
"""),
        code("""
from coursedata.cifar10 import load_cifar10

Xtr, ytr, Xte, yte = load_cifar10()
n = (500 if AUTOGRADE else 2000) if FAST else len(Xtr)
torch.manual_seed(0)
cif = run_q6.CifarNet()
cpu = time.process_time()
h_cif = run_q6.train_torch(cif, run_q6.cifar_images(Xtr[:n]), ytr[:n], 1 if FAST else run_q6.CIFAR_EPOCHS,
                           run_q6.CIFAR_BATCH, run_q6.CIFAR_LR, valid=(run_q6.cifar_images(Xte), yte),
                           verbose=not FAST)
print("CIFAR test accuracy", h_cif["valid_acc"][-1], f"({time.process_time() - cpu:.0f} s CPU)")
plot_history(h_cif, "CifarNet")
plt.show()
"""),
        graded("nist36.torch_cifar"),
        ask("""
**Q6.1.4** Learned features against a bag of words. In homework 1 you classified scenes (a subset
of the SUN database) with a bag of visual words: filter-bank responses at every pixel, a
dictionary of visual words from k-means, spatial-pyramid histograms of the words, and a
nearest-neighbour classifier with histogram intersection. The handout asks for a CNN trained on
those scene images; this course runs offline without them, so compare the two approaches from
numbers you have:

1. State the test accuracy of your homework 1 system (or, without it, say so and use a figure
   from a published bag-of-words result on a scene dataset, named) and the accuracies of your
   CNNs of Q6.1.2 and Q6.1.3, each with the number of classes it chooses from (chance level).
2. For each stage of the bag-of-words pipeline, say what part of a CNN plays its role, and
   what is designed by hand or fitted separately in one but learned end to end in the other.
3. On the same scene images, which would you expect to be more accurate, and how would the
   answer change with ten times fewer training images, or with a CNN pretrained on a large
   dataset? Why?
""", "nist36-written-q6_1_4"),
        written("nist36-written-q6_1_4", """
**Q6.1.4** (Grade on reasoning; the numbers are the student's own.) 1. A homework 1 bag-of-words
system typically gets a little more than half of the test scenes right on 8 classes (chance
1/8); the NIST36 CNN reads about nine characters in ten on 36 classes (chance 1/36) and the
CIFAR-style CNN about three objects in four on 10 classes. These are different tasks, so the
comparison is about the methods, not these numbers side by side. 2. The filter bank is the first
convolution layer (fixed Gaussian/derivative filters against filters learned from the labels);
assigning each pixel to its nearest visual word is a non-linearity after the filters, a hard,
one-hot version of a convolution plus ReLU; the histogram over a region is pooling (the spatial
pyramid is pooling over regions of several sizes); the nearest-neighbour classifier with
histogram intersection is the fully-connected classifier on top. In the bag of words the
dictionary comes from unsupervised k-means and only the last stage sees the labels; the CNN
trains every stage end to end for the task, and stacks several such stages so that later
filters combine earlier ones into parts and objects. 3. With the same few thousand labelled
scenes a small CNN trained from scratch usually beats the bag of words by a clear margin (the
handout's own comparison points that way), because its features are fitted to the classes.
With ten times fewer images the CNN overfits and the bag of words, whose features need no
labels, can be as good or better. A CNN pretrained on a large dataset and fine-tuned (or used
as a fixed feature extractor) does best of all: its general features transfer and only the top
must be learned from the few scene labels.
"""),
        md("""
### Q6.3 (extra credit) Neural networks in the real world, offline

The handout's version takes an ImageNet-pretrained torchvision model, measures its validation
accuracy on one category, then films a real object of that category with some movement,
classifies every frame, and compares. This course runs offline (no downloads, no torchvision),
so here **your `CifarNet` of Q6.1.3 replaces the pretrained model** and **a generated clip replaces
the filmed video**: `coursedata.cifar10.video.handheld_video(label, n_frames=60, seed=0)` renders an
object of one class of the CIFAR-10-style set as if filmed with a handheld camera: it drifts, zooms,
turns, is smeared by motion blur (more when the light is dim and the shutter stays open longer) and
the light and its colour change. It returns the uint8 frames `(60, 32, 32, 3)` and, per frame, the
object's centre, scale, angle, blur length (pixels) and light. (On the real CIFAR-10 the class index
names a real category; the clip still shows the synthetic silhouette of that index.)

The cell below picks one class, measures the network's validation (test-set) accuracy on that
class, classifies every frame of the clip and plots, per frame, the predicted class and the
network's confidence, next to what the camera did (a few seconds).
"""),
        code("""
from coursedata.cifar10 import label_names
from coursedata.cifar10.video import handheld_video

CLASS = 3  # the class to film (index into the class names: 3 is "ring" on the synthetic set)
names = label_names()
pred_te = run_q6.predict(cif, run_q6.cifar_images(Xte))
class_acc = np.mean(pred_te[yte == CLASS] == CLASS)
clip = handheld_video(CLASS, n_frames=20 if AUTOGRADE else 60, seed=0)
frames = clip["frames"]
cif.eval()
with torch.no_grad():
    probs = torch.softmax(cif(torch.as_tensor(run_q6.cifar_images(frames))), dim=1).numpy()
pred_v = probs.argmax(1)
video_acc = np.mean(pred_v == CLASS)
print(f"class {CLASS} ({names[CLASS]}): validation accuracy {class_acc:.3f} on {np.sum(yte == CLASS)} images, "
      f"video accuracy {video_acc:.3f} on {len(frames)} frames")
print("frames predicted as:", {names[c]: int(k) for c, k in zip(*np.unique(pred_v, return_counts=True))})

fig = plt.figure(figsize=(12, 7.5))
show = np.arange(0, len(frames), 5)
for j, i in enumerate(show):
    ax = fig.add_subplot(4, len(show), j + 1)
    ax.imshow(frames[i])
    ax.set_title(f"{i}: {names[pred_v[i]]}", fontsize=7, color="green" if pred_v[i] == CLASS else "red")
    ax.axis("off")
fr = np.arange(len(frames))
ax = fig.add_subplot(4, 1, 2)
ax.plot(fr, probs[:, CLASS], "g-", label=f"p({names[CLASS]})")
ax.plot(fr, probs.max(1), "k:", label="confidence of the prediction")
wrong = pred_v != CLASS
ax.scatter(fr[wrong], probs.max(1)[wrong], c="red", s=12, label="wrong prediction", zorder=3)
ax.axhline(class_acc, color="gray", lw=0.8, ls="--", label="validation accuracy of the class")
ax.set_ylim(0, 1.05)
ax.set_ylabel("probability")
ax.legend(fontsize=7, loc="lower left", ncol=4)
ax = fig.add_subplot(4, 1, 3, sharex=ax)
ax.scatter(fr, pred_v, c=np.where(wrong, "red", "green"), s=12)
ax.set_yticks(range(len(names)))
ax.set_yticklabels(names, fontsize=6)
ax.set_ylabel("predicted class")
ax = fig.add_subplot(4, 1, 4, sharex=ax)
ax.plot(fr, clip["blur"], label="motion blur (px)")
ax.plot(fr, clip["scale"] * 4, label="scale x4")
ax.plot(fr, np.abs(clip["angle"]) / 10, label="|angle| / 10 deg")
ax.plot(fr, clip["light"] * 4, label="light x4")
ax.set_xlabel("frame")
ax.legend(fontsize=7, ncol=4)
plt.tight_layout()
plt.show()
"""),
        ask("""
**Q6.3** Report the network's validation accuracy on the class you picked and its accuracy on the
frames of the clip, with the plot above. Why do they differ? Which frames fail, and what was the
camera doing then? Suggest ways to make the network more robust to such footage (the training data,
the architecture, the use of several frames). *Extra credit.*
""", "nist36-written-q6_3"),
        written("nist36-written-q6_3", """
**Q6.3** In the reference run (seed 0, class 3, "ring") the network classifies 0.860 of the 200
validation images of the class correctly but only 0.050 of the clip's frames (3 of 60: frames 2,
45 and 58, each with p(ring) about 0.4-0.5); it calls most of the other frames a disc, and on
frames 7-13 and 48-55 with a confidence of 0.9 or more. The validation images come from the same
distribution as the training images, so their accuracy says nothing about images from elsewhere.
The clip leaves that distribution: the object grows beyond the largest training objects and drifts
from the centre, it is smeared by motion blur (every training image is sharp), and the light dims
and changes colour. The failures follow the camera: zoomed in (scale about 1.1-1.44, frames 3-23
and 46-59) the thick ring fills the frame and is taken for a disc, confidently so even where
the blur is low, so the size alone breaks it; around the strongest motion blur (frames 24-32, up to
4.7 pixels) the smeared ring is read as a crescent, then a disc, with a confidence of 0.3-0.6; and
where the object is smallest, far from the centre and the light dimmest (frames 33-44) it becomes a
triangle, an ellipse or a square, with a confidence under 0.6. (In an earlier run from other
starting weights the same clip scored 0.550: how a network fails away from its training
distribution varies from run to run far more than its validation accuracy.) Ways to make the
network more robust: train on what the camera does (augmentation with wider scale, shift and
rotation ranges, blur kernels, brightness, contrast and colour jitter, noise), or add frames from
real footage to the training set; give the network more invariance and capacity (more data, global
pooling); and use time: average the class probabilities over neighbouring frames or track the
object instead of trusting one blurred frame.
"""),
    ]
    return out


def build() -> nbformat.NotebookNode:
    return kit.notebook(cells())


def working_folder(dest: Path) -> Path:
    """A student's homework folder with the reference as its ``starter/nist36/``."""
    return cells_kit.working_folder(dest, HW)


def is_graded_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade"))


def execute(nb, timeout: int = 1800, fast: bool = True, graded: bool | None = None, keep: Path | None = None):
    """Run the cells in a temporary working folder (weight files written into its starter/nist36/).

    ``graded`` (default: not ``fast``): also run the graded test cells. In fast mode the
    training runs are too short for the thresholds, so the graded cells are skipped (their
    outputs stay empty), as in the other homeworks' notebook tests. ``keep``: copy the
    working folder there afterwards (the reference code with the weight files the notebook
    saved, i.e. what a student hands in: grade it with ``course grade nist36 KEEP``).
    """
    from nbclient import NotebookClient

    graded = (not fast) if graded is None else graded
    run = nbformat.from_dict(nb)
    if not graded:
        run.cells = [c for c in run.cells if not is_graded_test(c)]

    old = {k: os.environ.get(k) for k in (FAST_ENV, WEIGHTS_ENV)}
    with tempfile.TemporaryDirectory(prefix="nist36-master-") as tmp:
        work = working_folder(Path(tmp))
        os.environ[FAST_ENV] = "1" if fast else ""
        os.environ[WEIGHTS_ENV] = str(work / "starter" / HW)
        try:
            client = NotebookClient(run, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(work)}})
            client.execute()
        finally:
            if keep is not None:
                shutil.copytree(work, keep, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    done = {c["id"]: c for c in run.cells}
    for cell in nb.cells:
        if cell["id"] in done and cell.cell_type == "code":
            cell.outputs = done[cell["id"]].outputs
            cell.execution_count = done[cell["id"]].execution_count
            if "execution" in done[cell["id"]].metadata:
                cell.metadata["execution"] = done[cell["id"]].metadata["execution"]
    return nb


def cell_times(nb) -> list[tuple[float, str]]:
    """(seconds, first source line) of every executed code cell, from nbclient's timing metadata."""
    from datetime import datetime

    out = []
    for cell in nb.cells:
        ex = cell.metadata.get("execution", {})
        a, b = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
        if cell.cell_type == "code" and a and b:
            sec = (datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.fromisoformat(a.replace("Z", "+00:00")))
            out.append((sec.total_seconds(), next((ln for ln in cell.source.splitlines() if ln.strip()), "")))
    return out


def sync_text(path: Path = NOTEBOOK) -> int:
    """Refresh the text (markdown) cells of the saved, executed notebook from the generator
    without executing it again; refuse when a code cell changed (that needs a new run)."""
    saved = nbformat.read(str(path), as_version=4)
    built = build()
    if [c.cell_type for c in saved.cells] != [c.cell_type for c in built.cells] or \
            [c.source for c in saved.cells if c.cell_type == "code"] != \
            [c.source for c in built.cells if c.cell_type == "code"]:
        print("the code cells changed: execute the notebook again instead")
        return 1
    n = 0
    for old, new in zip(saved.cells, built.cells):
        if old.cell_type == "markdown" and (old.source != new.source or old.metadata != new.metadata):
            old.source, old.metadata = new.source, new.metadata
            n += 1
    nbformat.write(saved, str(path))
    print(f"{n} text cell(s) refreshed in {path.relative_to(REPO)}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-run", action="store_true", help="write without executing")
    ap.add_argument("--full", action="store_true", help="execute with the default schedules (not fast mode)")
    ap.add_argument("--timeout", type=int, default=None,
                    help="seconds allowed per cell (default 1800; 7200 with --full: the autoencoder cell alone "
                         "can take half an hour on a busy machine)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="copy the working folder (reference code + the weight files the notebook saved) here")
    ap.add_argument("--sync-text", action="store_true",
                    help="only refresh the markdown cells of the saved notebook (no execution)")
    args = ap.parse_args(argv)
    if args.sync_text:
        return sync_text()
    nb = build()
    if not args.no_run:
        timeout = args.timeout or (7200 if args.full else 1800)
        start = time.perf_counter()
        execute(nb, timeout=timeout, fast=not args.full, keep=args.keep)
        print(f"executed in {time.perf_counter() - start:.1f} s")
        for sec, first in cell_times(nb):
            if sec >= 5:
                print(f"  {sec:8.1f} s  {first[:90]}")
    for cell in nb.cells:  # stable files: drop per-run timing metadata
        cell.metadata.pop("execution", None)
    nbformat.write(nb, str(NOTEBOOK))
    print(f"wrote {NOTEBOOK.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
