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

# ----------------------------------------------------------------------------------------
# Correct code written for the original handout (10-601 HW7): its conventions where it
# leaves a choice, and the loop-based speed it tolerates. Same format as CORRECT; read by
# tests/lenet/test_lenet_variants.py and by benchmarks/validity.py (column "correct code
# written for the handout").
# ----------------------------------------------------------------------------------------
POOL_FWD_SOLUTION = ("    col = im2col_conv(input[\"data\"], layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)\n"
                     "    col = col.reshape(k * k, c, h_out * w_out, batch)\n"
                     "    pooled = col.max(axis=0)  # (c, h_out*w_out, batch)\n"
                     "    data = pooled.transpose(1, 0, 2).reshape(h_out * w_out * c, batch)\n")
POOL_BWD_SOLUTION = (
    "    col = im2col_conv(input[\"data\"], layer, h_in, w_in, c, h_out, w_out, pad_value=-np.inf)\n"
    "    col = col.reshape(k * k, c, h_out * w_out, batch)\n"
    + POOL_BWD +
    "    dout = output[\"diff\"].reshape(h_out * w_out, c, batch).transpose(1, 0, 2)  # (c, P, batch)\n"
    "    dcol = first * dout[None]\n"
    "    input_od = col2im_conv(dcol.reshape(k * k * c, h_out * w_out, batch), input, layer, h_out, w_out)\n")

# the slowest code the handout tolerates: Python loops over example, channel, row and column
# (about 1.3-2 CPU s per LeNet step, 60 times the reference); lenet.train budgets for it
NAIVE_POOL_FWD = (
    "    data = np.zeros((h_out * w_out * c, batch))\n"
    "    for n in range(batch):\n"
    "        img = input[\"data\"][:, n].reshape(h_in, w_in, c)\n"
    "        out = np.zeros((h_out, w_out, c))\n"
    "        for ch in range(c):\n"
    "            for i in range(h_out):\n"
    "                for j in range(w_out):\n"
    "                    out[i, j, ch] = np.max(img[i * stride:i * stride + k, j * stride:j * stride + k, ch])\n"
    "        data[:, n] = out.reshape(-1)\n")
NAIVE_POOL_BWD = (
    "    input_od = np.zeros(input[\"data\"].shape)\n"
    "    for n in range(batch):\n"
    "        img = input[\"data\"][:, n].reshape(h_in, w_in, c)\n"
    "        d = output[\"diff\"][:, n].reshape(h_out, w_out, c)\n"
    "        grad = np.zeros((h_in, w_in, c))\n"
    "        for ch in range(c):\n"
    "            for i in range(h_out):\n"
    "                for j in range(w_out):\n"
    "                    win = img[i * stride:i * stride + k, j * stride:j * stride + k, ch]\n"
    "                    dy, dx = np.unravel_index(np.argmax(win), win.shape)\n"
    "                    grad[i * stride + dy, j * stride + dx, ch] += d[i, j, ch]\n"
    "        input_od[:, n] = grad.reshape(-1)\n")
# one image at a time through the handout's im2col_conv(input_n, layer, h_out, w_out) form,
# as the handout's own conv_layer_forward does
PER_IMAGE_POOL_FWD = (
    "    data = np.zeros((h_out * w_out * c, batch))\n"
    "    for n in range(batch):\n"
    "        input_n = {'height': h_in, 'width': w_in, 'channel': c, 'data': input['data'][:, n]}\n"
    "        col = np.reshape(im2col_conv(input_n, layer, h_out, w_out), (k * k, c, h_out * w_out))\n"
    "        data[:, n] = np.max(col, axis=0).T.flatten()\n")
