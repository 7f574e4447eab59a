"""Hidden cases of lab 5 (autoencoders in PyTorch): the grader's side.

Building blocks: inputs are drawn with the NumPy generator; the lab's runners
(:mod:`autograder.kernel.runners.lab05_autoencoders`) hand them to the student's code as float64 tensors on
the grading device, and the default judge compares the outputs (moved to the CPU) with the
tolerance policy. Shapes are odd (H = 37, K = 5), some weight matrices are square so that a missing
transpose gives wrong numbers rather than an error, and biases are shifted so that ReLU switches
units off. ``reconstruction_loss`` is also differentiated (autograd) on two cases, and its ValueError
is checked; ``add_noise`` gets a freshly seeded ``torch.Generator`` (the seed is part of the case) for
every run, and the runner also reports whether ``x`` is left unchanged and the generator's next draw.

The trained model: ``train_autoencoder`` runs once on the notebook's 1000 training digits (float32,
grading device, latent_dim = 8, seed 0), timed after a warm-up, and is scored on the 400 held-out digits that no notebook sees:
the kernel checks the model's structure and reports its reconstructions of those digits
(:func:`~autograder.kernel.runners.lab05_autoencoders.held_out_reconstructions`), the grading process
computes the error (:func:`reconstruction_error`).
"""
from __future__ import annotations

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.kernel.runners.lab05_autoencoders import held_out_reconstructions
from autograder.kernel.runners.training import digits_held_out
from autograder.grading.trained_models import described, reported_seconds, threshold_checks

LAB = "lab05_autoencoders"


def _weight(rng, fan_out, fan_in, scale=1.0):
    """A weight (out_features, in_features) with PyTorch's orientation, std scale / sqrt(fan_in)."""
    return rng.normal(0.0, scale / np.sqrt(fan_in), (fan_out, fan_in))


def _pixels(rng, shape):
    """Digit-like pixels: the 17 levels k/16, k = 0..16, as in the course's digits."""
    return rng.integers(0, 17, shape) / 16.0


# ----------------------------------------------------------------------------------------- linear
def _linear_cases(rng):
    def layer(n_out, n_in):
        return _weight(rng, n_out, n_in), rng.normal(0.0, 1.0, n_out)

    W, b = layer(3, 7)
    W64, b64 = layer(37, 64)
    Ws, bs = layer(6, 6)
    W1, b1 = layer(10, 64)
    Wv, bv = layer(4, 5)
    Wb, bb = layer(4, 5)
    return [
        Case("x (5, 7), W (3, 7), b (3,)", (rng.normal(size=(5, 7)), W, b)),
        Case("x (13, 64), W (37, 64), b (37,)", (_pixels(rng, (13, 64)), W64, b64)),
        Case("square W (6, 6): W must be transposed", (rng.normal(size=(4, 6)), Ws, bs)),
        Case("one image x (1, 64), W (10, 64)", (_pixels(rng, (1, 64)), W1, b1)),
        Case("a single sample x of shape (5,), W (4, 5)", (rng.normal(size=5), Wv, bv)),
        Case("x with two batch dimensions (2, 3, 5), W (4, 5)", (rng.normal(size=(2, 3, 5)), Wb, bb)),
        Case("in_features = out_features = 1, x (6, 1)", (rng.normal(size=(6, 1)), *layer(1, 1))),
        Case("large bias, x (3, 7), W (3, 7)", (rng.normal(size=(3, 7)), W, b + 50.0)),
    ]


# ------------------------------------------------------------------------------- encode, decode
def _params(rng, d, h, k, shift=0.0):
    """The four layers of an autoencoder D → H → K → H → D as the notebook's dict of tensors."""
    return {
        "W1": _weight(rng, h, d, 2.0), "b1": rng.normal(shift, 0.5, h),
        "W2": _weight(rng, k, h), "b2": rng.normal(0.0, 0.5, k),
        "W3": _weight(rng, h, k, 2.0), "b3": rng.normal(shift, 0.5, h),
        "W4": _weight(rng, d, h, 3.0), "b4": rng.normal(0.0, 0.5, d),
    }


def _encoder_part(params):
    return {k: params[k] for k in ("W1", "b1", "W2", "b2")}


def _decoder_part(params):
    return {k: params[k] for k in ("W3", "b3", "W4", "b4")}


