"""Known variants of the nist36 student functions (patches on the reference).

BUGGY: name -> (patches, check id, words the failure message must contain); one
realistic mistake each. CORRECT: name -> (patches, check ids that must give full marks).
Patches are ``(file, old, new)`` with ``old`` occurring exactly once in the reference.
"""
N, T, Q2, Q3, Q4, Q5 = "nn.py", "theory.py", "run_q2.py", "run_q3.py", "run_q4.py", "run_q5.py"
F = "q4.py"

BUGGY = {
    "sigmoid_deriv_at_pre_activation": (
        [(N, "d_pre = delta * activation_deriv(post_act)", "d_pre = delta * activation_deriv(pre_act)")],
        "nist36.backwards", "at pre_act"),
    "loss_averaged": (
        [(N, "loss = float(-np.sum(y * np.log(probs)))", "loss = float(-np.sum(y * np.log(probs)) / y.shape[0])")],
        "nist36.compute_loss_and_acc", "averaged the loss"),
    "softmax_without_max_subtraction": (
        [(N, "shifted = x - np.max(x, axis=1, keepdims=True)", "shifted = x")],
        "nist36.softmax", "large scores"),
    "softmax_global_max": (
        [(N, "shifted = x - np.max(x, axis=1, keepdims=True)", "shifted = x - np.max(x)")],
        "nist36.softmax", "rows on very different scales"),
    "softmax_over_columns": (
        [(N, "res = e / np.sum(e, axis=1, keepdims=True)", "res = e / np.sum(e, axis=0, keepdims=True)")],
        "nist36.softmax", "columns"),
    "xavier_bound_from_fan_in": (
        [(N, "bound = np.sqrt(6.0 / (in_size + out_size))", "bound = np.sqrt(6.0 / in_size)")],
        "nist36.initialize_weights", "fan_in"),
    "xavier_normal_instead_of_uniform": (
        [(N, "W = np.random.uniform(-bound, bound, (in_size, out_size))",
          "W = np.random.normal(0.0, np.sqrt(2.0 / (in_size + out_size)), (in_size, out_size))")],
        "nist36.initialize_weights", "uniform"),
    "bias_2d": (
        [(N, "b = np.zeros(out_size)", "b = np.zeros((1, out_size))")],
        "nist36.initialize_weights", "1-D"),
    "forward_forgot_bias": (
        [(N, "pre_act = X @ W + b", "pre_act = X @ W")],
        "nist36.forward", "forgot the bias"),
    "grad_b_averaged": (
        [(N, "grad_b = np.sum(d_pre, axis=0)", "grad_b = np.mean(d_pre, axis=0)")],
        "nist36.backwards", "averaged grad_b"),
    "grad_x_skips_activation": (
        [(N, "grad_X = d_pre @ W.T", "grad_X = delta @ W.T")],
        "nist36.backwards", "skipped the activation"),
    "accuracy_as_count": (
        [(N, "acc = float(np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1)))",
          "acc = float(np.sum(np.argmax(probs, axis=1) == np.argmax(y, axis=1)))")],
        "nist36.compute_loss_and_acc", "number of correct"),
    "batches_drop_the_last": (
        [(N, "for start in range(0, x.shape[0], batch_size):",
          "for start in range(0, x.shape[0] - batch_size + 1, batch_size):")],
        "nist36.get_random_batches", "missing"),
    "batches_with_replacement": (
        [(N, "order = np.random.permutation(x.shape[0])", "order = np.random.randint(0, x.shape[0], x.shape[0])")],
        "nist36.get_random_batches", "more than once"),
    "train_step_uphill": (
        [(Q2, "        params[k] -= learning_rate * params['grad_' + k]\n",
          "        params[k] += learning_rate * params['grad_' + k]\n")],
        "nist36.train_step", "added the gradient"),
    "numgrad_one_sided": (
        [(Q2, "            v[idx] = old - eps\n            minus = loss_fn(params)\n",
          "            v[idx] = old\n            minus = loss_fn(params)\n"),
         (Q2, "g[idx] = (plus - minus) / (2 * eps)", "g[idx] = (plus - minus) / eps")],
        "nist36.numerical_gradients", "one-sided"),
    "numgrad_not_restored": (
        [(Q2, "            v[idx] = old\n            g[idx]", "            g[idx]")],
        "nist36.numerical_gradients", "restore"),
    "numgrad_includes_cache_and_grads": (
        [(Q2, "        if '_' in k:\n            continue\n", "        if not isinstance(params[k], np.ndarray):\n"
                                                               "            continue\n")],
        "nist36.numerical_gradients", "are parameters"),
    "tanh_uses_sigma_of_x": (
        [(T, "return 2.0 / (1.0 + np.exp(-2.0 * x)) - 1.0", "return 2.0 / (1.0 + np.exp(-x)) - 1.0")],
        "nist36.q1_6_tanh", "sigma(2x)"),
    "softmax_steps_unnormalised": (
        [(T, "    return s, S, s / S\n", "    return s, S, s\n")],
        "nist36.q1_2_softmax_steps", "step 3 divides by S"),
    "softmax_steps_returns_the_properties": (  # the literal answer that used to earn Q1.2's point
        [(T, "    return s, S, s / S\n", "    return 0.0, 1.0, 1.0\n")],
        "nist36.q1_2_softmax_steps", "s (step 1)"),
    "tanh_slope_without_the_square": (
        [(T, "    return s * (1.0 - s), 1.0 - th ** 2\n", "    return s * (1.0 - s), 1.0 - th\n")],
        "nist36.q1_6_tanh", "square is missing"),
    "slopes_as_constants": (  # the largest slopes as literals, the old Q1.6 part
        [(T, "    return s * (1.0 - s), 1.0 - th ** 2\n", "    return 0.25, 1.0\n")],
        "nist36.q1_6_tanh", "sigmoid_and_tanh_slopes"),
    "linear_grad_w_transposed": (
        [(T, "return np.outer(delta, x), W.T @ delta", "return np.outer(x, delta).T.T, W.T @ delta")],
        "nist36.q1_5_linear_grads", "delta x^T"),
    "confusion_transposed": (
        [(Q3, "np.add.at(C, (np.argmax(y, axis=1), np.argmax(probs, axis=1)), 1)",
          "np.add.at(C, (np.argmax(probs, axis=1), np.argmax(y, axis=1)), 1)")],
        "nist36.confusion_matrix", "rows are predictions"),
    "ae_momentum_adds_gradient": (
        [(Q5, "params['m_' + k] = momentum * params['m_' + k] - learning_rate * params['grad_' + k]",
          "params['m_' + k] = momentum * params['m_' + k] + learning_rate * params['grad_' + k]")],
        "nist36.ae_step", "momentum adds"),
    "ae_delta_without_factor_two": (
        [(Q5, "delta = 2.0 * (out - xb)", "delta = out - xb")],
        "nist36.ae_step", "2 (out - x)"),
    "psnr_of_the_whole_set": (
        [(Q5, "psnr = float(np.mean([peak_signal_noise_ratio(a, b, data_range=1.0) for a, b in zip(x, recon)]))",
          "psnr = float(peak_signal_noise_ratio(x, recon, data_range=1.0))")],
        "nist36.average_psnr", "whole set"),
    # bw's polarity is its own case of Q4.2: the boxes keep their 8 of 10 points
    # (tests/nist36/test_nist36_variants.py checks the partial score)
    "find_letters_bw_inverted": (
        [(F, "    bw = 1.0 - ink.astype(np.float64)\n", "    bw = ink.astype(np.float64)\n")],
        "nist36.find_letters", "inverted"),
    "group_rows_unsorted_within_line": (
        [(Q4, "    rows = [sorted(r, key=lambda i: b[i, 1]) for r in rows]\n", "")],
        "nist36.group_rows", "lines"),
}

