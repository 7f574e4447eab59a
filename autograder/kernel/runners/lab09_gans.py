"""Kernel side of lab 9 (GANs): how each graded function is run on a case.

The losses get the case's NumPy arrays as float64 tensors on the grading device.
``gradient_penalty`` gets a critic built in float64 from the case's data form ``(kind, params)``
(:class:`Critic`: "linear", "mlp" or "cnn"), the case's real and fake batches, and a fresh
``torch.Generator`` on the grading device seeded as the case says; with ``param_grad`` the run also
returns the gradient of the penalty with respect to the critic's parameters.

``train_gan`` is trained on the notebook's 1000 training digits with the case's seed, timed under
:func:`~autograder.kernel.runners.training.training_conditions` after a warm-up
(:func:`~autograder.kernel.runners.training.warm_up_gan`), and the kernel reports :data:`N_SAMPLES`
samples of its generator (z from a fixed seed) and facts about how it used the ``generator_loss`` it
was given (a recording loss, :class:`GeneratorLossSpy`) and what its signature's default is. The
grading process scores the samples and judges those facts.

``train_dcgan`` is trained and timed the same way; it returns ``(G, D)``. The kernel reports
:data:`N_SAMPLES` samples of G (images (M, 1, 8, 8), flattened to 64 values) and what the two
networks are made of (:func:`dcgan_facts`: strided and transposed convolutions, batch norm,
LeakyReLU, pooling, D's output shape); the grading process scores the samples and judges whether
the networks are in DCGAN's style.
"""
from __future__ import annotations

import inspect

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import timed, training_conditions, warm_up_gan
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
def generate_samples(generator, device, image_shape=(64,)) -> np.ndarray:
    """``N_SAMPLES`` images of ``generator`` (outputs in [−1, 1]) from z of a fixed seed, in eval mode,
    without gradients, flattened: (N_SAMPLES, 64), float64 if the generator computes in float64, else
    float32. ``image_shape``: the shape of one image the generator must produce, (64,) for the MLP GAN,
    (1, 8, 8) for the DCGAN. Raises ValueError (with a message for the student) when the generator has
    no ``latent_dim`` or its output has another shape."""
    import torch

    latent = getattr(generator, "latent_dim", None)
    if isinstance(latent, bool) or not isinstance(latent, (int, np.integer)) or latent < 1:
        raise ValueError(f"the generator needs an int attribute latent_dim (got {type(latent).__name__})")
    latent = int(latent)
    z = torch.randn(N_SAMPLES, latent, generator=torch.Generator().manual_seed(Z_SEED)).to(device)
    if hasattr(generator, "eval"):
        generator.eval()
    with torch.no_grad():
        images = generator(z)
    expected = (N_SAMPLES, *image_shape)
    if not isinstance(images, torch.Tensor) or tuple(images.shape) != expected:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"the generator maps z of shape ({N_SAMPLES}, {latent}) to shape {shape}, expected {expected}")
    images = images.detach().cpu().reshape(N_SAMPLES, 64)
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
        warm_up_gan(device)
        generator, seconds = timed(fn, X, device, int(seed), generator_loss=spy)
        samples = generate_samples(generator, device)
    return {"samples": samples, "seconds": seconds, "generator_loss": generator_loss_facts(fn, spy, probe)}


def _run_train(fn, case, uses):
    """case.args = (seed, probe logits for the default generator loss)."""
    seed, probe = case.args
    return train_and_sample(fn, seed, probe)


# ----------------------------------------------------------------------------- train_dcgan
def _is_pooling(module) -> bool:
    return any("Pool" in cls.__name__ for cls in type(module).__mro__)


def _strided(module) -> bool:
    stride = getattr(module, "stride", 1)
    return max(stride) >= 2 if isinstance(stride, tuple) else stride >= 2


def network_facts(network) -> dict:
    """What a network is made of, counted over ``network.modules()``: strided ``nn.Conv2d`` and
    ``nn.ConvTranspose2d`` (stride ≥ 2), ``nn.BatchNorm2d``, ``nn.LeakyReLU``, pooling layers and
    ``nn.Linear``. ``None`` when ``network`` is not an ``nn.Module``."""
    import torch
    from torch import nn

    if not isinstance(network, torch.nn.Module):
        return None
    modules = list(network.modules())
    count = lambda test: int(sum(1 for m in modules if test(m)))  # noqa: E731
    return {"strided_conv": count(lambda m: type(m) is nn.Conv2d and _strided(m)),
            "strided_transposed_conv": count(lambda m: isinstance(m, nn.ConvTranspose2d) and _strided(m)),
            "batchnorm": count(lambda m: isinstance(m, nn.BatchNorm2d)),
            "leaky_relu": count(lambda m: isinstance(m, nn.LeakyReLU)),
            "pooling": count(_is_pooling),
            "linear": count(lambda m: isinstance(m, nn.Linear))}


def dcgan_facts(G, D, device) -> dict:
    """:func:`network_facts` of G and D, and the shape of D's output on 4 training digits in [−1, 1]
    (in eval mode, without gradients; ``None`` when D fails on them)."""
    import torch

    from autograder.kernel.runners.training import digits_images

    X, _ = digits_images("train")
    shape = None
    if isinstance(D, torch.nn.Module):
        D.eval()
        try:
            with torch.no_grad():
                out = D(torch.as_tensor(X[:4] * 2 - 1, device=device))
            shape = list(out.shape) if isinstance(out, torch.Tensor) else None
        except Exception:  # noqa: BLE001 (a D that cannot score images is judged by the grader)
            shape = None
    return {"generator": network_facts(G), "discriminator": network_facts(D), "d_output_shape": shape}


def train_and_sample_dcgan(fn, seed, device=None) -> dict:
    """Train with ``fn`` (``fn(X_train, device, seed) -> (G, D)``) on the notebook's training digits,
    given as (N, 1, 8, 8) float32 in [0, 1]. Returns ``{"samples": G's images (:func:`generate_samples`,
    flattened), "seconds": training seconds, "architecture": :func:`dcgan_facts`}``. Raises TypeError
    (with a message for the student) when ``fn`` does not return a pair."""
    import torch

    from autograder.kernel.runners.training import digits_images

    device = grading_device() if device is None else torch.device(device)
    X, _ = digits_images("train")
    X = tensor(X, dtype=torch.float32, device=device)
    with training_conditions(device):
        warm_up_gan(device)
        out, seconds = timed(fn, X, device, int(seed))
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"train_dcgan should return the pair (G, D), got {type(out).__name__}")
        G, D = out
        samples = generate_samples(G, device, image_shape=(1, 8, 8))
        facts = dcgan_facts(G, D, device)
    return {"samples": samples, "seconds": seconds, "architecture": facts}


def _run_train_dcgan(fn, case, uses):
    """case.args = (seed,)."""
    (seed,) = case.args
    return train_and_sample_dcgan(fn, seed)


_LOSSES = ("discriminator_loss", "lsgan_discriminator_loss", "hinge_discriminator_loss", "wasserstein_critic_loss",
           "generator_loss_minimax", "generator_loss_nonsaturating", "lsgan_generator_loss", "hinge_generator_loss")

RUNNERS = {
    **{name: Runner(run=_run_loss) for name in _LOSSES},
    "gradient_penalty": Runner(run=_run_gp),
    "train_gan": Runner(run=_run_train),
    "train_dcgan": Runner(run=_run_train_dcgan),
}
