"""The linear neuron and its least-squares fit, NumPy float64 (rows are samples)."""
from __future__ import annotations

import numpy as np


def linear_neuron(X, w, b):
    """Output of a linear neuron (or a layer of k of them): y = X w + b.

    X: (n, d) inputs, one sample per row.
    w: (d,) weights of one neuron -> output (n,), with b a scalar;
       or (d, k) weights of k neurons -> output (n, k), with b of shape (k,).
    Units: those of the targets the neuron was fitted to.
    """
    X = np.asarray(X, dtype=np.float64)
    return X @ np.asarray(w, dtype=np.float64) + np.asarray(b, dtype=np.float64)


def fit_least_squares(X, y_o):
    """Analytic least-squares fit of a linear neuron: (w, b) = argmin ‖X w + b − Y_o‖².

    Appends a column of ones to X, A = [X, 1] (n, d+1), and solves min_θ ‖A θ − Y_o‖² with
    θ = [w; b] (the normal equations AᵀA θ = Aᵀ Y_o, solved stably with ``lstsq``).

    X: (n, d); y_o: (n,) targets -> w (d,), b float;  y_o: (n, k) -> w (d, k), b (k,).
    """
    X = np.asarray(X, dtype=np.float64)
    y_o = np.asarray(y_o, dtype=np.float64)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, y_o, rcond=None)[0]
    w, b = theta[:-1], theta[-1]
    return w, (float(b) if y_o.ndim == 1 else b)
