"""Generate (and execute) the master notebook of homework pose.

    python solutions/pose/notebooks/make_notebook.py            # write + execute
    python solutions/pose/notebooks/make_notebook.py --no-run   # write only

Built with nbformat from the cells below and executed with nbclient, like lenet's.
Written questions are markdown answer cells (nbgrader, graded by hand) under a prompt
cell giving the question and its points. Graded cells call
``autograder.notebook.grade_cell`` for one check each (not run when the master copy is
executed: they grade ``starter/pose``, the stubs). ``POSE_FAST=1`` makes every
training run tiny so CI can execute the notebook top to bottom in well under a minute.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NOTEBOOK = HERE / "pose.ipynb"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
HW = "pose"


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(src: str):
    return new_code_cell(src.strip("\n"))


def written(grade_id: str, points: float, answer: str):
    cell = new_markdown_cell(answer.strip("\n"))
    cell.metadata["nbgrader"] = {"solution": True, "grade": True, "locked": False, "points": points,
                                 "grade_id": grade_id, "schema_version": 3}
    return cell


def ask(question: str, points: float):
    unit = "point" if points == 1 else "points"
    return new_markdown_cell(question.strip("\n") + f"\n\n*({points:g} {unit}, graded by hand: answer in the cell below.)*")


def graded(check_id: str, points: float, *, hidden: bool):
    call = f'from autograder.notebook import grade_cell\ngrade_cell("{HW}", "{check_id}")'
    if hidden:
        src = ("# Graded by your instructor with hidden inputs.\n"
               "### BEGIN HIDDEN TESTS\n" + call + "\n### END HIDDEN TESTS")
    else:
        src = "# Public check: run it to test your code (it is graded too).\n" + call
    cell = new_code_cell(src)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{check_id.replace('.', '_')}", "locked": True,
                                 "points": points, "schema_version": 3, "solution": False, "task": False}
    return cell


def cells():
    return [
        md("""
# Homework: 3D human pose from video

Given a short video clip of a person (8 frames), predict the 3D positions of 17 body
joints in every frame: a dynamic regression problem. You will write, in `pose.py` of
the `pose` package:

1. `mpjpe(y, pred)`: the Mean Per Joint Position Error in millimetres;
2. `pose_loss(y, pred)`: the training loss, the sum of squared errors divided by the
   batch size;
3. `DeepDynamicModel`: a CNN applied to every frame (time-distributed), an LSTM over the
   frames, and a small MLP that predicts 17 x 3 coordinates per frame. The model
   normalises the raw pixels itself.

Then you train it with Adam (`train.train`, provided), plot the loss and MPJPE curves,
save the weights (`pose_model.pt`, handed in with your code) and answer three questions.

**Data.** `videoframes_clips_{train,valid}.npy` hold uint8 clips `(N, 8, H, W, 3)` and
`joint_3d_clips_{train,valid}.npy` the joints `(N, 8, 17, 3)` in **metres**,
root-relative (the pelvis at the origin) in the camera frame (x right, y down, z away
from the camera). The original course used Human3.6M (224x224 frames, 5,964 training
clips); here a synthetic stand-in in the same format is rendered on first use (32x32
frames, 2,000 training and 400 validation clips; see `datasets/h36m/CARD.md`).

**How long things take** (one laptop core pair): rendering the data once, about a
minute; the training runs below, 1-2 minutes each.
"""),
        code("""
%matplotlib inline
import os, time
import numpy as np
import torch
import matplotlib.pyplot as plt
from solutions.pose import data, train
from solutions.pose import pose
from solutions.pose.plotting import plot_history, show_clip

FAST = os.environ.get("POSE_FAST") == "1"   # CI: tiny runs
train.configure_torch(threads=2)
Xtr, Ytr = data.load_clips("train")
Xva, Yva = data.load_clips("valid")
if FAST:
    Xtr, Ytr, Xva, Yva = Xtr[:64], Ytr[:64], Xva[:32], Yva[:32]
print("train", Xtr.shape, Xtr.dtype, Ytr.shape, "| valid", Xva.shape, Yva.shape)
"""),
        code("""
i = 3
fig = show_clip(Xtr[i], Ytr[i], frames=(0, 2, 4, 7))
"""),
        md("""
## 1. MPJPE (5 points)

For one joint in one frame, the error is the Euclidean distance between the true and
the predicted 3D position. MPJPE is the mean of that distance over all joints of all
frames (of all clips), reported in **millimetres** (the labels are in metres).
Implement `mpjpe` in `pose.py`. The mean-pose predictor (the average training pose,
whatever the input) is the baseline every model must beat:
"""),
        code("""
