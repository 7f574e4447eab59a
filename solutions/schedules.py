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

    boundaries: increasing sequence of k steps; values: k + 1 learning rates.
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"need len(values) == len(boundaries) + 1, got {len(values)} and {len(boundaries)}")
    i = int(np.searchsorted(np.asarray(boundaries), step, side="left"))
    return float(values[i])


def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    """η = η0 · decay_rate^(step / decay_steps); with ``staircase`` the exponent is ⌊step / decay_steps⌋,
    so η drops by the factor decay_rate once every decay_steps updates.
    """
    exponent = step / decay_steps
    if staircase:
        exponent = math.floor(exponent)
    return float(lr0 * decay_rate**exponent)


def polynomial_decay(step, lr0, end_lr, decay_steps, power=1.0):
    """η = (η0 − η_end) · (1 − min(step, τ) / τ)^power + η_end with τ = decay_steps.

    power = 1 is the lecture's linear decay ε_k = (1 − α) ε_0 + α ε_τ with α = k/τ; η stays at η_end
    after τ updates.
    """
    frac = 1.0 - min(step, decay_steps) / decay_steps
    return float((lr0 - end_lr) * frac**power + end_lr)
