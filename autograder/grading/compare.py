"""The tolerance policy: how a student's output is compared with the reference's.

One place decides what "equal" means for graded outputs:

* structure first: a tuple/list must have the reference's length, a dict its keys;
* then, per array: shape, then dtype kind (float / integer / bool), then values;
* torch tensors are compared as NumPy arrays (moved to the CPU), float64 against float64;
* floats pass where ``|got - expected| <= atol + rtol * |expected|`` (NumPy's ``isclose`` rule),
  with NaN/inf only where the reference has them; integers and bools must be equal.

Messages name where the first mismatch is and how large the error is, never the expected values
(the inputs are hidden, so printing the reference's outputs would leak them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.kernel.torch_grading import to_numpy


@dataclass(frozen=True)
class Tolerance:
    """Elementwise bound ``atol + rtol * |expected|`` for floating-point outputs."""

    rtol: float = 1e-6
    atol: float = 1e-9

    def describe(self) -> str:
        return f"atol {self.atol:.0e} + rtol {self.rtol:.0e}*|expected|"


#: Default for deterministic float64 computations (the reference and a correct student solution
#: differ only by rounding, ~1e-15 relative).
DEFAULT = Tolerance()

_KIND_NAMES = {"f": "floating-point", "i": "integer", "u": "integer", "b": "boolean", "c": "complex"}


def _kind(dtype: np.dtype) -> str:
    return "i" if dtype.kind == "u" else dtype.kind


def _as_array(value: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except Exception:  # ragged lists and the like
        return None
    return None if arr.dtype == object else arr


def _index(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def compare(got: Any, expected: Any, tol: Tolerance = DEFAULT, path: str = "output") -> str | None:
    """Return ``None`` when ``got`` matches ``expected`` within ``tol``, else a message."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{path} should be a {type(expected).__name__} of {len(expected)} items, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"{path} should have {len(expected)} items, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            message = compare(g, e, tol, f"{path}[{i}]")
            if message:
                return message
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path} should be a dict, got {type(got).__name__}"
        missing = sorted(set(expected) - set(got), key=str)
        if missing:
            return f"{path} is missing key(s) {missing}"
        for key in expected:
            message = compare(got[key], expected[key], tol, f"{path}[{key!r}]")
            if message:
                return message
        return None
    if expected is None:
        return None if got is None else f"{path} should be None, got {type(got).__name__}"
    return compare_arrays(got, expected, tol, path)


def compare_arrays(got: Any, expected: Any, tol: Tolerance = DEFAULT, path: str = "output") -> str | None:
    """Shape, dtype kind, then values of one array-like output (NumPy arrays or torch tensors)."""
    got, expected = to_numpy(got), to_numpy(expected)
    exp = np.asarray(expected)
    if got is None:
        return f"{path} is None (did the function forget to return?)"
    arr = _as_array(got)
    if arr is None:
        return f"{path} should be an array of shape {exp.shape}, got {type(got).__name__}"
    if arr.shape != exp.shape:
        return f"{path} has shape {arr.shape}, expected {exp.shape}"
    ek, gk = _kind(exp.dtype), _kind(arr.dtype)
    if ek != gk and not (ek == "f" and gk == "c" and np.isrealobj(arr)):
        return f"{path} has dtype {arr.dtype}, expected a {_KIND_NAMES.get(ek, exp.dtype.name)} array"
    if ek in "ib":
        bad = arr != exp
        if bad.any():
            idx = _index(int(np.argmax(bad)), exp.shape)
            return f"{path}: {int(bad.sum())} of {exp.size} values differ (first at index {idx})"
        return None
    arr = arr.astype(np.float64) if arr.dtype != exp.dtype and ek == "f" else arr
    exp_finite = np.isfinite(exp)
    nonfinite = ~np.isfinite(arr) & exp_finite
    if nonfinite.any():
        idx = _index(int(np.argmax(nonfinite)), exp.shape)
        return f"{path} contains NaN or inf where a finite value is expected (at index {idx})"
    same_special = ~exp_finite & ((arr == exp) | (np.isnan(arr) & np.isnan(exp)))
    if (~exp_finite & ~same_special).any():
        return f"{path} has a finite value where NaN or inf is expected"
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(exp_finite, np.abs(arr - exp), 0.0)
        bound = tol.atol + tol.rtol * np.abs(np.where(exp_finite, exp, 0.0))
    bad = err > bound
    if bad.any():
        worst = _index(int(np.argmax(np.where(bad, err - bound, -np.inf))), exp.shape)
        return (f"{path}: {int(bad.sum())} of {exp.size} values off, largest error {float(err[worst]):.2e} "
                f"at index {worst} (tolerance {tol.describe()})")
    return None