mean_pose = np.asarray(Ytr).mean(axis=0)                     # (8, 17, 3)
baseline = pose.mpjpe(Yva, np.broadcast_to(mean_pose, Yva.shape))
print(f"mean-pose MPJPE on the validation clips: {baseline:.1f} mm")
"""),
        graded("pose.public.mpjpe", 1, hidden=False),
        graded("pose.mpjpe", 4, hidden=True),
        md("""
## 2. The training loss (5 points)

$L = \\frac{1}{B}\\sum_{b=1}^{B} \\sum_{t, j, c} (y_{btjc} - \\hat y_{btjc})^2$: squared
errors summed over frames, joints and coordinates, averaged over the clips of the batch.
Implement `pose_loss(y, pred)` with torch operations so that `loss.backward()` works.
"""),
        graded("pose.public.loss", 1, hidden=False),
        graded("pose.loss", 4, hidden=True),
        md("""
## 3. The model (12 points)

Implement `DeepDynamicModel` (its docstring gives the layers). It takes the raw uint8
clips `(B, 8, H, W, 3)` and normalises them itself (never divide the data by 255 outside
the model: the grader feeds raw clips). The CNN processes the `B * 8` frames as one
batch; the LSTM (`batch_first=True`) runs over the 8 frames of each clip; the MLP maps
each frame's hidden state to 51 numbers, reshaped to `(17, 3)`.
"""),
        code("""
model = pose.DeepDynamicModel()
n_params = sum(p.numel() for p in model.parameters())
out = model(torch.as_tensor(np.asarray(Xtr[:2])))
print(model)
print("parameters:", n_params, "| output:", tuple(out.shape))
"""),
        graded("pose.public.model_shape", 2, hidden=False),
        graded("pose.model_shapes", 2, hidden=True),
        graded("pose.model_batch_independent", 3, hidden=True),
        graded("pose.model_frames_aligned", 3, hidden=True),
        graded("pose.model_uses_input", 2, hidden=True),
        md("""
## 4. Training (10 points)

Adam, learning rate 2e-3, batches of 32 clips, 10 epochs (620 steps; about 1-2 minutes
on two cores). Expect the validation MPJPE to stay near the mean pose (about 160 mm) for
two or three epochs, then to fall to about 135 mm after 10 epochs (measured: 135.8 mm; the
hidden clips: 139.4 mm). The grader trains your `DeepDynamicModel` class
itself, with this loop, for 600 steps under a CPU budget (at most 90 s), and scores its
predictions on hidden clips: the model must learn fast enough.
"""),
        code("""
EPOCHS = 1 if FAST else 10
t0 = time.time()
model = pose.DeepDynamicModel()
hist = train.train(model, Xtr, Ytr, Xva, Yva, loss_fn=pose.pose_loss, epochs=EPOCHS, batch_size=32, lr=2e-3,
                   seed=0)
print(f"training took {time.time() - t0:.0f} s; final validation MPJPE {hist['valid_mpjpe'][-1]:.1f} mm "
      f"(mean pose: {baseline:.1f} mm)")
fig = plot_history(hist, "CNN + LSTM")
"""),
        code("""
pred = train.predict(model, Xva[:4])
fig = show_clip(Xva[1], Yva[1], pred[1], frames=(0, 2, 4, 7))
"""),
        graded("pose.train", 10, hidden=True),
        md("""
### Does the LSTM help? A per-frame CNN

The same network with the LSTM replaced by a per-frame layer sees one frame at a time.
Occluders and degraded frames (blur, darkness, noise) make single frames ambiguous; the
LSTM can carry information from earlier frames, but it also has to learn more. Compare
both at the same budget (measured on the hidden clips at 600 steps: mean pose 167 mm,
per-frame CNN 134 mm, CNN + LSTM 130-138 mm (mean 135): at this short budget the LSTM does not pay
off yet).
"""),
        code("""
class PerFrameModel(pose.DeepDynamicModel):
    \"\"\"DeepDynamicModel without the LSTM: each frame on its own.\"\"\"
    def __init__(self):
        super().__init__()
        self.lstm = None
        self.per_frame = torch.nn.Sequential(torch.nn.Linear(128, 128), torch.nn.Tanh())

    def forward(self, x):
        B, T, H, W, C = x.shape
        frames = x.float().div(255.0).sub(0.5).permute(0, 1, 4, 2, 3).reshape(B * T, C, H, W)
        feats = self.per_frame(self.cnn(frames)).reshape(B, T, -1)
        return self.head(feats).reshape(B, T, 17, 3)

t0 = time.time()
frame_model = PerFrameModel()
hist_frame = train.train(frame_model, Xtr, Ytr, Xva, Yva, epochs=EPOCHS, batch_size=32, lr=2e-3, seed=0)
print(f"{time.time() - t0:.0f} s")
print(f"validation MPJPE: mean pose {baseline:.1f} mm | per-frame CNN {hist_frame['valid_mpjpe'][-1]:.1f} mm | "
      f"CNN + LSTM {hist['valid_mpjpe'][-1]:.1f} mm")
