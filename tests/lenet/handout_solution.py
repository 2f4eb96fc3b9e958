"""A correct solution of the lenet student functions written from the handout alone
(10-601 HW7, section 5 and the helper descriptions of section 6), not from this
project's reference: one image at a time, the handout's ``im2col_conv(input_n, layer,
h_out, w_out)`` / ``col2im_conv(col, input, layer, h_out, w_out)`` call forms,
``copy.deepcopy`` in the optimiser, pooling with padding assumed 0 (as Q1 allows).

``tests/lenet/test_lenet_handout_solution.py`` appends these definitions to the blank
starter's ``cnn_lenet.py`` (later definitions win) and grades them: every part they
implement must get full marks.
"""
import copy

import numpy as np


def pooling_layer_forward(input, layer):
    h_in, w_in, c = input['height'], input['width'], input['channel']
    batch_size = input['batch_size']
    k, stride = layer['k'], layer['stride']
    h_out = (h_in - k) // stride + 1
    w_out = (w_in - k) // stride + 1
    output = {'height': h_out, 'width': w_out, 'channel': c, 'batch_size': batch_size,
              'data': np.zeros((h_out * w_out * c, batch_size))}
    for n in range(batch_size):
        input_n = {'height': h_in, 'width': w_in, 'channel': c, 'data': input['data'][:, n]}
        col = im2col_conv(input_n, layer, h_out, w_out)          # noqa: F821 - provided helper
        col = np.reshape(col, (k * k, c, h_out * w_out))
        pooled = np.max(col, axis=0)                             # (c, h_out*w_out)
        output['data'][:, n] = pooled.T.flatten()                # (h_out*w_out, c), channel fastest
    return output


def pooling_layer_backward(output, input, layer):
    h_in, w_in, c = input['height'], input['width'], input['channel']
    batch_size = input['batch_size']
    k = layer['k']
    h_out, w_out = output['height'], output['width']
    input_od = np.zeros(input['data'].shape)
    for n in range(batch_size):
        input_n = {'height': h_in, 'width': w_in, 'channel': c, 'data': input['data'][:, n]}
        col = np.reshape(im2col_conv(input_n, layer, h_out, w_out), (k * k, c, h_out * w_out))  # noqa: F821
        diff = np.reshape(output['diff'][:, n], (h_out * w_out, c)).T  # (c, h_out*w_out)
        col_diff = np.zeros(col.shape)
        best = np.argmax(col, axis=0)                            # first maximum of each window
        for ch in range(c):
            for p in range(h_out * w_out):
                col_diff[best[ch, p], ch, p] = diff[ch, p]
        im = col2im_conv(col_diff, input, layer, h_out, w_out)  # noqa: F821 - provided helper
        input_od[:, n] = np.reshape(im, -1)
    return input_od


def relu_forward(input, layer):
    output = {'height': input['height'], 'width': input['width'], 'channel': input['channel'],
              'batch_size': input['batch_size']}
    output['data'] = np.maximum(np.zeros(input['data'].shape), input['data'])
    return output


def relu_backward(output, input, layer):
    input_od = np.zeros(input['data'].shape)
    idx = np.where(input['data'] > 0)
    input_od[idx] = output['diff'][idx]
    return input_od


def inner_product_forward(input, layer, param):
    num = layer['num']
    batch_size = input['batch_size']
    output = {'height': 1, 'width': 1, 'channel': num, 'batch_size': batch_size}
    output['data'] = np.dot(input['data'].T, param['w']).T + np.reshape(param['b'], (num, 1))
    return output


def inner_product_backward(output, input, layer, param):
    param_grad = {'w': np.dot(input['data'], output['diff'].T), 'b': np.sum(output['diff'], axis=1)}
    input_od = np.dot(param['w'], output['diff'])
    return param_grad, input_od


def sgd_momentum(w_rate, b_rate, mu, decay, params, param_winc, param_grad):
    params_ = copy.deepcopy(params)
    param_winc_ = copy.deepcopy(param_winc)
    for i in params_:
        param_winc_[i]['w'] = mu * param_winc_[i]['w'] + w_rate * (param_grad[i]['w'] + decay * params_[i]['w'])
        param_winc_[i]['b'] = mu * param_winc_[i]['b'] + b_rate * param_grad[i]['b']
        params_[i]['w'] = params_[i]['w'] - param_winc_[i]['w']
        params_[i]['b'] = params_[i]['b'] - param_winc_[i]['b']
    return params_, param_winc_
