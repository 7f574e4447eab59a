"""Hidden cases of lab 4: weight penalties, dropout, early stopping, initialisers.

Penalties and EarlyStopping are deterministic and compared with the reference. Dropout and the
initialisers are random: students may draw their numbers differently, so their outputs are judged
by properties (exact ones where they can be exact, statistical ones with bounds that the reference
passes at least 999 times in 1000; ``tests/solutions/test_initializers.py`` and
``tests/solutions/test_regularization.py`` run the judges over 1000 seeds).

How each function is run (dropout's ValueError as a value, EarlyStopping fed a loss sequence, no
autodiff) is the kernel's side, in :mod:`autograder.kernel.runners.lab04_regularization_init`.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.grading.compare import MIN_FLOAT_BITS, Tolerance, precision_dtype, tolerance_for, within
from autograder.kernel.runners.lab04_regularization_init import RAISED

LAB = "lab04_regularization_init"


def _gen(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator for one case (Case.call deep-copies it for each run)."""
    return np.random.default_rng(int(rng.integers(2**63)))


# ----------------------------------------------------------------------------------- penalties
def _net(rng, sizes, w_scale=1.0, b_scale=1.0):
    return [(rng.normal(0, w_scale, (m, n)), rng.normal(0, b_scale, n)) for m, n in zip(sizes[:-1], sizes[1:])]


def _penalty_cases(rng):
    with_zeros = _net(rng, [6, 5, 4], 0.8, 0.5)
    for W, _ in with_zeros:
        W[rng.random(W.shape) < 0.4] = 0.0  # exact zeros: sign(0) = 0 for the L1 subgradient
    return [
        Case("3 layers 5-7-4-3, lam = 0.037", (_net(rng, [5, 7, 4, 3]), 0.037)),
        Case("1 layer (6, 2), lam = 1.3", (_net(rng, [6, 2], 2.0, 1.0), 1.3)),
        Case("biases large, weights small (penalising b changes the answer), lam = 0.21",
             (_net(rng, [4, 6, 3], 0.05, 10.0), 0.21)),
        Case("4 layers 64-30-20-10-1, lam = 0.0051", (_net(rng, [64, 30, 20, 10, 1], 0.3, 0.2), 0.0051)),
        Case("weights with exact zeros, lam = 0.77", (with_zeros, 0.77)),
        Case("layers (1, 9) and (9, 1), lam = 2.5", (_net(rng, [1, 9, 1], 1.5, 3.0), 2.5)),
        Case("lam = 0", (_net(rng, [3, 4, 2]), 0.0)),
    ]


for _name in ("l2_penalty", "l2_penalty_grad", "l1_penalty", "l1_penalty_grad"):
    register(Spec(f"{LAB}.{_name}", _penalty_cases))


# ------------------------------------------------------------------------------------- dropout
def _dropout_cases(rng):
    negative_p = -round(float(rng.uniform(0.01, 0.5)), 2)
    return [
        Case("train, (200, 300), p = 0.3", (rng.uniform(0.5, 2.0, (200, 300)), 0.3, True, _gen(rng))),
        Case("train, (200, 300), p = 0.65", (rng.uniform(-1.0, 3.0, (200, 300)), 0.65, True, _gen(rng))),
        Case("train, 3-D (4, 5, 6), p = 0.5", (rng.normal(0, 1, (4, 5, 6)), 0.5, True, _gen(rng))),
        Case("train, 1-D (1000,), p = 0.21", (rng.normal(1, 1, 1000), 0.21, True, _gen(rng))),
        Case("train, p = 0 (keeps everything)", (rng.normal(0, 1, (30, 11)), 0.0, True, _gen(rng))),
        Case("eval (train=False), p = 0.4", (rng.normal(0, 2, (40, 17)), 0.4, False, _gen(rng))),
        Case("eval (train=False), 3-D (3, 8, 5), p = 0.7", (rng.normal(1, 1, (3, 8, 5)), 0.7, False, _gen(rng))),
        # p = 1 exactly is fixed by nature (the edge of 0 <= p < 1); x and the generator are drawn
        Case("p = 1 must raise ValueError", (rng.normal(0, 1, (5, 4)), 1.0, True, _gen(rng))),
        Case(f"p = {negative_p:g} must raise ValueError", (rng.normal(0, 1, (5, 4)), negative_p, True, _gen(rng))),
    ]


