"""Judging a trained model: one graded check per score tier, and one for the time budget.

A trained-model spec (``reference_needed=False``) gets the model's held-out outputs and its training
time from the kernel (:mod:`autograder.kernel.runners.training`); its judge computes the held-out metric
from targets it loads itself and returns :func:`threshold_checks`. Tiers are set from the
reference's own results over several seeds; the spec's module states them with the runs they came from.
"""
from __future__ import annotations

import numpy as np


def threshold_checks(score: float, seconds: float, *, metric: str, tiers: list[float], budget_s: float,
                     higher_is_better: bool = True) -> list[tuple[str, str | None]]:
    """One ``(check name, message | None)`` per tier of ``score`` and one for the time budget."""
    checks = []
    score = float(score)
    for bound in tiers:
        ok = np.isfinite(score) and (score >= bound if higher_is_better else score <= bound)
        sign = "≥" if higher_is_better else "≤"
        name = f"held-out {metric} {sign} {bound:.4g}"
        checks.append((name, None if ok else f"held-out {metric} is {score:.4g}"))
    checks.append((f"trained within {budget_s:g} s",
                   None if seconds <= budget_s else f"training took {seconds:.1f} s"))
    return checks


def described(value) -> str:
    """How an untrusted reported value looks, for a message: "a float32 array of shape (3, 2)" or its type."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return type(value).__name__


def reported_labels(got, key: str, n: int) -> np.ndarray:
    """``got[key]``: an integer array of shape (n,) in an untrusted report; ValueError otherwise."""
    value = got.get(key) if isinstance(got, dict) else None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iu" or value.shape != (n,):
        raise ValueError(f"the reported {key} should be an integer array of shape ({n},), got {described(value)}")
    return value


def reported_seconds(got) -> float:
    """The training time in an untrusted report; ValueError when it is not a number."""
    seconds = got.get("seconds") if isinstance(got, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float, np.floating, np.integer)):
        raise ValueError(f"the report has no training time (got {type(seconds).__name__})")
    return float(seconds)
