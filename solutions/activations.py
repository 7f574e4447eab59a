"""Activation functions and their derivatives (elementwise unless stated), NumPy float64.

Every function takes ``x`` as an array of any shape or a scalar (a Python float or a 0-d NumPy value)
and returns a float64 array of the same shape (0-d for a scalar). Derivatives are taken with respect to
the pre-activation ``x`` and evaluated at ``x``.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}) (slide "Different Activation Functions: Sigmoid"), without overflow for any x (e.g. ±1000)."""
    x = np.asarray(x, dtype=np.float64)
    # e^{-|x|} never overflows; σ(x) = 1/(1+e^{-x}) for x >= 0 and e^{x}/(1+e^{x}) for x < 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_derivative(x):
    """σ'(x) = σ(x)(1 − σ(x)); 0.25 at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """tanh(x) = (1 − e^{-2x}) / (1 + e^{-2x}) (slide "Different Activation Functions: tanh").

    That form is −inf/inf = nan in float64 for x below about −355; ``np.tanh`` is finite for any x.
    """
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_derivative(x):
    """tanh'(x) = 1 − tanh²(x)."""
    t = tanh(x)
    return 1.0 - t * t


def relu(x):
    """ReLU(x) = max(0, x) (slide "Different Activation Functions: ReLU")."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_derivative(x):
    """1 for x > 0, else 0 (the convention at x = 0 is 0)."""
    return (np.asarray(x) > 0).astype(np.float64)


def leaky_relu(x, m=0.01):
    """x for x > 0, else m·x, with a slope 0 ≤ m < 1; the slides write LeakyReLU(x) = max(mx, x), the
    same function for such m."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, m * x)


def leaky_relu_derivative(x, m=0.01):
    """1 for x > 0, else m (m at x = 0)."""
    return np.where(np.asarray(x) > 0, 1.0, m).astype(np.float64)


def softmax(y):
    """softmax over the last axis: e^{y_i − max y} / Σ_j e^{y_j − max y}; stable for [1000, 1001, 1002].

    The slides write o_i = exp(y_i) / Σ_j exp(y_j) (slide "The Softmax operation"); subtracting the
    maximum gives the same value without overflow. y: (..., k) or (k,).
    """
    y = np.asarray(y, dtype=np.float64)
    e = np.exp(y - np.max(y, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z):
    """log softmax over the last axis via log-sum-exp: z − max z − log Σ e^{z − max z}."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


#: name -> (activation, derivative), as the MLP code of labs 2-4 looks them up.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "identity": (lambda x: np.asarray(x, dtype=np.float64), lambda x: np.ones_like(np.asarray(x, dtype=np.float64))),
}