CORRECT = {
    "sigmoid_naive_formula": (
        [(N, "    x = np.asarray(x, dtype=np.float64)\n    res = np.empty_like(x)\n    pos = x >= 0\n"
             "    res[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n    e = np.exp(x[~pos])\n    res[~pos] = e / (1.0 + e)\n",
          "    with np.errstate(over='ignore'):\n        res = 1.0 / (1.0 + np.exp(-x))\n")],
        ["nist36.sigmoid", "nist36.forward"]),
    "softmax_scipy": (
        [(N, "    shifted = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(shifted)\n"
             "    res = e / np.sum(e, axis=1, keepdims=True)\n",
          "    import scipy.special\n    res = scipy.special.softmax(x, axis=1)\n")],
        ["nist36.softmax", "nist36.public.forward_softmax"]),
    "loss_with_a_mask_as_the_handout": (
        [(N, "loss = float(-np.sum(y * np.log(probs)))", "loss = 0.0 - np.sum(np.log(probs[y.astype(bool)]))")],
        ["nist36.compute_loss_and_acc", "nist36.public.loss_and_acc"]),
    "forward_in_float32": (
        [(N, "    pre_act = X @ W + b\n    post_act = activation(pre_act)\n",
          "    pre_act = X.astype(np.float32) @ W.astype(np.float32) + b.astype(np.float32)\n"
          "    post_act = activation(pre_act).astype(np.float32)\n")],
        ["nist36.forward", "nist36.public.forward_softmax"]),
    "backwards_einsum": (
        [(N, "grad_W = X.T @ d_pre", "grad_W = np.einsum('ni,nj->ij', X, d_pre)"),
         (N, "grad_X = d_pre @ W.T", "grad_X = np.einsum('nj,ij->ni', d_pre, W)")],
        ["nist36.backwards", "nist36.public.backwards_gradcheck"]),
    "xavier_from_rand": (
        [(N, "W = np.random.uniform(-bound, bound, (in_size, out_size))",
          "W = (np.random.rand(in_size, out_size) * 2 - 1) * bound")],
        ["nist36.initialize_weights", "nist36.public.initialize_weights"]),
    "numgrad_flat_loop_with_extra_work": (
        [(Q2, "        for idx in np.ndindex(*np.shape(v)):\n",
          "        for flat in range(v.size):\n            idx = np.unravel_index(flat, v.shape)\n")],
        ["nist36.numerical_gradients", "nist36.public.numerical_gradients"]),
    "batches_shuffle_in_place": (
        [(N, "    order = np.random.permutation(x.shape[0])\n",
          "    order = list(range(x.shape[0]))\n    np.random.shuffle(order)\n    order = np.array(order)\n")],
        ["nist36.get_random_batches"]),
    "confusion_with_loops": (
        [(Q3, "    np.add.at(C, (np.argmax(y, axis=1), np.argmax(probs, axis=1)), 1)\n",
          "    for t_, p_ in zip(np.argmax(y, axis=1), np.argmax(probs, axis=1)):\n        C[t_, p_] += 1\n")],
        ["nist36.confusion_matrix"]),
    "slopes_through_the_outputs_and_a_shifted_sigmoid": (
        [(T, "    return s * (1.0 - s), 1.0 - th ** 2\n",
          "    s2 = 1.0 / (1.0 + np.exp(-2.0 * x))\n    return s * (1.0 - s), 4.0 * s2 * (1.0 - s2)\n")],
        ["nist36.q1_6_tanh"]),
    "softmax_steps_in_float32_with_a_numpy_sum": (
        [(T, "    return s, S, s / S\n", "    s = s.astype(np.float32)\n    return s, s.sum(), s / s.sum()\n")],
        ["nist36.q1_2_softmax_steps"]),
    "tanh_through_the_students_sigmoid": (
        [(T, "    x = np.asarray(x, dtype=np.float64)\n    return 2.0 / (1.0 + np.exp(-2.0 * x)) - 1.0\n",
          "    return 2 * sigmoid(2 * np.asarray(x, dtype=float)) - 1\n")],
        ["nist36.q1_6_tanh"]),
}


