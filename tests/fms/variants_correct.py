"""Correct-but-different fms implementations: each must get full marks on the checks
of the functions it changes, for every seed (tests/fms/test_fms_variants.py and
benchmarks/validity.py).

name: (patches on the reference, check ids of the changed functions). Patches are
``(file, old, new)`` with ``old`` occurring exactly once in the reference.
"""

# the reference maxpool_backward's routing of each window's gradient (replaced by loop versions)
MAXPOOL_BACKWARD_ROUTING = ("    flat_arg = windows.reshape(C, Wo, Ho, w * h).argmax(axis=3)\n"
                            "    a, b = np.divmod(flat_arg, h)\n"
                            "    c_idx, i_idx, j_idx = np.indices((C, Wo, Ho))\n"
                            "    dI = np.zeros(I.shape, dtype=np.result_type(dR, I))\n"
                            "    np.add.at(dI, (c_idx, i_idx * s + a, j_idx * s + b), dR)\n")
# the head of the loop versions: every window of every channel
MAXPOOL_BACKWARD_LOOPS = ("    dI = np.zeros(I.shape)\n"
                          "    for c in range(C):\n"
                          "        for i in range(Wo):\n"
                          "            for j in range(Ho):\n"
                          "                win = I[c, i * s:i * s + w, j * s:j * s + h]\n")

CORRECT = {
    # -- from the original accepted list
    "relu_grad_one_at_zero": (
        [("layers.py", "dx = dout * (x > 0)", "dx = dout * (x >= 0)")], ["fms.relu_backward"]),
    "mask_1d_zero_padded": (
        [("conv.py", "mask = np.array([0.5, 0.0, -0.5])", "mask = np.array([0.0, 0.5, 0.0, -0.5, 0.0])")],
        ["fms.derivative_mask"]),
    "edge_mask_prewitt_2d": (
        [("conv.py", "mask = np.stack([base, base, base])",
          "mask = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]])")],
        ["fms.vertical_edge_mask"]),
    "softmax_via_logsumexp": (
        [("layers.py", "log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
          "import scipy.special\n    log_norm = scipy.special.logsumexp(shifted, axis=1, keepdims=True)")],
        ["fms.softmax_loss"]),
    # -- loops
    "affine_forward_loop_over_examples": (
        [("layers.py", "    x_flat = x.reshape(x.shape[0], -1)\n    out = x_flat @ w + b\n",
          "    out = np.zeros((x.shape[0], w.shape[1]))\n"
          "    for i in range(x.shape[0]):\n"
          "        for j in range(w.shape[1]):\n"
          "            out[i, j] = np.sum(x[i].reshape(-1) * w[:, j]) + b[j]\n")],
        ["fms.affine_forward", "fms.public.affine"]),
    "conv_forward_loops": (
        [("conv.py", '    patches = sliding_window_view(I, (w, h), axis=(1, 2))[:, ::s, ::s]   # (C, W\', H\', w, h)\n'
                     '    R = np.einsum("cxyab,fcab->fxy", patches, G)\n',
          "    Wo, Ho = (I.shape[1] - w) // s + 1, (I.shape[2] - h) // s + 1\n"
          "    R = np.zeros((F, Wo, Ho))\n"
          "    for f in range(F):\n"
          "        for x in range(Wo):\n"
          "            for y in range(Ho):\n"
          "                R[f, x, y] = np.sum(I[:, x * s:x * s + w, y * s:y * s + h] * G[f])\n")],
        ["fms.conv2d_forward", "fms.public.conv2d"]),
    "maxpool_backward_loops_last_tie": (
        [("conv.py", MAXPOOL_BACKWARD_ROUTING, MAXPOOL_BACKWARD_LOOPS +
          "                hits = np.argwhere(win == win.max())\n"
          "                a, b = hits[-1]  # ties: the last maximum (another valid subgradient)\n"
          "                dI[c, i * s + a, j * s + b] += dR[c, i, j]\n")],
        ["fms.maxpool_backward", "fms.public.maxpool"]),
    "maxpool_backward_split_ties": (
        [("conv.py", MAXPOOL_BACKWARD_ROUTING, MAXPOOL_BACKWARD_LOOPS +
          "                m = (win == win.max())\n"
          "                dI[c, i * s:i * s + w, j * s:j * s + h] += m * dR[c, i, j] / m.sum()\n")],
        ["fms.maxpool_backward", "fms.public.maxpool"]),
    # -- einsum
    "affine_backward_einsum": (
        [("layers.py", "    dx = (dout @ w.T).reshape(x.shape)\n    dw = x_flat.T @ dout\n",
          '    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)\n    dw = np.einsum("nd,nm->dm", x_flat, dout)\n')],
        ["fms.affine_backward", "fms.public.affine"]),
    # -- float32 inside
    "affine_float32_inside": (
        [("layers.py", "    out = x_flat @ w + b\n",
          "    out = (x_flat.astype(np.float32) @ w.astype(np.float32) + b.astype(np.float32)).astype(np.float64)\n")],
        ["fms.affine_forward", "fms.public.affine", "fms.fcnet_scores"]),
    "conv_float32_inside": (
        [("conv.py", '    R = np.einsum("cxyab,fcab->fxy", patches, G)\n',
          '    R = np.einsum("cxyab,fcab->fxy", patches.astype(np.float32), G.astype(np.float32)).astype(np.float64)\n')],
        ["fms.conv2d_forward", "fms.public.conv2d"]),
    "softmax_float32_inside": (
        [("layers.py", "    shifted = x - x.max(axis=1, keepdims=True)\n",
          "    x = x.astype(np.float32)\n    shifted = x - x.max(axis=1, keepdims=True)\n"),
         ("layers.py", "    return float(loss), dx\n", "    return float(loss), dx.astype(np.float64)\n")],
        ["fms.softmax_loss", "fms.public.softmax_loss"]),
    # -- in place on its own input (the grader's copy is untouched)
    "relu_forward_in_place": (
        [("layers.py", "    out = np.maximum(x, 0)\n    cache = x\n",
          "    cache = x.copy()\n    out = np.maximum(x, 0, out=x)\n")],
        ["fms.relu_forward", "fms.public.relu"]),
}