def _outputs(got, n, what):
    """``got`` as a tuple of ``n`` numeric arrays in their own dtypes, or a message."""
    if isinstance(got, str) and got == RAISED:
        return "raised ValueError although p is valid"
    if not isinstance(got, (tuple, list)) or len(got) != n:
        return f"should return a tuple {what}, got {type(got).__name__}"
    arrays = []
    for name, value in zip(what.strip("()").split(", "), got):
        if value is None:
            return f"{name} is None"
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiub":
            return f"{name} should be a numeric array, got {arr.dtype}"
        if arr.dtype.kind == "f" and arr.dtype.itemsize * 8 < MIN_FLOAT_BITS:
            return f"{name} has dtype {arr.dtype}, which is too coarse to grade: use float32 or float64"
        arrays.append(arr)
    return arrays


def judge_dropout(got, expected, case):
    """Exact properties (shapes, mask values, out = x*mask, eval identity) and, for ≥ 10 000 units,
    statistics of the random mask.

    Mask values and out = x ⊙ mask are compared to the precision of the dtype they come in (a float32
    mask holds 1/(1 − p) rounded to float32). Bounds: the number K of kept units is Binomial(N, 1 − p),
    so the kept fraction K/N has sd √(p(1 − p)/N); we allow 4.5 sd (two-sided normal tail 6.8e-6). mean(out) − mean(x) =
    (1/N) Σ x_i (keep_i/(1 − p) − 1) has mean 0 and sd √(Σ x_i² · p/(1 − p)) / N; 4.5 sd again.
    Two such checks on two cases fail the reference with probability < 3e-5 per seed.
    """
    x, p, train = np.asarray(case.args[0], dtype=np.float64), case.args[1], case.args[2]
    # Values are checked at 1e-12 relative, or at the precision of the dtype returned (compare.within):
    # a float32 mask holds float32(1/(1 - p)), which is right to float32's precision.
    exact = Tolerance(rtol=1e-12, atol=0.0)
    if isinstance(expected, str) and expected == RAISED:
        if isinstance(got, str) and got == RAISED:
            return None
        return f"should raise ValueError for p = {p} (p must satisfy 0 <= p < 1)"
    arrays = _outputs(got, 2, "(out, mask)")
    if isinstance(arrays, str):
        return arrays
    out, mask = arrays
    for name, arr in (("out", out), ("mask", mask)):
        if arr.shape != x.shape:
            return f"{name} has shape {arr.shape}, expected the shape of x {x.shape}"
        if not np.all(np.isfinite(arr)):
            return f"{name} contains NaN or inf"
    if not train:
        if not np.array_equal(mask, np.ones_like(x)):
            return "in eval mode (train=False) mask should be all ones"
        if not np.all(within(out, x, exact)):
            return "in eval mode (train=False) out should equal x (inverted dropout rescales at training time only)"
        return None
    scale = 1.0 / (1.0 - p)
    zero, kept = mask == 0.0, within(mask, np.full(mask.shape, scale), exact)
    if not np.all(zero | kept):
        bad = mask[~(zero | kept)]
        return (f"{bad.size} mask values are neither 0 nor 1/(1 - p) (e.g. {float(bad.flat[0]):.6g} against "
                f"1/(1 - p) = {scale:.6g}); inverted dropout scales the kept units by 1/(1 - p)")
    x_mask = (x * mask).astype(precision_dtype(out.dtype, mask.dtype))  # as precise as the mask it uses
    if not np.all(within(out, x_mask, Tolerance(rtol=1e-12, atol=1e-300))):
        return "out should equal x * mask"
    n = x.size
    if n >= 10_000:
        frac = kept.mean()
        sd = math.sqrt(p * (1 - p) / n)
        if abs(frac - (1 - p)) > 4.5 * sd:
            return (f"fraction of kept units is {frac:.4f}, {abs(frac - (1 - p)) / sd:.1f} standard deviations from "
                    f"1 - p = {1 - p:.4g} (p is the DROP probability)")
        sd_mean = math.sqrt(np.sum(x * x) * p / (1 - p)) / n
        diff = out.mean() - x.mean()
        if abs(diff) > 4.5 * sd_mean:
            return (f"mean of out differs from mean of x by {abs(diff) / sd_mean:.1f} standard deviations; "
                    "inverted dropout keeps E[out] = x")
    return None


register(Spec(f"{LAB}.dropout_forward", _dropout_cases, judge=judge_dropout))


def _dropout_backward_cases(rng):
    def mask(shape, p):
        return (rng.random(shape) >= p) / (1 - p)

    return [
        Case("(8, 5), p = 0.3", (rng.normal(0, 1, (8, 5)), mask((8, 5), 0.3))),
        Case("(20, 13), p = 0.65", (rng.normal(0, 2, (20, 13)), mask((20, 13), 0.65))),
        Case("3-D (3, 4, 5), p = 0.5", (rng.normal(0, 1, (3, 4, 5)), mask((3, 4, 5), 0.5))),
        Case("1-D (17,), p = 0.11", (rng.normal(0, 1, 17), mask(17, 0.11))),
        Case("eval mask of ones", (rng.normal(0, 1, (6, 7)), np.ones((6, 7)))),
    ]


