"""Generate (and execute) the master notebook of homework fer.

    python solutions/fer/notebooks/make_notebook.py            # write + execute (41 min on 2 shared cores)
    python solutions/fer/notebooks/make_notebook.py --no-run   # write only
    FER_FAST=1 python solutions/fer/notebooks/make_notebook.py --no-save   # quick CI run
    python solutions/fer/notebooks/make_notebook.py --keep /tmp/fer-run   # keep the folder and its model files

Same structure as the lenet notebook (see its generator): written answers are nbgrader
manually graded markdown cells under a prompt cell with the points; graded code cells
call ``autograder.notebook.grade_cell`` for one check each (hidden ones between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``). The master copy executes in a
working folder whose ``starter/fer/`` is the reference; the model files the notebook
saves land in that folder (next to the code, where the grader looks for them).

``FER_FAST=1`` shrinks every training run (subsets, one or two epochs) so that CI can
execute the notebook top to bottom in a few minutes; the models are then too weak for
the accuracy checks, whose graded cells fail by design in that mode. Under ``nbgrader
autograde`` (``NBGRADER_EXECUTION=autograde``) the runs are as small and nothing is saved (the
cells of the FC models evaluate the handed-in ``cifar_two_layer.npz`` and ``fer_model.npz``
instead of a tiny run's models, and the CNN's cell leaves ``fer_cnn.pt`` to the graded cells, when
they are there): the
graded cells then judge the model files the student handed in, and the grader retrains the
student's settings itself.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat

from autograder.build import cells as cells_kit
from autograder.build.cells import NotebookKit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NOTEBOOK = HERE / "fer.ipynb"
HW = "fer"
# graded cells that need well-trained models (they fail in FER_FAST mode)
MODEL_CHECKS = ("fer.overfit", "fer.two_layer_cifar", "fer.fer_model", "fer.test_fer_model", "fer.cnn_model",
                "fer.test_cnn_model")


kit = NotebookKit(HW, generator=__file__)
md, code, written, ask, graded = kit.md, kit.code, kit.written, kit.ask, kit.graded


def cells():
    return [
        md("""
# Dropout, fully-connected networks and facial expressions

You will build fully-connected networks from scratch in numpy (linear and ReLU layers,
inverted dropout, the softmax loss, L2 regularisation, SGD with momentum, a stopping
criterion), train them on a CIFAR-10-style object set and on FER-2013 faces, search
their hyper-parameters, and finally train a small CNN in PyTorch.

Your code goes into the `fer` package (the functions that raise `NotImplementedError`):

| file | what you write |
|---|---|
| `layers.py` | Q1 `linear_forward/backward`, `relu_forward/backward`; Q2 `dropout_forward/backward` |
| `classifiers.py` | Q3 `softmax` |
| `fcnet.py` | Q4 `random_init`, `FullyConnectedNet` |
| `overfit_fcnet.py`, `train_fcnet.py` | Q4 your settings for the two training runs |
| `optim.py`, `solver.py` | Q5 `sgd_momentum`, `early_stopping` (the stopping criterion) |
| `data_utils.py` | Q5 `get_FER2013_data` (your FER-2013 loader) |
| `search.py` | Q5 your hyper-parameter search: performance measure, stopping criterion, schedule, search plan |
| `fer_model.py` | Q5 `test_fer_model` (load your saved model and predict a folder of images) |
| `cnn.py` | Q6 `cnn_architecture`, `evaluate_predictions`, `test_cnn_model` |

