"""Correct-but-different lenet implementations: each must get full marks on the checks
of the functions it changes, for every seed (tests/lenet/test_lenet_variants.py and
benchmarks/validity.py).

name: (patches on the reference, check ids of the changed functions). Patches are
``(file, old, new)`` with ``old`` occurring exactly once in the reference.
"""
C = "cnn_lenet.py"

POOL_BWD = ("    best = col.max(axis=0)\n"
            "    # mark the first position of each window that holds the maximum (loop over the k*k offsets)\n"
            "    first = np.zeros(col.shape, dtype=bool)\n"
            "    taken = np.zeros(best.shape, dtype=bool)\n"
            "    for pos in range(k * k):\n"
            "        first[pos] = (col[pos] == best) & ~taken\n"
            "        taken |= first[pos]\n")

CORRECT = {
    # the handout lets pooling assume pad = 0, so padding with zeros (the handout's own im2col) is fine
    "pool_pads_with_zeros_as_the_handout_allows": (
        [(C, 'pad_value=-np.inf)\n    col = col.reshape(k * k, c, h_out * w_out, batch)\n    pooled',
          'pad_value=0.0)\n    col = col.reshape(k * k, c, h_out * w_out, batch)\n    pooled')],
        ["lenet.pool_forward", "lenet.public.pool_forward"]),
    "pool_forward_loops": (
        [(C, "    col = im2col_conv(input[\"data\"], layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)\n"
             "    col = col.reshape(k * k, c, h_out * w_out, batch)\n"
             "    pooled = col.max(axis=0)  # (c, h_out*w_out, batch)\n"
             "    data = pooled.transpose(1, 0, 2).reshape(h_out * w_out * c, batch)\n",
          "    img = input[\"data\"].reshape(h_in, w_in, c, batch)\n"
          "    out = np.zeros((h_out, w_out, c, batch))\n"
          "    for i in range(h_out):\n"
          "        for j in range(w_out):\n"
          "            win = img[i * stride:i * stride + k, j * stride:j * stride + k]\n"
          "            out[i, j] = win.max(axis=(0, 1))\n"
          "    data = out.reshape(h_out * w_out * c, batch)\n")],
        ["lenet.pool_forward", "lenet.public.pool_forward"]),
    "pool_backward_last_tie": (
        [(C, POOL_BWD,
          "    best = col.max(axis=0)\n"
          "    first = np.zeros(col.shape, dtype=bool)\n"
          "    taken = np.zeros(best.shape, dtype=bool)\n"
          "    for pos in reversed(range(k * k)):  # ties: the last maximum\n"
          "        first[pos] = (col[pos] == best) & ~taken\n"
          "        taken |= first[pos]\n")],
        ["lenet.pool_backward", "lenet.public.pool_gradcheck"]),
    "pool_backward_split_ties": (
        [(C, POOL_BWD,
          "    best = col.max(axis=0)\n"
          "    hits = (col == best)\n"
          "    first = hits / hits.sum(axis=0)  # ties: the gradient shared among the maxima\n")],
        ["lenet.pool_backward", "lenet.public.pool_gradcheck"]),
    "relu_forward_in_place": (
        [(C, '    data = np.maximum(input["data"], 0)\n',
          '    data = input["data"]\n    data[data < 0] = 0\n')],
        ["lenet.relu_forward", "lenet.public.relu", "lenet.public.relu_gradcheck"]),
    "relu_backward_where": (
        [(C, '    input_od = output["diff"] * (input["data"] > 0)\n',
          '    input_od = np.where(input["data"] > 0, output["diff"], 0.0)\n')],
        ["lenet.relu_backward", "lenet.public.relu_gradcheck"]),
    "ip_forward_einsum": (
        [(C, '    data = param["w"].T @ input["data"] + np.reshape(param["b"], (-1, 1))\n',
          '    data = np.einsum("dn,db->nb", param["w"], input["data"]) + param["b"][:, None]\n')],
        ["lenet.ip_forward", "lenet.public.ip_forward", "lenet.public.ip_gradcheck"]),
    "ip_forward_float32_inside": (
        [(C, '    data = param["w"].T @ input["data"] + np.reshape(param["b"], (-1, 1))\n',
          '    w32, x32 = param["w"].astype(np.float32), input["data"].astype(np.float32)\n'
          '    data = (w32.T @ x32 + np.reshape(param["b"], (-1, 1)).astype(np.float32)).astype(np.float64)\n')],
        ["lenet.ip_forward", "lenet.public.ip_forward", "lenet.public.ip_gradcheck"]),
    "ip_backward_loops_extra_keys": (
        [(C, '    param_grad = {"w": input["data"] @ dout.T, "b": dout.sum(axis=1)}\n',
          '    gw = np.zeros(param["w"].shape)\n'
          '    for j in range(dout.shape[1]):\n'
          '        gw += np.outer(input["data"][:, j], dout[:, j])\n'
          '    param_grad = {"w": gw, "b": dout.sum(axis=1), "note": "summed over the batch"}\n')],
        ["lenet.ip_backward", "lenet.public.ip_gradcheck"]),
    "sgd_momentum_extra_keys_in_place": (
        [(C, '        param_winc_[i] = {"w": inc_w, "b": inc_b}\n        params_[i] = {"w": w - inc_w, "b": b - inc_b}\n',
          '        param_winc_[i] = {"w": inc_w, "b": inc_b, "step": 1}\n'
          '        w -= inc_w\n        b -= inc_b\n'
          '        params_[i] = {"w": w, "b": b, "layer": i}\n')],
        ["lenet.sgd_momentum", "lenet.public.sgd_momentum"]),
    "sgd_momentum_float32_inside": (
        [(C, '        inc_w = mu * param_winc[i]["w"] + w_rate * (param_grad[i]["w"] + decay * w)\n',
          '        inc_w = (np.float32(mu) * param_winc[i]["w"].astype(np.float32) + np.float32(w_rate) * '
          '(param_grad[i]["w"].astype(np.float32) + np.float32(decay) * w.astype(np.float32)))\n')],
        ["lenet.sgd_momentum", "lenet.public.sgd_momentum"]),
    "relu_backward_grad_at_zero_passes": (
        [(C, '    input_od = output["diff"] * (input["data"] > 0)\n',
          '    input_od = output["diff"] * (input["data"] >= 0)\n')],
        ["lenet.relu_backward", "lenet.public.relu_gradcheck"]),
}
