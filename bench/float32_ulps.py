"""How much of the float32 tolerance a correct float32 computation uses, per graded function, in one run.

    .venv/bin/python bench/float32_ulps.py [LAB ...]      (default: labs 1-4)

For every graded function judged by the default comparison (``compare``), the reference is run on the
course's fixed hidden cases twice: as given (float64, the expected output) and with every float64 array
of the case cast to float32 first (a student who computes in float32). It prints the largest error
of the float32 run in units of float32's epsilon times (largest |expected| + |expected|), which is
what ``compare.ULPS`` bounds (the float32 tolerance is ULPS of these units). Measured 2026-12-07: at
most 63 (lab 1's softmax: rounding a logit x to float32 changes exp(x) by |x| ulps/2), 10 for
softmax_cross_entropy, under 8 elsewhere; ULPS = 128.
"""
from __future__ import annotations

import sys

import numpy as np

from autograder.grading.cases import specs_for_lab
from autograder.grading.compare import ULPS, to_numpy
from autograder.grading.judging import drawn_cases
from autograder.kernel.runners import Case

EPS32 = float(np.finfo(np.float32).eps)


def as_float32(value):
    """``value`` with every float64 array (nested in lists, tuples, dicts) cast to float32."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, (list, tuple)):
        return type(value)(as_float32(v) for v in value)
    if isinstance(value, dict):
        return {k: as_float32(v) for k, v in value.items()}
    return value


def leaves(got, expected):
    """Pairs of arrays at the same place of two outputs."""
    if isinstance(expected, (list, tuple)):
        for g, e in zip(got, expected):
            yield from leaves(g, e)
    elif isinstance(expected, dict):
        for key in expected:
            yield from leaves(got[key], expected[key])
    else:
        yield np.asarray(to_numpy(got), np.float64), np.asarray(to_numpy(expected))


def units_used(spec) -> float:
    worst = 0.0
    for case in drawn_cases(spec):
        expected = spec.execute(spec.reference, case.fresh(), spec.reference_uses())
        fresh = case.fresh()
        got = spec.execute(spec.reference, Case(case.name, as_float32(fresh.args), as_float32(fresh.kwargs)),
                           spec.reference_uses())
        for g, e in leaves(got, expected):
            if e.size == 0 or e.dtype.kind != "f":
                continue
            finite = np.isfinite(e) & np.isfinite(g)
            if finite.any():
                e64, g64 = e[finite].astype(np.float64), g[finite]
                unit = EPS32 * (np.abs(e64).max() + np.abs(e64))
                worst = max(worst, float((np.abs(g64 - e64) / np.maximum(unit, 1e-300)).max()))
    return worst


def main(labs: list[str]) -> int:
    print(f"float32 units used (tolerance: {ULPS})")
    for lab in labs:
        for spec in specs_for_lab(lab):
            if spec.judge is not None or not spec.reference_needed:
                continue
            try:
                print(f"  {spec.qualname}: {units_used(spec):.1f}")
            except Exception as exc:  # a reference that refuses float32 inputs
                print(f"  {spec.qualname}: not measured ({type(exc).__name__}: {str(exc)[:60]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["lab01_neurons_losses", "lab02_backprop", "lab03_optimizers",
                                   "lab04_regularization_init"]))
