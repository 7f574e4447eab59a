"""Visible checks never pass what the hidden tests fail: every threshold a visible check uses equals the hidden
one or is stricter, for all 13 labs.

* Trained models: in the visible check cell of each trained function, the bound that **fails** the check lies
  on the safe side of the hidden test's lowest tier, and the bound that **warns** on the safe side of its
  highest (a check that passes at 26.5 nats while the hidden tier is 26.1 tells a student nothing); where a
  hidden training-time budget exists, the check fails or warns at that budget or below. Every lab whose cases
  module sets tiers is in the table, and a lab that is not has none. Read statically from the source
  notebooks' check cells (comparisons inside ``expect_true(...)`` fail, ``if`` tests warn).
* Tolerances: ``labkit.checks.expect_close`` accepts exactly what ``autograder.grading.compare.within`` (the
  hidden tests' rule) accepts with its default tolerance, for float64 and float32 outputs; a notebook check
  that passes a looser tolerance of its own is listed below with the reason (it compares with an
  approximation or a statistic, not with the reference's output).
"""
from __future__ import annotations

import ast
import importlib
import re

import nbformat
import numpy as np
import pytest
import torch

from autograder.course import SOURCE, labs
from autograder.grading import compare
from labkit import checks

# lab: [(check cell, metric variable, tiers attribute of the cases module, higher is better, budget attribute)]
TRAINED = {
    "lab05_autoencoders": [("check_train_autoencoder", "val_error", "TIERS", False, "BUDGET_S")],
    "lab06_cnn": [("check_train_cnn", "val_accuracy", "TIERS", True, "BUDGET_S")],
    "lab07_lstm": [("check_train_forecaster", "val_rmse", "TIERS", False, "BUDGET_S")],
    "lab08_vae": [("check_train_vae", "val_loss", "TIERS", False, "BUDGET_S")],
    "lab10_transfer_learning": [("check_finetune", "_acc", "TIERS", True, "BUDGET_S")],
    "lab11_language_model": [("check_train_mlp_lm", "ppl_mlp", "TIERS", False, "BUDGET_S")],
    "lab12_gnn": [("check_train_gcn", "acc_sbm", "TIERS", True, "BUDGET_S")],
    "lab13_adversarial": [("check_train_robust_cnn", "robust_acc", "TIERS", True, "BUDGET_S")],
}
# Lab 9's GAN tiers (a digit classifier's confidence and class coverage) have no visible counterpart: the
# notebook has no classifier to compute them with, so its checks set no threshold on them.
NO_VISIBLE_METRIC = {"lab09_gans": ("CONFIDENCE_TIER", "COVERAGE_TIER", "DCGAN_CONFIDENCE_TIER", "DCGAN_COVERAGE_TIER")}

# Explicit tolerances looser than the hidden default, and why they are not the hidden comparison.
LOOSER_TOLERANCES = {
    ("lab02_backprop", "numerical_gradient of sum(x**2) at x = [1, -2, 3]"): "against the analytic gradient",
    ("lab02_backprop", "numerical_gradient of x[0,0]*x[1,2] on a (2, 3) array"): "against the analytic gradient",
    ("lab02_backprop", "numerical_gradient of sum(x**2) on a (2, 3, 2) array"): "against the analytic gradient",
    ("lab04_regularization_init", "against a finite difference of l2_penalty"): "against a finite difference",
    ("lab04_regularization_init", "variance of xavier_uniform(300, 120)"): "a sample statistic",
    ("lab04_regularization_init", "standard deviation of he_normal(300, 120)"): "a sample statistic",
    ("lab05_autoencoders", "= (log 2 + log 2 - log 0.75 + 0) / 2"): "float32, within the hidden widening",
    ("lab05_autoencoders", "ae8.decode(ae8.encode(X_val)) against ae8(X_val)"): "two float32 paths of one model, not graded",
}


def _cells(lab: str) -> dict:
    """``{grade id (or the cell's index for a free cell): source}`` of the lab's code cells."""
    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id") or i: c.source
            for i, c in enumerate(nb.cells) if c.cell_type == "code"}