register(Spec(f"{LAB}.dropout_backward", _dropout_backward_cases))


# ------------------------------------------------------------------------------ early stopping
# The runner builds the class with the case's keywords and feeds it the case's losses, one step each.
def _u_curve(rng):
    """An over-fitting validation curve: down, then up (length 26..34, the minimum around epoch 9..14)."""
    t = np.arange(int(rng.integers(26, 35)))
    turn = int(rng.integers(9, 15))
    return 1.0 / (1 + rng.uniform(0.2, 0.4) * t) + rng.uniform(0.003, 0.006) * np.maximum(t - turn, 0) ** 1.5


def _improving(rng):
    """Strictly decreasing, 8..12 epochs."""
    return list(rng.uniform(0.8, 2.5) * np.cumprod(rng.uniform(0.6, 0.95, int(rng.integers(8, 13)))))


def _plateau(rng, patience):
    """A few improvements, then the last value repeated exactly (equal is not better) past patience."""
    down = list(rng.uniform(0.5, 1.5) * np.cumprod(rng.uniform(0.7, 0.95, int(rng.integers(2, 5)))))
    return down + [down[-1]] * (patience + int(rng.integers(1, 4)))


def _below_min_delta(rng, min_delta):
    """Each improvement smaller than min_delta (some add up to more than it), 10 epochs."""
    return list(rng.uniform(0.8, 1.5) - np.cumsum(np.r_[0.0, rng.uniform(0.05, 0.8, 9) * min_delta]))


def _exact_min_delta(rng):
    """(losses, min_delta) with losses exactly min_delta below the best (no improvement, patience 2).

    Multiples of 1/64 below 4, so every loss and best − min_delta is exact in floating point. Pattern:
    start, exact (wait 1), improve, small (wait 1), improve, small (wait 1), exact (wait 2: stop), improve.
    """
    unit = 1 / 64
    delta = int(rng.integers(4, 17)) * unit
    best = int(rng.integers(128, 256)) * unit
    losses = [best]

    def improve():
        nonlocal best
        best -= delta + int(rng.integers(1, 16)) * unit
        losses.append(best)

    def exact():
        losses.append(best - delta)

    def small():
        losses.append(best - int(rng.integers(1, round(delta / unit))) * unit)

    for move in (exact, improve, small, improve, small, exact, improve):
        move()
    return losses, delta


def _waits_then_improves(rng, patience):
    """Start, improve, patience − 1 worse epochs (no stop), improve, patience + 1 worse (stop), improve."""
    best = rng.uniform(0.8, 1.5)
    losses = [best]
    for worse in (patience - 1, patience + 1):
        best -= rng.uniform(0.03, 0.15)
        losses.append(best)
        losses += list(best + rng.uniform(0.01, 0.15, worse))
    losses.append(best - rng.uniform(0.03, 0.15))
    return losses


def _early_stopping_cases(rng):
    u_curve = _u_curve(rng)
    noisy = u_curve + rng.normal(0, 0.02, u_curve.size)
    walk = 1.0 + np.cumsum(rng.normal(0, 0.02, 25))
    md = round(float(rng.uniform(0.008, 0.02)), 4)  # min_delta of the noisy curves
    p_improving, p_plateau, p_small, p_again = (int(p) for p in rng.integers(2, 5, 4))
    md_small = round(float(rng.uniform(0.01, 0.03)), 4)
    exact, md_exact = _exact_min_delta(rng)
    return [
        Case(f"improving every epoch, patience {p_improving}", (_improving(rng),), {"patience": p_improving}),
        Case(f"plateau (equal losses do not improve), patience {p_plateau}", (_plateau(rng, p_plateau),),
             {"patience": p_plateau}),
        Case(f"noisy U-shaped curve, patience 3, min_delta {md:g}", (list(noisy),), {"patience": 3, "min_delta": md}),
        Case(f"noisy U-shaped curve, patience 1, min_delta {md:g}", (list(noisy),), {"patience": 1, "min_delta": md}),
        Case(f"improvements smaller than min_delta, patience {p_small}, min_delta {md_small:g}",
             (_below_min_delta(rng, md_small),), {"patience": p_small, "min_delta": md_small}),
        Case(f"exactly min_delta better is no improvement, patience 2, min_delta {md_exact:g}", (exact,),
             {"patience": 2, "min_delta": md_exact}),
        Case(f"improves again after waiting {p_again - 1} epochs, patience {p_again}",
             (_waits_then_improves(rng, p_again),), {"patience": p_again}),
        Case(f"random walk, patience 2, min_delta {md:g}", (list(walk),), {"patience": 2, "min_delta": md}),
        Case("smooth U-shaped curve, patience 5", (list(u_curve),), {"patience": 5}),
    ]


