"""Hidden cases of lab 1: the linear neuron, activations, one-hot, regression and classification losses.

Every function gets seeded random cases plus the fixed edge cases where typical mistakes show
(overflow at ±1000, the convention at x = 0, |r| = δ, 0·log 0, hyperparameters other than the
defaults). Outputs are deterministic, so the default judge (shape, dtype kind, values) applies.
"""
import numpy as np

from autograder.cases import Case, Spec, register
from autograder.compare import Tolerance

LAB = "lab01_neurons_losses"

# A least-squares fit may be solved with lstsq, pinv, solve or inv of the normal equations; on the
# well-conditioned hidden problems (cond(A) < 100) they agree to ~1e-12, far inside this bound.
LSTSQ = Tolerance(rtol=1e-6, atol=1e-8)


def _reg(name, cases, **kw):
    register(Spec(f"{LAB}.{name}", cases, **kw))


# ---------------------------------------------------------------- linear neuron, least squares
def _linear_neuron_cases(rng):
    X = rng.normal(0, 1, (7, 3))
    X2 = rng.normal(0, 2, (5, 4))
    return [
        Case("w (3,), scalar b", (X, rng.normal(0, 1, 3), float(rng.normal()))),
        Case("w (4, 2), b (2,)", (X2, rng.normal(0, 1, (4, 2)), rng.normal(0, 1, 2))),
        Case("w (3, 5), b (5,)", (X, rng.normal(0, 1, (3, 5)), rng.normal(0, 1, 5))),
        Case("w (3, 3), b (3,)", (X, rng.normal(0, 1, (3, 3)), rng.normal(0, 1, 3))),
        Case("one sample, w (4,)", (X2[:1], rng.normal(0, 1, 4), -0.73)),
        Case("w (4, 1), b (1,)", (X2, rng.normal(0, 1, (4, 1)), np.array([2.5]))),
        Case("b = 0, w (2,)", (rng.normal(0, 1, (9, 2)), np.array([0.3, -1.7]), 0.0)),
    ]


def _fit_least_squares_cases(rng):
    def problem(n, d, k=None, scale=1.0, shift=0.0, noise=0.1):
        X = rng.normal(shift, scale, (n, d))
        w = rng.normal(0, 1, (d,) if k is None else (d, k))
        b = rng.normal(0, 1) if k is None else rng.normal(0, 1, k)
        y = X @ w + b + rng.normal(0, noise, (n,) if k is None else (n, k))
        return X, y

    height = rng.uniform(0.3, 3.5, 40)
    weight = 1.2 * height + rng.normal(0, 0.8, 40)
    labels = np.where(height + 0.3 * weight > 2.0, 1.0, -1.0)
    X_exact = rng.normal(0, 1, (12, 3))
    return [
        Case("random (30, 3), one output", problem(30, 3)),
        Case("random (25, 2), shifted features", problem(25, 2, scale=1.5, shift=3.0)),
        Case("multi-output y_o (20, 4) from X (20, 3)", problem(20, 3, k=4)),
        Case("multi-output y_o (15, 1)", problem(15, 5, k=1)),
        Case("multi-output y_o (18, 3) from X (18, 2)", problem(18, 2, k=3, shift=-1.0)),
        Case("noise-free targets (exact fit)", (X_exact, X_exact @ np.array([0.5, -2.0, 1.25]) - 0.8)),
        Case("just determined: n = d + 1", problem(4, 3, noise=0.5)),
        Case("one feature, labels ±1", (height[:, None], labels)),
        Case("height/weight features, labels ±1", (np.column_stack([height, weight]), labels)),
    ]


_reg("linear_neuron", _linear_neuron_cases)
_reg("fit_least_squares", _fit_least_squares_cases, tolerance=LSTSQ)


# ---------------------------------------------------------------- activations
def _activation_cases(rng, extra):
    return [
        Case("random (5, 3)", (rng.normal(0, 3, (5, 3)),)),
        Case("random (40,)", (rng.uniform(-8, 8, 40),)),
        Case("3-D (2, 3, 4)", (rng.normal(0, 2, (2, 3, 4)),)),
        Case("scalar 0", (np.float64(0.0),)),
        Case("values around 0", (np.array([-1e-3, -0.0, 0.0, 1e-3]),)),
    ] + extra