PER_IMAGE_POOL_BWD = (
    "    input_od = np.zeros(input['data'].shape)\n"
    "    for n in range(batch):\n"
    "        input_n = {'height': h_in, 'width': w_in, 'channel': c, 'data': input['data'][:, n]}\n"
    "        col = np.reshape(im2col_conv(input_n, layer, h_out, w_out), (k * k, c, h_out * w_out))\n"
    "        diff = np.reshape(output['diff'][:, n], (h_out * w_out, c)).T\n"
    "        col_diff = np.zeros(col.shape)\n"
    "        best = np.argmax(col, axis=0)\n"
    "        for ch in range(c):\n"
    "            for p in range(h_out * w_out):\n"
    "                col_diff[best[ch, p], ch, p] = diff[ch, p]\n"
    "        input_od[:, n] = np.reshape(col2im_conv(col_diff, input, layer, h_out, w_out), -1)\n")
RELU_BWD_SOLUTION = '    input_od = output["diff"] * (input["data"] > 0)\n'
SGD_SOLUTION = ('    for i in params:\n'
                '        w, b = params[i]["w"], params[i]["b"]\n'
                '        inc_w = mu * param_winc[i]["w"] + w_rate * (param_grad[i]["w"] + decay * w)\n'
                '        inc_b = mu * param_winc[i]["b"] + b_rate * param_grad[i]["b"]\n'
                '        param_winc_[i] = {"w": inc_w, "b": inc_b}\n'
                '        params_[i] = {"w": w - inc_w, "b": b - inc_b}\n')

HANDOUT = {
    "pool_naive_loops": (
        [(C, POOL_FWD_SOLUTION, NAIVE_POOL_FWD), (C, POOL_BWD_SOLUTION, NAIVE_POOL_BWD)],
        ["lenet.pool_forward", "lenet.pool_backward", "lenet.public.pool_forward", "lenet.public.pool_gradcheck",
         "lenet.train"]),
    "pool_per_image_handout_im2col": (
        [(C, POOL_FWD_SOLUTION, PER_IMAGE_POOL_FWD), (C, POOL_BWD_SOLUTION, PER_IMAGE_POOL_BWD)],
        ["lenet.pool_forward", "lenet.pool_backward", "lenet.public.pool_forward", "lenet.public.pool_gradcheck",
         "lenet.train"]),
    # the kink of the ReLU: any value in [0, 1] of the gradient at exactly 0 is a subgradient
    "relu_backward_half_at_the_kink": (
        [(C, RELU_BWD_SOLUTION,
          '    x = input["data"]\n'
          '    input_od = output["diff"] * np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))\n')],
        ["lenet.relu_backward", "lenet.public.relu_gradcheck"]),
    "relu_backward_index_assignment_as_the_handout": (
        [(C, RELU_BWD_SOLUTION,
          "    input_od = np.zeros(input['data'].shape)\n"
          "    idx = np.where(input['data'] >= 0)\n"
          "    input_od[idx] = output['diff'][idx]\n")],
        ["lenet.relu_backward", "lenet.public.relu_gradcheck"]),
    "ip_forward_np_dot_of_the_transpose": (
        [(C, '    data = param["w"].T @ input["data"] + np.reshape(param["b"], (-1, 1))\n',
          "    data = np.dot(input['data'].T, param['w']).T + np.reshape(param['b'], (param['w'].shape[1], 1))\n")],
        ["lenet.ip_forward", "lenet.public.ip_forward", "lenet.public.ip_gradcheck"]),
    "sgd_momentum_deepcopy_in_place": (
        [(C, SGD_SOLUTION,
          '    import copy\n'
          '    params_ = copy.deepcopy(params)\n'
          '    param_winc_ = copy.deepcopy(param_winc)\n'
          '    for i in params_:\n'
          '        param_winc_[i]["w"] = mu * param_winc_[i]["w"] + w_rate * (param_grad[i]["w"] + decay * params_[i]["w"])\n'
          '        param_winc_[i]["b"] = mu * param_winc_[i]["b"] + b_rate * param_grad[i]["b"]\n'
          '        params_[i]["w"] = params_[i]["w"] - param_winc_[i]["w"]\n'
          '        params_[i]["b"] = params_[i]["b"] - param_winc_[i]["b"]\n')],
        ["lenet.sgd_momentum", "lenet.public.sgd_momentum", "lenet.train"]),
}
