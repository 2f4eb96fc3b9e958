"""A correct solution of fms problems 2.1 (layers) and 3 (convolution, pooling) written from
the handout alone (its formulas and the layer contracts of its layers.py), not from this
project's reference: explicit loops over windows, ``np.argmax`` per pooling window.

``tests/fms/test_fms_handout_solution.py`` appends ``LAYERS`` to the blank starter's
``layers.py`` and ``CONV`` to its ``conv.py`` (later definitions win) and grades them: every
part they implement must get full marks.
"""

LAYERS = '''

def affine_forward(x, w, b):
    N = x.shape[0]
    flat = x.reshape(N, -1)
    out = flat.dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = x * (x > 0)
    return out, x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def softmax_loss(x, y):
    N = x.shape[0]
    z = x - np.max(x, axis=1, keepdims=True)
    p = np.exp(z)
    p /= np.sum(p, axis=1, keepdims=True)
    loss = -np.sum(z[np.arange(N), y] - np.log(np.sum(np.exp(z), axis=1))) / N
    dx = p.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
'''

CONV = '''

def derivative_mask_1d():
    # (I * G)[t] = sum_k I[k] G[t - k]: I[t + 1] meets G[-1] and I[t - 1] meets G[1]
    return np.array([0.5, 0.0, -0.5])


def conv2d_forward(I, G, s=1):
    C, W, H = I.shape
    F, _, w, h = G.shape
    Wo, Ho = 1 + (W - w) // s, 1 + (H - h) // s
    R = np.zeros((F, Wo, Ho))
    for f in range(F):
        for x in range(Wo):
            for y in range(Ho):
                R[f, x, y] = np.sum(I[:, x * s:x * s + w, y * s:y * s + h] * G[f])
    return R


def conv2d_backward(dR, I, G, s=1):
    F, C, w, h = G.shape
    _, Wo, Ho = dR.shape
    dI = np.zeros(I.shape)
    dG = np.zeros(G.shape)
    for f in range(F):
        for x in range(Wo):
            for y in range(Ho):
                dG[f] += dR[f, x, y] * I[:, x * s:x * s + w, y * s:y * s + h]
                dI[:, x * s:x * s + w, y * s:y * s + h] += dR[f, x, y] * G[f]
    return dI, dG


def vertical_edge_mask():
    col = np.array([[-1.0], [0.0], [1.0]]) * np.ones((1, 3))   # changes along x (first axis)
    return np.stack([col, col, col])


def maxpool2d_forward(I, w, h, s):
    C, W, H = I.shape
    Wo, Ho = 1 + (W - w) // s, 1 + (H - h) // s
    R = np.zeros((C, Wo, Ho))
    for c in range(C):
        for i in range(Wo):
            for j in range(Ho):
                R[c, i, j] = np.max(I[c, i * s:i * s + w, j * s:j * s + h])
    return R


def maxpool2d_backward(dR, I, w, h, s):
    C, Wo, Ho = dR.shape
    dI = np.zeros(I.shape)
    for c in range(C):
        for i in range(Wo):
            for j in range(Ho):
                win = I[c, i * s:i * s + w, j * s:j * s + h]
                a, b = np.unravel_index(np.argmax(win), win.shape)
                dI[c, i * s + a, j * s + b] += dR[c, i, j]
    return dI
'''