# ----------------------------------------------------------------------------------------
# Correct code written for the original handout (16-720 HW5): its sample code, its photos'
# scale, its conventions. Same format as CORRECT; read by tests/nist36/test_nist36_variants.py
# and benchmarks/validity.py (column "correct code written for the handout").
# ----------------------------------------------------------------------------------------
FIND_SOLUTION = (
    "    img = np.asarray(image)\n"
    "    img = img.astype(np.float64) / 255.0 if img.dtype == np.uint8 else img.astype(np.float64)\n")
FIND_REST = "    bw = 1.0 - ink.astype(np.float64)\n"


def _find_letters(body):
    """Patches replacing the reference findLetters' body by ``body`` (which sets bboxes and bw)."""
    return [(F, FIND_SOLUTION, body + "    return bboxes, bw\n" + FIND_SOLUTION)]


HANDOUT = {
    # the handout's own sample findLetters, ported to current scikit-image (channel_axis)
    "find_letters_handout_sample": (
        _find_letters(
            "    import skimage.restoration\n"
            "    image = skimage.restoration.denoise_bilateral(image, channel_axis=-1)\n"
            "    gray = skimage.color.rgb2gray(image)\n"
            "    thresh = skimage.filters.threshold_otsu(gray)\n"
            "    bw = skimage.morphology.closing(gray < thresh, np.ones((7, 7), dtype=bool))\n"
            "    label_image = skimage.morphology.label(bw, connectivity=2)\n"
            "    props_region = skimage.measure.regionprops(label_image)\n"
            "    mean_area = sum(r.area for r in props_region) / len(props_region)\n"
            "    for region in props_region:\n"
            "        if region.area > 0.5 * mean_area:\n"
            "            bboxes.append(region.bbox)\n"
            "    bw = (~bw).astype(float)\n"),
        ["nist36.find_letters"]),
    # fixed-pixel constants sized for the handout's multi-megapixel photos (characters 2-3 times
    # the embedded pages' 48 px): misses characters at 1x, finds them all at 2x and 3x
    "find_letters_fixed_pixels_for_handout_photos": (
        _find_letters(
            "    gray = skimage.filters.gaussian(skimage.color.rgb2gray(image), sigma=2)\n"
            "    ink = gray < skimage.filters.threshold_otsu(gray)\n"
            "    ink = skimage.morphology.closing(ink, np.ones((9, 9), dtype=bool))\n"
            "    ink = skimage.morphology.remove_small_objects(ink, 600)\n"
            "    for r in skimage.measure.regionprops(skimage.measure.label(ink, connectivity=2)):\n"
            "        bboxes.append(r.bbox)\n"
            "    bw = (~ink).astype(float)\n"),
        ["nist36.find_letters", "nist36.read_page"]),
    # boxes as tuples (regionprops' bbox), bw as 1 - a bool image, a dilation before labelling,
    # speck removal by box height with a handout-scale constant (80 px: the embedded pages'
    # characters are 41-65 px high, so this detector needs the page enlarged 2x)
    "find_letters_dilation_and_height_cut": (
        _find_letters(
            "    gray = skimage.color.rgb2gray(image)\n"
            "    ink = gray < skimage.filters.threshold_otsu(gray)\n"
            "    ink = skimage.morphology.dilation(ink, skimage.morphology.disk(3))\n"
            "    regions = skimage.measure.regionprops(skimage.measure.label(ink, connectivity=2))\n"
            "    for r in regions:\n"
            "        if r.bbox[2] - r.bbox[0] >= 80:\n"
            "            bboxes.append(r.bbox)\n"
            "    bw = 1.0 - ink\n"),
        ["nist36.find_letters"]),
}

# One mistake, one charge: name -> (patches, the check that charges the mistake, downstream
# checks that must still give full marks because they are judged on the student's own (or the
# reference's) upstream and say so).
ONE_CHARGE = {
    "loss_mean": (
        [(N, "loss = float(-np.sum(y * np.log(probs)))", "loss = float(-np.sum(y * np.log(probs)) / y.shape[0])")],
        "nist36.compute_loss_and_acc", ["nist36.train_step"]),
    "sigmoid_off_by_a_constant": (
        [(N, "    res[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n", "    res[pos] = 1.0 / (1.0 + np.exp(-x[pos])) + 0.01\n")],
        "nist36.sigmoid", ["nist36.forward"]),
    "softmax_over_columns": (
        [(N, "res = e / np.sum(e, axis=1, keepdims=True)", "res = e / np.sum(e, axis=0, keepdims=True)")],
        "nist36.softmax", ["nist36.forward"]),
}
