"""Hidden cases of lab 7 (recurrent networks: RNN cell, LSTM cell, unrolled LSTM, a trained forecaster):
the grader's side.

Building blocks: inputs are drawn with the NumPy generator; the lab's runners
(:mod:`autograder.kernel.runners.lab07_lstm`) hand them to the function as float64 tensors on the grading
device, and outputs are compared with the reference by the default judge. Shapes are PyTorch's:
x (N, I), h and c (N, H), W_ih (H, I) or (4H, I), W_hh (H, H) or (4H, H), gate blocks in the order
(i, f, g, o), sequences time-major (T, N, I).
Sizes are chosen so that I ≠ H ≠ N in most cases (a transposed or swapped weight fails with an error or
a wrong value), plus a square case (T = N = I = H) where only the values can tell a time-major loop
from a batch-major one.

The trained forecaster is checked against fixed thresholds (see the comment above ``TIERS``): the
kernel reports its forecasts of the held-out tail
(:func:`~autograder.kernel.runners.lab07_lstm.held_out_forecasts`), the grading process computes their RMSE
(:func:`rmse`).
"""
from __future__ import annotations

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.kernel.runners import lab07_lstm as runners
from autograder.grading.trained_models import described, reported_seconds, threshold_checks

LAB = "lab07_lstm"


def _weights(rng, gates, I, H, scale=None):
    """W_ih (gates·H, I), W_hh (gates·H, H), b_ih, b_hh (gates·H,) ~ U(−k, k), k = 1/√H as in PyTorch."""
    k = 1.0 / np.sqrt(H) if scale is None else scale
    return (rng.uniform(-k, k, (gates * H, I)), rng.uniform(-k, k, (gates * H, H)),
            rng.uniform(-k, k, gates * H), rng.uniform(-k, k, gates * H))


# ---------------------------------------------------------------------------------------------- RNN
def _rnn_cases(rng):
    def case(name, N, I, H, scale=None, h_zero=False, x_zero=False, w_zero=False):
        x = np.zeros((N, I)) if x_zero else rng.normal(0, 1, (N, I))
        h = np.zeros((N, H)) if h_zero else rng.uniform(-1, 1, (N, H))
        W_ih, W_hh, b_ih, b_hh = _weights(rng, 1, I, H, scale)
        if w_zero:
            W_ih, W_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
        return Case(name, (x, h, W_ih, W_hh, b_ih, b_hh))

    return [
        case("random, N = 5, I = 3, H = 4", 5, 3, 4),
        case("random, N = 4, I = H = 6 (W_ih square too)", 4, 6, 6, scale=0.8),
        case("batch of 1, I = 7, H = 2", 1, 7, 2),
        case("h = 0 (first step), N = 3, I = 2, H = 5", 3, 2, 5, h_zero=True),
        case("large weights (tanh saturates), N = 4, I = 3, H = 3", 4, 3, 3, scale=6.0),
        case("zero weights: h' = tanh(b_ih + b_hh), N = 2, I = 3, H = 4", 2, 3, 4, scale=1.5, w_zero=True),
        case("x = 0 (only the recurrent path), N = 3, I = 4, H = 6", 3, 4, 6, scale=0.9, x_zero=True),
        case("one hidden unit, N = 6, I = 1, H = 1", 6, 1, 1, scale=1.2),
    ]


