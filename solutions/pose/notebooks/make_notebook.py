"""Generate (and execute) the master notebook of homework pose.

    python solutions/pose/notebooks/make_notebook.py            # write + execute
    python solutions/pose/notebooks/make_notebook.py --no-run   # write only

Built from the cells below with the shared cell kit (``autograder.build.cells``: the points of
graded cells, written answers and part headings come from the suite) and executed with nbclient.
Written questions are markdown answer cells (nbgrader, graded by hand) under a prompt
cell giving the question and its points. Graded cells call
``autograder.notebook.grade_cell`` for one check each (not run when the master copy is
executed: they grade ``starter/pose``, the stubs). ``POSE_FAST=1`` makes every
training run tiny so CI can execute the notebook top to bottom in well under a minute.
Under ``nbgrader autograde`` (``NBGRADER_EXECUTION=autograde``) the grader trains the
student's class (``pose.train``) and scores the handed-in ``pose_model.pt``
(``pose.saved_model``) in its own process, so the notebook only feeds its later cells:
the data are cut as in fast mode (without the data set, as in the sandboxed kernel, only
those 96 clips are rendered: 0.8 s of CPU, not the whole set's ~30 s), the CNN + LSTM cell
loads ``pose_model.pt`` when there is one (else a one-epoch run on 64 clips), the
per-frame run is that one-epoch run, and the save cell never rewrites ``pose_model.pt``
(a student's normal run still writes it).
"""
from __future__ import annotations

from pathlib import Path

from autograder.build import cells as cells_kit
from autograder.build.cells import NotebookKit, generator_main

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NOTEBOOK = HERE / "pose.ipynb"
HW = "pose"

# Measured with ``python -m tests.pose.calibrate VARIANT --seeds 0 1 2 3 4 --checkpoints 1000`` (MPJPE
# in mm on the grader's 400 hidden clips after the notebook's 1,000 Adam steps; datasets/h36m/CARD.md).
MEASURED = {
    "mean pose": [162.7],
    "per-frame CNN": [150.2, 148.8, 151.8, 152.4, 152.5],      # seeds 0-4
    "CNN + LSTM": [133.2, 136.6, 135.0, 135.7, 133.6],         # seeds 0-4
}
# the same runs on the frames in which the person is not visible
MEASURED_BLOCKED = {"mean pose": 162.8, "per-frame CNN": 164.7, "CNN + LSTM": 137.3}  # means over the seeds
STEPS = 1000  # the notebook's training runs (Adam steps)


def _seeds(name):
    v = MEASURED[name]
    return " / ".join(f"{x:.1f}" for x in v) + (f" (mean {sum(v) / len(v):.1f})" if len(v) > 1 else "")


kit = NotebookKit(HW, generator=__file__)
md, code, written, ask, graded = kit.md, kit.code, kit.written, kit.ask, kit.graded
is_graded_test = cells_kit.is_graded_test


def section(part: str, name: str, text: str):
    """A part's heading with its points from the suite, then its text."""
    return md(f"## {part}. {name} ({kit.points_text(part)})\n\n" + text.strip("\n"))


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

**How long things take** (one laptop core pair): rendering the data once, under a
minute; each of the two training runs below (1,000 Adam steps), about 2-3 minutes.
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
# When your instructor autogrades (nbgrader), the grader trains your DeepDynamicModel and scores the
# pose_model.pt you handed in on its own: the training cells skip their long runs, and nothing
# rewrites that file.
AUTOGRADE = os.environ.get("NBGRADER_EXECUTION") == "autograde"
train.configure_torch(threads=2)
from pathlib import Path
# pose_model.pt goes next to your code (starter/pose/): `python -m autograder submit pose` packs it from there
HW_DIR = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "starter" / "pose").is_dir()), None)
WEIGHTS = (HW_DIR / "starter" / "pose" if HW_DIR else Path(pose.__file__).parent) / "pose_model.pt"
if AUTOGRADE and not (data.dataset_root() / "videoframes_clips_train.npy").is_file():
    # autograding without the data: render only the clips used below (the first ones of each split)
    from coursedata.h36m import PRESETS, make_split
    (Xtr, Ytr, _), (Xva, Yva, _) = (make_split(n, split, size=PRESETS["default"].size)
                                    for split, n in (("train", 64), ("valid", 32)))
else:
    Xtr, Ytr = data.load_clips("train")
    Xva, Yva = data.load_clips("valid")
if FAST or AUTOGRADE:
    Xtr, Ytr, Xva, Yva = Xtr[:64], Ytr[:64], Xva[:32], Yva[:32]
