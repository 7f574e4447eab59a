"""Kernel side of lab 9 (GANs): how each graded function is run on a case.

The losses get the case's NumPy arrays as float64 tensors on the grading device.
``gradient_penalty`` gets a critic built in float64 from the case's data form ``(kind, params)``
(:class:`Critic`: "linear", "mlp" or "cnn"), the case's real and fake batches, and a fresh
``torch.Generator`` on the grading device seeded as the case says; with ``param_grad`` the run also
returns the gradient of the penalty with respect to the critic's parameters.

``train_gan`` is trained on the notebook's 1000 training digits with the case's seed, timed under
:func:`~autograder.kernel.runners.training.training_conditions`, and the kernel reports :data:`N_SAMPLES`
samples of its generator (z from a fixed seed) and facts about how it used the ``generator_loss`` it
was given (a recording loss, :class:`GeneratorLossSpy`) and what its signature's default is. The
grading process scores the samples and judges those facts.
"""
from __future__ import annotations

import inspect

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import timed, training_conditions
from autograder.kernel.torch_grading import grading_device, tensor

#: Samples of a trained generator that the kernel reports (z drawn from :data:`Z_SEED`).
N_SAMPLES = 1000
Z_SEED = 1234


# ------------------------------------------------------------------------------ the losses
def _run_loss(fn, case, uses):
    return fn(*(tensor(a) for a in case.args), **dict(case.kwargs))


# ------------------------------------------------------------------------ gradient_penalty
class Critic:
    """A fixed float64 critic on the grading device: ``kind`` is "linear", "mlp" or "cnn"; ``params``
    the NumPy arrays of its parameters."""

    def __init__(self, kind, params):
        self.kind = kind
        self.params = [tensor(p).requires_grad_(True) for p in params]

    def __call__(self, x):
        import torch.nn.functional as F

        p = self.params
        if self.kind == "linear":
            return x.reshape(x.shape[0], -1) @ p[0] + p[1]
        if self.kind == "mlp":
            h = F.leaky_relu(F.linear(x.reshape(x.shape[0], -1), p[0], p[1]), 0.2)
            return F.linear(h, p[2], p[3])                                  # (N, 1)
        h = F.leaky_relu(F.conv2d(x, p[0], p[1], padding=1), 0.2)            # (N, 3, H, W)
        h = h.pow(2).mean(dim=(2, 3))                                         # (N, 3): a non-linear read-out
        return h @ p[2]                                                       # (N,)


def _run_gp(fn, case, uses):
    """case.args = (kind, params, real, fake, seed, param_grad). Build the critic and a fresh generator
    seeded as the case says, call ``fn``; with ``param_grad`` also return d penalty / d critic
    parameters (which needs the gradient's own graph)."""
    import torch

    kind, params, real, fake, seed, param_grad = case.args
    critic = Critic(kind, params)
    device = grading_device()
    generator = torch.Generator(device=device).manual_seed(int(seed))
    penalty = fn(critic, tensor(real), tensor(fake), generator, **dict(case.kwargs))
    if not param_grad:
        return penalty
    if not (torch.is_tensor(penalty) and penalty.requires_grad):
        raise ValueError("the penalty does not depend on the critic's parameters: the gradient ∇f(x̂) "
                         "must keep its graph (torch.autograd.grad(..., create_graph=True))")
    grads = torch.autograd.grad(penalty, critic.params, allow_unused=True)
    return penalty, tuple(torch.zeros_like(p) if g is None else g for p, g in zip(critic.params, grads))