# --------------------------------------------------------------------------------------------- LSTM
def _lstm_cell_cases(rng):
    def case(name, N, I, H, scale=None, zero_state=False, x_zero=False, c_scale=1.0, forget_bias=0.0):
        x = np.zeros((N, I)) if x_zero else rng.normal(0, 1, (N, I))
        h = np.zeros((N, H)) if zero_state else rng.uniform(-1, 1, (N, H))
        c = np.zeros((N, H)) if zero_state else rng.normal(0, c_scale, (N, H))
        W_ih, W_hh, b_ih, b_hh = _weights(rng, 4, I, H, scale)
        b_hh[H:2 * H] += forget_bias
        return Case(name, (x, h, c, W_ih, W_hh, b_ih, b_hh))

    return [
        case("random, N = 4, I = 3, H = 5", 4, 3, 5, scale=0.7),
        case("random, N = 3, I = 5, H = 2", 3, 5, 2, scale=1.0),
        case("batch of 1, I = 6, H = 3", 1, 6, 3, scale=0.9),
        case("h = c = 0 (first step), N = 5, I = 2, H = 4", 5, 2, 4, scale=0.8, zero_state=True),
        case("large weights (gates saturate), N = 4, I = 3, H = 3", 4, 3, 3, scale=5.0),
        case("large cell state c ~ N(0, 3²), N = 3, I = 2, H = 4", 3, 2, 4, scale=0.6, c_scale=3.0),
        case("forget bias +6 (f ≈ 1), N = 2, I = 4, H = 3", 2, 4, 3, scale=0.5, forget_bias=6.0),
        case("x = 0 (only the recurrent path), N = 3, I = 3, H = 5", 3, 3, 5, scale=0.9, x_zero=True),
        case("one hidden unit, N = 5, I = 1, H = 1", 5, 1, 1, scale=1.5),
    ]


def _lstm_unroll_cases(rng):
    def case(name, T, N, I, H, scale=None, zero_state=False, x_scale=1.0):
        xs = rng.normal(0, x_scale, (T, N, I))
        h0 = np.zeros((N, H)) if zero_state else rng.uniform(-1, 1, (N, H))
        c0 = np.zeros((N, H)) if zero_state else rng.normal(0, 1, (N, H))
        return Case(name, (xs, h0, c0, *_weights(rng, 4, I, H, scale)))

    return [
        case("T = 6, N = 3, I = 2, H = 4", 6, 3, 2, 4, scale=0.8),
        case("one time step, T = 1, N = 4, I = 3, H = 2", 1, 4, 3, 2, scale=0.9),
        case("batch of 1, T = 9, I = 5, H = 3", 9, 1, 5, 3, scale=0.7),
        case("zero initial states, T = 5, N = 2, I = 3, H = 6", 5, 2, 3, 6, scale=0.8, zero_state=True),
        case("square: T = N = I = H = 4", 4, 4, 4, 4, scale=0.9),
        case("long sequence, T = 40, N = 2, I = 1, H = 3", 40, 2, 1, 3, scale=1.2),
        case("one hidden unit, T = 7, N = 3, I = 2, H = 1", 7, 3, 2, 1, scale=1.5),
        case("large inputs, T = 8, N = 2, I = 3, H = 5", 8, 2, 3, 5, scale=0.6, x_scale=4.0),
    ]


register(Spec(f"{LAB}.rnn_cell", _rnn_cases))
register(Spec(f"{LAB}.lstm_cell", _lstm_cell_cases))
register(Spec(f"{LAB}.lstm_unroll", _lstm_unroll_cases))


# ---------------------------------------------------------------------------------- trained forecaster
# The series: Mauna Loa CO₂ (statsmodels' co2, weekly, 1958-03 … 2001-12), monthly means with the 5
# empty months filled by linear interpolation: 526 values. The notebook builds the same series and
# splits it in time: the first 358 months (1958-03 … 1987-12) for training, the next 72 (1988 … 1993)
# for validation, and the last 96 (1994 … 2001, 18 %) are the held-out tail that only grading scores
# on. Values are standardised with the training part's mean and standard deviation (ddof 0).
N_TRAIN, N_VAL, N_TEST = 358, 72, 96
WINDOW = 24   # months of context, as in the notebook
SEED = 0

