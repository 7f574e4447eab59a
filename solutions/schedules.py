"""Learning-rate schedules: the learning rate η as a function of the update count ``step``.

Each takes an integer ``step`` (0 before the first update) and returns a Python float.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["piecewise_constant", "exponential_decay", "polynomial_decay"]


def piecewise_constant(step, boundaries, values):
    """values[0] while step ≤ boundaries[0]; values[i] while boundaries[i−1] < step ≤ boundaries[i];
    values[-1] once step > boundaries[-1] (TensorFlow's ``PiecewiseConstantDecay`` convention).

    The slides write η(t) = η_i if t_i ≤ t ≤ t_{i+1} (slide "Adaptive Learning Rate"), which gives a
    boundary step to two pieces; taking the first piece that contains t, as here, resolves it: a
    boundary step keeps the old value.
    boundaries: increasing sequence of k steps (the slides' t_1 < ... < t_k); values: k + 1 learning
    rates (η_0, ..., η_k).
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"need len(values) == len(boundaries) + 1, got {len(values)} and {len(boundaries)}")
    i = int(np.searchsorted(np.asarray(boundaries), step, side="left"))
    return float(values[i])


def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    """η = η0 · decay_rate^(step / decay_steps); with ``staircase`` the exponent is ⌊step / decay_steps⌋,
    so η drops by the factor decay_rate once every decay_steps updates.

    The slides write η(t) = η0 e^{−λt} (slide "Adaptive Learning Rate"): the same function with
    λ = ln(1 / decay_rate) / decay_steps.
    """
    exponent = step / decay_steps
    if staircase:
        exponent = math.floor(exponent)
    return float(lr0 * decay_rate**exponent)


def polynomial_decay(step, lr0, beta, alpha):
    """The slides' polynomial decay η(t) = η0 (β t + 1)^(−α) (slide "Adaptive Learning Rate"), t = step.

    lr0: η0 > 0; beta: β ≥ 0 (how fast t counts; 1/β updates halve η when α = 1); alpha: α > 0 (the
    power). η(0) = η0 and η falls like t^(−α) for large t, never reaching 0.
    """
    return float(lr0 * (beta * step + 1.0) ** (-alpha))