def _encode_cases(rng):
    p = _params(rng, 64, 37, 5)
    square = _params(rng, 8, 8, 8)
    off = _params(rng, 64, 37, 5, shift=-1.0)
    lab = _params(rng, 64, 128, 8)
    small = _params(rng, 10, 6, 3)
    return [
        Case("N = 9, D = 64, H = 37, K = 5", (_pixels(rng, (9, 64)), _encoder_part(p))),
        Case("one image, N = 1, D = 64, H = 37, K = 5", (_pixels(rng, (1, 64)), _encoder_part(p))),
        Case("params holds the decoder's weights too (use W1, b1, W2, b2 only)", (_pixels(rng, (6, 64)), p)),
        Case("D = H = K = 8 (square weights: each must be transposed)", (rng.uniform(0, 1, (7, 8)), _encoder_part(square))),
        Case("negative hidden biases: most ReLU units are off", (_pixels(rng, (8, 64)), _encoder_part(off))),
        Case("the lab's sizes: N = 20, D = 64, H = 128, K = 8", (_pixels(rng, (20, 64)), _encoder_part(lab))),
        Case("D = 10, H = 6, K = 3, inputs outside [0, 1]", (rng.normal(0, 2, (5, 10)), _encoder_part(small))),
    ]


def _decode_cases(rng):
    p = _params(rng, 64, 37, 5)
    square = _params(rng, 8, 8, 8)
    off = _params(rng, 64, 37, 5, shift=-1.0)
    lab = _params(rng, 64, 128, 8)
    one = _params(rng, 64, 16, 1)
    return [
        Case("N = 9, K = 5, H = 37, D = 64", (rng.normal(size=(9, 5)), _decoder_part(p))),
        Case("one code, N = 1, K = 5", (rng.normal(size=(1, 5)), _decoder_part(p))),
        Case("params holds the encoder's weights too (use W3, b3, W4, b4 only)", (rng.normal(size=(6, 5)), p)),
        Case("D = H = K = 8 (square weights: each must be transposed)", (rng.normal(size=(7, 8)), _decoder_part(square))),
        Case("negative hidden biases: most ReLU units are off", (rng.normal(size=(8, 5)), _decoder_part(off))),
        Case("large codes: the sigmoid saturates", (rng.normal(0, 8, (6, 5)), _decoder_part(p))),
        Case("the lab's sizes: N = 20, K = 8, H = 128, D = 64", (rng.normal(size=(20, 8)), _decoder_part(lab))),
        Case("a 1-D code: K = 1, H = 16", (rng.normal(size=(5, 1)), _decoder_part(one))),
    ]


# ---------------------------------------------------------------------------- reconstruction_loss
def _probabilities(rng, shape):
    """Reconstructions strictly inside (0, 1): sigmoids of normal numbers."""
    return 1.0 / (1.0 + np.exp(-rng.normal(0.0, 2.0, shape)))


def _loss_cases(rng):
    x, x_hat = _pixels(rng, (7, 64)), _probabilities(rng, (7, 64))
    img, img_hat = _pixels(rng, (5, 1, 8, 8)), _probabilities(rng, (5, 1, 8, 8))
    binary = rng.integers(0, 2, (6, 64)).astype(np.float64)
    edge_hat = _probabilities(rng, (4, 64))
    edge_x = _pixels(rng, (4, 64))
    edge_hat[0, :5], edge_x[0, :5] = 1.0, 1.0      # x̂ = 1 where x = 1: 0 · log 0 must count as 0
    edge_hat[1, :5], edge_x[1, :5] = 0.0, 0.0      # x̂ = 0 where x = 0
    edge_hat[2, :3], edge_x[2, :3] = 0.0, 1.0      # x̂ = 0 where x = 1: log clamped at −100
    edge_hat[3, :3], edge_x[3, :3] = 1.0, 0.25     # x̂ = 1 where x = 0.25: log(1 − x̂) clamped at −100
    return [
        Case("mse, x (7, 64)", (x_hat, x), {"kind": "mse"}),
        Case("bce, x (7, 64)", (x_hat, x), {"kind": "bce"}),
        Case("default kind (mse), x (7, 64)", (x_hat, x)),
        Case("bce with binary targets x in {0, 1}, x (6, 64)", (_probabilities(rng, (6, 64)), binary), {"kind": "bce"}),
        Case("mse, one image (1, 64)", (_probabilities(rng, (1, 64)), _pixels(rng, (1, 64))), {"kind": "mse"}),
        Case("mse, images (5, 1, 8, 8): sum over every pixel of an image", (img_hat, img), {"kind": "mse"}),
        Case("bce, images (5, 1, 8, 8): sum over every pixel of an image", (img_hat, img), {"kind": "bce"}),
        Case("bce with x_hat exactly 0 or 1 at some pixels (logs clamped at -100)", (edge_hat, edge_x), {"kind": "bce"}),
        Case("mse, perfect reconstruction x_hat = x", (x, x), {"kind": "mse"}),
        Case("mse gradient with respect to x_hat (autograd), x (3, 64)",
             (_probabilities(rng, (3, 64)), _pixels(rng, (3, 64))), {"kind": "mse", "grad": True}),
        Case("bce gradient with respect to x_hat (autograd), x (3, 64)",
             (_probabilities(rng, (3, 64)), _pixels(rng, (3, 64))), {"kind": "bce", "grad": True}),
        Case("kind='l1' raises ValueError", (x_hat, x), {"kind": "l1"}),
        Case("kind='cross_entropy' raises ValueError", (x_hat, x), {"kind": "cross_entropy"}),
    ]