# Tiers from a family of reasonable recipes (bench/trained_recipes.py lab07_lstm), each trained as the
# hidden test does (one CPU thread, float32, timed after the runner's warm-up), held-out RMSE in ppm,
# seeds 0-2 (the notebook's design: an LSTM reading the standardised month-to-month changes):
#   reference (32 units, 200 full-batch Adam 1e-2 steps)   0.3237 0.3238 0.3228   (seeds 3, 4: 0.3283 0.3216)
#   Adam 3e-3 / Adam 3e-3, 400 steps / Adam 1e-3, 400 steps  0.3235-0.3267 / 0.3148-0.3224 / 0.3167-0.3209
#   SGD with momentum 0.9 at a tuned rate (5), 400 steps    0.3395 0.3377 0.3387
#   minibatches of 64, 300 steps                           0.3500 0.3418 0.3598
#   100 steps / 400 steps / 16 units / 64 units            0.3276-0.3491 / 0.3136-0.3187 / 0.3024-0.3292 / 0.3241-0.3259
#   undertrained: 20 steps 0.4524 0.4722 0.4996; 5 steps 1.09-1.12; Adam 1e-4 1.18-1.20
#   SGD with momentum at untuned rates (0.01-2, 200 steps): 0.43-1.25 (the predicted change is scaled by
#   the series' typical change, about 0.03, so plain-gradient steps need a rate near 5)
#   the catalogue's variants (bench/trained_recipes.py --catalogue: Adam 3e-3 for 400 steps, a batch-first
#   LSTM Module, minibatches of 64, SGD with momentum at the tuned rate): 0.3024-0.3395, held-out /
#   validation 0.949-1.012
#   the trained mutants (tests/mutants/lab07_lstm.py, seed 0) miss both tiers by their RMSE alone, not only
#   by time: 1.09 (5 steps) to 6.56 (raw levels in and out); no zero_grad 1.20
# For scale: the naive forecast "next = last value" scores 1.2585.
# The old upper tier (1.1x the reference's median, 0.356) failed the minibatch recipe on seed 2.
# Rule: the upper tier is 1.1x the worst sensible run (0.3598), rounded up to 0.40: every sensible
# run clears it by 10 % or more, the best undertrained one (20 steps) misses it by 12 %. The lower tier
# is half the naive forecast's error, rounded down: 0.60 (a forecaster that has learnt the trend and
# the yearly cycle at all).
# The validation RMSE (the notebook's visible check) predicts the held-out one: held-out / validation
# was 0.934-1.029 over these runs, so the check asks for <= 0.385 (0.40 / 1.03) and <= 0.58 ppm.
TIERS = [0.60, 0.40]
VISIBLE_BOUNDS = [0.58, 0.385]
# Budget: the reference trains in about 1.6 s of CPU time on one core of this machine, after the
# runner's warm-up (the first LSTM of a process pays about 1.4 s of one-off set-up, now off the clock);
# 400 steps or 64 units take about 3.5-4 s. 8 s leaves room for those on a slower or busier machine,
# not for thousands of extra steps.
BUDGET_S = 8.0


def scaled_series():
    """(standardised series (526,), training mean, training std), statistics of the first N_TRAIN values."""
    return runners.scaled_series(N_TRAIN)


def rmse(got) -> float:
    """Grading process: the RMSE in ppm of the reported predictions against the held-out tail (loaded
    here). The report is untrusted: a missing or misshapen array raises ValueError with a message."""
    scaled, _, std = scaled_series()
    targets = scaled[len(scaled) - N_TEST:]
    pred = got.get("predictions") if isinstance(got, dict) else None
    if not isinstance(pred, np.ndarray) or pred.dtype != np.float64 or pred.shape != targets.shape:
        raise ValueError(f"the reported predictions should be a float64 array of shape ({N_TEST},), "
                         f"got {described(pred)}")
    return float(np.sqrt(np.mean((pred - targets) ** 2)) * std)


def held_out_rmse(train_forecaster, seed: int = SEED, device=None) -> tuple[float, float]:
    """Both halves in one process (for the tier tests): (held-out RMSE in ppm, training seconds)."""
    got = runners.held_out_forecasts(train_forecaster, N_TRAIN, N_TEST, WINDOW, seed, device)
    return rmse(got), got["seconds"]


def _forecaster_cases(rng):
    # fixed by nature: the notebook's split, window and seed (a trained model's data and hyperparameters)
    return [Case(f"LSTM forecaster of monthly CO₂, window {WINDOW}, seed {SEED}", (N_TRAIN, N_TEST, WINDOW, SEED),
                 checks=len(TIERS) + 1)]


def _judge_forecaster(got, expected, case):
    return threshold_checks(rmse(got), reported_seconds(got), metric="RMSE (ppm)", tiers=TIERS, budget_s=BUDGET_S,
                            higher_is_better=False)


register(Spec(f"{LAB}.train_forecaster", _forecaster_cases, judge=_judge_forecaster, reference_needed=False))
