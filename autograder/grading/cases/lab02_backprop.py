"""Hidden cases of lab 2 (backpropagation, gradient checking, training an MLP). NumPy only.

How each function is run (no autodiff allowed, ``mlp_backward`` through the student's own
``mlp_forward``, ``numerical_gradient`` on a test objective named as data) is the kernel's side, in
:mod:`autograder.kernel.runners.lab02_backprop`.
"""
import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.grading.compare import Tolerance, compare
from autograder.kernel.runners.lab02_backprop import RAISED

LAB = "lab02_backprop"


def _params(rng, sizes, scale=None):
    """Random MLP weights for layer sizes [d_0, d_1, ..., d_L] (W ~ N(0, 1/fan_in), b ~ N(0, 0.1²))."""
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        std = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        out.append((rng.normal(0, std, (fan_in, fan_out)), rng.normal(0, 0.1, fan_out)))
    return out


# ---------------------------------------------------------------------------------------------- dense
def _dense_forward_cases(rng):
    cases = []
    for n, d_in, d_out in [(6, 4, 3), (5, 2, 7), (9, 5, 5)]:
        cases.append(Case(f"random x ({n}, {d_in}), W ({d_in}, {d_out})",
                          (rng.normal(0, 1, (n, d_in)), rng.normal(0, 1, (d_in, d_out)), rng.normal(0, 1, d_out))))
    cases += [
        Case("batch of 1, W (3, 4)", (rng.normal(0, 1, (1, 3)), rng.normal(0, 1, (3, 4)), rng.normal(0, 1, 4))),
        Case("one output unit, W (4, 1)", (rng.normal(0, 1, (7, 4)), rng.normal(0, 1, (4, 1)), rng.normal(0, 1, 1))),
        Case("zero weights, only the bias", (rng.normal(0, 1, (3, 2)), np.zeros((2, 3)), rng.normal(0, 2, 3))),
    ]
    return cases


register(Spec(f"{LAB}.dense_forward", _dense_forward_cases))


def _dense_backward_cases(rng):
    cases = []
    for n, d_in, d_out in [(6, 4, 3), (5, 2, 7), (8, 5, 5), (1, 3, 4), (7, 4, 1)]:
        x, W, b = rng.normal(0, 1, (n, d_in)), rng.normal(0, 1, (d_in, d_out)), rng.normal(0, 1, d_out)
        name = "batch of 1" if n == 1 else f"random x ({n}, {d_in}), W ({d_in}, {d_out})"
        cases.append(Case(name, (rng.normal(0, 1, (n, d_out)), (x, W, b))))
    x, W, b = rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 2)
    cases.append(Case("dout = ones (4, 2)", (np.ones((4, 2)), (x, W, b))))
    return cases


register(Spec(f"{LAB}.dense_backward", _dense_backward_cases))


# ------------------------------------------------------------------------------------------------ MLP
def _architectures(rng):
    """(name, X, params, activation) of the MLPs both MLP specs try."""
    nets = [
        ("2 layers, relu", [4, 6, 3], "relu", 7),
        ("2 layers, sigmoid", [3, 5, 2], "sigmoid", 6),
        ("3 layers, tanh", [5, 4, 6, 3], "tanh", 8),
        ("4 layers, relu", [3, 7, 5, 4, 2], "relu", 5),
        ("4 layers, sigmoid", [4, 3, 6, 5, 3], "sigmoid", 6),
        ("3 layers, relu, batch of 1", [6, 5, 4, 3], "relu", 1),
        ("5 layers, tanh", [2, 4, 4, 4, 4, 5], "tanh", 4),
        ("1 layer (no hidden layer), sigmoid", [4, 3], "sigmoid", 5),
    ]
    out = []
    for name, sizes, activation, n in nets:
        X = rng.normal(0, 1.5, (n, sizes[0]))
        out.append((name, X, _params(rng, sizes, scale=0.9), activation))
    return out


