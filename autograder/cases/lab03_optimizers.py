"""Hidden cases of lab 3 (optimisers, learning-rate schedules, minibatches).

Update rules are driven for several steps, threading ``state`` from one call to the next, so a rule
that loses or misuses its state fails; w is compared after every step, and the runner also records
whether the rule left its input ``w`` untouched (the rules must not update in place). Gradients are
either a fixed random sequence or those of a quadratic L(w) = ½ Σ w⊙(A w) − Σ b⊙w at the current w
(A symmetric positive definite, not diagonal), so an early error feeds into later gradients.
Hyperparameters are odd (μ = 0.63, ρ2 = 0.888, δ = 1e-3, ...) so hard-coded defaults and a
misplaced δ show.
"""
from __future__ import annotations

import copy

import numpy as np

from autograder.cases import Case, Spec, register

LAB = "lab03_optimizers"
_UNTOUCHED = "input w left unchanged (no in-place update)"


def _quadratic(rng, d, k):
    """A well-conditioned SPD, non-diagonal A (d, d) and b (d, k): gradient A w − b of w (d, k)."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = q @ np.diag(rng.uniform(0.5, 3.0, d)) @ q.T
    return {"A": A, "b": rng.normal(size=(d, k))}


def _grad_of(problem):
    A, b = problem["A"], problem["b"]
    return lambda w: A @ np.asarray(w, dtype=np.float64) - b


def _drive(fn, case, uses, lookahead=False):
    """Run ``fn`` for several steps from ``state = {}``; return w after each step and the in-place flag.

    case.args = (w0, grads) where grads is a list of gradient arrays, or
    (w0, problem, steps) with problem a quadratic (gradient evaluated at the current w).
    ``lookahead`` passes a gradient function instead of a gradient (Nesterov).
    """
    args, hyper = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    w, state = args[0], {}
    if isinstance(args[1], dict):
        grad = _grad_of(args[1])
        steps = args[2]
    else:
        grads = args[1]
        grad, steps = None, len(grads)
    out, untouched = {}, True
    for k in range(steps):
        w_in = w
        before = np.array(w_in, dtype=np.float64, copy=True)
        if lookahead:
            arg = grad
        else:
            arg = grad(w_in) if grad is not None else grads[k]
        w, state = fn(w_in, arg, state, **hyper)
        untouched &= bool(np.array_equal(np.asarray(w_in, dtype=np.float64), before))
        out[f"w after step {k + 1}"] = np.array(w, copy=True)
    out[_UNTOUCHED] = np.bool_(untouched)
    return out


def _run_rule(fn, case, uses):
    return _drive(fn, case, uses)


def _run_lookahead(fn, case, uses):
    return _drive(fn, case, uses, lookahead=True)


def _gradient_sequence(rng, shape, steps, scale=1.0):
    return [rng.normal(0.0, scale, shape) for _ in range(steps)]


def _sgd_cases(rng):
    return [
        Case("6 steps, random gradients, w (3, 4), lr = 0.037",
             (rng.normal(size=(3, 4)), _gradient_sequence(rng, (3, 4), 6)), {"lr": 0.037}),
        Case("5 steps, w (7,), lr = 1.3",
             (rng.normal(size=7), _gradient_sequence(rng, (7,), 5, 2.0)), {"lr": 1.3}),
        Case("quadratic, 8 steps, w (4, 2), lr = 0.21",
             (rng.normal(size=(4, 2)), _quadratic(rng, 4, 2), 8), {"lr": 0.21}),
        Case("zero gradient, w (2, 5), lr = 0.5",
             (rng.normal(size=(2, 5)), [np.zeros((2, 5))] * 3), {"lr": 0.5}),
        Case("1 step, w (1, 6), lr = 0.0042",
             (rng.normal(size=(1, 6)), _gradient_sequence(rng, (1, 6), 1, 10.0)), {"lr": 0.0042}),
    ]


def _momentum_cases(rng):
    return [
        Case("7 steps, random gradients, w (3, 5), lr = 0.021, mu = 0.63",
             (rng.normal(size=(3, 5)), _gradient_sequence(rng, (3, 5), 7)), {"lr": 0.021, "mu": 0.63}),
        Case("6 steps, w (8,), lr = 0.3, mu = 0.91",
             (rng.normal(size=8), _gradient_sequence(rng, (8,), 6)), {"lr": 0.3, "mu": 0.91}),
        Case("quadratic, 8 steps, w (4, 3), lr = 0.17, mu = 0.77",
             (rng.normal(size=(4, 3)), _quadratic(rng, 4, 3), 8), {"lr": 0.17, "mu": 0.77}),
        Case("mu = 0 (plain SGD), 4 steps, w (2, 3), lr = 0.08",
             (rng.normal(size=(2, 3)), _gradient_sequence(rng, (2, 3), 4)), {"lr": 0.08, "mu": 0.0}),
        Case("constant gradient, 6 steps, w (5,), lr = 0.05, mu = 0.55",
             (rng.normal(size=5), [np.full(5, 1.7)] * 6), {"lr": 0.05, "mu": 0.55}),
        Case("gradient zero after the first step, 5 steps, w (2, 2), lr = 0.4, mu = 0.83",
             (rng.normal(size=(2, 2)), [rng.normal(size=(2, 2))] + [np.zeros((2, 2))] * 4),
             {"lr": 0.4, "mu": 0.83}),
    ]


def _nesterov_cases(rng):
    return [
        Case("quadratic, 7 steps, w (3, 2), lr = 0.13, mu = 0.63",
             (rng.normal(size=(3, 2)), _quadratic(rng, 3, 2), 7), {"lr": 0.13, "mu": 0.63}),
        Case("quadratic, 8 steps, w (5,) as (5, 1), lr = 0.07, mu = 0.91",
             (rng.normal(size=(5, 1)), _quadratic(rng, 5, 1), 8), {"lr": 0.07, "mu": 0.91}),
        Case("quadratic, 6 steps, w (4, 4), lr = 0.31, mu = 0.47",
             (rng.normal(size=(4, 4)), _quadratic(rng, 4, 4), 6), {"lr": 0.31, "mu": 0.47}),
        Case("quadratic, mu = 0 (plain gradient descent), 5 steps, w (2, 3), lr = 0.2",
             (rng.normal(size=(2, 3)), _quadratic(rng, 2, 3), 5), {"lr": 0.2, "mu": 0.0}),
        Case("quadratic, 1 step, w (3, 5), lr = 0.11, mu = 0.8",
             (rng.normal(size=(3, 5)), _quadratic(rng, 3, 5), 1), {"lr": 0.11, "mu": 0.8}),
    ]


def _adagrad_cases(rng):
    return [
        Case("7 steps, random gradients, w (3, 4), lr = 0.09, delta = 1e-3",
             (rng.normal(size=(3, 4)), _gradient_sequence(rng, (3, 4), 7)), {"lr": 0.09, "delta": 1e-3}),
        Case("6 steps, small gradients, w (6,), lr = 0.5, delta = 0.02",
             (rng.normal(size=6), _gradient_sequence(rng, (6,), 6, 0.05)), {"lr": 0.5, "delta": 0.02}),
        Case("quadratic, 8 steps, w (4, 2), lr = 0.7, default delta",
             (rng.normal(size=(4, 2)), _quadratic(rng, 4, 2), 8), {"lr": 0.7}),
        Case("constant gradient, 6 steps, w (2, 3), lr = 0.25, delta = 1e-3",
             (rng.normal(size=(2, 3)), [np.full((2, 3), -0.8)] * 6), {"lr": 0.25, "delta": 1e-3}),
        Case("one zero coordinate, 5 steps, w (5,), lr = 0.3, delta = 0.1",
             (rng.normal(size=5), [np.r_[0.0, rng.normal(size=4)] for _ in range(5)]), {"lr": 0.3, "delta": 0.1}),
    ]


def _rmsprop_cases(rng):
    return [
        Case("7 steps, random gradients, w (3, 4), lr = 0.01, rho = 0.81, delta = 1e-3",
             (rng.normal(size=(3, 4)), _gradient_sequence(rng, (3, 4), 7)),
             {"lr": 0.01, "rho": 0.81, "delta": 1e-3}),
        Case("6 steps, small gradients, w (6,), lr = 0.05, rho = 0.95, delta = 0.01",
             (rng.normal(size=6), _gradient_sequence(rng, (6,), 6, 0.1)), {"lr": 0.05, "rho": 0.95, "delta": 0.01}),
        Case("quadratic, 8 steps, w (4, 2), lr = 0.03, default rho and delta",
             (rng.normal(size=(4, 2)), _quadratic(rng, 4, 2), 8), {"lr": 0.03}),
        Case("quadratic, 6 steps, w (3, 5), lr = 0.02, rho = 0.6, delta = 1e-3",
             (rng.normal(size=(3, 5)), _quadratic(rng, 3, 5), 6), {"lr": 0.02, "rho": 0.6, "delta": 1e-3}),
        Case("1 step, w (2, 7), lr = 0.1, rho = 0.73, delta = 0.05",
             (rng.normal(size=(2, 7)), _gradient_sequence(rng, (2, 7), 1)), {"lr": 0.1, "rho": 0.73, "delta": 0.05}),
        Case("zero gradient in one coordinate, 5 steps, w (4,), lr = 0.2, rho = 0.5, delta = 1e-4",
             (rng.normal(size=4), [np.r_[rng.normal(size=3), 0.0] for _ in range(5)]),
             {"lr": 0.2, "rho": 0.5, "delta": 1e-4}),
    ]


def _adam_cases(rng):
    odd = {"lr": 0.05, "rho1": 0.77, "rho2": 0.888, "delta": 1e-3}
    return [
        Case("1 step (t = 1), default hyperparameters, w (3, 4)",
             (rng.normal(size=(3, 4)), _gradient_sequence(rng, (3, 4), 1))),
        Case("1 step (t = 1), lr = 0.05, rho1 = 0.77, rho2 = 0.888, delta = 1e-3, w (2, 5)",
             (rng.normal(size=(2, 5)), _gradient_sequence(rng, (2, 5), 1, 0.3)), dict(odd)),
        Case("8 steps, random gradients, w (3, 5), lr = 0.05, rho1 = 0.77, rho2 = 0.888, delta = 1e-3",
             (rng.normal(size=(3, 5)), _gradient_sequence(rng, (3, 5), 8)), dict(odd)),
        Case("6 steps, small gradients, w (6,), lr = 0.02, rho1 = 0.6, rho2 = 0.97, delta = 0.01",
             (rng.normal(size=6), _gradient_sequence(rng, (6,), 6, 0.02)),
             {"lr": 0.02, "rho1": 0.6, "rho2": 0.97, "delta": 0.01}),
        Case("quadratic, 8 steps, w (4, 2), lr = 0.1, default rho1, rho2, delta",
             (rng.normal(size=(4, 2)), _quadratic(rng, 4, 2), 8), {"lr": 0.1}),
        Case("5 steps, default hyperparameters, w (2, 3)",
             (rng.normal(size=(2, 3)), _gradient_sequence(rng, (2, 3), 5))),
        Case("constant gradient, 7 steps, w (5,), lr = 0.3, rho1 = 0.5, rho2 = 0.75, delta = 1e-3",
             (rng.normal(size=5), [rng.normal(size=5)] * 7), {"lr": 0.3, "rho1": 0.5, "rho2": 0.75, "delta": 1e-3}),
    ]


def _clip_cases(rng):
    g = rng.normal(size=(4, 3))
    norm = float(np.linalg.norm(g))
    v = rng.normal(size=7)
    return [
        Case("2-D g (4, 3), norm above nu", (g, 0.37 * norm)),
        Case("2-D g (4, 3), norm below nu", (g, 1.9 * norm)),
        Case("2-D g (4, 3), norm exactly nu", (g, norm)),
        Case("1-D g (7,), nu = 0.5", (v * 3.0, 0.5)),
        Case("g (2, 3, 2), nu = 1.7", (rng.normal(0, 2, (2, 3, 2)), 1.7)),
        Case("zero gradient (3, 3), nu = 0.1", (np.zeros((3, 3)), 0.1)),
        Case("one large entry in g (1, 5), nu = 2.2", (np.array([[0.1, -0.2, 30.0, 0.05, 0.0]]), 2.2)),
    ]


def _run_schedule(fn, case, uses):
    """case.args = (steps, *rest): the learning rate at every step of ``steps``."""
    steps, rest = case.args[0], copy.deepcopy(case.args[1:])
    out = []
    for step in steps:
        lr = fn(step, *copy.deepcopy(rest), **copy.deepcopy(case.kwargs))
        if lr is None:
            return None  # the judge says "did the function forget to return?"
        if np.size(lr) != 1:
            raise ValueError(f"the learning rate at step {step} should be one number, got shape {np.shape(lr)}")
        out.append(float(np.asarray(lr, dtype=np.float64).reshape(())))
    return np.array(out)


def _piecewise_cases(rng):
    cuts = sorted(int(c) for c in rng.choice(np.arange(5, 200), 3, replace=False))
    vals = [float(v) for v in rng.uniform(0.01, 1.0, 4)]
    return [
        Case("step 0", ([0], [13, 41], [0.3, 0.07, 0.011])),
        Case("steps exactly at the boundaries", ([13, 41], [13, 41], [0.3, 0.07, 0.011])),
        Case("steps one past the boundaries", ([14, 42], [13, 41], [0.3, 0.07, 0.011])),
        Case("steps long after the last boundary", ([500, 10_000], [13, 41], [0.3, 0.07, 0.011])),
        Case("random boundaries, steps 0..210", (list(range(0, 211, 3)) + cuts, cuts, vals)),
        Case("one boundary, steps around it", ([0, 6, 7, 8, 9], [7], [0.9, 0.123])),
        Case("increasing values, boundaries 1 and 2", ([0, 1, 2, 3], [1, 2], [0.001, 0.01, 0.1])),
    ]


def _exponential_cases(rng):
    steps = [int(s) for s in rng.integers(0, 400, 12)]
    return [
        Case("step 0", ([0], 0.37, 0.5, 10)),
        Case("steps at multiples of decay_steps", ([7, 14, 21], 0.2, 0.83, 7)),
        Case("steps between multiples, smooth", ([3, 10, 25, 99], 0.2, 0.83, 7)),
        Case("steps between multiples, staircase", ([3, 10, 25, 99], 0.2, 0.83, 7), {"staircase": True}),
        Case("staircase at multiples of decay_steps", ([0, 7, 14, 20, 21], 0.2, 0.83, 7), {"staircase": True}),
        Case("random steps, decay_rate 0.96, decay_steps 33", (steps, 0.05, 0.96, 33)),
        Case("random steps, staircase, decay_rate 0.71, decay_steps 50", (steps, 1.3, 0.71, 50), {"staircase": True}),
    ]


def _polynomial_cases(rng):
    steps = [int(s) for s in rng.integers(0, 150, 10)]
    return [
        Case("step 0", ([0], 0.4, 0.013, 90)),
        Case("linear decay (power 1), steps 10, 45, 89", ([10, 45, 89], 0.4, 0.013, 90)),
        Case("step exactly decay_steps", ([90], 0.4, 0.013, 90)),
        Case("steps past decay_steps", ([91, 200, 5000], 0.4, 0.013, 90)),
        Case("power 2.3, random steps", (steps, 0.25, 0.004, 120), {"power": 2.3}),
        Case("power 0.5, random steps", (steps, 0.9, 0.1, 77), {"power": 0.5}),
        Case("end_lr 0, power 1.7, steps 0..60", (list(range(0, 61, 4)), 0.6, 0.0, 50), {"power": 1.7}),
    ]


def _minibatch_cases(rng):
    seeds = [int(s) for s in rng.integers(0, 2**31, 7)]
    return [
        Case("n = 103, m = 10 (m does not divide n)", (103, 10, np.random.default_rng(seeds[0]))),
        Case("n = 96, m = 32 (m divides n)", (96, 32, np.random.default_rng(seeds[1]))),
        Case("n = 17, m = 1", (17, 1, np.random.default_rng(seeds[2]))),
        Case("n = 9, m = 9 (m = n)", (9, 9, np.random.default_rng(seeds[3]))),
        Case("n = 9, m = 50 (m > n)", (9, 50, np.random.default_rng(seeds[4]))),
        Case("n = 250, m = 64", (250, 64, np.random.default_rng(seeds[5]))),
        Case("n = 31, m = 30", (31, 30, np.random.default_rng(seeds[6]))),
    ]


register(Spec(f"{LAB}.sgd", _sgd_cases, run=_run_rule))
register(Spec(f"{LAB}.sgd_momentum", _momentum_cases, run=_run_rule))
register(Spec(f"{LAB}.nesterov", _nesterov_cases, run=_run_lookahead))
register(Spec(f"{LAB}.adagrad", _adagrad_cases, run=_run_rule))
register(Spec(f"{LAB}.rmsprop", _rmsprop_cases, run=_run_rule))
register(Spec(f"{LAB}.adam", _adam_cases, run=_run_rule))
register(Spec(f"{LAB}.clip_by_norm", _clip_cases))
register(Spec(f"{LAB}.piecewise_constant", _piecewise_cases, run=_run_schedule))
register(Spec(f"{LAB}.exponential_decay", _exponential_cases, run=_run_schedule))
register(Spec(f"{LAB}.polynomial_decay", _polynomial_cases, run=_run_schedule))
register(Spec(f"{LAB}.minibatches", _minibatch_cases))