**Data.** Without the real files, `coursedata` writes embedded default sets in the real formats: a
synthetic CIFAR-10-style set (10 classes of coloured objects, 10,000 training and 2,000 test images)
and synthetic 48x48 faces in `fer2013.csv` (7,000 training, 1,000 public and 1,000 private test faces,
FER-2013's class frequencies). The real sets are used when present (see the dataset cards). The
accuracies quoted below are those of the synthetic sets.

**Hand in** your `fer` folder with the three model files this notebook saves next to the code:
`cifar_two_layer.npz`, `fer_model.npz` and `fer_cnn.pt`. The grader scores them on private test
sets you never see, reading only weights and an architecture description.

**Time.** The whole notebook ran in 41 minutes on 2 CPU cores shared with other jobs (load average
5-9): about 26 of them for the seven FC runs of Q5 and 13 for the CNN of Q6. A laptop with a few free
cores is faster. Each training cell says how long it took there.
"""),
        code("""
%matplotlib inline
import os, time
import numpy as np
import matplotlib.pyplot as plt

from solutions.fer import layers, classifiers, optim, cnn
from solutions.fer.fcnet import FullyConnectedNet, random_init
from solutions.fer.solver import Solver, early_stopping
from solutions.fer.data_utils import get_CIFAR10_data, get_FER2013_data
from solutions.fer.fer_model import save_fer_model, load_fer_model, test_fer_model
from solutions.fer.overfit_fcnet import overfit_fcnet
from solutions.fer.train_fcnet import train_two_layer
from solutions.fer import search

FAST = os.environ.get("FER_FAST") == "1"   # CI: tiny runs (the accuracy checks then fail by design)
# When your instructor autogrades (nbgrader), the training cells make tiny runs or none and save nothing (the
# cells of the saved models use the files you handed in): the grader scores the model files you handed in,
# as they are, and retrains your settings on its own.
AUTOGRADE = os.environ.get("NBGRADER_EXECUTION") == "autograde"
SMALL = FAST or AUTOGRADE
from pathlib import Path
# the model files go next to your code (starter/fer/, found like the graded cells find it)
MODEL_DIR = next(p / "starter" / "fer" for p in [Path.cwd(), *Path.cwd().parents] if (p / "starter" / "fer").is_dir())
print("model files will be saved in", MODEL_DIR)
np.set_printoptions(precision=4, suppress=True)

def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))

def numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]; x[i] = old + h; p = f(); x[i] = old - h; m = f(); x[i] = old
        g[i] = (p - m) / (2 * h)
    return g
"""),
        md("""
## Q1: linear and ReLU layers

A linear layer maps each example (flattened to a row of `D` numbers) to `X W + b`; ReLU keeps the
positive part. Implement the four functions in `layers.py`; the cell below compares your backward
passes with central differences of your forward passes (relative errors around 1e-9 or less).
"""),
        code("""
rng = np.random.default_rng(0)
X, W, b = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal((12, 5)), rng.standard_normal(5)
dout = rng.standard_normal((4, 5))
dX, dW, db = layers.linear_backward(dout, X, W, b)
f = lambda: np.sum(dout * layers.linear_forward(X, W, b))
print("linear dX:", rel_error(dX, numeric_grad(f, X)), " dW:", rel_error(dW, numeric_grad(f, W)),
      " db:", rel_error(db, numeric_grad(f, b)))
Z = rng.standard_normal((5, 6)); dz = rng.standard_normal((5, 6))
print("relu dX:", rel_error(layers.relu_backward(dz, Z), numeric_grad(lambda: np.sum(dz * layers.relu_forward(Z)), Z)))
"""),
        md("**Graded checks of Q1** (public: shapes, a worked example, gradient checks; hidden: the reference on more cases)"),
        graded("fer.public.linear_forward"),
        graded("fer.public.linear_backward"),
        graded("fer.public.relu"),
        graded("fer.linear_forward"),
        graded("fer.linear_backward"),
        graded("fer.relu_forward"),
        graded("fer.relu_backward"),
        md("""
## Q2: inverted dropout

`p` is the probability of **dropping** a unit. In training, after `np.random.seed(seed)`, keep each unit
with probability `1 - p` (any way of drawing that mask is fine) and scale the kept units by `1 / (1 - p)`;
at test time the layer is the identity. What the forward returns as `mask` is yours to choose (0/1, or
already scaled): the grader hands your `dropout_backward` the mask your own forward returned. The cell
below checks that the expected output is unchanged by dropout and that test mode is the identity.
"""),
        code("""
X = rng.standard_normal((500, 500)) + 10
for p in (0.25, 0.5, 0.75):
    out, mask = layers.dropout_forward(X, p=p, train=True, seed=1)
    test_out, _ = layers.dropout_forward(X, p=p, train=False)
    print(f"p={p}: mean in {X.mean():.3f}, train out {out.mean():.3f}, test out {test_out.mean():.3f}, "
          f"kept {(out != 0).mean():.3f}")