"""),
        md("""
## 5. Save the model (8 points)

Hand in `pose_model.pt` next to your `pose.py`. The grader loads it into your
`DeepDynamicModel()` with `torch.load(..., weights_only=True)` and scores it on hidden
clips you never had.
"""),
        code("""
train.save_weights(model, "pose_model.pt")
check = train.load_weights(pose.DeepDynamicModel(), "pose_model.pt")
print("reloaded: validation MPJPE", round(pose.mpjpe(Yva, train.predict(check, Xva)), 1), "mm")
"""),
        graded("pose.saved_model", 8, hidden=True),
        md("""
## 6-7. Questions
"""),
        ask("""
**6.** Plot the training and validation loss and MPJPE against the epoch (above). Describe
the curves: does the model overfit, underfit, or neither after 10 epochs? Why is the
training MPJPE of an epoch computed as a running mean over batches, and how does that
bias the comparison with the validation MPJPE?
""", 3),
        written("pose-written-6_curves", 3, """
Both losses fall fast in the first epochs and flatten; the validation curve tracks the
training curve closely, so after 10 epochs the model is not overfitting yet (more data
per parameter than the original, and synthetic clips from one distribution). The
training numbers are averaged over the epoch while the weights change, so they describe
an older, worse model than the one evaluated at the end of the epoch; early on the
training MPJPE therefore looks worse than the validation MPJPE. The model also runs in
train mode (batch statistics) during those batches.
"""),
        ask("""
**7a.** Which hyper-parameters matter most here (learning rate, batch size, epochs, Adam's
betas)? What happens with a learning rate ten times larger or smaller?
""", 3),
        written("pose-written-7a_hyperparameters", 3, """
The learning rate matters most: 2e-3 learns within the budget; 2e-2 makes the loss jump
and the model stays near the mean pose (or diverges), 2e-4 is far too slow for 600 steps.
Batch size trades noise for steps per second (32 clips = 256 frames per step). More
epochs keep improving slowly. Lower betas (the handout's 0.75 / 0.95) react faster but
are noisier; the defaults work.
"""),
        ask("""
**7b.** Compare the per-frame CNN with the CNN + LSTM and the mean-pose baseline. Why
does the LSTM help on these clips, and what would a bidirectional LSTM change?
""", 3),
        written("pose-written-7b_lstm", 3, """
Both networks beat the mean pose by about 30 mm. At this short budget the per-frame CNN
is as good as (here slightly better than) the CNN + LSTM: the LSTM adds parameters and
gates that slow the first few hundred steps. The LSTM can help where single frames are
ambiguous (an occluder or a blurred / dark frame): it carries the body's pose from the
earlier frames of the clip, and poses change smoothly; its advantage should show with
longer training or more degraded frames (compare the errors on the clips with hard frames).
A forward LSTM cannot help the first frames of a clip; a bidirectional one would use
later frames too (but needs the whole clip before predicting).
"""),
    ]


def build():
    nb = new_notebook(cells=cells())
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def is_graded_test(cell) -> bool:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def execute(nb, timeout: int = 1800, cwd: Path | None = None, fast: bool = False):
    """Run every cell except the graded test cells (they grade ``starter/pose``, the stubs
    in this repository, not the reference) in ``cwd`` (default: a temporary folder, where
    ``pose_model.pt`` is written). ``fast``: with ``POSE_FAST=1`` (tiny training runs).
    Outputs are written into ``nb`` in place."""
    import os

    from nbclient import NotebookClient

    run = nbformat.from_dict(nb)
    run.cells = [c for c in run.cells if not is_graded_test(c)]
    work = Path(cwd) if cwd is not None else Path(tempfile.mkdtemp(prefix="pose-nb-"))
    old = os.environ.get("POSE_FAST")
    if fast:
        os.environ["POSE_FAST"] = "1"
    try:
        NotebookClient(run, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if fast:
            if old is None:
                os.environ.pop("POSE_FAST", None)
            else:
                os.environ["POSE_FAST"] = old
        if cwd is None:
            shutil.rmtree(work, ignore_errors=True)
    done = {c["id"]: c for c in run.cells}
    for c in nb.cells:
        if c.get("id") in done:
            c.outputs = done[c["id"]].get("outputs", [])
            c.execution_count = done[c["id"]].get("execution_count")
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-run", action="store_true")
    a = ap.parse_args(argv)
    nb = build()
    if not a.no_run:
        t0 = time.time()
        nb = execute(nb)
        print(f"executed in {time.time() - t0:.0f} s")
    nbformat.write(nb, str(NOTEBOOK))
    print(f"wrote {NOTEBOOK}")


if __name__ == "__main__":
    main()