def _judge_early_stopping(got, expected, case):
    if got["initial_best_epoch"] is not None:
        return "best_epoch should be None before the first step"
    try:
        initial_best = float(got["initial_best"])
    except (TypeError, ValueError):
        return "best should be a number (inf) before the first step"
    if initial_best != math.inf:
        return "best should be inf before the first step"
    n = len(expected["stop"])
    if any(v is None for v in got["stop"]):
        return "step() returned None: it should return True (stop) or False"
    wrong = [k for k in range(n) if bool(got["stop"][k]) != expected["stop"][k]]
    if wrong:
        return f"step() returned a wrong value at epoch {wrong[0]} ({len(wrong)} of {n} steps wrong)"
    wrong = [k for k in range(n) if got["best_epoch"][k] is None or got["best_epoch"][k] != expected["best_epoch"][k]]
    if wrong:
        return (f"best_epoch is wrong after the step of epoch {wrong[0]} "
                f"(epochs count from 0; {len(wrong)} of {n} wrong)")
    wrong = [k for k in range(n) if got["best"][k] is None or not within(got["best"][k], expected["best"][k],
                                                                         Tolerance(rtol=1e-12, atol=0.0))]
    if wrong:
        return f"best is wrong after the step of epoch {wrong[0]} ({len(wrong)} of {n} wrong)"
    return None


register(Spec(f"{LAB}.EarlyStopping", _early_stopping_cases, judge=_judge_early_stopping))


# -------------------------------------------------------------------------------- initialisers
# Shapes are non-square so a transpose, or fan_out used for fan_in, shows. The three large ones
# have >= 30 000 values for the statistics (tall, wide, very tall; fan_in and fan_out differ by a
# factor >= 1.25, so fan_out for fan_in moves the std by >= 12 %, far beyond the judges' 5 sd ≈ 2 %);
# the small ones are judged by shape (and range) only.
MIN_STAT_SIZE = 30_000
_LARGE_RANGES = [((250, 400), (120, 200)), ((50, 80), (600, 900)), ((1600, 2600), (19, 30))]


def _init_cases(rng):
    shapes = [(int(rng.integers(*fi)), int(rng.integers(*fo))) for fi, fo in _LARGE_RANGES]
    fi = int(rng.integers(2, 10))
    shapes.append((fi, int(rng.choice([k for k in range(2, 10) if k != fi]))))
    shapes.append((1, int(rng.integers(2, 9))))  # fan_in 1
    return [Case(f"({fi}, {fo})", (fi, fo, _gen(rng))) for fi, fo in shapes]


def _weights(got, case):
    """``got`` as a float64 array of shape (fan_in, fan_out) and the precision it was returned in, or a message."""
    fan_in, fan_out = case.args[0], case.args[1]
    if got is None:
        return "returned None (did the function forget to return?)"
    w = np.asarray(got)
    if w.dtype.kind != "f":
        return f"should be a floating-point array, got dtype {w.dtype}"
    if w.dtype.itemsize * 8 < MIN_FLOAT_BITS:
        return f"has dtype {w.dtype}, which is too coarse to grade: use float32 or float64"
    if w.shape != (fan_in, fan_out):
        return f"has shape {w.shape}, expected (fan_in, fan_out) = {(fan_in, fan_out)}"
    if not np.all(np.isfinite(w)):
        return "contains NaN or inf"
    return w.astype(np.float64), w.dtype


#: The bounds a of U(−a, a) the slides give for Xavier: √(6/n_in) (slide "Xavier Glorot Initialization")
#: and √(6/(n_in + n_out)) (the same slide's "some researchers use" form). Either is accepted.
XAVIER_FORMS = {
    "sqrt(6 / fan_in)": lambda fan_in, fan_out: math.sqrt(6.0 / fan_in),
    "sqrt(6 / (fan_in + fan_out))": lambda fan_in, fan_out: math.sqrt(6.0 / (fan_in + fan_out)),
}