"""),
        graded("fer.public.dropout"),
        graded("fer.dropout_forward"),
        graded("fer.dropout_backward"),
        md("""
## Q3: the softmax classifier

`softmax(logits, y)` returns the mean cross-entropy loss of the softmax of `logits` and its gradient.
Subtract each row's maximum before exponentiating. With all scores equal the loss is `log(C)`.
"""),
        code("""
loss, d = classifiers.softmax(np.zeros((5, 10)), np.arange(5))
print("equal scores:", loss, "log(10) =", np.log(10))
z, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
_, d = classifiers.softmax(z, y)
print("gradient rel. error:", rel_error(d, numeric_grad(lambda: classifiers.softmax(z, y)[0], z)))
print("huge logits:", classifiers.softmax(np.array([[1000.0, -1000.0, 0.0]]), np.array([0]))[0])
"""),
        graded("fer.public.softmax"),
        graded("fer.softmax"),
        md("""
## Q4: a fully-connected network

`FullyConnectedNet(hidden_dims, ...)` chains `{linear -> relu -> [dropout]}` for each hidden layer,
then a linear layer and the softmax loss, with the L2 term `0.5 * reg * sum(W ** 2)` over the weight
matrices. Sanity checks: the initial loss of a small random net, and a gradient check in float64 with
`reg` 0 and 3.14 (relative errors about 1e-6 or less).
"""),
        code("""
N, D, H1, H2, C = (3, 5, 10, 8, 7) if SMALL else (3, 5, 50, 40, 7)  # SMALL: the same check on a smaller net
X, y = rng.standard_normal((N, D)), rng.integers(0, C, N)
for reg in (0.0, 3.14):
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2, dtype=np.float64)
    loss, grads = model.loss(X, y)
    errs = {k: rel_error(grads[k], numeric_grad(lambda: model.loss(X, y)[0], model.params[k])) for k in sorted(grads)}
    print(f"reg={reg}: initial loss {loss:.4f};", ", ".join(f"{k} {e:.1e}" for k, e in errs.items()))
"""),
        graded("fer.public.fcnet"),
        graded("fer.random_init"),
        graded("fer.fcnet_init"),
        graded("fer.fcnet_scores"),
        graded("fer.fcnet_loss_grads"),
        md("""
### Overfitting 50 images

Set the model and solver in `overfit_fcnet.py` so that 50 training images are fitted perfectly
(100% training accuracy) within 20 epochs. Where to search: one or two hidden layers of 50-200 units,
weight scale 1e-3 to 1e-1, plain SGD or momentum, learning rates 1e-4 to 1e-2, batches of 5-25 images.
The bar: 100% training accuracy by epoch 20 (the grader retrains your settings on 50 other images).
A run takes a few seconds.
"""),
        code("""
start = time.time()
cifar = get_CIFAR10_data()
print({k: v.shape for k, v in cifar.items()}, f"({time.time() - start:.0f} s)")
small = {"X_train": cifar["X_train"][:50], "y_train": cifar["y_train"][:50],
         "X_val": cifar["X_val"], "y_val": cifar["y_val"]}
model, solver = overfit_fcnet(small, seed=0)
print("final training accuracy:", solver.train_acc_history[-1])

plt.subplot(2, 1, 1); plt.title("Training loss"); plt.plot(solver.loss_history, "o"); plt.xlabel("Iteration")
plt.subplot(2, 1, 2); plt.title("Accuracy")
plt.plot(solver.train_acc_history, "-o", label="train"); plt.plot(solver.val_acc_history, "-o", label="val")
plt.xlabel("Epoch"); plt.legend(loc="lower right"); plt.gcf().set_size_inches(12, 8); plt.show()
"""),
        graded("fer.overfit"),
        ask("""
**Report, Q4 (a).** Give the architecture and the parameters you used to overfit the 50 images, and
comment on the loss and accuracy curves above (training and validation).
""", "fer-written-q4_overfit"),
        written("fer-written-q4_overfit", """
