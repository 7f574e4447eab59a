"""Offline datasets for the labs: nothing is downloaded.

Arrays follow the course convention: rows are samples, ``X`` has shape ``(n, d)``, integer labels
``y`` have shape ``(n,)``. Every generator takes a ``seed`` and is deterministic.
"""
from __future__ import annotations

import numpy as np

__all__ = ["load_digits", "digits_split", "elephants_and_dogs", "two_spirals", "train_val_split", "standardize"]

#: The digits are split once for the whole course: 1000 training and 397 validation images for
#: the notebooks; the first 400 of the fixed permutation are held out for grading trained models.
DIGITS_HELD_OUT = 400
DIGITS_TRAIN = 1000


def load_digits(flatten: bool = True):
    """scikit-learn's bundled 8×8 digits: ``X`` (1797, 64) in [0, 1] (or (1797, 8, 8)), ``y`` (1797,)."""
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    X = bunch.images.astype(np.float64) / 16.0
    return (X.reshape(len(X), -1) if flatten else X), bunch.target.astype(np.int64)


def digits_permutation() -> np.ndarray:
    """The course's fixed order of the 1797 digits (seed 2026): held-out | train | validation."""
    return np.random.default_rng(2026).permutation(1797)


def digits_split(part: str = "train", flatten: bool = True):
    """The notebooks' digits: ``part`` is ``"train"`` (1000 images) or ``"val"`` (397).

    Returns ``X`` (n, 64) or (n, 8, 8) in [0, 1] and ``y`` (n,). The remaining 400 images are held
    out: the hidden tests score trained models on them, so no notebook ever trains or tunes on them.
    """
    X, y = load_digits(flatten=flatten)
    order = digits_permutation()
    parts = {"train": order[DIGITS_HELD_OUT:DIGITS_HELD_OUT + DIGITS_TRAIN], "val": order[DIGITS_HELD_OUT + DIGITS_TRAIN:]}
    if part not in parts:
        raise ValueError(f"part must be 'train' or 'val', got {part!r}")
    return X[parts[part]], y[parts[part]]


def few_per_digit(digits, per_class: int, part: str = "train", offset: int = 0):
    """The first ``per_class`` images (after ``offset``) of each digit in ``digits`` from ``digits_split(part)``.

    Returns images (len(digits)·per_class, 1, 8, 8) float32 and labels int64 numbered 0, 1, ... in
    the order of ``digits`` (for digits 5–9: label 0 is a 5).
    """
    X, y = digits_split(part, flatten=False)
    digits = list(digits)
    idx = np.concatenate([np.flatnonzero(y == d)[offset:offset + per_class] for d in digits])
    labels = np.array([digits.index(v) for v in y[idx]], dtype=np.int64)
    return X[idx].reshape(-1, 1, 8, 8).astype(np.float32), labels


def elephants_and_dogs(n: int = 200, separable: bool = True, seed: int = 0):
    """The lecture's toy classifier data: features (height in m, weight in t), label 1 = elephant.

    Returns ``X`` (n, 2) and ``y`` (n,) with half of each class. With ``separable=False`` the two
    clouds overlap (young elephants, very large dogs), so no line separates them.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    spread = 1.0 if separable else 3.5
    dogs = np.column_stack([rng.normal(0.6, 0.12 * spread, half), rng.normal(0.03, 0.012 * spread, half)])
    elephants = np.column_stack([rng.normal(2.8, 0.25 * spread, n - half), rng.normal(4.0, 0.8 * spread, n - half)])
    if not separable:  # calves: small elephants among the dogs
        k = max(1, (n - half) // 5)
        elephants[:k] = np.column_stack([rng.normal(0.9, 0.15, k), rng.normal(0.1, 0.04, k)])
    X = np.vstack([dogs, elephants]).clip(min=0.01)
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def two_spirals(n: int = 400, noise: float = 0.15, turns: float = 1.5, seed: int = 0):
    """Two interleaved spirals in 2-D (not linearly separable): ``X`` (n, 2), ``y`` (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = np.sqrt(rng.uniform(0.05, 1.0, n)) * turns * 2 * np.pi
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    angle = t + np.pi * y
    r = t / (turns * 2 * np.pi)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)]) + rng.normal(0, noise / 5, (n, 2))
    order = rng.permutation(n)
    return X[order], y[order]


def train_val_split(X, y, val_fraction: float = 0.2, seed: int = 0):
    """Shuffle and split: returns ``X_train, X_val, y_train, y_val``."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_val = int(round(len(X) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    return X[train], X[val], y[train], y[val]


def standardize(X_train, *others):
    """Scale features to zero mean, unit variance using the training set's statistics only."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
    out = [(X_train - mean) / std] + [(X - mean) / std for X in others]
    return out[0] if not others else tuple(out)