def _uniform_verdict(w, a, form, dtype=np.dtype(np.float64)):
    """``None`` when ``w`` is a plausible sample of U(−a, a), else a message naming ``form``.

    Exact range, then for N ≥ 30 000 values:

    * max |w| ≥ 0.98 a: P(all N values inside 0.98 a) = 0.98^N < e^-600.
    * sample variance s² within 5 sd of σ² = a²/3: for large N, s² is about normal with variance
      (μ4 − σ⁴)/N, μ4 = a⁴/5 for a uniform, so sd(s²) = a² √(4/(45 N)); 5 sd: two-sided tail 5.7e-7.
    * |mean| ≤ 5 σ/√N (central limit theorem; tail 5.7e-7).
    """
    # a float32 draw of U(-a, a) may round a value next to a to float32(a), above a by up to half an ulp
    if np.max(np.abs(w)) > a * (1 + tolerance_for(Tolerance(rtol=1e-12, atol=0.0), dtype).rtol):
        return f"has values outside [-a, a] with a = {form}"
    n = w.size
    if n < MIN_STAT_SIZE:
        return None
    if np.max(np.abs(w)) < 0.98 * a:
        return (f"largest |w| is {np.max(np.abs(w)) / a:.3f} a with a = {form}; "
                "a uniform sample this large reaches close to a")
    var, sigma2 = w.var(), a * a / 3
    sd_var = a * a * math.sqrt(4.0 / (45.0 * n))
    if abs(var - sigma2) > 5 * sd_var:
        return (f"sample variance is {var / sigma2:.3f} times a^2/3 with a = {form}, the variance of U(-a, a) "
                f"({abs(var - sigma2) / sd_var:.0f} sd off)")
    if abs(w.mean()) > 5 * math.sqrt(sigma2 / n):
        return f"sample mean is {abs(w.mean()) / math.sqrt(sigma2 / n):.0f} standard errors away from 0"
    return None


def judge_xavier(got, expected, case):
    """U(−a, a) with either bound of :data:`XAVIER_FORMS` (:func:`_uniform_verdict` for each). The
    message of a rejected sample is that of the form whose a is nearer the sample's largest |w|.

    On the small cases (fewer than 30 000 values) only the range is checked, against the larger bound.
    """
    checked = _weights(got, case)
    if isinstance(checked, str):
        return checked
    w, dtype = checked
    fan_in, fan_out = case.args[0], case.args[1]
    verdicts = {}
    for form, bound in XAVIER_FORMS.items():
        verdicts[form] = _uniform_verdict(w, bound(fan_in, fan_out), form, dtype)
        if verdicts[form] is None:
            return None
    top = float(np.max(np.abs(w)))
    nearest = min(XAVIER_FORMS, key=lambda f: abs(math.log(max(top, 1e-300) / XAVIER_FORMS[f](fan_in, fan_out))))
    return verdicts[nearest] + " (the slides' two forms are accepted: a = sqrt(6 / fan_in) or sqrt(6 / (fan_in + fan_out)))"


def judge_he(got, expected, case):
    """N(0, 2/fan_in), for N ≥ 30 000 values:

    * sample std s within 5 sd of σ = √(2/fan_in), sd(s) ≈ σ/√(2N) for a normal sample (tail 5.7e-7).
    * sample excess kurtosis g2 = m4/m2² − 3 within 5 sd of 0, sd(g2) ≈ √(24/N) for a normal sample
      (a uniform has −1.2, so U(−√3 σ, √3 σ) with the right variance fails).
    * |mean| ≤ 5 σ/√N.
    """
    checked = _weights(got, case)
    if isinstance(checked, str):
        return checked
    w, _ = checked
    fan_in = case.args[0]
    n = w.size
    if n < MIN_STAT_SIZE:
        return None
    sigma = math.sqrt(2.0 / fan_in)
    s = w.std()
    sd_std = sigma / math.sqrt(2 * n)
    if abs(s - sigma) > 5 * sd_std:
        return f"sample std is {s / sigma:.3f} times sqrt(2 / fan_in) ({abs(s - sigma) / sd_std:.0f} sd off)"
    squares = (w - w.mean()) ** 2
    m2 = squares.mean()
    g2 = np.mean(squares * squares) / (m2 * m2) - 3.0
    if abs(g2) > 5 * math.sqrt(24.0 / n):
        return f"sample excess kurtosis is {g2:.2f}; a normal distribution has 0 (is it drawn from a normal?)"
    if abs(w.mean()) > 5 * sigma / math.sqrt(n):
        return f"sample mean is {abs(w.mean()) / (sigma / math.sqrt(n)):.0f} standard errors away from 0"
    return None


register(Spec(f"{LAB}.xavier_uniform", _init_cases, judge=judge_xavier))
register(Spec(f"{LAB}.he_normal", _init_cases, judge=judge_he))
