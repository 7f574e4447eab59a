"""The tolerance policy: how a student's output is compared with the reference's.

One place decides what "equal" means for graded outputs:

* structure first: a tuple/list must have the reference's length, a dict its keys;
* then, per array: shape, then dtype kind (float / integer / bool), then values;
* torch tensors are compared as NumPy arrays (moved to the CPU), float64 against float64;
* floats pass where ``|got - expected| <= atol + rtol * |expected|`` (NumPy's ``isclose`` rule),
  with NaN/inf only where the reference has them; integers and bools must be equal;
* **tolerance follows dtype**: floats of 32 bits or more are accepted, and an output in a narrower
  type than float64 (float32) is compared at that type's own precision (:func:`tolerance_for`), so a
  value that is right to float32 precision is never called wrong. Float16 is refused (too coarse to
  tell right from wrong at the graded tolerances). Judges that check values themselves use
  :func:`within` for the same rule.

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
        return f"atol {self.atol:.2g} + rtol {self.rtol:.2g}*|expected|"


#: Default for deterministic float64 computations (the reference and a correct student solution
#: differ only by rounding, ~1e-15 relative).
DEFAULT = Tolerance()

#: How many units in the last place of its own dtype a correct reduced-precision output may be off:
#: float32 rounds each operation to 2^-24 relative, and a formula of a few dozen operations (a
#: softmax, a sum of a few thousand terms) gathers some tens of such roundings. 2^7 ulps of float32
#: is 1.5e-5. Measured with ``bench/float32_ulps.py`` (the reference run on float32 inputs, labs 1-4):
#: at most 63 (softmax: rounding a logit x to float32 moves exp(x) by |x|/2 ulps), under 11 elsewhere.
ULPS = 2 ** 7
#: The narrowest floating-point outputs that are graded (float16's ulp, 1e-3, is coarser than many
#: graded tolerances).
MIN_FLOAT_BITS = 32


def precision_dtype(*dtypes: Any) -> np.dtype:
    """The coarsest floating-point precision among ``dtypes`` (complex: its real part; others: float64)."""
    coarsest = np.dtype(np.float64)
    for dt in dtypes:
        dt = np.dtype(dt)
        if dt.kind == "c":
            dt = np.empty(0, dt).real.dtype
        if dt.kind == "f" and np.finfo(dt).eps > np.finfo(coarsest).eps:
            coarsest = dt
    return coarsest


def reduced(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating-point type narrower than float64."""
    dtype = np.dtype(dtype)
    return dtype.kind == "f" and np.finfo(dtype).eps > np.finfo(np.float64).eps


def tolerance_for(tol: Tolerance, *dtypes: Any, scale: float = 0.0) -> Tolerance:
    """``tol`` widened to the precision of the coarsest of ``dtypes`` (unchanged for float64 and wider).

    For a narrower float (float32) of machine epsilon e the bound is at least ``ULPS * e`` relative
    to each value, and ``ULPS * e * scale`` absolute, where ``scale`` is the largest magnitude of the
    expected array (so a difference of two nearly equal numbers, exact to float32 precision
    relative to its inputs, is not called wrong).
    """
    dt = precision_dtype(*dtypes)
    if not reduced(dt):
        return tol
    floor = ULPS * float(np.finfo(dt).eps)
    return Tolerance(rtol=max(tol.rtol, floor), atol=max(tol.atol, floor * float(scale)))


def _scale(expected: np.ndarray) -> float:
    """The largest finite magnitude of ``expected`` (0 when it has none)."""
    finite = np.abs(expected[np.isfinite(expected)])
    return float(finite.max()) if finite.size else 0.0


def within(got: Any, expected: Any, tol: Tolerance = DEFAULT) -> np.ndarray:
    """Elementwise ``|got - expected| <= atol + rtol |expected|`` with ``tol`` widened to the precision of
    ``got``'s and ``expected``'s dtypes (:func:`tolerance_for`); NaN equals NaN and inf equals inf of
    the same sign. For judges that check values themselves (a dropout mask against 1/(1-p))."""
    got_arr, exp_arr = np.asarray(to_numpy(got)), np.asarray(to_numpy(expected))
    precision = precision_dtype(got_arr.dtype, exp_arr.dtype)
    eff = tolerance_for(tol, precision, scale=_scale(np.asarray(exp_arr, dtype=np.float64))) if reduced(precision) else tol
    with np.errstate(invalid="ignore", over="ignore"):
        return np.isclose(got_arr.astype(np.float64) if got_arr.dtype.kind in "fiub" else got_arr,
                          exp_arr.astype(np.float64) if exp_arr.dtype.kind in "fiub" else exp_arr,
                          rtol=eff.rtol, atol=eff.atol, equal_nan=True)

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
    if gk in "fc" and precision_dtype(arr.dtype).itemsize * 8 < MIN_FLOAT_BITS:
        return f"{path} has dtype {arr.dtype}, which is too coarse to grade: use float32 or float64"
    if ek in "ib":
        bad = arr != exp
        if bad.any():
            idx = _index(int(np.argmax(bad)), exp.shape)
            return f"{path}: {int(bad.sum())} of {exp.size} values differ (first at index {idx})"
        return None
    precision = precision_dtype(arr.dtype, exp.dtype)
    arr = arr.astype(np.float64) if arr.dtype != exp.dtype and ek == "f" else arr
    exp_finite = np.isfinite(exp)
    nonfinite = ~np.isfinite(arr) & exp_finite
    if nonfinite.any():
        idx = _index(int(np.argmax(nonfinite)), exp.shape)
        return f"{path} contains NaN or inf where a finite value is expected (at index {idx})"
    same_special = ~exp_finite & ((arr == exp) | (np.isnan(arr) & np.isnan(exp)))
    if (~exp_finite & ~same_special).any():
        return f"{path} has a finite value where NaN or inf is expected"
    eff = tolerance_for(tol, precision, scale=_scale(exp.astype(np.float64))) if reduced(precision) else tol
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(exp_finite, np.abs(arr - exp), 0.0)
        bound = eff.atol + eff.rtol * np.abs(np.where(exp_finite, exp, 0.0))
    bad = err > bound
    if bad.any():
        worst = _index(int(np.argmax(np.where(bad, err - bound, -np.inf))), exp.shape)
        which = f" for {precision.name}" if eff is not tol else ""
        return (f"{path}: {int(bad.sum())} of {exp.size} values off, largest error {float(err[worst]):.2e} "
                f"at index {worst} (tolerance{which} {eff.describe()})")
    return None