print("train", Xtr.shape, Xtr.dtype, Ytr.shape, "| valid", Xva.shape, Yva.shape)
"""),
        code("""
i = 3
fig = show_clip(Xtr[i], Ytr[i], frames=(0, 2, 4, 7))
"""),
        section("1", "MPJPE", """
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
        graded("pose.public.mpjpe"),
        graded("pose.mpjpe"),
        section("2", "The training loss", """
$L = \\frac{1}{B}\\sum_{b=1}^{B} \\sum_{t, j, c} (y_{btjc} - \\hat y_{btjc})^2$: squared
errors summed over frames, joints and coordinates, averaged over the clips of the batch.
Implement `pose_loss(y, pred)` with torch operations so that `loss.backward()` works.
(The handout's write-up uses the plain sum and its Keras code the mean over every element:
Adam's steps do not change when the loss is multiplied by a positive constant, so those
forms are accepted too.)
"""),
        graded("pose.public.loss"),
        graded("pose.loss"),
        section("3", "The model", """
Implement `DeepDynamicModel` (its docstring gives the layers). It takes the raw uint8
clips `(B, 8, H, W, 3)` and normalises them itself (never divide the data by 255 outside
the model: the grader feeds raw clips). The CNN processes the `B * 8` frames as one
batch; the LSTM (`batch_first=True`) runs over the 8 frames of each clip; the MLP maps
each frame's hidden state to 51 numbers, reshaped to `(17, 3)`. The checks include that the
prediction for a frame depends on the earlier frames of its clip (temporal context) and on
no other clip of the batch.
"""),
        code("""
model = pose.DeepDynamicModel()
n_params = sum(p.numel() for p in model.parameters())
out = model(torch.as_tensor(np.asarray(Xtr[:2])))
print(model)
print("parameters:", n_params, "| output:", tuple(out.shape))
"""),
        graded("pose.public.model_shape"),
        graded("pose.model_shapes"),
        graded("pose.model_batch_independent"),
        graded("pose.model_frames_aligned"),
        graded("pose.model_uses_past"),
        graded("pose.model_uses_input"),
        section("4", "Training", """
Adam, learning rate 2e-3, batches of 32 clips, 1,000 steps (16 epochs and a bit; about 2-3 minutes
on two cores: the reference took 133 s of CPU time on one thread). Expect the validation MPJPE to
stay near the mean pose (about 160 mm) for the first few epochs, then to fall to about 135 mm
(measured with seed 0 on one thread: 134.5 mm on the validation clips, 136.7 mm on their frames in
which the person is not visible, where the mean pose scores 158.9 mm). Half of the
frames after the first are blocked (something out of focus in front of the lens fills the frame):
`data.load_blocked("valid")` says which, so you can watch the MPJPE there too. Your saved
weights (part 5) are what the grader scores against the bars; before that, the grader trains
your `DeepDynamicModel` class itself, with this loop, for a short run (100 steps within 40 s of
CPU time: the reference needs about 13 s), to check that it learns.
"""),
        code("""
STEPS = 2 if FAST or AUTOGRADE else 1000
# the validation frames in which the person is not visible (None for real Human3.6M files)
BLOCKED = data.load_blocked("valid") if (data.dataset_root() / "_info.json").is_file() else None
BLOCKED = BLOCKED[:len(Xva)] if BLOCKED is not None else None

def blocked_mpjpe(pred):                        # MPJPE (mm) on the validation frames that are blocked
    if BLOCKED is None or not BLOCKED.any():
        return float("nan")
    err = np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(Yva, np.float64), axis=-1).mean(-1) * 1000
    return float(err[BLOCKED].mean())

t0 = time.time()
train.seed_everything(0)
model = pose.DeepDynamicModel()
if AUTOGRADE and WEIGHTS.is_file():  # autograding: the model you saved, instead of this cell's long run
    model = train.load_weights(model, WEIGHTS)
    print(f"autograding: loaded your {WEIGHTS.name} (the grader trains and scores your model on its own)")
else:
    hist = train.train(model, Xtr, Ytr, Xva, Yva, loss_fn=pose.pose_loss, num_steps=STEPS, batch_size=32, lr=2e-3,
                       seed=0)
    print(f"training took {time.time() - t0:.0f} s; final validation MPJPE {hist['valid_mpjpe'][-1]:.1f} mm "
          f"(mean pose: {baseline:.1f} mm); on the blocked frames {blocked_mpjpe(train.predict(model, Xva)):.1f} mm")
    fig = plot_history(hist, "CNN + LSTM")
"""),
        code("""
pred = train.predict(model, Xva[:4])
fig = show_clip(Xva[1], Yva[1], pred[1], frames=(0, 2, 4, 7))
"""),
        graded("pose.train"),
        md(f"""
### Does the LSTM help? The same network, one frame at a time

To see what the LSTM adds, train your own `DeepDynamicModel` on clips cut into one-frame
pieces: `OneFrameAtATime` below feeds every frame to the model as a clip of length 1, so the
LSTM never sees more than one frame (the rest of the network is unchanged). Train it with
the same settings, then compare it with your CNN + LSTM and the mean pose on the validation
clips, overall, on the blocked frames and frame by frame (the plot on the right): this is the
evidence for question 7b. (This run takes as long as the one above.)

For reference, the grader's measurements on its hidden clips after 1,000 steps, over
five seeds: mean pose {_seeds("mean pose")} mm; the network without temporal context
{_seeds("per-frame CNN")} mm; CNN + LSTM {_seeds("CNN + LSTM")} mm. On the frames in which the
person is not visible (means over the seeds): mean pose {MEASURED_BLOCKED["mean pose"]:.1f} mm, the network
without temporal context {MEASURED_BLOCKED["per-frame CNN"]:.1f} mm, CNN + LSTM {MEASURED_BLOCKED["CNN + LSTM"]:.1f} mm.
"""),
        code("""
from torch import nn

class OneFrameAtATime(nn.Module):
    \"\"\"Your DeepDynamicModel applied to every frame of a clip separately (clips of length 1).\"\"\"
    def __init__(self):
        super().__init__()
        self.inner = pose.DeepDynamicModel()

    def forward(self, x):
        B, T = x.shape[:2]
        out = self.inner(x.reshape(B * T, 1, *x.shape[2:]))     # B * T clips of one frame
        return out.reshape(B, T, *out.shape[2:])

t0 = time.time()
train.seed_everything(0)
frame_model = OneFrameAtATime()
# (autograding: a two-step run on a few clips, as above; the grader's numbers are in the text above)
hist_frame = train.train(frame_model, Xtr, Ytr, Xva, Yva, num_steps=STEPS, batch_size=32, lr=2e-3, seed=0)
print(f"{time.time() - t0:.0f} s")
"""),
        code(f"""
def per_frame_index(pred):                      # MPJPE (mm) of frame 0, 1, ..., 7 over the clips
    return np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(Yva, np.float64), axis=-1).mean(axis=(0, 2)) * 1000

pred_lstm, pred_frame = train.predict(model, Xva), train.predict(frame_model, Xva)
scores = {{"mean pose": baseline, "per-frame CNN": pose.mpjpe(Yva, pred_frame), "CNN + LSTM": pose.mpjpe(Yva, pred_lstm)}}
print("validation MPJPE: " + " | ".join(f"{{k}} {{v:.1f}} mm" for k, v in scores.items()))
mean_clips = np.broadcast_to(mean_pose, Yva.shape)
print("on the blocked frames: " + " | ".join(f"{{k}} {{blocked_mpjpe(p):.1f}} mm" for k, p in
                                             (("mean pose", mean_clips), ("per-frame CNN", pred_frame),
                                              ("CNN + LSTM", pred_lstm))))
# the grader's measurements on its hidden clips (1,000 steps, five seeds; datasets/h36m/CARD.md)
measured = {MEASURED!r}

fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
names = list(scores)
a.bar(np.arange(3) - 0.2, [scores[k] for k in names], 0.4, label="this run, validation clips")
a.bar(np.arange(3) + 0.2, [np.mean(measured[k]) for k in names], 0.4, label="hidden clips, mean over seeds")
for i, k in enumerate(names):
    a.plot([i + 0.2] * len(measured[k]), measured[k], "k.", ms=4)
a.set_xticks(range(3), names); a.set_ylabel("MPJPE (mm)"); a.set_ylim(100, None); a.legend(loc="lower left")
b.plot(per_frame_index(pred_frame), "o-", label="per-frame CNN")
b.plot(per_frame_index(pred_lstm), "s-", label="CNN + LSTM")
b.axhline(baseline, color="gray", ls="--", label="mean pose")
b.set_xlabel("frame of the clip"); b.set_ylabel("MPJPE (mm)"); b.legend()
fig.tight_layout()
"""),
        section("5", "Save the model", """
The cell below saves your trained model as `starter/pose/pose_model.pt`, next to your
`pose.py`: `python -m autograder submit pose` packs it from there (and refuses to pack
without it). The grader loads it into your `DeepDynamicModel()` with
`torch.load(..., weights_only=True)` and scores it on hidden clips you never had, against two
bars (half of the part's points each): the MPJPE over every frame at most 144.5 mm, and the MPJPE on
the frames in which the person is not visible at least 11 mm under the mean pose's there (about
160 mm). Run this cell again after every training run you want to hand in.
While your instructor autogrades, the cell leaves the file you handed in as it is.
"""),
        code("""
if AUTOGRADE:  # autograding: the pose_model.pt you handed in is graded as it is (never rewritten)
    print(f"autograding: your {WEIGHTS.name} is graded as handed in" if WEIGHTS.is_file() else
          f"autograding: no {WEIGHTS.name} was handed in")
else:
    train.save_weights(model, WEIGHTS)
    print("saved", WEIGHTS)
    check = train.load_weights(pose.DeepDynamicModel(), WEIGHTS)
    pv = train.predict(check, Xva)
    print(f"reloaded: validation MPJPE {pose.mpjpe(Yva, pv):.1f} mm, on the blocked frames {blocked_mpjpe(pv):.1f} mm")
"""),
        graded("pose.saved_model"),
        md("""
## 6-7. Questions
"""),
        ask("""
**6.** Plot the training and validation loss and MPJPE against the epoch (above). Describe
the curves: does the model overfit, underfit, or neither after 1,000 steps? Why is the
training MPJPE of an epoch computed as a running mean over batches, and how does that
bias the comparison with the validation MPJPE?
""", "pose-written-6_curves"),
        written("pose-written-6_curves", """
Both losses fall fast in the first epochs and flatten; the validation curve tracks the
training curve closely, so at the end of the run the model is not overfitting yet (more data
per parameter than the original, and synthetic clips from one distribution). The
training numbers are averaged over the epoch while the weights change, so they describe
an older, worse model than the one evaluated at the end of the epoch; early on the
training MPJPE therefore looks worse than the validation MPJPE. The model also runs in
train mode (batch statistics) during those batches.
"""),
        ask("""
**7a.** Which hyper-parameters matter most here (learning rate, batch size, epochs, Adam's
betas)? What happens with a learning rate ten times larger or smaller?
""", "pose-written-7a_hyperparameters"),
        written("pose-written-7a_hyperparameters", """
The learning rate matters most: the notebook's rate learns within the budget; 2e-2 makes the
loss jump and the model stays near the mean pose (or diverges), 2e-4 is far too slow for the
grader's step budget.
Batch size trades noise for steps per second (32 clips = 256 frames per step). More
epochs keep improving slowly. Lower betas (the handout's 0.75 / 0.95) react faster but
are noisier; the defaults work.
"""),
        ask("""
**7b.** Compare the per-frame CNN with the CNN + LSTM and the mean-pose baseline. Why
does the LSTM help on these clips, and what would a bidirectional LSTM change?
""", "pose-written-7b_lstm"),
        written("pose-written-7b_lstm", """
Both networks beat the mean pose overall, and the CNN + LSTM beats the per-frame CNN
clearly (see the numbers and the plot above). Half of the frames after the first are
blocked: the person is not visible at all, so a per-frame network can only guess there and
scores like the mean pose; others are blurred, dark, noisy or occluded. The LSTM carries
what the earlier frames showed (poses change smoothly over 0.1 s), and it can
accumulate what is constant over the clip (the body's size, the viewpoint) from every
frame it has seen. Frame 0 has no past, so a forward LSTM cannot help it (see the
per-frame-index plot). A bidirectional LSTM would use the later frames too (frame 0 would
get context as well), but it needs the whole clip before predicting, so it cannot run
online.
"""),
    ]


def build():
    return kit.notebook(cells())


def execute(nb, timeout: int = 1800, cwd: Path | None = None, fast: bool = False):
    """Run every cell except the graded test cells (they grade ``starter/pose``, the stubs
    in this repository, not the reference) in ``cwd`` (default: a temporary folder, where
    ``pose_model.pt`` is written). ``fast``: with ``POSE_FAST=1`` (tiny training runs).
    Outputs are written into ``nb`` in place. ``cwd`` gets a ``starter/pose/`` (a copy of the
    reference) unless it has one: the notebook saves ``pose_model.pt`` there, as a student's does."""
    return cells_kit.execute(nb, HW, timeout=timeout, cwd=cwd, env={"POSE_FAST": "1"} if fast else None,
                             skip=is_graded_test, record_timing=False)


def main(argv=None):
    return generator_main(argv, doc=__doc__, build=build, path=NOTEBOOK, run=execute)


if __name__ == "__main__":
    raise SystemExit(main())