Two hidden layers of 100 units, weight scale 0.02, plain SGD with learning rate 3e-3, batch size 10,
the whole epoch budget, no regularisation. The training loss falls to nearly 0 and the training accuracy reaches
100% after 12 epochs, while the validation accuracy stays at chance (about 10%): the network
memorises 50 images, which shows the forward and backward passes work, not that it generalises.
"""),
        md("""
### A two-layer network on CIFAR-10

Choose the settings in `train_fcnet.py` (one hidden layer). Where to search: 50-500 hidden units,
weight scale 1e-3 to 5e-2, SGD with or without momentum, learning rates 1e-5 to 1e-2 with a decay of
0.9-1 per epoch, batches of 50-200, 5-20 epochs (a few minutes at most). The bar: at least **0.30** on
the grader's private test set (a linear classifier gets about 0.14, chance 0.10); well-chosen settings
reach 0.35-0.40 validation accuracy on the synthetic set in one or two minutes. The cell saves the
model as `cifar_two_layer.npz` next to your code.
"""),
        code("""
start = time.time()
if AUTOGRADE and (MODEL_DIR / "cifar_two_layer.npz").is_file():  # autograding: the model you handed in, as it is
    model, saved_mean = load_fer_model(MODEL_DIR / "cifar_two_layer.npz")
    X_val = cifar["X_val"] + cifar["mean"] - saved_mean  # centred with the mean saved beside the weights
    val_acc = np.mean(np.argmax(model.loss(X_val), axis=1) == cifar["y_val"])
    print(f"autograding: the cifar_two_layer.npz you handed in (not trained again), validation accuracy {val_acc:.3f}")
else:
    data = dict(cifar)
    if SMALL:
        data.update(X_train=cifar["X_train"][:1000], y_train=cifar["y_train"][:1000])
    model, solver = train_two_layer(data, seed=0)
    print(f"best validation accuracy {solver.best_val_acc:.3f} after {solver.epoch} epochs ({time.time() - start:.0f} s)")
    if not AUTOGRADE:  # autograding without a cifar_two_layer.npz: a short run, and nothing saved
        save_fer_model(model, cifar["mean"], MODEL_DIR / "cifar_two_layer.npz")

    plt.subplot(2, 1, 1); plt.title("Training loss"); plt.plot(solver.loss_history, "o"); plt.xlabel("Iteration")
    plt.subplot(2, 1, 2); plt.title("Accuracy")
    plt.plot(solver.train_acc_history, "-o", label="train"); plt.plot(solver.val_acc_history, "-o", label="val")
    plt.plot([0.5] * len(solver.val_acc_history), "k--"); plt.xlabel("Epoch"); plt.legend(loc="lower right")
    plt.gcf().set_size_inches(12, 8); plt.show()
"""),
        graded("fer.two_layer_cifar"),
        ask("""
**Report, Q4 (b).** Give the architecture and parameters of your two-layer network (update rule,
learning rate, decay, epochs, batch size), its validation accuracy, and comment on the curves.
""", "fer-written-q4_two_layer"),
        written("fer-written-q4_two_layer", """
One hidden layer of 100 ReLU units, weight scale 0.01, SGD with momentum 0.9, learning rate 2e-4
multiplied by 0.95 after each epoch, batch 100, 12 epochs: 0.386 validation accuracy. The
training accuracy pulls away from the validation accuracy (0.59 against 0.39 after 12 epochs): the
net starts to overfit, although the validation accuracy was still rising at the last epoch.
"""),
        md("""
## Q5: hyper-parameter optimisation on FER-2013

Implement `sgd_momentum` (`optim.py`), the stopping criterion `early_stopping` (`solver.py`; the
Solver calls it after each epoch when you pass `patience=`) and your loader `get_FER2013_data`
(`data_utils.py`). Use SGD with momentum for every experiment below.
"""),
        graded("fer.public.sgd_momentum"),
        graded("fer.public.early_stopping"),
        graded("fer.sgd_momentum"),
        graded("fer.early_stopping"),
        code("""
