"""Hidden cases of lab 3 (optimisers, learning-rate schedules, minibatches).

Update rules are driven for several steps, threading ``state`` from one call to the next, so a rule
that loses or misuses its state fails; w is compared after every step, and the runner also records
whether the rule left its input ``w`` untouched (the rules must not update in place). Gradients are
either a fixed random sequence or those of a quadratic L(w) = ½ Σ w⊙(A w) − Σ b⊙w at the current w
(A symmetric positive definite, not diagonal), so an early error feeds into later gradients.
Hyperparameters are odd (μ = 0.63, ρ2 = 0.888, δ = 1e-3, ...) so hard-coded defaults and a
misplaced δ show (δ sits outside the root in AdaGrad, RMSProp and Adam, as on the slides). The schedules' boundaries, rates and steps, and minibatches' n and m, are drawn
from the run's generator around the edges they test (a step exactly at a boundary, α = 1 or β = 0 in the
slides' polynomial decay η0 (βt + 1)^(−α), m dividing n or not).

How a rule, a schedule or minibatches is run is the kernel's side, in
:mod:`autograder.kernel.runners.lab03_optimizers`.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.grading.compare import Tolerance

LAB = "lab03_optimizers"


def _quadratic(rng, d, k):
    """A well-conditioned SPD, non-diagonal A (d, d) and b (d, k): gradient A w − b of w (d, k)."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = q @ np.diag(rng.uniform(0.5, 3.0, d)) @ q.T
    return {"A": A, "b": rng.normal(size=(d, k))}


def _signed(rng, low, high):
    """A number drawn in [low, high) with a random sign."""
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


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
             (rng.normal(size=5), [np.full(5, _signed(rng, 0.5, 2.5))] * 6), {"lr": 0.05, "mu": 0.55}),
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
             (rng.normal(size=(2, 3)), [np.full((2, 3), _signed(rng, 0.3, 1.5))] * 6), {"lr": 0.25, "delta": 1e-3}),
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


def _far_quadratic(rng, d, k):
    """A quadratic as in :func:`_quadratic` whose minimum is far from the start (|b| in [6, 10], w0
    small), so every gradient coordinate stays of order 1 over a few steps (r ≫ δ²)."""
    problem = _quadratic(rng, d, k)
    problem["b"] = rng.uniform(6.0, 10.0, (d, k)) * rng.choice([-1.0, 1.0], (d, k))
    return problem


