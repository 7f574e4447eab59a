"""Dense layers, a multi-layer perceptron (forward and backward) and the softmax cross-entropy loss.

NumPy, float64. Rows are samples: ``x`` has shape ``(n, d_in)``; a layer's weights ``W`` have shape
``(d_in, d_out)`` (fan_in, fan_out) and its bias ``b`` shape ``(d_out,)``, so the layer is ``x @ W + b``.
Backward functions take the upstream gradient ``dout = ∂L/∂out`` (same shape as the layer's output)
and return the gradients of the same loss L with respect to each input, by the chain rule.
"""
from __future__ import annotations

import numpy as np

from solutions.activations import ACTIVATIONS, log_softmax, softmax


def dense_forward(x, W, b):
    """Affine layer: out = x W + b.

    x: (n, d_in) inputs, W: (d_in, d_out) weights, b: (d_out,) bias (broadcast over the n rows).
    Returns ``(out, cache)``: out (n, d_out) and ``cache = (x, W, b)``, what the backward pass needs.
    """
    out = x @ W + b
    return out, (x, W, b)


def dense_backward(dout, cache):
    """Gradients of the affine layer out = x W + b.

    dout: (n, d_out) = ∂L/∂out; cache = (x, W, b) from :func:`dense_forward`.
    Returns ``(dx, dW, db)``: dx = dout Wᵀ (n, d_in), dW = xᵀ dout (d_in, d_out),
    db = Σ_rows dout (d_out,) (the bias is shared by every row, so its gradient sums over them).
    """
    x, W, b = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def mlp_forward(X, params, activation):
    """Forward pass of an MLP: z_l = a_{l-1} W_l + b_l, a_l = g(z_l), with a_0 = X.

    X: (n, d_0); params: list of L pairs (W_l (d_{l-1}, d_l), b_l (d_l,)); activation: "relu",
    "sigmoid" or "tanh" (g, applied after every layer except the last).
    Returns ``(scores, caches)``: scores = z_L (n, d_L), the raw logits, and ``caches``, a list with one
    entry per layer ``(dense_cache, act)`` where ``act = (z_l, activation)`` for hidden layers and
    ``None`` for the last one.
    """
    g = ACTIVATIONS[activation][0]
    a = X
    caches = []
    for layer, (W, b) in enumerate(params):
        z, dense_cache = dense_forward(a, W, b)
        if layer < len(params) - 1:
            a = g(z)
            caches.append((dense_cache, (z, activation)))
        else:
            a = z
            caches.append((dense_cache, None))
    return a, caches


def mlp_backward(dscores, caches):
    """Backpropagation through the MLP of :func:`mlp_forward`.

    dscores: (n, d_L) = ∂L/∂scores; caches: the list returned by :func:`mlp_forward`.
    Going from the last layer to the first: δ_l = ∂L/∂z_l, (∂L/∂a_{l-1}, ∂L/∂W_l, ∂L/∂b_l) from
    :func:`dense_backward`, and δ_{l-1} = ∂L/∂a_{l-1} ⊙ g'(z_{l-1}).
    Returns ``grads``: a list of L pairs (dW_l, db_l) with the shapes of params, first layer first.
    """
    grads = [None] * len(caches)
    delta = dscores
    for layer in range(len(caches) - 1, -1, -1):
        dense_cache, act = caches[layer]
        if act is not None:
            z, activation = act
            delta = delta * ACTIVATIONS[activation][1](z)
        delta, dW, db = dense_backward(delta, dense_cache)
        grads[layer] = (dW, db)
    return grads


def softmax_cross_entropy(z, labels):
    """Mean cross-entropy of softmax(z) and its gradient with respect to the logits z.

    z: (n, C) logits; labels: (n,) integer classes in [0, C).
    loss = −(1/n) Σ_i log softmax(z_i)[y_i], computed with log-sum-exp (finite for logits ~ ±1000);
    dz = (softmax(z) − one_hot(y)) / n, shape (n, C).
    Returns ``(loss, dz)`` with loss a float.
    """
    z = np.asarray(z, dtype=np.float64)
    labels = np.asarray(labels)
    n = z.shape[0]
    rows = np.arange(n)
    loss = -float(np.mean(log_softmax(z)[rows, labels]))
    dz = softmax(z)
    dz[rows, labels] -= 1.0
    return loss, dz / n
