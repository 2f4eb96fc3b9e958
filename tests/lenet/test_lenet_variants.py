"""Known-buggy versions of the student functions are caught, with a hint naming the mistake.

Each variant is the reference with one realistic mistake patched in (the patch must
apply exactly once), graded through the real engine (sandboxed child).
"""
import pytest

from .helpers import grade, make_tree
from .variants_correct import CORRECT, HANDOUT

C = "cnn_lenet.py"
T = "toy.py"

POOL_FWD_CORE = ('    pooled = col.max(axis=0)  # (c, h_out*w_out, batch)\n'
                 '    data = pooled.transpose(1, 0, 2).reshape(h_out * w_out * c, batch)\n')

# name: (patches, check id, words the failure message must contain)
VARIANTS = {
    "pool_grad_to_every_window_entry": (
        [(C, "    dcol = first * dout[None]\n", "    dcol = np.broadcast_to(dout[None], col.shape) * 1.0\n")],
        "lenet.pool_backward", "to every entry of the window"),
    "pool_backward_assigns_instead_of_adding": (
        [(C, "    input_od = col2im_conv(dcol.reshape(k * k * c, h_out * w_out, batch), input, layer, h_out, w_out)\n",
          "    im = np.zeros((h_in + 2 * pad, w_in + 2 * pad, c, batch))\n"
          "    d6 = dcol.reshape(k, k, c, h_out, w_out, batch)\n"
          "    m6 = first.reshape(k, k, c, h_out, w_out, batch)\n"
          "    for i in range(h_out):\n"
          "        for j in range(w_out):\n"
          "            for dy in range(k):\n"
          "                for dx in range(k):\n"
          "                    y, x = i * stride + dy, j * stride + dx\n"
          "                    im[y, x] = np.where(m6[dy, dx, :, i, j], d6[dy, dx, :, i, j], im[y, x])\n"
          "    input_od = im[pad:pad + h_in, pad:pad + w_in].reshape(-1, batch)\n")],
        "lenet.pool_backward", "instead of adding"),
    "pool_reads_data_as_chw": (
        [(C, POOL_FWD_CORE,
          '    x = input["data"].reshape(c, h_in, w_in, batch).transpose(1, 2, 0, 3).reshape(-1, batch)\n'
          '    col = im2col_conv(x, layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)\n'
          '    data = col.reshape(k * k, c, h_out * w_out, batch).max(axis=0).reshape(c * h_out * w_out, batch)\n')],
        "lenet.pool_forward", "(channel, height, width)"),
    "pool_output_channel_slowest": (
        [(C, POOL_FWD_CORE, "    data = col.max(axis=0).reshape(c * h_out * w_out, batch)\n")],
        "lenet.pool_forward", "channel slowest"),
    # visible only where the hidden inputs reach the edge case (ties, exact zeros)
    "pool_backward_every_tied_max": (
        [(C, "        first[pos] = (col[pos] == best) & ~taken\n", "        first[pos] = col[pos] == best\n")],
        "lenet.pool_backward", "tie"),
    "relu_backward_nan_at_zero": (
        [(C, 'input_od = output["diff"] * (input["data"] > 0)',
          'input_od = output["diff"] * np.maximum(input["data"], 0) / input["data"]')],
        "lenet.relu_backward", "NaN"),
    "relu_mask_from_output_gradient": (
        [(C, 'input_od = output["diff"] * (input["data"] > 0)', 'input_od = output["diff"] * (output["diff"] > 0)')],
        "lenet.relu_backward", "mask from the output gradient"),
    "ip_forward_missing_transpose": (
        [(C, 'data = param["w"].T @ input["data"]', 'data = param["w"] @ input["data"]')],
        "lenet.ip_forward", "param['w'] @ x"),
    "ip_input_grad_missing_transpose": (
        [(C, 'input_od = param["w"] @ dout', 'input_od = param["w"].T @ dout')],
        "lenet.ip_backward", "param['w'].T @ diff"),
    "ip_bias_grad_not_summed": (
        [(C, '{"w": input["data"] @ dout.T, "b": dout.sum(axis=1)}', '{"w": input["data"] @ dout.T, "b": dout}')],
        "lenet.ip_backward", "did not sum the bias gradient over the batch"),
    "ip_weight_grad_averaged": (
        [(C, '{"w": input["data"] @ dout.T,', '{"w": input["data"] @ dout.T / dout.shape[1],')],
        "lenet.ip_backward", "divided the weight gradient by the batch size"),
    "sgd_momentum_sign": (
        [(C, 'inc_w = mu * param_winc[i]["w"]', 'inc_w = -mu * param_winc[i]["w"]'),
         (C, 'inc_b = mu * param_winc[i]["b"]', 'inc_b = -mu * param_winc[i]["b"]')],
        "lenet.sgd_momentum", "momentum term"),
    "sgd_steps_uphill": (
        [(C, '{"w": w - inc_w, "b": b - inc_b}', '{"w": w + inc_w, "b": b + inc_b}')],
        "lenet.sgd_momentum", "w = w - theta"),
    "sgd_no_weight_decay": (
        [(C, 'w_rate * (param_grad[i]["w"] + decay * w)', 'w_rate * param_grad[i]["w"]')],
        "lenet.sgd_momentum", "left out the weight decay"),
    "sgd_weight_decay_on_biases": (
        [(C, 'b_rate * param_grad[i]["b"]', 'b_rate * (param_grad[i]["b"] + decay * b)')],
        "lenet.sgd_momentum", "weight decay to the biases"),
    "sgd_rates_swapped": (
        [(C, 'inc_w = mu * param_winc[i]["w"] + w_rate', 'inc_w = mu * param_winc[i]["w"] + b_rate'),
         (C, 'inc_b = mu * param_winc[i]["b"] + b_rate', 'inc_b = mu * param_winc[i]["b"] + w_rate')],
        "lenet.sgd_momentum", "swapped w_rate and b_rate"),
    "toy_code_vectorisation_order": (
        [(T, "    x = handout_vector(pool)\n", "    x = pool.reshape(-1)\n")],
        "lenet.toy.q07", "channel fastest"),
    "toy_loss_log10": (
        [(T, "loss = -np.log(y[label])", "loss = -np.log10(y[label])")],
        "lenet.toy.q09", "log base 10"),
    "toy_dJdy_is_softmax_input_gradient": (
        [(T, '"dJ_dy": dJ_dy,', '"dJ_dy": dJ_drelu,')],
        "lenet.toy.q10", "with respect to the softmax's input"),
    "toy_tie_goes_to_last_max": (
        [(T, "arg = flat.argmax(axis=-1)", "arg = flat.shape[-1] - 1 - flat[..., ::-1].argmax(axis=-1)")],
        "lenet.toy.q12", "last of two equal maxima"),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_is_caught(name, tmp_path):
    patches, check_id, hint = VARIANTS[name]
    tree = make_tree(tmp_path, patches)
    result = grade(tree, ids=[check_id])[check_id]
    assert result.status in ("failed", "error"), f"{name} passed {check_id}"
    assert "internal grader error" not in result.message, result.log
    assert hint in result.message, f"{name}: message lacks {hint!r}:\n{result.message}"
    # hidden checks show a value-free summary that still names the mistake
    if result.status == "failed":
        assert hint.split("(")[0].strip() in result.safe_message or "Likely mistake" in result.safe_message


def test_variants_are_distinct_and_many():
    assert len(VARIANTS) >= 8
    assert len({tuple(map(tuple, v[0])) for v in VARIANTS.values()}) == len(VARIANTS)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_alternative_gets_full_marks(name, tmp_path):
    """Loops, einsum, float32 inside, extra dict keys, in-place updates, other tie rules: full marks
    (benchmarks/validity.py grades them on five seeds)."""
    patches, ids = CORRECT[name]
    results = grade(make_tree(tmp_path, patches), ids=ids, seed=1)
    for cid, r in results.items():
        assert r.score == r.points, (cid, r.status, r.message)


@pytest.mark.parametrize("name", sorted(HANDOUT))
def test_code_written_for_the_handout_gets_full_marks(name, tmp_path):
    """Correct code written for the original handout (its conventions, its loop-based speed): full
    marks on every check of the functions it changes. lenet.train is graded for these in
    tests/lenet/test_lenet_training.py (the per-image variant end to end, the naive loops' CPU time
    per step) and by benchmarks/validity.py."""
    patches, ids = HANDOUT[name]
    results = grade(make_tree(tmp_path, patches), ids=[i for i in ids if i != "lenet.train"], seed=1)
    for cid, r in results.items():
        assert r.score == r.points, (cid, r.status, r.message)
