"""Known-buggy submissions of fms problems 2 and 3 are caught, with a useful hint.

Each variant is a patched copy of the reference (one realistic mistake), graded
through the real engine (sandboxed child). The test asserts that the targeted check
fails and that its message contains the hint a student needs.
"""
import pytest

from .helpers import grade, make_tree
from .variants_correct import CORRECT

# name: (patches, check id, words the failure message must contain)
VARIANTS = {
    "softmax_missing_1_over_N": (
        [("layers.py", "loss = -log_probs[rows, y].mean()", "loss = -log_probs[rows, y].sum()"),
         ("layers.py", "    dx /= n\n", "")],
        "fms.softmax_loss", "missing 1/N"),
    "softmax_unstable_overflow": (
        [("layers.py", "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")],
        "fms.softmax_loss", "Subtract each row's maximum"),
    "softmax_forgot_minus_one": (
        [("layers.py", "    dx[rows, y] -= 1.0\n", "")],
        "fms.softmax_loss", "forgot to subtract 1 at the correct class"),
    "relu_mask_from_dout": (
        [("layers.py", "dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
        "fms.relu_backward", "mask was taken from the upstream gradient dout"),
    "affine_dx_not_reshaped": (
        [("layers.py", "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")],
        "fms.affine_backward", "reshape"),
    "affine_db_not_summed": (
        [("layers.py", "db = dout.sum(axis=0)", "db = dout")],
        "fms.affine_backward", "sum dout over the batch axis"),
    "affine_db_averaged": (
        [("layers.py", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)")],
        "fms.affine_backward", "averaged db over the batch instead of summing"),
    "affine_dw_transposed": (
        [("layers.py", "dw = x_flat.T @ dout", "dw = dout.T @ x_flat")],
        "fms.affine_backward", "dout.T @ x instead of x.T @ dout"),
    "affine_forgot_bias": (
        [("layers.py", "    out = x_flat @ w + b\n", "    out = x_flat @ w\n")],
        "fms.affine_forward", "forgot to add the bias b"),
    "net_reg_missing_from_gradient": (
        [("fc_net.py", 'grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W', 'grads[f"W{i}"] = grads[f"W{i}"]')],
        "fms.fcnet_loss_grads", "reg * W is missing"),
    "net_reg_without_half": (
        [("fc_net.py", "loss += 0.5 * self.reg * np.sum(W * W)", "loss += self.reg * np.sum(W * W)"),
         ("fc_net.py", 'grads[f"W{i}"] + self.reg * W', 'grads[f"W{i}"] + 2 * self.reg * W')],
        "fms.fcnet_loss_grads", "0.5 * reg * sum(W**2)"),
    "net_relu_on_scores": (
        [("fc_net.py", '        # END SOLUTION\n\n        if y is None:',
          '        scores = np.maximum(scores, 0)\n        # END SOLUTION\n\n        if y is None:')],
        "fms.fcnet_scores", "applied ReLU to the final scores"),
    "net_init_ignores_weight_scale": (
        [("fc_net.py", 'weight_scale * rng.standard_normal((n_in, n_out))', 'rng.standard_normal((n_in, n_out))')],
        "fms.fcnet_init", "weight_scale"),
    "mask_1d_not_flipped": (
        [("conv.py", "mask = np.array([0.5, 0.0, -0.5])", "mask = np.array([-0.5, 0.0, 0.5])")],
        "fms.derivative_mask", "not flipped"),
    "mask_1d_missing_half": (
        [("conv.py", "mask = np.array([0.5, 0.0, -0.5])", "mask = np.array([1.0, 0.0, -1.0])")],
        "fms.derivative_mask", "factor 1/2 is missing"),
    "conv_flips_mask": (
        [("conv.py", 'R = np.einsum("cxyab,fcab->fxy", patches, G)',
          'R = np.einsum("cxyab,fcab->fxy", patches, G[..., ::-1, ::-1])')],
        "fms.conv2d_forward", "mask was flipped"),
    "conv_output_size_missing_plus_one": (
        [("conv.py", 'R = np.einsum("cxyab,fcab->fxy", patches, G)',
          'R = np.einsum("cxyab,fcab->fxy", patches, G)[:, :(I.shape[1] - w) // s, :(I.shape[2] - h) // s]')],
        "fms.conv2d_forward", "W' = floor(1 + (W - w) / s)"),
    "conv_stride_ignored": (
        [("conv.py", "patches = sliding_window_view(I, (w, h), axis=(1, 2))[:, ::s, ::s]   # (C, W', H', w, h)",
          "patches = sliding_window_view(I, (w, h), axis=(1, 2))")],
        "fms.conv2d_forward", "every s-th position"),
    "conv_dG_flipped": (
        [("conv.py", 'dG = np.einsum("fxy,cxyab->fcab", dR, patches)',
          'dG = np.einsum("fxy,cxyab->fcab", dR, patches)[..., ::-1, ::-1]')],
        "fms.conv2d_backward_dG", "dG is flipped"),
    "conv_dI_flipped_mask": (
        [("conv.py", 'np.einsum("fxy,fc->cxy", dR, G[:, :, a, b])',
          'np.einsum("fxy,fc->cxy", dR, G[:, :, w - 1 - a, h - 1 - b])')],
        "fms.conv2d_backward_dI", "used the flipped mask"),
    "edge_mask_transposed": (
        [("conv.py", "mask = np.stack([base, base, base])", "mask = np.stack([base.T, base.T, base.T])")],
        "fms.vertical_edge_mask", "responds to horizontal edges but not to vertical ones"),
    "edge_mask_not_zero_sum": (
        [("conv.py", "mask = np.stack([base, base, base])", "mask = np.stack([base + 1, base + 1, base + 1])")],
        "fms.vertical_edge_mask", "sum to"),
    "maxpool_average": (
        [("conv.py", "R = windows.max(axis=(3, 4))", "R = windows.mean(axis=(3, 4))")],
        "fms.maxpool_forward", "average pooling"),
    "maxpool_grad_to_whole_window": (
        [("conv.py", "np.add.at(dI, (c_idx, i_idx * s + a, j_idx * s + b), dR)",
          "for i in range(Wo):\n        for j in range(Ho):\n"
          "            dI[:, i * s:i * s + w, j * s:j * s + h] += dR[:, i, j][:, None, None]")],
        "fms.maxpool_backward", "sent dR to every entry of the window"),
    "maxpool_grad_not_accumulated": (
        [("conv.py", "np.add.at(dI, (c_idx, i_idx * s + a, j_idx * s + b), dR)",
          "dI[c_idx, i_idx * s + a, j_idx * s + b] = dR")],
        "fms.maxpool_backward", "assigned instead of adding"),
    # visible only where the hidden inputs reach the edge case (ties, exact zeros, non-square)
    "maxpool_grad_to_every_tied_max": (
        [("conv.py", "np.add.at(dI, (c_idx, i_idx * s + a, j_idx * s + b), dR)",
          "for i in range(Wo):\n        for j in range(Ho):\n"
          "            win = I[:, i * s:i * s + w, j * s:j * s + h]\n"
          "            hit = win == win.max(axis=(1, 2), keepdims=True)\n"
          "            dI[:, i * s:i * s + w, j * s:j * s + h] += hit * dR[:, i, j][:, None, None]")],
        "fms.maxpool_backward", "tie"),
    "relu_backward_nan_at_zero": (
        [("layers.py", "dx = dout * (x > 0)", "dx = dout * np.maximum(x, 0) / x")],
        "fms.relu_backward", "NaN"),
    "maxpool_square_window": (
        [("conv.py", "    windows = sliding_window_view(I, (w, h), axis=(1, 2))[:, ::s, ::s]   # (C, W', H', w, h)\n"
                     "    R = windows.max(axis=(3, 4))\n",
          "    windows = sliding_window_view(I, (w, w), axis=(1, 2))[:, ::s, ::s]\n"
          "    R = windows.max(axis=(3, 4))[:, :, :(I.shape[2] - h) // s + 1]\n")],
        "fms.maxpool_forward", "wrong"),
    "maxpool_grad_missing_offset": (
        [("conv.py", "np.add.at(dI, (c_idx, i_idx * s + a, j_idx * s + b), dR)",
          "np.add.at(dI, (c_idx, a, b), dR)")],
        "fms.maxpool_backward", "offset"),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_is_caught_with_hint(name, tmp_path):
    patches, check_id, hint = VARIANTS[name]
    tree = make_tree(tmp_path, patches)
    result = grade(tree, [check_id])[check_id]
    assert result.status == "failed", (result.status, result.message)
    assert hint in result.message, result.message
    assert result.score < result.points  # loses points on its own part (cases: maybe not all of them)


def test_variants_do_not_break_unrelated_checks(tmp_path):
    """A bug in one function fails its own check, not every check of the homework."""
    patches, check_id, _ = VARIANTS["relu_mask_from_dout"]
    tree = make_tree(tmp_path, patches)
    results = grade(tree, ["fms.relu_backward", "fms.relu_forward", "fms.affine_backward",
                           "fms.conv2d_forward", "fms.maxpool_backward"])
    assert results["fms.relu_backward"].status == "failed"
    assert all(r.status == "passed" for k, r in results.items() if k != "fms.relu_backward")


# correct alternatives that must NOT be penalised (tests/fms/variants_correct.py; benchmarks/validity.py
# grades them on five seeds)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_alternative_gets_full_marks(name, tmp_path):
    patches, ids = CORRECT[name]
    results = grade(make_tree(tmp_path, patches), ids, seed=1)
    for cid, r in results.items():
        assert r.score == r.points, (cid, r.status, r.message)