start = time.time()
fer = get_FER2013_data()
print({k: v.shape for k, v in fer.items()}, f"({time.time() - start:.0f} s)")
EMOTIONS = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
print("training class counts:", dict(zip(EMOTIONS, np.bincount(fer["y_train"], minlength=7))))
print("constant predictor (always Happy), validation accuracy:", np.mean(fer["y_val"] == 3))
fig, axes = plt.subplots(1, 7, figsize=(14, 2.4))
for c, ax in enumerate(axes):
    ax.imshow(fer["X_train"][fer["y_train"] == c][0] + fer["mean"], cmap="gray"); ax.set_title(EMOTIONS[c]); ax.axis("off")
plt.show()
if SMALL:  # tiny runs: FER_FAST, or autograding (the grader judges the files you handed in)
    for k in ("X_train", "y_train"):
        fer[k] = fer[k][:300 if AUTOGRADE else 1500]
"""),
        graded("fer.fer_loader"),
        md("""
The search is yours: fill the four functions of `search.py` (the framework that trains a
configuration and runs the plan is given):

* `performance_measure(y_true, y_pred)`: the number that compares configurations on the validation set;
* `stopping_criterion()`: the settings of your `early_stopping` (patience, minimum improvement);
* `schedule()`: momentum and the learning-rate decay per epoch (SGD with momentum for every run);
* `search_plan()`: the starting network and what to try, stage by stage, as the handout asks: the
  learning rate without regularisation, then dropout, then L2, then the topology.

Where to search: one or two hidden layers of 128-1024 units, learning rates 1e-3 to 3e-1 (with
momentum about 0.9), dropout 0.1-0.5, L2 1e-4 to 1e-1, at most 20 epochs per run; about seven runs.
Each run of 20 epochs on the 7,000 faces took 3-6 minutes on 2 shared CPU cores. The bar for the model
you save is below (the private-set tiers).
"""),
        code("""
plan = search.search_plan()
if SMALL:
    plan["stages"] = [(title, key, values[:1]) for title, key, values in plan["stages"][:1]]
results, best = search.run_search(fer, plan, seed=0, max_epochs=2 if SMALL else None)
print(search.results_table(results))