def _bounds(source: str) -> list[tuple[str, str, str, float]]:
    """``(fail | warn, expression, operator, number)`` of every comparison with a number in ``expect_true``
    calls (a failing check) and ``if`` tests (a warning) of a cell."""
    tree = ast.parse("\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect_true" and node.args:
            test, kind = node.args[0], "fail"
        elif isinstance(node, ast.If):
            test, kind = node.test, "warn"
        else:
            continue
        for cmp in ast.walk(test):
            if isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and isinstance(cmp.comparators[0], ast.Constant) \
                    and type(cmp.comparators[0].value) in (int, float):
                found.append((kind, ast.unparse(cmp.left), type(cmp.ops[0]).__name__, float(cmp.comparators[0].value)))
    return found


def test_the_bound_reader_tells_failing_from_warning():
    cell = "expect_true(acc >= 0.75, 'low')\nif acc < 0.9:\n    print('warn')\nexpect_true(seconds <= 10.0, 'slow')"
    assert sorted(_bounds(cell)) == [("fail", "acc", "GtE", 0.75), ("fail", "seconds", "LtE", 10.0), ("warn", "acc", "Lt", 0.9)]


@pytest.mark.parametrize("lab", labs())
def test_trained_model_checks_are_as_strict_as_the_hidden_tiers(lab):
    cases = importlib.import_module(f"autograder.grading.cases.{lab}")
    if lab in NO_VISIBLE_METRIC:
        assert all(hasattr(cases, name) for name in NO_VISIBLE_METRIC[lab])
        return
    if lab not in TRAINED:
        assert not hasattr(cases, "TIERS"), f"{lab} sets hidden tiers: add its visible check to TRAINED"
        return
    problems = []
    for check, metric, tiers_name, higher_is_better, budget_name in TRAINED[lab]:
        tiers = sorted(getattr(cases, tiers_name))
        lowest, highest = (tiers[0], tiers[-1]) if higher_is_better else (tiers[-1], tiers[0])
        found = _bounds(_cells(lab)[check])
        fail = [v for kind, expr, op, v in found if kind == "fail" and expr == metric]
        warn = [v for kind, expr, op, v in found if kind == "warn" and expr == metric]
        safe = (lambda bound, tier: bound >= tier) if higher_is_better else (lambda bound, tier: bound <= tier)
        if len(fail) != 1 or not safe(fail[0], lowest):
            problems.append(f"{check} fails at {fail}, which passes scores the lowest hidden tier {lowest} fails")
        if len(tiers) > 1 and (len(warn) != 1 or not safe(warn[0], highest)):
            problems.append(f"{check} warns at {warn}, which is silent where the hidden tier {highest} fails")
        budget = getattr(cases, budget_name)
        times = [v for kind, expr, op, v in found if expr == "seconds"]
        if times and min(times) > budget:
            problems.append(f"{check} tells the student about time only above {min(times)} s; the hidden budget is {budget} s")
    assert not problems, f"{lab}: " + "; ".join(problems)


def _cases(dtype):
    rng = np.random.default_rng(0)
    for scale in (1e-3, 1.0, 1e3):
        expected = rng.normal(0, scale, 20)
        expected[::5] = 0.0
        for size in (1e-10, 1e-9, 3e-9, 1e-7, 5e-7, 2e-6, 1e-5, 3e-5, 1e-4):
            noise = rng.normal(0, 1, 20) * size * np.maximum(np.abs(expected), 1.0)
            yield expected, (expected + noise).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_expect_close_accepts_exactly_what_the_hidden_rule_accepts(dtype):
    assert (checks.RTOL, checks.ATOL, checks.ULPS) == (compare.DEFAULT.rtol, compare.DEFAULT.atol, compare.ULPS)
    verdicts = []
    for expected, got in _cases(dtype):
        hidden = bool(np.all(compare.within(got, expected)))
        for value in (got, torch.from_numpy(got)):
            try:
                checks.expect_close(value, expected, "x")
                visible = True
            except checks.CheckFailed:
                visible = False
            assert visible == hidden, (dtype, type(value).__name__, np.max(np.abs(got - expected)))
        verdicts.append(hidden)
    assert any(verdicts) and not all(verdicts), "the cases must include both accepted and refused outputs"


@pytest.mark.parametrize("lab", labs())
def test_explicit_tolerances_are_no_looser_than_the_hidden_default_unless_listed(lab):
    looser = []
    for grade_id, source in _cells(lab).items():
        tree = ast.parse("\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect_close"):
                continue
            given = {k.arg: k.value.value for k in node.keywords if k.arg in ("rtol", "atol") and isinstance(k.value, ast.Constant)}
            if given.get("rtol", 0) > compare.DEFAULT.rtol or given.get("atol", 0) > compare.DEFAULT.atol:
                what = ast.unparse(node.args[2]) if len(node.args) > 2 else ""
                if not any(l == lab and phrase in what for l, phrase in LOOSER_TOLERANCES):
                    looser.append(f"{grade_id}: {what} with {given}")
    assert not looser, f"{lab}: explicit tolerances looser than the hidden default: {looser}"
