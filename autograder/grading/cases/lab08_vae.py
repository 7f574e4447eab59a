"""Hidden cases of lab 8 (variational autoencoders).

Building blocks (``reparameterize``, ``kl_divergence``, ``vae_loss``) get seeded random inputs as
float64 tensors on the grading device, with odd shapes and edge cases (N = 1, log σ² = 0 or far from
0, ε = 0, μ = 0, β = 0, decoder outputs of exactly 0 and 1, images shaped (N, 1, 8, 8)); the edge
values far from 0, the βs and the shapes of the edge cases are drawn from ranges too. Some cases
also backpropagate a fixed random weighting of the output and compare the gradients with respect to
μ and log σ², so an output cut off from the autograd graph (``.detach()``, ``.item()``, NumPy) fails
even when its values are right: training needs those gradients.

``train_vae`` is graded as a trained model: it is trained once on the notebook's training split
(a float32 NumPy array, as the notebook passes it; latent_dim = 4, seed 0, the grading device), timed
after a warm-up, and scored by the held-out negative ELBO per
image on the 400 digits no notebook sees: ``vae_loss`` of the reference applied to the model's own
``forward`` (model in eval mode, torch seeded, averaged over 5 forward passes since forward samples ε).

How each function is run on a case (and the held-out outputs a trained VAE reports) is the kernel's
side, :mod:`autograder.kernel.runners.lab08_vae`; this module draws the cases and scores.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.cases import Case, Spec, register
from autograder.kernel.runners.lab08_vae import BACKPROP, EVAL_PASSES, held_out_outputs
from autograder.kernel.runners.training import digits_held_out

LAB = "lab08_vae"


def _grad_case(name, args, of, weights, kwargs=None):
    """A case whose run also backpropagates Σ weights ⊙ output to the tensor inputs named in ``of``."""
    return Case(name, tuple(args), {**(kwargs or {}), BACKPROP: {"of": tuple(of), "weights": weights}})


def _shape(rng, lo=2, hi=6):
    """A random (N, D) with both in [lo, hi]."""
    return int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))


def _mixed(rng, shape, low, high):
    """An array of ``shape`` holding values drawn from both ranges ``low`` and ``high``, each at least once."""
    values = np.where(rng.random(shape) < 0.5, rng.uniform(*low, shape), rng.uniform(*high, shape)).ravel()
    values[0], values[-1] = rng.uniform(*low), rng.uniform(*high)
    return rng.permutation(values).reshape(shape)


# ----------------------------------------------------------------------------------------------
# reparameterize(mu, logvar, eps)

def _reparameterize_cases(rng):
    def draw(n, d, lo=-3.0, hi=2.0):
        return rng.normal(0, 1.5, (n, d)), rng.uniform(lo, hi, (n, d)), rng.normal(0, 1, (n, d))

    mu, lv, eps = draw(6, 3)
    w_mu, w_lv, w_eps = draw(5, 4)
    mu1, lv1, eps1 = draw(1, 1)
    mu2, lv2, eps2 = draw(3, 17)
    s3, s4, s5 = _shape(rng), _shape(rng), _shape(rng, 2, 4)
    mu3, _, eps3 = draw(*s3)
    mu4, lv4, _ = draw(*s4)
    mu5, _, eps5 = draw(*s5)
    return [
        Case("random (6, 3)", (mu, lv, eps)),
        Case("N = 1, D = 1", (mu1, lv1, eps1)),
        Case("wide (3, 17), logvar in [-3, 2]", (mu2, lv2, eps2)),
        Case(f"logvar = 0 (sigma = 1), {s3}", (mu3, np.zeros(s3), eps3)),
        Case(f"eps = 0 (z = mu), {s4}", (mu4, lv4, np.zeros(s4))),
        Case(f"large and very negative logvar (+5..+7, -32..-25), {s5}",
             (mu5, _mixed(rng, s5, (-32.0, -25.0), (5.0, 7.0)), eps5)),
        _grad_case("gradients w.r.t. mu and logvar, (5, 4)", (w_mu, w_lv, w_eps), ("mu", "logvar"),
                   rng.normal(size=(5, 4))),
    ]


# ----------------------------------------------------------------------------------------------
# kl_divergence(mu, logvar)

def _kl_cases(rng):
    def draw(n, d):
        return rng.normal(0, 1.2, (n, d)), rng.uniform(-3.0, 1.5, (n, d))

    mu, lv = draw(6, 3)
    mu1, lv1 = draw(1, 1)
    mu2, lv2 = draw(50, 8)
    s0, s3, s4, s6 = _shape(rng, 1, 6), _shape(rng), _shape(rng), _shape(rng, 2, 4)
    mu3, _ = draw(*s3)
    _, lv3 = draw(*s4)
    mu4, lv4 = draw(5, 2)
    return [
        Case("random (6, 3)", (mu, lv)),
        Case("N = 1, D = 1", (mu1, lv1)),
        Case("batch of 50, D = 8", (mu2, lv2)),
        Case(f"mu = 0, logvar = 0 (q equals the prior), {s0}", (np.zeros(s0), np.zeros(s0))),
        Case(f"logvar = 0, random mu, {s3}", (mu3, np.zeros(s3))),
        Case(f"mu = 0, random logvar, {s4}", (np.zeros(s4), lv3)),
        Case(f"logvar far from 0 (-14..-10 and +3.5..+5), {s6}",
             (rng.normal(size=s6), _mixed(rng, s6, (-14.0, -10.0), (3.5, 5.0)))),
        _grad_case("gradients w.r.t. mu and logvar, (5, 2)", (mu4, lv4), ("mu", "logvar"), np.array(1.0)),
    ]


# ----------------------------------------------------------------------------------------------
# vae_loss(x_hat, x, mu, logvar, beta=1.0)

def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _loss_case(rng, name, n, d, shape=None, binary=False, **kwargs):
    shape = shape or (n, 64)
    x_hat = _sigmoid(rng.normal(0, 2, shape))
    x = (rng.random(shape) < 0.4).astype(np.float64) if binary else rng.integers(0, 17, shape) / 16.0
    mu, lv = rng.normal(0, 1, (n, d)), rng.uniform(-2.5, 1.0, (n, d))
    return Case(name, (x_hat, x, mu, lv), kwargs)


def _beta(rng, low, high, decimals=2):
    """A beta drawn from [low, high], rounded so that the case name states it exactly."""
    return round(float(rng.uniform(low, high)), decimals)


def _vae_loss_cases(rng):
    n = 6
    x = rng.integers(0, 2, (n, 64)).astype(np.float64)
    x_hat = np.where(rng.random((n, 64)) < 0.5, x, _sigmoid(rng.normal(0, 2, (n, 64))))  # exact 0 and 1 where x is
    b_sat, b_bin, b_big, b_img, b_other = (_beta(rng, 0.5, 0.9), _beta(rng, 0.2, 0.6), _beta(rng, 3.0, 5.0, 1),
                                           _beta(rng, 1.2, 1.8), _beta(rng, 2.0, 3.0))
    saturated = Case(f"x_hat exactly 0 or 1 where x is 0 or 1 (those pixels cost 0), beta = {b_sat:g}",
                     (x_hat, x, rng.normal(size=(n, 3)), rng.uniform(-2, 1, (n, 3))), {"beta": b_sat})
    return [
        _loss_case(rng, "random (8, 64), latent 4, default beta", 8, 4),
        _loss_case(rng, "N = 1, latent 2, default beta", 1, 2),
        _loss_case(rng, f"binary x (12, 64), latent 5, beta = {b_bin:g}", 12, 5, binary=True, beta=b_bin),
        # beta = 0 exactly is the edge (the KL term drops out); the inputs are drawn
        _loss_case(rng, "beta = 0 (reconstruction only), (5, 64)", 5, 3, beta=0.0),
        _loss_case(rng, f"beta = {b_big:g}, (7, 64)", 7, 6, beta=b_big),
        _loss_case(rng, f"images shaped (N, 1, 8, 8): sum over all pixels, N = 4, beta = {b_img:g}", 4, 2,
                   shape=(4, 1, 8, 8), beta=b_img),
        _loss_case(rng, f"other image size (3, 20), latent 1, beta = {b_other:g}", 3, 1, shape=(3, 20), beta=b_other),
        saturated,
    ]


# ----------------------------------------------------------------------------------------------
# train_vae(X_train, latent_dim, device, seed)
#
# Reference (solutions/vae.py: 64-128-(4+4) encoder, 4-128-64 decoder, Adam 2e-3, 100 epochs of
# minibatches of 50) on this repository's CPU (torch 2.13, 1 thread), scored by
# held_out_negative_elbo below (nats per image), seeds 0..4:
#     24.206, 24.156, 24.175, 24.066, 24.161   (median 24.161, spread 0.6 %)
# training 1.9-2.0 s of CPU time each (3.0 s for the first run of a process).
# For scale: the entropy of the targets (the floor of the BCE term) is 13.69 nats, a decoder that
# outputs the mean training image whatever z (posterior collapse, KL = 0) scores 27.00, x̂ = 0.5
# everywhere scores 44.36 (an untrained model scores about 45).
# Rule: tiers 1.2× and 1.08× the median, rounded to 0.1: ≤ 29.0 (a VAE that trains at all reaches
# the mean-image level, 27.0) and ≤ 26.1 (it also uses its latent code: better than any collapsed
# model). The seeds spread by 0.6 %, so the looser 1.33×/1.1× option is not needed.
# Checked against a family of reasonable recipes (bench/trained_recipes.py lab08_vae), seeds 0-2:
#   Adam 1e-3 / 3e-3 / 1e-2 24.27-24.32 / 24.03-24.14 / 24.20-24.31, SGD with momentum 0.9 at 0.01 /
#   3e-3 24.12-24.22 / 24.41-24.46, batches of 32 / 128 24.03-24.12 / 24.27-24.31, 50 / 150 epochs
#   24.34-24.42 / 24.02-24.07, hidden 256 23.97-24.00: the worst sensible run (24.46) clears the upper
#   tier by 1.6 nats. Undertrained: 5 epochs 26.96-27.26 (passes the lower tier only), 1 epoch
#   30.9-31.3, Adam 1e-5 34.8-35.5. The catalogue's variants (bench/trained_recipes.py --catalogue:
#   torch.from_numpy with Adam 1e-3, one encoder head split into mu and logvar with SGD with momentum
#   0.01, a DataLoader of batches of 128 with Adam 1e-2 for 150 epochs): 24.15-24.62, held-out /
#   validation 0.993-0.996.
# The validation negative ELBO (the notebook's visible check) predicts the held-out one: held-out /
# validation was 0.991-1.002 over these runs, so the check asks for <= 26.0 (26.1 / 1.002, rounded down)
# and <= 28.9 nats: a notebook that passes it keeps both tiers.
# Budget: 8 s, 4× the reference's 2 s of CPU time (batches of 32 or 150 epochs take 3.3 s). The grader
# trains on one CPU thread (runners.training.training_conditions), as these runs did, timed after a
# warm-up (the one-off set-up of a cold process, about 1 s, is off the clock as in every trained lab).
# Not yet timed on a GPU (none here): there the 2000 small steps are bound by kernel launches,
# estimated at 1-3 s.
TIERS = [29.0, 26.1]
VISIBLE_BOUNDS = [28.9, 26.0]
BUDGET_S = 8.0
LATENT_DIM = 4
SEED = 0


def negative_elbo(outputs: dict, latent_dim=LATENT_DIM) -> float:
    """Grading process: the mean over the passes of the reference ``vae_loss`` on the held-out digits
    (nats per image); NaN when an output is not finite. Checks the shapes again (a report is untrusted)."""
    import torch

    from solutions.vae import vae_loss

    X = torch.as_tensor(digits_held_out()[0], dtype=torch.float64)
    passes = outputs["passes"]
    if len(passes) != EVAL_PASSES:
        raise ValueError(f"expected {EVAL_PASSES} evaluation passes, got {len(passes)}")
    losses = []
    for x_hat, mu, logvar in passes:
        x_hat, mu, logvar = (torch.as_tensor(t, dtype=torch.float64) for t in (x_hat, mu, logvar))
        if tuple(x_hat.shape) != tuple(X.shape) or {tuple(mu.shape), tuple(logvar.shape)} != {(len(X), latent_dim)}:
            raise ValueError("held-out outputs have the wrong shapes")
        if not (torch.isfinite(x_hat).all() and torch.isfinite(mu).all() and torch.isfinite(logvar).all()):
            return float("nan")
        losses.append(vae_loss(x_hat, X, mu, logvar)[0].item())
    return float(np.mean(losses))


def held_out_negative_elbo(model, latent_dim=LATENT_DIM, device=None) -> float:
    """Both halves in one process: the held-out negative ELBO of ``model`` (for the tier tests)."""
    return negative_elbo(held_out_outputs(model, latent_dim, device), latent_dim)


def _train_cases(rng):
    # fixed by nature: the tiers were set for this latent size and training seed
    return [Case(f"train_vae(digits training split, latent_dim={LATENT_DIM}, seed={SEED}) scored on "
                 "400 held-out digits", (LATENT_DIM, SEED), checks=len(TIERS) + 1)]


def _judge_train(got, expected, case):
    from autograder.grading.trained_models import reported_seconds, threshold_checks

    return threshold_checks(negative_elbo(got), reported_seconds(got), metric="negative ELBO per image (nats)",
                            tiers=TIERS, budget_s=BUDGET_S, higher_is_better=False)


register(Spec(f"{LAB}.reparameterize", _reparameterize_cases))
register(Spec(f"{LAB}.kl_divergence", _kl_cases))
register(Spec(f"{LAB}.vae_loss", _vae_loss_cases))
register(Spec(f"{LAB}.train_vae", _train_cases, judge=_judge_train, reference_needed=False))