# -------------------------------------------------------------------------------------- add_noise
def _noise_cases(rng):
    def seed():
        return int(rng.integers(0, 2**31))

    def std(low, high):
        """A noise level drawn from [low, high], two decimals (never 1: std² = std there)."""
        return round(float(rng.uniform(low, high)), 2)

    edges = _pixels(rng, (5, 64))
    cols = rng.permutation(64)
    edges[:, cols[:8]], edges[:, cols[8:16]] = 0.0, 1.0
    s = [std(0.2, 0.45), std(0.4, 0.6), std(1.5, 3.0), std(0.05, 0.15), std(0.02, 0.08), std(0.6, 0.9)]
    return [
        Case(f"x (6, 64), std {s[0]:.2f}", (_pixels(rng, (6, 64)), s[0], seed())),
        Case(f"images (4, 1, 8, 8), std {s[1]:.2f}", (_pixels(rng, (4, 1, 8, 8)), s[1], seed())),
        # std fixed by nature: exactly 0 is the edge (x and the generator's seed are drawn)
        Case("std 0: x comes back unchanged", (_pixels(rng, (3, 64)), 0.0, seed())),
        Case(f"std {s[2]:.2f} (most pixels clamped to 0 or 1)", (_pixels(rng, (5, 64)), s[2], seed())),
        Case(f"pixels exactly 0 and 1, std {s[3]:.2f}", (edges, s[3], seed())),
        Case(f"one image (1, 64), std {s[4]:.2f}", (_pixels(rng, (1, 64)), s[4], seed())),
        Case(f"x (3, 5), std {s[5]:.2f}", (rng.uniform(0, 1, (3, 5)), s[5], seed())),
    ]


# ------------------------------------------------------------------------------ train_autoencoder
LATENT_DIM = 8
SEED = 0
# Tiers from a family of reasonable recipes (bench/trained_recipes.py lab05_autoencoders), each
# trained as the hidden test does (the notebook's 1000 training digits, latent_dim 8, CPU, float32,
# one thread, torch 2.13). Score: the held-out reconstruction error, the mean over the 400 held-out
# images of the per-image sum of squared errors (lower is better). Seeds 0-2:
#   reference (Adam 1e-2, batches of 64, 60 epochs)        0.8165 0.7618 0.8238   (seeds 3, 4: 0.7849 0.8077)
#   Adam 3e-3                                              0.8942 0.8926 0.9197
#   Adam 1e-3                                              1.0968 1.0556 1.0964
#   Adam 1e-3, 120 epochs                                  0.9513 0.9333 0.9606
#   SGD with momentum 0.9 at 0.01                          1.1282 1.0950 1.1128
#   SGD with momentum 0.9 at 0.01, 120 epochs              0.9343 0.9196 0.9367
#   RMSprop 1e-3                                           1.1078 1.0623 1.0540
#   AdamW 1e-2 / batches of 32 / of 128 / 30 / 120 epochs / F.mse_loss (mean) as the training loss /
#   hidden 64: 0.754-0.907
#   undertrained: 5 epochs 1.5545 1.4053 1.5824; Adam 1e-4 2.70 2.57 3.16; 1 epoch 4.19 3.94 4.28;
#   plain SGD 1e-3 4.67 4.66 4.66
#   the catalogue's variants (bench/trained_recipes.py --catalogue: Adam 3e-3 in a Module of its own, SGD
#   with momentum 0.01 on a DataLoader of batches of 32, Adam 1e-3, AdamW 1e-2 with batches of 128 for 80
#   epochs) 0.7511-1.0968, held-out / validation 0.967-1.022
#   the trained mutants (tests/mutants/lab05_autoencoders.py, seed 0) miss both tiers by their error alone,
#   not only by time: 2.70 (Adam 1e-4) to 15.0 (the signed error as the loss)
# For scale: PCA with 8 components (the best linear code) 1.5385, the mean training image 4.64.
# The model keeps improving past 60 epochs, so a slower optimiser is still well above the
# reference's error at the notebook's 60 epochs (the old tiers, 1.33x and 1.1x the reference's
# median, 1.074 and 0.888, failed Adam 1e-3 and SGD with momentum, correct recipes).
# Rule: the upper tier is 1.1x the worst sensible recipe (SGD with momentum, 1.1282), rounded up to
# 1.25: every sensible run clears it by 10 % or more, every undertrained one misses it (the best,
# 5 epochs, by 12 %). The lower tier is PCA's error rounded down, 1.50: a model that beats the best
# linear code has learnt something nonlinear about the digits.
# The validation error (the notebook's visible check) predicts the held-out one: held-out /
# validation was 0.956-1.022 over all these runs, so the check asks for a validation error
# <= 1.21 (1.25 / 1.03) and <= 1.45 (1.50 / 1.03): a notebook that passes it keeps both tiers.
TIERS = [1.50, 1.25]
VISIBLE_BOUNDS = [1.45, 1.21]
# Budget: the reference trains in about 0.8 s of CPU time on an idle core of this machine (1.0-3.5 s of
# wall time while the shared 2-core machine was busy), after the runner's warm-up (which takes the
# one-off set-up, 1-2 s in a cold process, off the clock as in every trained lab). Twice the epochs or
# half the batch size takes about 2x that. The budget is 5 s: a plain loop of a few hundred to a few
# thousand steps passes with room for a slower or busier machine, a run of several hundred epochs
# does not. The hidden training runs with one CPU thread (restored afterwards): for a network this
# small more threads gain nothing, and on a busy machine they wait for each other (20-60 s instead of
# 1 s were measured here with two threads).
BUDGET_S = 5.0