def _judge_scores(got, expected, case):
    """mlp_forward returns (scores, caches); caches are the student's own design: judge scores only."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"should return a pair (scores, caches), got {type(got).__name__}"
    return compare(got[0], expected[0], path="scores")


def _mlp_forward_cases(rng):
    return [Case(name, (X, params, activation)) for name, X, params, activation in _architectures(rng)]


register(Spec(f"{LAB}.mlp_forward", _mlp_forward_cases, judge=_judge_scores))


def _mlp_backward_cases(rng):
    cases = []
    for name, X, params, activation in _architectures(rng):
        dscores = rng.normal(0, 1, (X.shape[0], params[-1][0].shape[1]))
        cases.append(Case(name, (X, params, activation, dscores)))
    return cases


# The runner gets the caches from the same person's mlp_forward, then calls mlp_backward(dscores, caches).
register(Spec(f"{LAB}.mlp_backward", _mlp_backward_cases))


# ------------------------------------------------------------------------------------------ the loss
def _huge_logits(rng):
    """Rows with one logit +M and one −M (M drawn in 750..1000, so exp(M) overflows), the true class
    never the +M one (its probability is below e^-700), and one row of exact ties."""
    n, c = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    z = rng.normal(0, 3, (n, c))
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        hi, lo = (int(k) for k in rng.choice(c, 2, replace=False))
        z[i, hi], z[i, lo] = rng.uniform(750, 1000), -rng.uniform(750, 1000)
        labels[i] = rng.choice([k for k in range(c) if k != hi])
    ties = int(rng.integers(n))
    z[ties] = rng.uniform(-3, 3)  # exact ties: loss log c, gradient 1/c − onehot
    labels[ties] = rng.integers(0, c)
    return z, labels


def _softmax_cross_entropy_cases(rng):
    cases = []
    for n, c in [(6, 4), (9, 3), (5, 7)]:
        cases.append(Case(f"random logits ({n}, {c})", (rng.normal(0, 2, (n, c)), rng.integers(0, c, n))))
    cases += [
        Case("batch of 1, 5 classes", (rng.normal(0, 2, (1, 5)), rng.integers(0, 5, 1))),
        Case("2 classes", (rng.normal(0, 3, (8, 2)), rng.integers(0, 2, 8))),
        Case("logits ~ 750..1000 (exp overflows without a shift)",
             (rng.uniform(750, 1000) + rng.normal(0, 3, (6, 4)), rng.integers(0, 4, 6))),
        Case("logits ±(750..1000), true class very unlikely", _huge_logits(rng)),
    ]
    return cases


register(Spec(f"{LAB}.softmax_cross_entropy", _softmax_cross_entropy_cases))


# -------------------------------------------------------------------------------- gradient checking
# Each objective is data, (template name, parameters): the runner builds the function
# (autograder.kernel.runners.lab02_backprop.OBJECTIVES), for the student's run and the reference's alike.
def _numerical_gradient_cases(rng):
    cubic = ("cubic", {"a": rng.normal(0, 1, 5)})
    sin_mix = ("sin_mix", {"A": rng.normal(0, 1, (3, 4))})
    quartic_form = ("quartic_form", {"M": rng.normal(0, 1, (4, 4))})
    exp_sum = ("exp_sum", {"c": rng.uniform(0.5, 1.5, 6)})
    tensor_3d = ("tensor_3d", {"T": rng.normal(0, 1, (2, 3, 2))})
    cross_entropy = ("cross_entropy", {"labels": rng.integers(0, 5, 2)})
    return [
        Case("cubic, x (5,), default h", (cubic, rng.normal(0, 1, 5))),
        Case("cubic, x (5,), h = 0.1", (cubic, rng.normal(0, 1, 5)), {"h": 0.1}),
        Case("2-D x (3, 4), default h", (sin_mix, rng.normal(0, 1, (3, 4)))),
        Case("2-D x (3, 4), h = 0.037", (sin_mix, rng.normal(0, 1, (3, 4))), {"h": 0.037}),
        Case("quadratic + quartic, h = 1e-4", (quartic_form, rng.normal(0, 1, 4)), {"h": 1e-4}),
        Case("exponential, h = 0.02", (exp_sum, rng.normal(0, 1, 6)), {"h": 0.02}),
        Case("3-D x (2, 3, 2), h = 0.05", (tensor_3d, rng.normal(0, 1, (2, 3, 2))), {"h": 0.05}),
        Case("cross-entropy of logits (2, 5), default h", (cross_entropy, rng.normal(0, 2, (2, 5)))),
    ]


def _judge_numerical_gradient(got, expected, case):
    """``got`` = (gradient, x after the call, x before the call) from the runner."""
    grad, x_after, original = got
    # Rounding: f(x ± h e_i) are close numbers; a correct solution that perturbs x differently (x + h
    # from x, or x - 2h after x + h) differs from the reference by ~1e-16·|f|/h ≈ 1e-10 here.
    message = compare(grad, expected[0], Tolerance(rtol=1e-6, atol=1e-8), path="gradient")
    if message:
        return message
    # x + h - 2h + h may differ from x by rounding (~1e-16 relative): that counts as restored.
    if compare(x_after, original, Tolerance(rtol=1e-12, atol=1e-15)):
        return "x is changed after the call (restore every element you perturb)"
    return None


register(Spec(f"{LAB}.numerical_gradient", _numerical_gradient_cases, judge=_judge_numerical_gradient))


def _signed(rng, low, high, size):
    """Magnitudes drawn in [low, high) with random signs."""
    return rng.uniform(low, high, size) * rng.choice([-1.0, 1.0], size)


def _relative_error_cases(rng):
    a = rng.normal(0, 1, (4, 3))
    b = a + rng.normal(0, 1e-3, (4, 3))
    v = rng.normal(0, 2, 7)
    # zeros at the same places of both (0/0 must agree through the 1e-8 floor), non-zeros of one sign
    n = int(rng.integers(4, 9))
    za = _signed(rng, 0.3, 3.0, n)
    zb = za * rng.uniform(0.5, 1.5, n)
    zeros = rng.permutation(n)[: int(rng.integers(1, n - 1))]
    za[zeros] = zb[zeros] = 0.0
    # one tiny value against 0: |a| + |b| < 1e-8, so the floor decides (error |a| / 1e-8); others equal
    m = int(rng.integers(3, 7))
    ta = _signed(rng, 5e-4, 2e-3, m)
    tiny, zero = (int(k) for k in rng.choice(m, 2, replace=False))
    ta[zero] = 0.0
    tb = ta.copy()
    ta[tiny], tb[tiny] = _signed(rng, 1e-9, 8e-9, 1)[0], 0.0
    # some elements of opposite signs (relative error exactly 1), the others equal
    k = int(rng.integers(3, 7))
    oa = _signed(rng, 0.3, 2.5, k)
    ob = oa.copy()
    flip = rng.permutation(k)[: int(rng.integers(1, k))]
    ob[flip] = -oa[flip] * rng.uniform(0.5, 2.0, flip.size)
    shape = (int(rng.integers(1, 5)), int(rng.integers(1, 6)))
    return [
        Case("close arrays (4, 3)", (a, b)),
        Case("unrelated arrays (7,)", (v, rng.normal(0, 2, 7))),
        Case("identical arrays", (v, v.copy())),
        Case("zeros in both", (za, zb)),
        Case(f"all zeros {shape}", (np.zeros(shape), np.zeros(shape))),
        Case("tiny values near the 1e-8 floor", (ta, tb)),
        Case("opposite signs", (oa, ob)),
        Case("large values (1e6)", (1e6 * a, 1e6 * b)),
    ]


register(Spec(f"{LAB}.relative_error", _relative_error_cases))


# ---------------------------------------------------------------------------------------- training
def _blobs(rng, n, d, k):
    """n points in d dimensions around k random centres; labels (n,) int64."""
    centres = rng.normal(0, 2, (k, d))
    labels = rng.integers(0, k, n)
    return centres[labels] + rng.normal(0, 1, (n, d)), labels


def _train_mlp_cases(rng):
    cases = []
    setups = [
        ("batch mode, lr 0.37, 4 epochs, relu", 23, [3, 5, 3],
         dict(activation="relu", lr=0.37, epochs=4, mode="batch")),
        ("stochastic mode, lr 0.053, 2 epochs, tanh", 13, [2, 4, 3],
         dict(activation="tanh", lr=0.053, epochs=2, mode="stochastic")),
        ("minibatch of 7 (n = 23), lr 0.21, 3 epochs, sigmoid, 3 layers", 23, [3, 6, 4, 3],
         dict(activation="sigmoid", lr=0.21, epochs=3, mode="minibatch", batch_size=7)),
        ("minibatch of 5 (n = 17), lr 0.09, 3 epochs, relu, 3 layers", 17, [4, 5, 5, 2],
         dict(activation="relu", lr=0.09, epochs=3, mode="minibatch", batch_size=5)),
        ("minibatch larger than n, lr 0.3, 2 epochs, tanh", 11, [3, 4, 3],
         dict(activation="tanh", lr=0.3, epochs=2, mode="minibatch", batch_size=40)),
        ("stochastic mode ignores batch_size, lr 0.07, 1 epoch, relu", 9, [3, 4, 2],
         dict(activation="relu", lr=0.07, epochs=1, mode="stochastic", batch_size=4)),
        ("default arguments (relu, lr 0.1, 10 epochs, minibatch of 32), n = 70", 70, [2, 4, 3], {}),
    ]
    for name, n, sizes, kwargs in setups:
        X, labels = _blobs(rng, n, sizes[0], sizes[-1])
        params = _params(rng, sizes)
        kwargs = dict(kwargs, rng=np.random.default_rng(int(rng.integers(2 ** 31))))
        cases.append(Case(name, (X, labels, params), kwargs))
    X, labels = _blobs(rng, 10, 3, 2)
    mode = str(rng.choice(["sgd", "full", "online", "mini-batch", "adam"]))
    cases.append(Case(f"unknown mode {mode!r} raises ValueError", (X, labels, _params(rng, [3, 4, 2])),
                      dict(mode=mode, rng=np.random.default_rng(int(rng.integers(2 ** 31))))))
    return cases


def _judge_train_mlp(got, expected, case):
    """``got`` = (output, params after the call) from the runner, or whether an unknown mode raised."""
    if isinstance(expected, str):
        if isinstance(got, str) and got == RAISED:
            return None
        return "an unknown mode should raise ValueError, but the function returned without an error"
    out, params_after = got
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return f"should return a pair (params, losses), got {type(out).__name__}"
    # Tolerance: a few dozen gradient steps; a correct solution that sums in another order differs by
    # rounding (~1e-15 relative) amplified a little by the steps, far below the default bound.
    try:
        losses = np.asarray(out[1], dtype=np.float64)
    except (TypeError, ValueError):
        return f"losses should be a list of {len(expected[0][1])} floats"
    message = (compare(out[0], expected[0][0], path="params") or
               compare(losses, np.asarray(expected[0][1]), path="losses"))
    if message:
        return message
    if compare(params_after, case.args[2], Tolerance(rtol=0, atol=0)):
        return "the params passed in were modified (return new arrays instead of updating in place)"
    return None


register(Spec(f"{LAB}.train_mlp", _train_mlp_cases, judge=_judge_train_mlp))