def _rmsprop_nesterov_cases(rng):
    # δ (default 1e-8) is not on the slide, which writes ε/√r: with r ≫ δ² here the two (and δ
    # inside the root) differ by about ε δ/√r per step, < 1e-8 in w over these runs (measured over
    # 3000 seeds: at most 2 % of the bound below), so the slide's formula earns full marks.
    def start(shape):
        return rng.normal(0.0, 0.2, shape)

    return [
        Case("quadratic, 7 steps, w (3, 2), lr = 0.01, mu = 0.63, rho = 0.81",
             (start((3, 2)), _far_quadratic(rng, 3, 2), 7), {"lr": 0.01, "mu": 0.63, "rho": 0.81}),
        Case("quadratic, 8 steps, w (5, 1), lr = 0.02, mu = 0.9, default rho and delta",
             (start((5, 1)), _far_quadratic(rng, 5, 1), 8), {"lr": 0.02, "mu": 0.9}),
        Case("quadratic, 6 steps, w (4, 4), lr = 0.05, mu = 0.47, rho = 0.6",
             (start((4, 4)), _far_quadratic(rng, 4, 4), 6), {"lr": 0.05, "mu": 0.47, "rho": 0.6}),
        Case("quadratic, mu = 0 (RMSProp), 5 steps, w (2, 3), lr = 0.03, rho = 0.73",
             (start((2, 3)), _far_quadratic(rng, 2, 3), 5), {"lr": 0.03, "mu": 0.0, "rho": 0.73}),
        Case("quadratic, 1 step, w (3, 5), lr = 0.05, mu = 0.8, rho = 0.5",
             (start((3, 5)), _far_quadratic(rng, 3, 5), 1), {"lr": 0.05, "mu": 0.8, "rho": 0.5}),
        Case("quadratic, 8 steps, w (6,), lr = 0.015, mu = 0.77, rho = 0.95",
             (start(6), _far_quadratic(rng, 6, 1), 8), {"lr": 0.015, "mu": 0.77, "rho": 0.95}),
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
    nu_1d = round(float(rng.uniform(0.3, 0.8)), 3)
    nu_3d = round(float(rng.uniform(1.2, 2.5)), 3)
    zero_shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    nu_zero = round(float(rng.uniform(0.05, 0.5)), 3)
    # one entry far above nu among small ones: clipping each element to [-nu, nu] differs from rescaling
    spike = rng.uniform(-0.2, 0.2, (1, int(rng.integers(4, 8))))
    spike[0, rng.integers(spike.shape[1])] = rng.uniform(20.0, 40.0) * rng.choice([-1.0, 1.0])
    nu_spike = round(float(rng.uniform(1.5, 3.0)), 3)
    return [
        Case("2-D g (4, 3), norm above nu", (g, 0.37 * norm)),
        Case("2-D g (4, 3), norm below nu", (g, 1.9 * norm)),
        Case("2-D g (4, 3), norm exactly nu", (g, norm)),
        Case(f"1-D g (7,), nu = {nu_1d:g}", (v * 3.0, nu_1d)),
        Case(f"g (2, 3, 2), nu = {nu_3d:g}", (rng.normal(0, 2, (2, 3, 2)), nu_3d)),
        Case(f"zero gradient {zero_shape}, nu = {nu_zero:g}", (np.zeros(zero_shape), nu_zero)),
        Case(f"one large entry in g {spike.shape}, nu = {nu_spike:g}", (spike, nu_spike)),
    ]


# The schedules are asked for the learning rate at every step of a list (the case's first argument).
def _rates(rng, k, low=0.005, high=1.0):
    """k distinct learning rates drawn log-uniformly in [low, high), rounded to 4 significant digits."""
    return [float(f"{v:.4g}") for v in np.exp(rng.uniform(np.log(low), np.log(high), k))]


def _piecewise_cases(rng):
    b1 = int(rng.integers(5, 30))
    b2 = b1 + int(rng.integers(10, 60))
    bounds, vals = [b1, b2], _rates(rng, 3)
    cuts = sorted(int(c) for c in rng.choice(np.arange(5, 200), 3, replace=False))
    one = int(rng.integers(3, 40))
    one_vals = _rates(rng, 2)
    first = int(rng.integers(1, 6))  # consecutive boundaries first, first + 1
    rising = sorted(_rates(rng, 3, 1e-4, 0.5))
    return [
        Case("step 0", ([0], bounds, vals)),  # step 0 is fixed by nature (the first update); the schedule is drawn
        Case("steps exactly at the boundaries", ([b1, b2], bounds, vals)),
        Case("steps one past the boundaries", ([b1 + 1, b2 + 1], bounds, vals)),
        Case("steps long after the last boundary",
             ([b2 + int(rng.integers(100, 1000)), int(rng.integers(5_000, 20_000))], bounds, vals)),
        Case("random boundaries, steps 0..210", (list(range(0, 211, 3)) + cuts, cuts, _rates(rng, 4))),
        Case("one boundary, steps around it", ([0, one - 1, one, one + 1, one + 2], [one], one_vals)),
        Case(f"increasing values, consecutive boundaries {first} and {first + 1}",
             (list(range(first - 1, first + 3)), [first, first + 1], rising)),
    ]


def _exponential_cases(rng):
    steps = [int(s) for s in rng.integers(0, 400, 12)]
    ds = int(rng.integers(4, 30))  # decay_steps of the edge cases
    lr0, rate = _rates(rng, 1, 0.05, 1.0)[0], round(float(rng.uniform(0.5, 0.95)), 3)
    multiples = sorted(int(k) * ds for k in rng.choice(np.arange(1, 12), 3, replace=False))
    # between multiples: one step in the lower half of a period, one in the upper half (round ≠ floor)
    between = sorted({int(rng.integers(0, 4)) * ds + int(rng.integers(1, ds // 2)),
                      int(rng.integers(4, 8)) * ds + ds - int(rng.integers(1, ds // 2)),
                      int(rng.integers(8, 12)) * ds + int(rng.integers(1, ds)),
                      int(rng.integers(12, 20)) * ds + int(rng.integers(1, ds))})
    k = int(rng.integers(2, 6))
    at_multiples = [0, ds, k * ds - 1, k * ds, k * ds + 1]
    rate_a, ds_a = round(float(rng.uniform(0.9, 0.99)), 3), int(rng.integers(20, 50))
    rate_b, ds_b = round(float(rng.uniform(0.5, 0.85)), 3), int(rng.integers(30, 70))
    return [
        Case("step 0", ([0], lr0, rate, ds)),
        Case(f"steps at multiples of decay_steps ({ds})", (multiples, lr0, rate, ds)),
        Case("steps between multiples, smooth", (between, lr0, rate, ds)),
        Case("steps between multiples, staircase", (between, lr0, rate, ds), {"staircase": True}),
        Case("staircase at and around multiples of decay_steps", (at_multiples, lr0, rate, ds), {"staircase": True}),
        Case(f"random steps, decay_rate {rate_a:g}, decay_steps {ds_a}", (steps, 0.05, rate_a, ds_a)),
        Case(f"random steps, staircase, decay_rate {rate_b:g}, decay_steps {ds_b}", (steps, 1.3, rate_b, ds_b),
             {"staircase": True}),
    ]


def _polynomial_cases(rng):
    # η0 (β t + 1)^(−α) of the slides; β, α and the steps drawn around the edges (t = 0, α = 1, β = 0,
    # steps far out where an exponent with the wrong sign or a missing +1 shows).
    steps = sorted(int(s) for s in rng.integers(0, 400, 10))
    lr0 = _rates(rng, 1, 0.05, 1.0)[0]
    beta, alpha = round(float(rng.uniform(0.02, 0.3)), 4), round(float(rng.uniform(0.3, 0.9)), 3)
    beta_1 = round(float(rng.uniform(0.05, 0.5)), 4)
    alpha_big, beta_small = round(float(rng.uniform(1.5, 3.0)), 3), round(float(rng.uniform(0.001, 0.01)), 5)
    far = sorted(int(s) for s in rng.integers(10_000, 1_000_000, 4))
    return [
        Case("step 0", ([0], lr0, beta, alpha)),
        Case(f"beta {beta:g}, alpha {alpha:g}, random steps", (steps, lr0, beta, alpha)),
        Case(f"alpha = 1 (1/t decay), beta {beta_1:g}, steps 0..30", (list(range(31)), 0.4, beta_1, 1.0)),
        Case(f"alpha {alpha_big:g}, beta {beta_small:g}, random steps", (steps, 0.9, beta_small, alpha_big)),
        Case("beta = 0 (constant learning rate)", (steps[:4], lr0, 0.0, alpha)),
        Case(f"steps far out (1e4..1e6), beta {beta:g}, alpha {alpha:g}", (far, 0.25, beta, alpha)),
        Case(f"beta = 1, alpha {alpha:g}, steps 1..12", (list(range(1, 13)), lr0, 1.0, alpha)),
    ]


def _minibatch_cases(rng):
    def gen():
        return np.random.default_rng(int(rng.integers(0, 2**31)))

    m1 = int(rng.integers(6, 20))
    n1 = m1 * int(rng.integers(5, 12)) + int(rng.integers(1, m1))
    m2 = int(rng.integers(8, 40))
    n2 = m2 * int(rng.integers(2, 5))
    n3, n4 = int(rng.integers(10, 30)), int(rng.integers(5, 20))
    n5 = int(rng.integers(5, 15))
    m5 = n5 + int(rng.integers(1, 50))
    n6, m6 = int(rng.integers(150, 300)), int(rng.integers(30, 70))
    m7 = int(rng.integers(10, 40))
    return [
        Case(f"n = {n1}, m = {m1} (m does not divide n)", (n1, m1, gen())),
        Case(f"n = {n2}, m = {m2} (m divides n)", (n2, m2, gen())),
        Case(f"n = {n3}, m = 1", (n3, 1, gen())),
        Case(f"n = {n4}, m = {n4} (m = n)", (n4, n4, gen())),
        Case(f"n = {n5}, m = {m5} (m > n)", (n5, m5, gen())),
        Case(f"n = {n6}, m = {m6}", (n6, m6, gen())),
        Case(f"n = {m7 + 1}, m = {m7} (one left over)", (m7 + 1, m7, gen())),
    ]


# How the rules and schedules are run (several steps threading state; a list of steps) is the kernel's
# side: autograder.kernel.runners.lab03_optimizers.
register(Spec(f"{LAB}.sgd", _sgd_cases))
register(Spec(f"{LAB}.sgd_momentum", _momentum_cases))
register(Spec(f"{LAB}.nesterov", _nesterov_cases))
register(Spec(f"{LAB}.adagrad", _adagrad_cases))
register(Spec(f"{LAB}.rmsprop", _rmsprop_cases))
# atol 1e-7: see _rmsprop_nesterov_cases (the slide's ε/√r against the lab's ε/(δ + √r)).
register(Spec(f"{LAB}.rmsprop_nesterov", _rmsprop_nesterov_cases, tolerance=Tolerance(rtol=1e-6, atol=1e-7)))
register(Spec(f"{LAB}.adam", _adam_cases))
register(Spec(f"{LAB}.clip_by_norm", _clip_cases))
register(Spec(f"{LAB}.piecewise_constant", _piecewise_cases))
register(Spec(f"{LAB}.exponential_decay", _exponential_cases))
register(Spec(f"{LAB}.polynomial_decay", _polynomial_cases))
register(Spec(f"{LAB}.minibatches", _minibatch_cases))