# ------------------------------------------------------------------------------- train_gan
def generate_samples(generator, device) -> np.ndarray:
    """``N_SAMPLES`` images of ``generator`` (outputs in [−1, 1]) from z of a fixed seed, in eval mode,
    without gradients: (N_SAMPLES, 64), float64 if the generator computes in float64, else float32.
    Raises ValueError (with a message for the student) when the shape is not (N_SAMPLES, 64)."""
    import torch

    latent = int(getattr(generator, "latent_dim"))
    z = torch.randn(N_SAMPLES, latent, generator=torch.Generator().manual_seed(Z_SEED)).to(device)
    if hasattr(generator, "eval"):
        generator.eval()
    with torch.no_grad():
        images = generator(z)
    if tuple(images.shape) != (N_SAMPLES, 64):
        raise ValueError(f"the generator maps z of shape ({N_SAMPLES}, {latent}) to shape {tuple(images.shape)}, "
                         f"expected ({N_SAMPLES}, 64)")
    images = images.detach().cpu()
    return images.numpy() if images.dtype == torch.float64 else images.float().numpy()


class GeneratorLossSpy:
    """The non-saturating generator loss, −mean log σ(l), that records how train_gan uses it.

    ``calls``: how many times it was called with logits that carry a graph (calls under
    ``torch.no_grad()``, e.g. for logging, are not counted); ``backpropagated``: which of the losses
    it returned were back-propagated (a tensor hook fires when a backward pass reaches the loss).
    """

    def __init__(self):
        self.calls = 0
        self.backpropagated = set()

    def __call__(self, fake_logits):
        import torch.nn.functional as F

        loss = -F.logsigmoid(fake_logits).mean()
        if loss.requires_grad:
            index = self.calls
            self.calls += 1
            loss.register_hook(lambda grad: self.backpropagated.add(index))
        return loss


def default_generator_loss(fn, probe) -> dict | None:
    """What the default of ``fn``'s ``generator_loss`` parameter is: ``{"name": its __name__ (or repr),
    "on_probe": its value on the logits ``probe`` (NaN when it fails)}``; ``None`` when ``fn`` has no
    such parameter with a default. The grading process judges it."""
    import torch

    try:
        parameter = inspect.signature(fn).parameters.get("generator_loss")
    except (TypeError, ValueError):
        parameter = None
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return None
    default = parameter.default
    try:
        value = float(default(torch.as_tensor(np.asarray(probe), dtype=torch.float64)))
    except Exception:  # not callable, or it fails on plain logits
        value = float("nan")
    return {"name": str(getattr(default, "__name__", repr(default)))[:80], "on_probe": value}


def generator_loss_facts(fn, spy, probe) -> dict:
    """How a training run used the spy, and ``fn``'s default generator loss (:func:`default_generator_loss`)."""
    return {"calls": int(spy.calls), "backpropagated": len(spy.backpropagated),
            "default": default_generator_loss(fn, probe)}


def train_and_sample(fn, seed, probe, device=None) -> dict:
    """Train with ``fn`` on the notebook's training digits; ``fn`` gets ``generator_loss=`` a
    :class:`GeneratorLossSpy`. Returns ``{"samples": generated images (:func:`generate_samples`),
    "seconds": training seconds, "generator_loss": :func:`generator_loss_facts`}``."""
    import torch

    from labkit.data import digits_split

    device = grading_device() if device is None else torch.device(device)
    X, _ = digits_split("train")
    X = tensor(X, dtype=torch.float32, device=device)
    spy = GeneratorLossSpy()
    with training_conditions(device):
        generator, seconds = timed(fn, X, device, int(seed), generator_loss=spy)
        samples = generate_samples(generator, device)
    return {"samples": samples, "seconds": seconds, "generator_loss": generator_loss_facts(fn, spy, probe)}


def _run_train(fn, case, uses):
    """case.args = (seed, probe logits for the default generator loss)."""
    seed, probe = case.args
    return train_and_sample(fn, seed, probe)


_LOSSES = ("discriminator_loss", "lsgan_discriminator_loss", "hinge_discriminator_loss", "wasserstein_critic_loss",
           "generator_loss_minimax", "generator_loss_nonsaturating", "lsgan_generator_loss", "hinge_generator_loss")

RUNNERS = {
    **{name: Runner(run=_run_loss) for name in _LOSSES},
    "gradient_penalty": Runner(run=_run_gp),
    "train_gan": Runner(run=_run_train),
}
