"""Hidden cases of lab 1: the linear neuron, activations, one-hot, regression and classification losses.

Every function gets seeded random cases plus the edge cases where typical mistakes show (overflow
at |x| of several hundred, the convention at x = 0, |r| = δ exactly, 0·log 0, hyperparameters other
than the defaults). The edge cases draw their values from the run's generator too (magnitudes,
shapes, δ, m), so no input is known before a run (x = 0 itself comes among drawn neighbours, in a
drawn order). Outputs are deterministic, so the default judge (shape, dtype kind, values) applies.
"""
import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.grading.compare import Tolerance

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
def _signed(rng, magnitudes):
    """``magnitudes`` with half of them negated, in random order."""
    signs = np.where(np.arange(len(magnitudes)) % 2 == 0, -1.0, 1.0)
    return rng.permutation(signs * magnitudes)


def _activation_cases(rng, extra):
    eps = rng.uniform(1e-4, 1e-2)
    return [
        Case("random (5, 3)", (rng.normal(0, 3, (5, 3)),)),
        Case("random (40,)", (rng.uniform(-8, 8, 40),)),
        Case("3-D (2, 3, 4)", (rng.normal(0, 2, (2, 3, 4)),)),
        Case("a scalar (0-d input)", (np.float64(rng.normal(0, 2)),)),
        Case("values around 0, ±0.0 included", (rng.permutation(np.array([-eps, -0.0, 0.0, eps, -eps / 7, eps / 3])),)),
    ] + extra


def _big(rng):
    return [Case("|x| in [700, 1000], both signs", (_signed(rng, rng.uniform(700, 1000, int(rng.integers(4, 9)))),))]


def _integers_with_zero(rng):
    """Integer-valued floats with a 0 among them, shape (7,)."""
    return rng.permutation(np.append(rng.integers(-6, 7, 6), 0).astype(float))


def _sigmoid_cases(rng):
    return _activation_cases(rng, _big(rng) + [Case("a negative scalar", (np.float64(rng.uniform(-4.0, -1.0)),))])


def _tanh_cases(rng):
    return _activation_cases(rng, _big(rng) + [Case("large |x| random", (rng.uniform(400, 900, 6) * rng.choice([-1, 1], 6),))])


def _relu_cases(rng):
    return _activation_cases(rng, [Case("integers as floats", (_integers_with_zero(rng),)),
                                   Case("|x| in [700, 1000], both signs", (_signed(rng, rng.uniform(700, 1000, 2)),))])


def _relu_derivative_cases(rng):
    return _activation_cases(rng, [Case("x = 0 exactly", (np.zeros(int(rng.integers(2, 7))),)),
                                   Case("integers as floats", (_integers_with_zero(rng),))])


def _leaky_cases(rng):
    x = rng.normal(0, 3, (6, 4))
    return _activation_cases(rng, [
        Case("m in [0.15, 0.25]", (x,), {"m": float(rng.uniform(0.15, 0.25))}),
        Case("m in [0.3, 0.45], x with zeros", (rng.permutation(np.array([-rng.uniform(1, 3), -0.0, 0.0, rng.uniform(0.1, 1), rng.uniform(2, 4)])),),
             {"m": float(rng.uniform(0.3, 0.45))}),
        Case("m in [0.02, 0.08], 1-D", (rng.uniform(-4, 4, 25),), {"m": float(rng.uniform(0.02, 0.08))}),
    ])


def _leaky_derivative_cases(rng):
    u = rng.uniform(0.5, 2.0)
    return _activation_cases(rng, [
        Case("x = 0 exactly", (np.zeros(int(rng.integers(2, 7))),)),
        Case("m in [0.15, 0.25]", (rng.normal(0, 3, (6, 4)),), {"m": float(rng.uniform(0.15, 0.25))}),
        Case("m in [0.3, 0.45] at x = 0", (np.array([-u, 0.0, u]),), {"m": float(rng.uniform(0.3, 0.45))}),
    ])


