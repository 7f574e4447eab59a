"""Gradient checking: numerical gradients by central differences and the relative error.

NumPy, float64. Used to test a hand-written backward pass against the definition of the derivative.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Central-difference estimate of ∇f at x.

    f: function of an array shaped like x returning a float (the loss); x: float array of any shape;
    h: step. For every element i: ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h), error O(h²).
    Returns an array of x's shape. x is perturbed in place one element at a time and restored, so it
    is unchanged afterwards.
    """
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for idx in np.ndindex(*np.shape(x)):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """Largest elementwise relative error max_i |a_i − b_i| / max(1e-8, |a_i| + |b_i|) (a float).

    a, b: arrays (or numbers) of the same shape. The 1e-8 floor makes two zeros agree (error 0).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
