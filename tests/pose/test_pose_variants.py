"""Known-buggy versions of the student code lose points on their own part, with a message
naming the mistake; correct-but-different versions get full marks (structure checks;
the training runs are in test_pose_training.py)."""
import pytest

from .helpers import grade, make_tree

P = "pose.py"
MPJPE = "    return float(np.linalg.norm(pred - y, axis=-1).mean() * 1000.0)\n"
LOSS = "    return ((pred - y) ** 2).sum() / y.shape[0]\n"
LSTM = "        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)\n"
RUN_LSTM = "        seq, _ = self.lstm(feats)                                    # (B, T, hidden)\n"
FEATS = "        feats = self.cnn(frames).reshape(B, T, -1)                  # (B, T, hidden)\n"
FRAMES = "        frames = frames.permute(0, 1, 4, 2, 3).reshape(B * T, C, H, W)\n"
HEAD = "        self.head = nn.Sequential(nn.Linear(2 * hidden, 256), nn.ReLU(), nn.Linear(256, N_JOINTS * 3))\n"
SKIP = "        both = torch.cat([feats, seq], dim=-1)                       # (B, T, 2 * hidden): the skip connection\n"
RETURN = "        return self.head(both).reshape(B, T, N_JOINTS, 3)\n"

# name: (patches, check id, words the failure message must contain)
BUGGY = {
    "mpjpe_in_metres": ([(P, MPJPE, "    return float(np.linalg.norm(pred - y, axis=-1).mean())\n")],
                        "pose.mpjpe", "millimetres"),
    "mpjpe_norm_over_joints": ([(P, MPJPE, "    return float(np.linalg.norm(pred - y, axis=-2).mean() * 1000.0)\n")],
                               "pose.mpjpe", "wrong axis"),
    "mpjpe_squared_distance": ([(P, MPJPE, "    return float(((pred - y) ** 2).sum(-1).mean() * 1000.0)\n")],
                               "pose.mpjpe", "no square root"),
    "mpjpe_sum_over_joints": ([(P, MPJPE, "    return float(np.linalg.norm(pred - y, axis=-1).sum(-1).mean() * 1000.0)\n")],
                              "pose.mpjpe", "summed over the joints"),
    "loss_euclidean_distance": ([(P, LOSS, "    return torch.linalg.vector_norm(pred - y, dim=-1).sum() / y.shape[0]\n")],
                                "pose.loss", "Euclidean distances"),
    "loss_absolute_errors": ([(P, LOSS, "    return (pred - y).abs().sum() / y.shape[0]\n")], "pose.loss", "L1"),
    "loss_rmse": ([(P, LOSS, "    return ((pred - y) ** 2).mean().sqrt()\n")], "pose.loss", "RMSE"),
    "loss_scale_depends_on_the_batch_size": ([(P, LOSS, "    return ((pred - y) ** 2).sum() / y.shape[0] ** 2\n")],
                                             "pose.loss", "changes with the batch size"),
    "loss_detached": ([(P, LOSS, "    return torch.tensor(float(((pred - y) ** 2).sum() / y.shape[0]))\n")],
                      "pose.loss", "not differentiable"),
    "lstm_over_the_batch_axis": ([(P, LSTM, "        self.lstm = nn.LSTM(hidden, hidden)\n")],
                                 "pose.model_batch_independent", "wrong axis"),
    "frames_reversed_in_the_model": ([(P, RUN_LSTM, "        seq, _ = self.lstm(feats.flip(1))\n")],
                                     "pose.model_frames_aligned", "out of order"),
    "frames_mixed_by_a_reshape": ([(P, FRAMES, "        frames = frames.permute(1, 0, 4, 2, 3).reshape(B * T, C, H, W)\n")],
                                  "pose.model_frames_aligned", "out of order"),
    "mean_pose_predictor": ([(P, FEATS, "        feats = torch.zeros(B, T, self.lstm.hidden_size)\n")],
                            "pose.model_uses_input", "mean-pose"),
    "one_pose_per_clip": ([(P, RETURN, "        return self.head(both[:, -1]).reshape(B, N_JOINTS, 3)\n")],
                          "pose.model_shapes", "one pose per clip"),
    # no temporal context: the LSTM replaced by a per-frame layer (the per-frame CNN of the card) ...
    "per_frame_layer_instead_of_the_lstm": ([(P, LSTM, "        self.lstm = nn.Sequential(nn.Linear(hidden, hidden), "
                                                       "nn.Tanh())\n"),
                                             (P, RUN_LSTM, "        seq = self.lstm(feats)\n")],
                                            "pose.model_uses_past", "no temporal context"),
    # ... or the LSTM run on clips of one frame (every frame its own sequence)
    "lstm_on_one_frame_clips": ([(P, RUN_LSTM, "        seq = self.lstm(feats.reshape(B * T, 1, -1))[0].reshape(B, T, -1)\n")],
                                "pose.model_uses_past", "no temporal context"),
}

MODEL_CHECKS = ("pose.model_shapes", "pose.model_batch_independent", "pose.model_frames_aligned",
                "pose.model_uses_past", "pose.model_uses_input")
