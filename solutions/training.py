"""Training an MLP by plain gradient descent on the softmax cross-entropy (batch, stochastic, minibatch).

NumPy, float64; builds on :mod:`solutions.layers`.
"""
from __future__ import annotations

import numpy as np

from solutions.layers import mlp_backward, mlp_forward, softmax_cross_entropy

MODES = ("batch", "stochastic", "minibatch")


def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    """Gradient descent w ← w − η ∂L/∂w on the mean softmax cross-entropy of an MLP.

    X: (n, d) inputs; labels: (n,) integer classes; params: list of (W (fan_in, fan_out), b (fan_out,))
    pairs, the initial weights (not modified); activation: hidden activation of :func:`mlp_forward`;
    lr: learning rate η; epochs: passes over the data; rng: a NumPy Generator.
    mode: "batch" (one step per epoch on all n samples; rng unused), "stochastic" (batches of 1) or
    "minibatch" (batches of ``batch_size``, the slides' m). In the last two, each epoch draws ``order =
    rng.permutation(n)`` once (a new order every epoch) and steps on the consecutive slices order[0:B],
    order[B:2B], ... (B the batch size; when B does not divide n the last slice holds the n mod B left
    over, no sample dropped). ``rng=None`` means ``np.random.default_rng(0)``.
    Returns ``(params, losses)``: new list of (W, b) pairs, and ``losses`` (len = epochs), the mean loss
    over the whole training set after each epoch. Raises ValueError for an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if rng is None:
        rng = np.random.default_rng(0)
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    n = len(X)
    params = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)) for W, b in params]
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size

    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)
        for start in range(0, n, size):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], params, activation)
            _, dscores = softmax_cross_entropy(scores, labels[idx])
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        scores, _ = mlp_forward(X, params, activation)
        losses.append(softmax_cross_entropy(scores, labels)[0])
    return params, losses
