"""Loss functions, their gradients, and one-hot encoding, NumPy float64.

Regression losses compare predictions ``y`` with targets ``y_o`` of the same (any) shape and are the
MEAN over all N = y.size elements; their gradients are taken with respect to ``y`` (same shape as
``y``, so they carry the 1/N of the mean). The slides write MSE = (1/N) Σ_i (y_o(i) − y(i))² with N
the number of observations (slide "Losses for Regression: Mean Squared Error"), for scalar outputs;
for outputs of shape (n, k) every one of the n·k outputs counts as an observation (``np.mean``, and
``torch.nn.MSELoss``'s default). Classification losses are the mean over samples (rows).
"""
from __future__ import annotations

import numpy as np


def _pair(y, y_o):
    return np.asarray(y, dtype=np.float64), np.asarray(y_o, dtype=np.float64)


def mse(y, y_o):
    """Mean squared error: L = (1/N) Σ (y − y_o)², N = y.size. Returns a float."""
    y, y_o = _pair(y, y_o)
    return float(np.mean((y - y_o) ** 2))


def mse_grad(y, y_o):
    """∂L/∂y of the MSE: 2 (y − y_o) / N, same shape as y."""
    y, y_o = _pair(y, y_o)
    return 2.0 * (y - y_o) / y.size


def mae(y, y_o):
    """Mean absolute error: L = (1/N) Σ |y − y_o|. Returns a float."""
    y, y_o = _pair(y, y_o)
    return float(np.mean(np.abs(y - y_o)))


def mae_grad(y, y_o):
    """∂L/∂y of the MAE: sign(y − y_o) / N (0 where y = y_o), same shape as y."""
    y, y_o = _pair(y, y_o)
    return np.sign(y - y_o) / y.size


def huber(y, y_o, delta=1.0):
    """Mean Huber loss of r = y − y_o: ½ r² where |r| ≤ δ, δ(|r| − ½δ) elsewhere. Returns a float."""
    y, y_o = _pair(y, y_o)
    a = np.abs(y - y_o)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


def huber_grad(y, y_o, delta=1.0):
    """∂L/∂y of the mean Huber loss: r / N where |r| ≤ δ, δ sign(r) / N elsewhere."""
    y, y_o = _pair(y, y_o)
    r = y - y_o
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r)) / y.size


def cross_entropy(p, y_o):
    """Cross-entropy of predicted probabilities p (n, k) against targets y_o (n, k) (one-hot or soft).

    L = −(1/n) Σ_i Σ_k y_o[i, k] log p[i, k] (the slides' L = −Σ_i y_oi log p_i of one sample, slide
    "Losses for Classification: Cross Entropy Loss", averaged over the n samples), where terms with y_o = 0 count 0 (even where p = 0);
    a term with y_o > 0 and p = 0 makes L = inf.
    Returns a float.
    """
    p, y_o = _pair(p, y_o)
    n = p.shape[0] if p.ndim > 1 else 1
    active = y_o != 0
    terms = np.where(active, y_o * np.log(np.where(active, p, 1.0)), 0.0)
    return float(-np.sum(terms) / n)


def cross_entropy_from_logits(z, labels):
    """Mean cross-entropy of softmax(z) against integer labels, via log-sum-exp.

    z: (n, k) logits; labels: (n,) ints in [0, k).
    L = (1/n) Σ_i [ log Σ_k e^{z[i, k]} − z[i, labels_i] ], with log Σ e^{z} = m + log Σ e^{z − m},
    m = max_k z[i, k], so it stays finite for logits like ±1000. Returns a float.
    """
    z = np.asarray(z, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    m = np.max(z, axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(z - m), axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), labels]))


def one_hot(labels, num_classes):
    """One-hot encoding: labels (n,) ints in [0, num_classes), an array or a Python list ->
    float64 (n, num_classes) with out[i, labels[i]] = 1 and zeros elsewhere."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.zeros((labels.size, num_classes), dtype=np.float64)
    out[np.arange(labels.size), labels] = 1.0
    return out
