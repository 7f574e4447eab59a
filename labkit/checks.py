"""Visible checks for student notebooks.

Each helper raises :class:`~labkit.errors.CheckFailed` (an ``AssertionError``) with a message that
names the expression, what it should be and what it was, e.g. ``sigmoid(0) should be 0.5, got 0.25``;
the notebook shows that line alone, without a traceback through this module. :func:`passed` prints a success line
and records that the function's visible checks passed; :func:`require_passed`, in the graded test
cell, turns a failed visible check into a failed ``nbgrader validate`` (the hidden tests themselves
are not in the student's notebook, so without it a notebook full of stubs would validate).
"""
from __future__ import annotations

import os

import numpy as np

from labkit.errors import CheckFailed

__all__ = ["CheckFailed", "expect_close", "expect_equal", "expect_shape", "expect_true", "passed", "require_passed"]

_PASSED: set = set()

#: The hidden tests' default tolerance and how far it widens for an output narrower than float64 (the
#: ``DEFAULT`` and ``ULPS`` of ``autograder/grading/compare.py``): with the same rule here, a visible check never
#: accepts values that a hidden test would refuse (``tests/notebooks/test_visible_thresholds.py`` checks both agree).
RTOL, ATOL, ULPS = 1e-6, 1e-9, 2 ** 7


def _epsilon(value) -> float:
    """Machine epsilon of ``value``'s floating-point type (float64's for ints, Python floats, lists, bfloat16)."""
    dtype = getattr(value, "dtype", None)
    try:
        dt = np.dtype(str(dtype).replace("torch.", "")) if dtype is not None else np.dtype(np.float64)
    except TypeError:
        dt = np.dtype(np.float64)
    return float(np.finfo(dt).eps if dt.kind == "f" else np.finfo(np.float64).eps)


def _fmt(value) -> str:
    arr = np.asarray(value)
    if arr.dtype == object:
        return repr(value)
    if arr.ndim == 0:
        return f"{arr.item():.6g}" if arr.dtype.kind in "fc" else repr(arr.item())
    return np.array2string(arr, precision=6, threshold=12, edgeitems=3)


def expect_shape(value, shape, what: str) -> None:
    """``what`` must be an array of ``shape``."""
    got = np.shape(value)
    if tuple(got) != tuple(shape):
        raise CheckFailed(f"{what} should have shape {tuple(shape)}, got {tuple(got)}")


def expect_close(value, expected, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """``what`` must equal ``expected`` (same shape, values within ``atol + rtol*|expected|``); for a float32
    ``value`` the bound widens to its own precision as in the hidden tests (``ULPS`` units in the last place,
    relative to each value and to the largest expected magnitude)."""
    if value is None:
        raise CheckFailed(f"{what} returned None: did you forget `return`?")
    exp = np.asarray(expected, dtype=np.float64)
    eps = _epsilon(value)
    if eps > np.finfo(np.float64).eps:
        finite = np.abs(exp[np.isfinite(exp)])
        rtol, atol = max(rtol, ULPS * eps), max(atol, ULPS * eps * (float(finite.max()) if finite.size else 0.0))
    try:
        got = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} should be a number or an array, got {type(value).__name__}") from None
    if got.shape != exp.shape:
        raise CheckFailed(f"{what} should have shape {exp.shape}, got {got.shape}")
    if not np.allclose(got, exp, rtol=rtol, atol=atol, equal_nan=False):
        raise CheckFailed(f"{what} should be {_fmt(exp)}, got {_fmt(got)}")


def expect_equal(value, expected, what: str) -> None:
    """``what`` must equal ``expected`` exactly (ints, bools, strings, tuples, arrays)."""
    ok = np.array_equal(np.asarray(value), np.asarray(expected)) if not isinstance(expected, str) else value == expected
    if not ok:
        raise CheckFailed(f"{what} should be {_fmt(expected)}, got {_fmt(value)}")


def expect_true(condition: bool, message: str) -> None:
    """Fail with ``message`` (which should say what is wrong) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def passed(name: str) -> None:
    """Print the success line of a visible check cell and record that ``name`` passed."""
    _PASSED.add(name)
    print(f"✓ {name} passes the visible checks (the hidden tests try more cases).")


def require_passed(name: str) -> None:
    """Fail unless the visible checks of ``name`` passed in this kernel.

    Does nothing while nbgrader autogrades (``NBGRADER_EXECUTION=autograde``): there the hidden
    cases decide, with partial credit, and a failed visible check must not zero the cell.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return
    if name not in _PASSED:
        raise CheckFailed(f"the visible checks of {name} have not passed yet: "
                             f"run the check cell under {name} and fix what it reports")
