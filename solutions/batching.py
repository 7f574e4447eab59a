"""Splitting a training set into minibatches."""
from __future__ import annotations

import numpy as np

__all__ = ["minibatches"]


def minibatches(n, m, rng):
    """Indices of one epoch's minibatches: ``perm = rng.permutation(n)`` cut into consecutive chunks
    of m indices; the last chunk holds the n mod m left over (no sample dropped, none repeated).

    n: number of samples; m: batch size ≥ 1; rng: a ``np.random.Generator`` (one ``permutation`` call).
    Returns a list of ⌈n / m⌉ integer arrays; ``X[idx]`` is one minibatch.
    """
    perm = rng.permutation(n)
    return [perm[i:i + m] for i in range(0, n, m)]