def _softmax_cases(rng):
    shifted = rng.normal(0, 1, (4, 5))
    shifted[2] += rng.uniform(800, 1000)
    shifted[3] -= rng.uniform(800, 1000)
    return [
        Case("random (6, 4)", (rng.normal(0, 2, (6, 4)),)),
        Case("one vector (7,)", (rng.normal(0, 3, 7),)),
        Case("logits near +1000 (1-D)", (rng.uniform(800, 1000) + np.sort(rng.uniform(0, 3, int(rng.integers(3, 6)))),)),
        Case("batch with rows shifted by ±(800..1000)", (shifted,)),
        Case("3-D (2, 3, 5), last axis", (rng.normal(0, 2, (2, 3, 5)),)),
        Case("(3, 3): rows, not columns", (rng.normal(0, 2, (3, 3)),)),
        Case("equal logits", (np.full((int(rng.integers(1, 4)), int(rng.integers(2, 6))), rng.uniform(-5, 5)),)),
        Case("logits near -1000", (-rng.uniform(800, 1000) + rng.uniform(-2, 2, (1, int(rng.integers(3, 6)))),)),
    ]


_reg("sigmoid", _sigmoid_cases)
_reg("sigmoid_derivative", lambda rng: _activation_cases(rng, _big(rng)))
_reg("tanh", _tanh_cases)
_reg("tanh_derivative", lambda rng: _activation_cases(rng, _big(rng)))
_reg("relu", _relu_cases)
_reg("relu_derivative", _relu_derivative_cases)
_reg("leaky_relu", _leaky_cases)
_reg("leaky_relu_derivative", _leaky_derivative_cases)
_reg("softmax", _softmax_cases)


# ---------------------------------------------------------------- one-hot
def _one_hot_cases(rng):
    k = int(rng.integers(3, 8))
    return [
        Case("random labels, 10 classes", (rng.integers(0, 10, 12), 10)),
        Case("num_classes > max label + 1", (rng.integers(0, 3, int(rng.integers(3, 7))), int(rng.integers(5, 9)))),
        Case("every class once, shuffled", (rng.permutation(5), 5)),
        Case("one sample", (rng.integers(0, k, 1), k)),
        Case("two classes", (rng.integers(0, 2, 9), 2)),
        Case("labels as a list", ([int(v) for v in rng.integers(0, 6, 4)], 6)),
    ]


_reg("one_hot", _one_hot_cases)


