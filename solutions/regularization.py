"""Regularisation: weight penalties, (inverted) dropout and early stopping, NumPy float64.

A network's parameters are a list of ``(W, b)`` pairs, ``W`` of shape ``(fan_in, fan_out)`` and
``b`` of shape ``(fan_out,)`` (a layer is ``x @ W + b``). The penalties act on the weights ``W``
only: a bias shifts a unit's threshold, does not multiply an input, and penalising it would pull
every threshold towards 0 without making the function any smoother.
"""
from __future__ import annotations

import math

import numpy as np


def l2_penalty(weights, lam):
    """L2 penalty (weight decay) ½λ Σ_layers ‖W‖²_F = ½λ Σ_layers Σ_ij W_ij² (biases not penalised).

    The slides write L_T(w) = L(w) + 0.5 Σ_i |w_i|² (slide "Parameter Norm Penalties"), without a
    strength: λ = 1 is the slide's penalty.

    weights: list of ``(W, b)`` pairs, ``W`` (fan_in, fan_out), ``b`` (fan_out,).
    lam:     λ ≥ 0, the penalty strength (dimensionless: it multiplies squared weights).
    Returns a Python float, added to the data loss L.
    """
    return float(0.5 * lam * sum(np.sum(np.asarray(W, dtype=np.float64) ** 2) for W, _ in weights))


def l2_penalty_grad(weights, lam):
    """Gradient of :func:`l2_penalty`: ∂/∂W = λW, ∂/∂b = 0.

    weights: list of ``(W, b)`` pairs. Returns a list of ``(dW, db)`` pairs with ``dW`` = λW
    (shape of W) and ``db`` = zeros of the shape of b, in the order of ``weights``.
    """
    return [(lam * np.asarray(W, dtype=np.float64), np.zeros(np.shape(b), dtype=np.float64)) for W, b in weights]


def l1_penalty(weights, lam):
    """L1 penalty λ Σ_layers Σ_ij |W_ij| (biases not penalised); λ = 1 is the slides' Σ_i |w_i|.

    weights: list of ``(W, b)`` pairs. Returns a Python float.
    """
    return float(lam * sum(np.sum(np.abs(np.asarray(W, dtype=np.float64))) for W, _ in weights))


def l1_penalty_grad(weights, lam):
    """(Sub)gradient of :func:`l1_penalty`: ∂/∂W = λ sign(W) (0 where W = 0), ∂/∂b = 0.

    weights: list of ``(W, b)`` pairs. Returns a list of ``(dW, db)`` pairs shaped like ``weights``.
    """
    return [(lam * np.sign(np.asarray(W, dtype=np.float64)), np.zeros(np.shape(b), dtype=np.float64))
            for W, b in weights]


def dropout_forward(x, p, train, rng):
    """Inverted dropout with DROP probability p.

    Training (``train=True``): keep = ``rng.random(x.shape) >= p`` (one draw, each unit kept with
    probability 1 − p), mask = keep / (1 − p), out = x ⊙ mask, so E[out] = x.
    Evaluation (``train=False``): out = x, mask = ones (nothing to rescale at test time).

    The slides drop nodes at random during training and use the complete network at test time
    (slides "Dropout: Training", "Dropout: Testing"), with no scaling; the 1/(1 − p) here (inverted
    dropout) keeps the expected input of the next layer the same in training and at test time.

    x: array of any shape, e.g. (n, units); p: float with 0 ≤ p < 1 (ValueError otherwise);
    rng: ``np.random.Generator``. Returns ``(out, mask)``, both of the shape of x; mask values are
    0 or 1/(1 − p).
    """
    if not 0.0 <= p < 1.0:  # also rejects NaN
        raise ValueError(f"dropout probability p must satisfy 0 <= p < 1, got {p}")
    x = np.asarray(x, dtype=np.float64)
    if not train:
        return x.copy(), np.ones_like(x)
    keep = rng.random(x.shape) >= p
    mask = keep / (1.0 - p)
    return x * mask, mask


def dropout_backward(dout, mask):
    """Backward pass of dropout: ∂L/∂x = ∂L/∂out ⊙ mask (the same scaled mask as the forward pass).

    dout, mask: arrays of the same shape. Returns an array of that shape.
    """
    return np.asarray(dout, dtype=np.float64) * np.asarray(mask, dtype=np.float64)


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    Epochs are numbered 0, 1, 2, ... by the calls to :meth:`step`. An epoch improves when
    ``val_loss < best − min_delta``: then ``best = val_loss``, ``best_epoch`` = that epoch and
    ``wait = 0``; otherwise ``wait += 1``. :meth:`step` returns ``wait >= patience`` (True: stop).

    Attributes: ``best`` (inf at the start), ``best_epoch`` (None before the first step), ``wait``.
    """

    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = math.inf
        self.best_epoch = None
        self.wait = 0
        self.epoch = 0

    def step(self, val_loss):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.best_epoch = self.epoch
            self.wait = 0
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait >= self.patience