def _big():
    return [Case("x = ±1000", (np.array([-1000.0, -800.0, 800.0, 1000.0]),))]


def _sigmoid_cases(rng):
    return _activation_cases(rng, _big() + [Case("scalar -2.5", (np.float64(-2.5),))])


def _tanh_cases(rng):
    return _activation_cases(rng, _big() + [Case("large |x| random", (rng.uniform(400, 900, 6) * rng.choice([-1, 1], 6),))])


def _relu_cases(rng):
    return _activation_cases(rng, [Case("integers as floats", (np.arange(-3.0, 4.0),)),
                                   Case("x = ±1000", (np.array([-1000.0, 1000.0]),))])


def _relu_derivative_cases(rng):
    return _activation_cases(rng, [Case("x = 0 exactly", (np.zeros(3),)),
                                   Case("integers as floats", (np.arange(-3.0, 4.0),))])


def _leaky_cases(rng):
    x = rng.normal(0, 3, (6, 4))
    return _activation_cases(rng, [
        Case("m = 0.2", (x,), {"m": 0.2}),
        Case("m = 0.37, x with zeros", (np.array([-2.0, -0.0, 0.0, 0.5, 3.0]),), {"m": 0.37}),
        Case("m = 0.05, 1-D", (rng.uniform(-4, 4, 25),), {"m": 0.05}),
    ])


def _leaky_derivative_cases(rng):
    return _activation_cases(rng, [
        Case("x = 0 exactly", (np.zeros(4),)),
        Case("m = 0.2", (rng.normal(0, 3, (6, 4)),), {"m": 0.2}),
        Case("m = 0.37 at x = 0", (np.array([-1.0, 0.0, 1.0]),), {"m": 0.37}),
    ])


def _softmax_cases(rng):
    shifted = rng.normal(0, 1, (4, 5))
    shifted[2] += 1000.0
    shifted[3] -= 1000.0
    return [
        Case("random (6, 4)", (rng.normal(0, 2, (6, 4)),)),
        Case("one vector (7,)", (rng.normal(0, 3, 7),)),
        Case("[1000, 1001, 1002]", (np.array([1000.0, 1001.0, 1002.0]),)),
        Case("batch with rows shifted by ±1000", (shifted,)),
        Case("3-D (2, 3, 5), last axis", (rng.normal(0, 2, (2, 3, 5)),)),
        Case("(3, 3): rows, not columns", (rng.normal(0, 2, (3, 3)),)),
        Case("equal logits", (np.full((2, 4), -3.5),)),
        Case("-1000 logits", (np.array([[-1000.0, -1001.0, -999.0]]),)),
    ]


_reg("sigmoid", _sigmoid_cases)
_reg("sigmoid_derivative", lambda rng: _activation_cases(rng, _big()))
_reg("tanh", _tanh_cases)
_reg("tanh_derivative", lambda rng: _activation_cases(rng, _big()))
_reg("relu", _relu_cases)
_reg("relu_derivative", _relu_derivative_cases)
_reg("leaky_relu", _leaky_cases)
_reg("leaky_relu_derivative", _leaky_derivative_cases)
_reg("softmax", _softmax_cases)


# ---------------------------------------------------------------- one-hot
def _one_hot_cases(rng):
    return [
        Case("random labels, 10 classes", (rng.integers(0, 10, 12), 10)),
        Case("num_classes > max label + 1", (np.array([0, 2, 1, 2]), 7)),
        Case("every class once, shuffled", (rng.permutation(5), 5)),
        Case("one sample", (np.array([3]), 4)),
        Case("two classes", (rng.integers(0, 2, 9), 2)),
        Case("labels as a list", ([4, 0, 4, 1], 6)),
    ]


_reg("one_hot", _one_hot_cases)