# ---------------------------------------------------------------- regression losses
def _regression_cases(rng, delta=False):
    y = rng.normal(0, 2, (6, 4))
    v = rng.normal(0, 1, 15)
    outlier = rng.uniform(0.1, 0.5, (3, 5)) * rng.choice([-1.0, 1.0], (3, 5))  # signs drawn: no constant gradient
    outlier.flat[rng.integers(0, 15)] = rng.uniform(15, 40) * rng.choice([-1.0, 1.0])
    exact = rng.normal(0, 2, 6)
    same = exact.copy()
    moved = rng.permutation(6)[:3]
    same[moved] += rng.normal(0, 1, 3)
    step = float(rng.uniform(0.5, 2.0))
    cases = [
        Case("random (6, 4)", (y, y + rng.normal(0, 1.5, (6, 4)))),
        Case("random (15,)", (v, rng.normal(0, 1, 15))),
        Case("(3, 5) with an outlier", (np.zeros((3, 5)), outlier)),
        Case("some r = 0 exactly", (exact, same)),
        # a grid of a drawn step: ties and r = 0 exactly as with integers, but a loss that is not one of
        # the few multiples of 1/20 (a report forged from the fixed cases matched one run in about 16)
        Case("grid values with ties (4, 5)", (rng.integers(-2, 3, (4, 5)) * step, rng.integers(-2, 3, (4, 5)) * step)),
        Case("3-D (2, 3, 2)", (rng.normal(0, 2, (2, 3, 2)), rng.normal(0, 2, (2, 3, 2)))),
    ]
    if delta:
        r = rng.normal(0, 1.2, (5, 3))
        d = float(rng.uniform(0.2, 0.6))
        cases += [
            Case("|r| = delta = 1 (default) exactly",
                 (rng.permutation(np.array([1.0, -1.0, rng.uniform(-0.9, 0.9), -rng.uniform(1.5, 4)])), np.zeros(4))),
            Case("delta in [0.2, 0.6]", (r, np.zeros_like(r)), {"delta": float(rng.uniform(0.2, 0.6))}),
            Case("|r| = delta exactly, delta in [0.2, 0.6]",
                 (rng.permutation(np.array([d, -d, d * rng.uniform(0.1, 0.9), rng.uniform(2, 4)])), np.zeros(4)), {"delta": d}),
            Case("delta in [2, 3], (6, 4)", (y, y + rng.normal(0, 3, (6, 4))), {"delta": float(rng.uniform(2, 3))}),
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


def _with_zeros(rng, n, k, keep):
    """Probabilities (n, k) with one exact 0 per row, never at column ``keep[i]``; a row may also be one-hot."""
    p = rng.dirichlet(np.ones(k), n)
    for i in range(n):
        p[i, rng.choice([j for j in range(k) if j != keep[i]])] = 0.0
    p[rng.integers(0, n)] = _one_hot(keep[:1], k)[0] if n else p[0]
    return p / p.sum(axis=1, keepdims=True)


def _cross_entropy_cases(rng):
    n, k = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    labels = rng.integers(0, k, n)
    zeros_p = _with_zeros(rng, n, k, labels)
    soft = rng.dirichlet(np.ones(k), n) * (zeros_p > 0)  # a target is 0 wherever p is
    soft /= soft.sum(axis=1, keepdims=True)
    one = int(rng.integers(2, 6))
    return [
        Case("random (8, 5), one-hot", (_probabilities(rng, 8, 5), _one_hot(rng.integers(0, 5, 8), 5))),
        Case("random (3, 10), one-hot", (_probabilities(rng, 3, 10), _one_hot(rng.integers(0, 10, 3), 10))),
        Case("p = 0 where y_o = 0", (zeros_p, _one_hot(np.where(zeros_p[np.arange(n), labels] > 0, labels, zeros_p.argmax(axis=1)), k))),
        Case("soft targets (6, 4)", (_probabilities(rng, 6, 4), rng.dirichlet(np.ones(4), 6))),
        Case("soft targets with zeros, p with zeros", (zeros_p, soft)),
        Case("one sample", (_probabilities(rng, 1, one), _one_hot(rng.integers(0, one, 1), one))),
        Case("two classes (7, 2)", (_probabilities(rng, 7, 2), _one_hot(rng.integers(0, 2, 7), 2))),
    ]


def _tied_rows(rng):
    """Logits (5, k): four rows each one value repeated (a loss of log k each) and one random row, so
    the mean loss is not log k whatever the draw; labels (5,)."""
    k = int(rng.integers(3, 9))
    z = np.repeat(rng.uniform(-5, 5, (5, 1)), k, axis=1)
    z[rng.integers(0, 5)] = rng.normal(0, 2, k)
    return z, rng.integers(0, k, 5)


def _cross_entropy_from_logits_cases(rng):
    m = rng.uniform(800, 1000, 3)
    big = np.array([[m[0], -m[0], 0.0], [-m[1], m[1], m[1] - rng.uniform(0.5, 2)], [-m[2], -m[2], -m[2]]])
    k = int(rng.integers(3, 6))
    labels = rng.integers(0, 4, 4)
    if np.array_equal(labels, np.arange(4)):
        labels = labels[::-1].copy()
    return [
        Case("random (8, 5)", (rng.normal(0, 2, (8, 5)), rng.integers(0, 5, 8))),
        Case("random (3, 10)", (rng.normal(0, 4, (3, 10)), rng.integers(0, 10, 3))),
        Case("logits ±(800..1000), labels at the max", (big, np.array([0, 1, int(rng.integers(0, 3))]))),
        Case("logits ±(800..1000), labels not at the max", (big, np.array([1, int(rng.choice([0, 2])), int(rng.integers(0, 3))]))),
        Case("one sample", (rng.normal(0, 2, (1, k)), rng.integers(0, k, 1))),
        Case("n = k = 4 (labels differ from rows)", (rng.normal(0, 1, (4, 4)), labels)),
        Case("rows of equal logits (and one random row)", _tied_rows(rng)),
    ]


_reg("cross_entropy", _cross_entropy_cases)
_reg("cross_entropy_from_logits", _cross_entropy_from_logits_cases)