def _train_cases(rng):
    # fixed by nature: the latent size and seed the notebook trains with (the tiers were set for them)
    return [Case(f"latent_dim = {LATENT_DIM}, seed {SEED}, the notebook's 1000 training digits",
                 (LATENT_DIM, SEED), checks=len(TIERS) + 1)]


def reconstruction_error(outputs) -> dict:
    """Grading process: ``{"error": held-out error, "problem": None}`` or ``{"error": inf, "problem": why}``.

    The error is the mean over the 400 held-out digits of the per-image sum of squared errors of the
    reported ``x_hat`` (float32, as the model's own precision was scored before). The report is
    untrusted: the shapes are checked again, and a malformed report is a problem, not a crash.
    """
    import torch

    X = torch.as_tensor(digits_held_out()[0], dtype=torch.float32)
    n, d = X.shape

    def problem(why):
        return {"error": float("inf"), "problem": why}

    if not isinstance(outputs, dict) or "problem" not in outputs:
        return problem(f"the report of the trained model is not readable (got {type(outputs).__name__})")
    if outputs["problem"] is not None:
        return problem(str(outputs["problem"]))
    z_shape = outputs.get("z_shape")
    if not (isinstance(z_shape, tuple) and z_shape == (n, LATENT_DIM)):
        return problem(f"model.encode of {n} images gives shape {z_shape}, expected ({n}, {LATENT_DIM}) (latent_dim)")
    x_hat = outputs.get("x_hat")
    if not isinstance(x_hat, np.ndarray) or x_hat.dtype != np.float32 or x_hat.shape != (n, d):
        return problem(f"the reported reconstructions x_hat should be a float32 array of shape ({n}, {d}), "
                       f"got {described(x_hat)}")
    error = float(((torch.as_tensor(x_hat) - X) ** 2).sum(dim=1).mean())
    return {"error": error, "problem": None}


def _held_out_error(model, device):
    """Both halves in one process (for the tier tests): ``{"error": ..., "problem": ...}`` of ``model``."""
    return reconstruction_error(held_out_reconstructions(model, device, LATENT_DIM))


def _judge_train(got, expected, case):
    scored = reconstruction_error(got)
    checks = threshold_checks(scored["error"], reported_seconds(got), metric="reconstruction error", tiers=TIERS,
                              budget_s=BUDGET_S, higher_is_better=False)
    if scored["problem"]:
        return [(name, scored["problem"]) for name, _ in checks]
    return checks


register(Spec(f"{LAB}.linear", _linear_cases))
register(Spec(f"{LAB}.encode", _encode_cases))
register(Spec(f"{LAB}.decode", _decode_cases))
register(Spec(f"{LAB}.reconstruction_loss", _loss_cases))
register(Spec(f"{LAB}.add_noise", _noise_cases))
register(Spec(f"{LAB}.train_autoencoder", _train_cases, judge=_judge_train, reference_needed=False))
