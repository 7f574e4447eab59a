"""Hidden cases of lab 8 (variational autoencoders).

Building blocks (``reparameterize``, ``kl_divergence``, ``vae_loss``) get seeded random inputs as
float64 tensors on the grading device, with odd shapes and edge cases (N = 1, log σ² = 0 or far from
0, ε = 0, μ = 0, β = 0, decoder outputs of exactly 0 and 1, images shaped (N, 1, 8, 8)). Some cases
also backpropagate a fixed random weighting of the output and compare the gradients with respect to
μ and log σ², so an output cut off from the autograd graph (``.detach()``, ``.item()``, NumPy) fails
even when its values are right: training needs those gradients.

``train_vae`` is graded as a trained model: it is trained once on the notebook's training split
(latent_dim = 4, seed 0, the grading device), timed, and scored by the held-out negative ELBO per
image on the 400 digits no notebook sees: ``vae_loss`` of the reference applied to the model's own
``forward`` (model in eval mode, torch seeded, averaged over 5 forward passes since forward samples ε).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.cases import Case, Spec, register
from autograder.torch_grading import grading_device, tensor

LAB = "lab08_vae"


@dataclass
class _GradCase(Case):
    """A case whose run also backpropagates Σ weights ⊙ output to the tensor inputs ``grad_of``."""

    names: tuple = ()
    grad_of: tuple = ()
    weights: np.ndarray | None = None


def _run_block(fn, case, uses):
    """Call ``fn`` with the case's NumPy arrays as float64 tensors on the grading device.

    A :class:`_GradCase` makes the inputs named in ``grad_of`` require gradients, backpropagates
    Σ weights ⊙ output and returns ``{"output": ..., "gradient w.r.t. <name>": ...}``.
    """
    import torch

    args = [tensor(a) if isinstance(a, np.ndarray) else a for a in case.args]
    if not isinstance(case, _GradCase):
        return fn(*args, **case.kwargs)
    watched = {}
    for i, name in enumerate(case.names):
        if name in case.grad_of:
            args[i] = args[i].clone().requires_grad_(True)
            watched[name] = args[i]
    out = fn(*args, **case.kwargs)
    if not (torch.is_tensor(out) and out.requires_grad):
        raise RuntimeError("the output is not a tensor connected to mu and logvar in the autograd graph "
                           "(.detach(), .item(), float() or NumPy?): training needs its gradient")
    torch.sum(out * tensor(case.weights, device=out.device)).backward()
    result = {"output": out.detach()}
    for name, t in watched.items():
        result[f"gradient w.r.t. {name}"] = t.grad if t.grad is not None else torch.zeros_like(t)
    return result


# ----------------------------------------------------------------------------------------------
# reparameterize(mu, logvar, eps)

_REPARAM = ("mu", "logvar", "eps")


def _reparam_case(name, mu, logvar, eps):
    return Case(name, (mu, logvar, eps))


def _reparameterize_cases(rng):
    def draw(n, d, lo=-3.0, hi=2.0):
        return rng.normal(0, 1.5, (n, d)), rng.uniform(lo, hi, (n, d)), rng.normal(0, 1, (n, d))

    mu, lv, eps = draw(6, 3)
    w_mu, w_lv, w_eps = draw(5, 4)
    mu1, lv1, eps1 = draw(1, 1)
    mu2, lv2, eps2 = draw(3, 17)
    mu3, _, eps3 = draw(4, 2)
    mu4, lv4, _ = draw(2, 5)
    mu5, _, eps5 = draw(3, 3)
    return [
        _reparam_case("random (6, 3)", mu, lv, eps),
        _reparam_case("N = 1, D = 1", mu1, lv1, eps1),
        _reparam_case("wide (3, 17), logvar in [-3, 2]", mu2, lv2, eps2),
        _reparam_case("logvar = 0 (sigma = 1), (4, 2)", mu3, np.zeros((4, 2)), eps3),
        _reparam_case("eps = 0 (z = mu), (2, 5)", mu4, lv4, np.zeros((2, 5))),
        _reparam_case("large and very negative logvar (+6, -30), (3, 3)", mu5,
                      np.tile([6.0, -30.0, 1.3], (3, 1)), eps5),
        _GradCase("gradients w.r.t. mu and logvar, (5, 4)", (w_mu, w_lv, w_eps), names=_REPARAM,
                  weights=rng.normal(size=(5, 4)), grad_of=("mu", "logvar")),
    ]


# ----------------------------------------------------------------------------------------------
# kl_divergence(mu, logvar)

_KL = ("mu", "logvar")


def _kl_cases(rng):
    def draw(n, d):
        return rng.normal(0, 1.2, (n, d)), rng.uniform(-3.0, 1.5, (n, d))

    mu, lv = draw(6, 3)
    mu1, lv1 = draw(1, 1)
    mu2, lv2 = draw(50, 8)
    mu3, lv3 = draw(4, 5)
    mu4, lv4 = draw(5, 2)
    return [
        Case("random (6, 3)", (mu, lv)),
        Case("N = 1, D = 1", (mu1, lv1)),
        Case("batch of 50, D = 8", (mu2, lv2)),
        Case("mu = 0, logvar = 0 (q equals the prior), (3, 4)", (np.zeros((3, 4)), np.zeros((3, 4)))),
        Case("logvar = 0, random mu, (4, 5)", (mu3, np.zeros((4, 5)))),
        Case("mu = 0, random logvar, (4, 5)", (np.zeros((4, 5)), lv3)),
        Case("logvar far from 0 (-12 and +4), (2, 2)", (rng.normal(size=(2, 2)), np.array([[-12.0, 4.0], [4.0, -12.0]]))),
        _GradCase("gradients w.r.t. mu and logvar, (5, 2)", (mu4, lv4), names=_KL,
                  weights=np.array(1.0), grad_of=("mu", "logvar")),
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


def _vae_loss_cases(rng):
    n = 6
    x = rng.integers(0, 2, (n, 64)).astype(np.float64)
    x_hat = np.where(rng.random((n, 64)) < 0.5, x, _sigmoid(rng.normal(0, 2, (n, 64))))  # exact 0 and 1 where x is
    saturated = Case("x_hat exactly 0 or 1 where x is 0 or 1 (those pixels cost 0), beta = 0.7",
                     (x_hat, x, rng.normal(size=(n, 3)), rng.uniform(-2, 1, (n, 3))), {"beta": 0.7})
    return [
        _loss_case(rng, "random (8, 64), latent 4, default beta", 8, 4),
        _loss_case(rng, "N = 1, latent 2, default beta", 1, 2),
        _loss_case(rng, "binary x (12, 64), latent 5, beta = 0.37", 12, 5, binary=True, beta=0.37),
        _loss_case(rng, "beta = 0 (reconstruction only), (5, 64)", 5, 3, beta=0.0),
        _loss_case(rng, "beta = 4.0, (7, 64)", 7, 6, beta=4.0),
        _loss_case(rng, "images shaped (N, 1, 8, 8): sum over all pixels, N = 4, beta = 1.5", 4, 2,
                   shape=(4, 1, 8, 8), beta=1.5),
        _loss_case(rng, "other image size (3, 20), latent 1, beta = 2.2", 3, 1, shape=(3, 20), beta=2.2),
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
# Budget: 8 s, 4× the reference's 2 s of CPU time. The grader trains on one CPU thread
# (trained_models.training_conditions), as these runs did. Not yet timed on a GPU (none here): there the 2000 small
# steps are bound by kernel launches, estimated at 1-3 s.
TIERS = [29.0, 26.1]
BUDGET_S = 8.0
LATENT_DIM = 4
SEED = 0
EVAL_SEED = 12345
EVAL_PASSES = 5


def held_out_outputs(model, latent_dim=LATENT_DIM, device=None) -> dict:
    """What a trained VAE is scored on (kernel side): ``model(x)`` on the 400 held-out digits,
    EVAL_PASSES times with torch seeded (forward samples ε), in eval mode, without gradients.

    Returns ``{"passes": [(x_hat, mu, logvar), ...] as float32 arrays}``; :func:`negative_elbo` turns
    it into the score in the grading process. Raises ValueError (with a message for the student)
    when the model does not have the interface the lab asks for.
    """
    import torch

    from autograder.trained_models import digits_held_out

    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"train_vae should return an nn.Module, got {type(model).__name__}")
    if not callable(getattr(model, "decode", None)):
        raise ValueError("the model returned by train_vae has no decode(z) method")
    params = list(model.parameters())
    device = params[0].device if params else (device or grading_device())
    X = torch.as_tensor(digits_held_out()[0], dtype=torch.float32, device=device)
    model.eval()
    passes = []
    with torch.no_grad():
        torch.manual_seed(EVAL_SEED)
        for _ in range(EVAL_PASSES):
            out = model(X)
            if not isinstance(out, (tuple, list)) or len(out) != 3:
                raise ValueError("model(x) should return the tuple (x_hat, mu, logvar)")
            x_hat, mu, logvar = (torch.as_tensor(t).to(device=device, dtype=torch.float64) for t in out)
            if tuple(x_hat.shape) != tuple(X.shape):
                raise ValueError(f"x_hat of model(x) for x of shape {tuple(X.shape)} has shape {tuple(x_hat.shape)}")
            for name, t in (("mu", mu), ("logvar", logvar)):
                if tuple(t.shape) != (len(X), latent_dim):
                    raise ValueError(f"{name} of model(x) for x of shape {tuple(X.shape)} has shape {tuple(t.shape)}, "
                                     f"expected ({len(X)}, {latent_dim}) (latent_dim = {latent_dim})")
            finite = bool(torch.isfinite(x_hat).all() and torch.isfinite(mu).all() and torch.isfinite(logvar).all())
            if finite and (x_hat.min() < 0 or x_hat.max() > 1):
                raise ValueError(f"x_hat should lie in [0, 1] (a sigmoid output), got values in "
                                 f"[{x_hat.min().item():.3g}, {x_hat.max().item():.3g}]")
            passes.append(tuple(t.cpu().numpy() for t in (x_hat, mu, logvar)))
        decoded = model.decode(torch.zeros(2, latent_dim, device=device))
        if tuple(torch.as_tensor(decoded).shape) != (2, X.shape[1]):
            raise ValueError(f"decode(z) for z of shape (2, {latent_dim}) should have shape (2, {X.shape[1]}), "
                             f"got {tuple(torch.as_tensor(decoded).shape)}")
    return {"passes": passes}


def negative_elbo(outputs: dict, latent_dim=LATENT_DIM) -> float:
    """Grading process: the mean over the passes of the reference ``vae_loss`` on the held-out digits
    (nats per image); NaN when an output is not finite. Checks the shapes again (a report is untrusted)."""
    import torch

    from autograder.trained_models import digits_held_out
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
    return [Case(f"train_vae(digits training split, latent_dim={LATENT_DIM}, seed={SEED}) scored on "
                 "400 held-out digits", (LATENT_DIM, SEED), checks=len(TIERS) + 1)]


def _run_train(fn, case, uses):
    import torch

    from autograder.trained_models import timed, training_conditions
    from labkit.data import digits_split

    latent_dim, seed = case.args
    device = grading_device()
    X_train = tensor(digits_split("train")[0], dtype=torch.float32, device=device)
    with training_conditions(device):
        model, seconds = timed(fn, X_train, latent_dim, device, seed)
        outputs = held_out_outputs(model, latent_dim, device)
    return {**outputs, "seconds": seconds}


def _judge_train(got, expected, case):
    from autograder.trained_models import threshold_checks

    return threshold_checks(negative_elbo(got), got["seconds"], metric="negative ELBO per image (nats)",
                            tiers=TIERS, budget_s=BUDGET_S, higher_is_better=False)


register(Spec(f"{LAB}.reparameterize", _reparameterize_cases, run=_run_block))
register(Spec(f"{LAB}.kl_divergence", _kl_cases, run=_run_block))
register(Spec(f"{LAB}.vae_loss", _vae_loss_cases, run=_run_block))
register(Spec(f"{LAB}.train_vae", _train_cases, run=_run_train, judge=_judge_train, reference_needed=False))