def curves(entries, title):
    fig, ax = plt.subplots(1, 2, figsize=(14, 4))
    for e in entries:
        s = e["solver"]
        n = max(1, len(s.loss_history) // max(1, s.epoch))
        ax[0].plot(np.convolve(s.loss_history, np.ones(n) / n, mode="valid"), label=e["name"])
        ax[1].plot(s.val_acc_history, "-o", label=f"{e['name']} val")
        ax[1].plot(s.train_acc_history, "--", label=f"{e['name']} train")
    ax[0].set_title(f"{title}: training loss (moving average)"); ax[0].set_xlabel("iteration"); ax[0].legend()
    ax[1].set_title(f"{title}: accuracy"); ax[1].set_xlabel("epoch"); ax[1].legend(fontsize=7)
    plt.show()

for stage in dict.fromkeys(e["stage"] for e in results):
    curves([e for e in results if e["stage"] in (stage, "base")], stage)
"""),
        md("""
**The best model.** The search's best configuration (by your measure) is saved with `save_fer_model`
(it writes `fer_model.npz` next to your code: the architecture as JSON, the preprocessing mean and
the weights, no pickles). The grader scores it on a private set of faces in four tiers: **0.30, 0.33,
0.35, 0.37** (constant predictor 0.25, a linear classifier about 0.34); a reasonable search reaches
0.40-0.46 on the validation set.
"""),
        code("""
best_model = best["model"]
print("best configuration:", best["name"], "score", round(best["score"], 3))
X_test = fer["X_test"]
if AUTOGRADE and (MODEL_DIR / "fer_model.npz").is_file():  # autograding: the model you handed in, as it is
    best_model, saved_mean = load_fer_model(MODEL_DIR / "fer_model.npz")
    X_test = fer["X_test"] + fer["mean"] - saved_mean  # centred with the mean saved beside the weights
    print("autograding: the fer_model.npz you handed in (not trained again), on the test set")
elif not AUTOGRADE:
    save_fer_model(best_model, fer["mean"], MODEL_DIR / "fer_model.npz")
test_pred = np.argmax(best_model.loss(X_test), axis=1)
res = cnn.evaluate_predictions(fer["y_test"], test_pred)
print("test classification rate:", round(res["classification_rate"], 3))
print("per-class F1:", dict(zip(EMOTIONS, np.round(res["f1"], 3))))
print(res["confusion"])
"""),
        md("""
`test_fer_model(img_folder, model=...)` must load the saved file and predict every image of a folder
(the grader calls it on its private images). Here it runs on the public test faces written as PNG files.
"""),
        code("""
import tempfile
from coursedata.fer2013 import write_image_folder
raw_test = np.clip(np.rint((fer["X_test"][:200] + fer["mean"]) * 255), 0, 255).astype(np.uint8)
with tempfile.TemporaryDirectory() as tmp:
    write_image_folder(tmp, raw_test, labels_file=None)
    preds = test_fer_model(tmp, model=MODEL_DIR / "fer_model.npz")
print("test_fer_model accuracy on 200 public test faces:", np.mean(preds == fer["y_test"][:200]))
"""),
        graded("fer.fer_model"),
        graded("fer.test_fer_model"),
        ask("""
**Report, Q5 (setup).** Which network did you start from and why? Which performance measure, which
stopping criterion, which momentum and learning-rate schedule did you use?
""", "fer-written-q5_setup"),
        written("fer-written-q5_setup", """
Start: one hidden layer of 256 ReLU units (inputs 2,304 pixels, 7 classes): large enough to beat a
linear model, small enough to train in under a minute. Measure: validation classification rate (with
per-class F1 for the final model, since Disgust is rare). Stopping: stop when the validation accuracy
has not improved for 5 epochs and keep the best epoch's weights. Momentum 0.9; learning rate decayed
by 0.95 per epoch.
"""),
        ask("""
**Report, Q5 (learning rate).** How did you find a good initial learning rate? Show the training and
validation curves and report the training and validation classification errors.
""", "fer-written-q5_learning_rate"),
        written("fer-written-q5_learning_rate", """
A first guess from the loss of the first few hundred iterations (too small: the loss barely moves;
too large: it oscillates or grows), then values a factor of three apart. 0.01 learns slowly (0.400
best validation accuracy within the epoch budget), 0.03 and 0.1 reach 0.450 and 0.449; 0.1 fits the training
set faster (training accuracy about 0.70 against 0.62 at the end) without a better validation
accuracy, so 0.03 is kept. See the plots for the errors (one minus the accuracies shown).
"""),
        ask("""
**Report, Q5 (dropout).** Add dropout: does the validation performance improve?
""", "fer-written-q5_dropout"),
        written("fer-written-q5_dropout", """
Without regularisation the net overfits (training accuracy about 0.62 at the end, validation 0.44).
With dropout 0.3 the training accuracy rises more slowly (about 0.57) and the gap narrows, but the
best validation accuracy changes by only half a point (0.455 against 0.450, within seed-to-seed
noise): within the epoch budget dropout does not make the net generalise clearly better.
"""),
        ask("""
**Report, Q5 (L2).** Use L2 instead and compare it with dropout.
""", "fer-written-q5_l2"),
        written("fer-written-q5_l2", """
L2 of 0.01 shrinks the weights and narrows the train/validation gap the most (training accuracy
about 0.49), but it costs two points of validation accuracy (0.430 against 0.450): 0.01 is already
too strong for this budget, while dropout 0.3 kept the validation accuracy.
L2 acts on every weight at every step (a smooth penalty, easy to tune), dropout on the units (an
ensemble effect, stronger in larger nets).
"""),
        ask("""
**Report, Q5 (topology).** Optimise the number of hidden layers and units per layer; which topology
is best?
""", "fer-written-q5_topology"),
        written("fer-written-q5_topology", """
512 units in one layer and [512, 256] in two layers were compared with 256 units: the wider net
gains about a point (0.461 against 0.450 validation), the deeper one loses two (0.427) within the
20-epoch budget; the best configuration found, [512], is the one printed above.
"""),
        ask("""
**Report, Q5 (test).** Report the confusion matrix, classification rate and per-class F1 of your best
model on the test set, and comment on them.
""", "fer-written-q5_test"),
        written("fer-written-q5_test", """
See the cell above: 0.442 classification rate. Surprise and Happy (large mouth and eye changes)
have the best F1 (0.66, 0.54); Disgust (106 training faces) is never predicted (F1 0), and Neutral
(0.28, confused with Happy, Sad and Angry at low intensity) is the next worst.
"""),
        md("""
## Q6: a CNN on FER-2013 (PyTorch)

Choose an architecture in `cnn.cnn_architecture()` (see the format in `cnn.py`), train it with the
provided `train_cnn`, evaluate it with your `evaluate_predictions` (confusion matrix, classification
rate, per-class F1 with `sklearn.metrics`) and save it with `save_cnn` (`fer_cnn.pt`, read back with
`torch.load(weights_only=True)`). Where to search: 2-4 convolution blocks, 8-64 filters, 3x3 or 5x5
kernels, pooling, batch norm and dropout as you judge; 5-10 epochs of the provided training loop
(about 13 minutes on 2 shared CPU cores for a net of about 170k parameters). A well-chosen CNN reaches
0.65-0.70 on the grader's private faces. The grader
scores `fer_cnn.pt` on the private faces in three tiers: **0.48, 0.53, 0.58** (the best FC nets reach 0.40-0.46).

**Q6 is extra credit** (15 points: the metrics and the saved model autograded, 8; the written comparison
by hand, 7): it adds to your score, never to the 100-point maximum. Its graded cells carry 0 points and
what their checks earn is entered as extra credit; the written answer shows its points for the grader
to mark, and the course's gradebook counts them as extra credit too.
"""),
        code("""
if AUTOGRADE and (MODEL_DIR / "fer_cnn.pt").is_file():
    # autograding: the grader scores the fer_cnn.pt you handed in, as it is, on its private faces (the graded
    # cells below; its feedback shows the accuracy and the confusion matrix); nothing is trained or loaded here
    print("autograding: fer_cnn.pt is scored by the grader (see the graded cells below); your architecture:",
          cnn.cnn_architecture())
else:
    import torch
    torch.manual_seed(0)
    arch = cnn.cnn_architecture()
    net = cnn.build_cnn(arch)
    print(net, "\\nparameters:", sum(p.numel() for p in net.parameters()))
    start = time.time()
    hist = cnn.train_cnn(net, fer, epochs=1 if SMALL else 8, lr=1e-3, batch_size=64, weight_decay=1e-4, seed=0)
    print(f"trained in {time.time() - start:.0f} s")
    if not AUTOGRADE:  # autograding without a fer_cnn.pt: a short run, and nothing saved
        cnn.save_cnn(net, arch, fer["mean"], MODEL_DIR / "fer_cnn.pt")
    res_cnn = cnn.evaluate_predictions(fer["y_test"], cnn.predict(net, fer["X_test"]))
    print("test classification rate:", round(res_cnn["classification_rate"], 3))
    print("per-class F1:", dict(zip(EMOTIONS, np.round(res_cnn["f1"], 3))))
    plt.imshow(res_cnn["confusion"], cmap="Blues"); plt.colorbar()
    plt.xticks(range(7), EMOTIONS, rotation=45); plt.yticks(range(7), EMOTIONS)
    plt.xlabel("predicted"); plt.ylabel("true"); plt.title("CNN confusion matrix (test)"); plt.show()
"""),
        graded("fer.cnn_metrics"),  # extra credit: 0 points in nbgrader's maximum
        graded("fer.cnn_model"),
        graded("fer.test_cnn_model"),
        ask("""
**Q6.** Compare the performance of your CNN with the feed-forward network of Q5 and justify the
result; justify your choice of depth, filters, stride and padding.
""", "fer-written-q6_cnn_vs_fc"),
        written("fer-written-q6_cnn_vs_fc", """
The CNN beats the FC net by about 30 points of test accuracy (0.73 against 0.44) with far fewer
parameters (171k against 1.2M for [512]). Expressions
are local patterns (brows, eyes, mouth corners) that appear at slightly different places from face
to face: convolutions share one detector over all positions and pooling tolerates small shifts,
whereas the FC net must learn each pattern separately at each position from 7,000 faces. 3x3
filters with padding 1 keep the size, stride 1 keeps detail, three pooling stages bring 48x48 to
6x6; batch norm and dropout keep training stable and limit overfitting.
"""),
        md("## Report: the theory"),
        ask("**Q1.** Explain the forward and backward pass of linear layers and ReLU activations.", "fer-written-q1_linear_relu"),
        written("fer-written-q1_linear_relu", """
Linear: out = X W + b; with upstream gradient G, dX = G W^T (reshaped like X), dW = X^T G, db = sum of
G over the batch. ReLU: out = max(0, X); dX = G where X > 0 and 0 elsewhere.
"""),
        ask("**Q2.** Explain the forward and backward pass of (inverted) dropout.", "fer-written-q2_dropout"),
        written("fer-written-q2_dropout", """
Training: a Bernoulli mask keeps each unit with probability q = 1 - p; kept units are divided by q so
the expected activation is unchanged; backward multiplies the gradient by the same mask / q. Test:
the identity, so nothing changes at prediction time.
"""),
        ask("**Q3.** Explain the computation of the softmax and of its gradient.", "fer-written-q3_softmax"),
        written("fer-written-q3_softmax", """
p = exp(z - max z) / sum exp(z - max z) (the shift cancels and avoids overflow); loss = mean of
-log p[y]; d loss / d z = (p - one_hot(y)) / N.
"""),
        ask("""
**A1.** You train a neural network and a decision tree on the same data, compute the classification
error per cross-validation fold, and a statistical test on the two sets of errors says one algorithm
performs better. Can you claim it is a better learning algorithm in general? Why or why not?
""", "fer-written-a1"),
        written("fer-written-a1", """
No. The test concerns this data set (and these folds, hyper-parameters and implementations): it
supports "better here", not "better in general". By the no-free-lunch theorem no learner is best on
all problems; moreover fold errors are not independent (shared training data), which makes such
tests optimistic.
"""),
        ask("""
**A2.** Suppose new emotions are added to the data set. What changes are needed in decision trees and
in neural network classifiers to include the new classes?
""", "fer-written-a2"),
        written("fer-written-a2", """
Decision trees: retrain on the extended data; the leaves can carry the new labels (with one binary
tree per emotion, add trees for the new ones). Neural networks: the output layer gets one unit per new
class (new weights, the softmax over more classes), and the network is retrained or fine-tuned with
examples of all classes so the old ones are not forgotten.
"""),
        ask("""
**Quality of presentation.** The report as a whole (this notebook's answers, plots and tables): clear,
concise, every result stated with the plot or number it rests on, at most about five pages of text.
Nothing to write in the cell below unless you want to point the grader to something.
""", "fer-written-presentation"),
        written("fer-written-presentation", """
(Graded on the whole report.)
"""),
    ]


def build() -> nbformat.NotebookNode:
    return kit.notebook(cells())


def working_folder(dest: Path) -> Path:
    """A student's homework folder with the reference as its ``starter/fer/`` (what graded cells grade)."""
    return cells_kit.working_folder(dest, HW)


def execute(nb, timeout: int = 1800, allow_errors: bool = False, keep: Path | None = None):
    """Run every cell (the graded ones on the reference) in a temporary working folder.

    With ``keep`` the working folder is ``keep`` (a new folder) and stays: its ``starter/fer/``
    then holds the three model files the notebook saved, to grade them as a student's hand-in.
    """
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=False)
    return cells_kit.execute(nb, HW, timeout=timeout, cwd=keep, allow_errors=allow_errors)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-run", action="store_true", help="write without executing")
    ap.add_argument("--no-save", action="store_true", help="execute without writing")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="execute in DIR (a new folder) and keep it, with the model files the notebook saved")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    args = ap.parse_args(argv)
    nb = build()
    if not args.no_run:
        start = time.perf_counter()
        execute(nb, timeout=args.timeout, keep=args.keep)
        print(f"executed in {time.perf_counter() - start:.1f} s")
    if not args.no_save:
        nbformat.write(nb, str(NOTEBOOK))
        print(f"wrote {NOTEBOOK.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