# ---------------------------------------------------------------- regression losses
def _regression_cases(rng, delta=False):
    y = rng.normal(0, 2, (6, 4))
    v = rng.normal(0, 1, 15)
    cases = [
        Case("random (6, 4)", (y, y + rng.normal(0, 1.5, (6, 4)))),
        Case("random (15,)", (v, rng.normal(0, 1, 15))),
        Case("(3, 5) with an outlier", (np.zeros((3, 5)), np.where(np.arange(15).reshape(3, 5) == 7, 25.0, 0.3))),
        Case("some r = 0 exactly", (np.array([1.0, 2.0, -3.0, 0.5]), np.array([1.0, 2.5, -3.0, -0.5]))),
        Case("integer values with ties (4, 5)", (rng.integers(-2, 3, (4, 5)).astype(float), rng.integers(-2, 3, (4, 5)).astype(float))),
        Case("3-D (2, 3, 2)", (rng.normal(0, 2, (2, 3, 2)), rng.normal(0, 2, (2, 3, 2)))),
    ]
    if delta:
        r = rng.normal(0, 1.2, (5, 3))
        cases += [
            Case("|r| = delta = 1 exactly", (np.array([1.0, -1.0, 0.5, -2.0]), np.zeros(4))),
            Case("delta = 0.37", (r, np.zeros_like(r)), {"delta": 0.37}),
            Case("|r| = delta = 0.37 exactly", (np.array([0.37, -0.37, 0.1, 3.0]), np.zeros(4)), {"delta": 0.37}),
            Case("delta = 2.6, (6, 4)", (y, y + rng.normal(0, 3, (6, 4))), {"delta": 2.6}),
        ]
    return cases


for _name in ("mse", "mae", "mse_grad", "mae_grad"):
    _reg(_name, _regression_cases)
for _name in ("huber", "huber_grad"):
    _reg(_name, lambda rng: _regression_cases(rng, delta=True))


# ---------------------------------------------------------------- classification losses
def _probabilities(rng, n, k):
    z = rng.normal(0, 1.5, (n, k))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(labels, k):
    return np.eye(k)[labels]


def _cross_entropy_cases(rng):
    zeros_p = np.array([[0.0, 0.3, 0.7], [0.6, 0.0, 0.4], [0.0, 0.0, 1.0], [0.25, 0.25, 0.5]])
    zeros_y = _one_hot(np.array([2, 0, 2, 1]), 3)
    return [
        Case("random (8, 5), one-hot", (_probabilities(rng, 8, 5), _one_hot(rng.integers(0, 5, 8), 5))),
        Case("random (3, 10), one-hot", (_probabilities(rng, 3, 10), _one_hot(rng.integers(0, 10, 3), 10))),
        Case("p = 0 where y_o = 0", (zeros_p, zeros_y)),
        Case("soft targets (6, 4)", (_probabilities(rng, 6, 4), rng.dirichlet(np.ones(4), 6))),
        Case("soft targets with zeros, p with zeros", (zeros_p, np.array([[0, 0.5, 0.5], [0.9, 0, 0.1], [0, 0, 1.0], [0.2, 0.3, 0.5]]))),
        Case("one sample", (np.array([[0.1, 0.2, 0.7]]), np.array([[0.0, 1.0, 0.0]]))),
        Case("two classes (7, 2)", (_probabilities(rng, 7, 2), _one_hot(rng.integers(0, 2, 7), 2))),
    ]


def _cross_entropy_from_logits_cases(rng):
    big = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    return [
        Case("random (8, 5)", (rng.normal(0, 2, (8, 5)), rng.integers(0, 5, 8))),
        Case("random (3, 10)", (rng.normal(0, 4, (3, 10)), rng.integers(0, 10, 3))),
        Case("logits ±1000, labels at the max", (big, np.array([0, 1, 2]))),
        Case("logits ±1000, labels not at the max", (big, np.array([1, 0, 1]))),
        Case("one sample", (np.array([[2.0, -1.0, 0.5, 0.0]]), np.array([3]))),
        Case("n = k = 4 (labels differ from rows)", (rng.normal(0, 1, (4, 4)), np.array([3, 3, 0, 1]))),
        Case("all logits equal", (np.full((5, 6), 2.5), rng.integers(0, 6, 5))),
    ]


_reg("cross_entropy", _cross_entropy_cases)
_reg("cross_entropy_from_logits", _cross_entropy_from_logits_cases)