FUNCTION_CHECKS = ("pose.public.mpjpe", "pose.mpjpe", "pose.public.loss", "pose.loss")
# correct-but-different: every check of its part passes
CORRECT = {
    # the handout's plain CNN -> LSTM -> MLP, without the skip connection (also trained in calibrate.py)
    "plain_cnn_lstm_without_skip": [
        (P, HEAD, "        self.head = nn.Sequential(nn.Linear(hidden, 256), nn.ReLU(), nn.Linear(256, N_JOINTS * 3))\n"),
        (P, SKIP, "        both = seq\n")],
    "gru_instead_of_lstm": [(P, LSTM, "        self.lstm = nn.GRU(hidden, hidden, batch_first=True)\n")],
    "time_major_lstm_with_transposes": [
        (P, LSTM, "        self.lstm = nn.LSTM(hidden, hidden)\n"),
        (P, RUN_LSTM, "        seq = self.lstm(feats.transpose(0, 1))[0].transpose(0, 1)\n")],
    "another_small_cnn": [(P, "            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), "
                              "nn.MaxPool2d(2)]\n",
                           "            blocks += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.ReLU()]\n")],
    "mpjpe_in_torch_and_loss_via_mse": [
        (P, MPJPE, "    return float(torch.as_tensor(pred).sub(torch.as_tensor(y)).pow(2).sum(-1).sqrt().mean()) * 1000\n"),
        (P, LOSS, "    return nn.functional.mse_loss(pred, y, reduction='sum') / len(y)\n")],
    "float32_inside_mpjpe": [(P, MPJPE, "    d = (np.float32(1) * pred - y).astype(np.float32)\n"
                                        "    return float(np.sqrt((d * d).sum(-1)).mean()) * 1e3\n")],
}

LOSS_CHECKS = ("pose.public.loss", "pose.loss")
# correct code written for the handout (its own conventions where it leaves a choice): full marks
# on the checks of the functions it changes. name: (patches, check ids). The handout's write-up
# gives the loss as a plain sum of squared errors and its code uses Keras' MeanSquaredError (a mean
# over every element); any positive constant multiple of those is correct (Adam's steps do not change).
HANDOUT = {
    "loss_plain_sum_as_in_the_writeup": ([(P, LOSS, "    return ((pred - y) ** 2).sum()\n")], LOSS_CHECKS),
    "loss_keras_mse_mean_over_elements": ([(P, LOSS, "    return ((pred - y) ** 2).mean()\n")], LOSS_CHECKS),
    "loss_torch_mse_module": ([(P, LOSS, "    return nn.MSELoss()(pred, y)\n")], LOSS_CHECKS),
    "loss_mean_over_clips_and_frames": ([(P, LOSS, "    return ((pred - y) ** 2).sum(dim=(-1, -2)).mean()\n")],
                                        LOSS_CHECKS),
    "loss_half_sum_of_squares": ([(P, LOSS, "    return 0.5 * torch.sum(torch.square(y - pred))\n")], LOSS_CHECKS),
    "loss_per_clip_loop": ([(P, LOSS, "    return sum(((p - t) ** 2).sum() for p, t in zip(pred, y)) / len(y)\n")],
                           LOSS_CHECKS),
    # the handout's LSTM has a ReLU activation (Keras LSTM(activation='relu')): ReLU on its output
    "lstm_output_through_relu_as_in_keras": ([(P, RUN_LSTM, "        seq = torch.relu(self.lstm(feats)[0])\n")],
                                             MODEL_CHECKS),
    # the handout normalises with x / 255 only (no centring)
    "pixels_divided_by_255_only": ([(P, "        frames = x.float().div(255.0).sub(0.5)                      "
                                        "# (B, T, H, W, 3) in [-0.5, 0.5]\n",
                                     "        frames = x.float() / 255.0\n")], MODEL_CHECKS),
}


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_variant_is_caught(name, tmp_path):
    patches, check_id, hint = BUGGY[name]
    result = grade(make_tree(tmp_path, patches), ids=[check_id])[check_id]
    assert result.status in ("failed", "error"), f"{name} passed {check_id}"
    assert "internal grader error" not in result.message, result.log
    assert hint in result.message, f"{name}: message lacks {hint!r}:\n{result.message}"


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_variant_gets_full_marks(name, tmp_path):
    patched = "".join(new for _, _, new in CORRECT[name])
    ids = MODEL_CHECKS if "self." in patched else FUNCTION_CHECKS
    res = grade(make_tree(tmp_path, CORRECT[name]), ids=list(ids))
    bad = {i: (r.status, r.message) for i, r in res.items() if r.status != "passed"}
    assert not bad, bad


def test_variants_are_many_and_distinct():
    assert len(BUGGY) >= 10 and len(CORRECT) >= 4
    assert len({tuple(map(tuple, v[0])) for v in BUGGY.values()}) == len(BUGGY)


@pytest.mark.parametrize("name", sorted(HANDOUT))
def test_code_written_for_the_handout_gets_full_marks(name, tmp_path):
    patches, ids = HANDOUT[name]
    res = grade(make_tree(tmp_path, patches), ids=list(ids))
    bad = {i: (r.status, r.message) for i, r in res.items() if r.status != "passed"}
    assert not bad, bad


def test_any_temporal_model_has_temporal_context(tmp_path):
    """A bidirectional LSTM (or any model whose frame t sees earlier frames) passes the temporal-context
    check; whether its frames stay aligned is pose.model_frames_aligned's business."""
    bi = [(P, LSTM, "        self.lstm = nn.LSTM(hidden, hidden // 2, batch_first=True, bidirectional=True)\n")]
    r = grade(make_tree(tmp_path, bi), ids=["pose.model_uses_past"])["pose.model_uses_past"]
    assert r.status == "passed", r.message
