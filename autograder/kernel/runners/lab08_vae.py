"""Kernel side of lab 8 (variational autoencoders): how each graded function is run on a case.

Building blocks (``reparameterize``, ``kl_divergence``, ``vae_loss``) get the case's NumPy arrays as
float64 tensors on the grading device. A case whose keyword arguments hold :data:`BACKPROP`
(``{"of": names of tensor inputs, "weights": array}``, not passed on to the function) also
backpropagates Σ weights ⊙ output and reports the gradients with respect to those inputs, so that an
output cut off from the autograd graph fails even when its values are right.

``train_vae`` is trained on the notebook's training split (a float32 NumPy array (1000, 64), as the
notebook passes it) with the case's latent size and seed, under
:func:`~autograder.kernel.runners.training.training_conditions`, timed after a warm-up
(:func:`_tiny_vae`, as in every trained lab), and the kernel reports the model's outputs on the 400
held-out digits (:func:`held_out_outputs`); the grading process scores them.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import digits_held_out, timed, training_conditions, warm_up
from autograder.kernel.torch_grading import grading_device, tensor

#: Keyword of a case that asks for gradients (taken out before the function is called).
BACKPROP = "backprop"
#: Forward passes of a trained VAE on the held-out digits (forward samples ε), torch seeded first.
EVAL_SEED = 12345
EVAL_PASSES = 5


def _run_block(names, fn, case, uses):
    """Call ``fn`` with the case's NumPy arrays as float64 tensors on the grading device.

    With ``case.kwargs[BACKPROP] = {"of": (...), "weights": w}`` the inputs named in ``"of"`` (of the
    positional ``names``) require gradients, Σ w ⊙ output is backpropagated, and the result is
    ``{"output": ..., "gradient w.r.t. <name>": ...}``.
    """
    import torch

    kwargs = dict(case.kwargs)
    backprop = kwargs.pop(BACKPROP, None)
    args = [tensor(a) if isinstance(a, np.ndarray) else a for a in case.args]
    if backprop is None:
        return fn(*args, **kwargs)
    watched = {}
    for i, name in enumerate(names):
        if name in backprop["of"]:
            args[i] = args[i].clone().requires_grad_(True)
            watched[name] = args[i]
    out = fn(*args, **kwargs)
    if not (torch.is_tensor(out) and out.requires_grad):
        raise RuntimeError("the output is not a tensor connected to mu and logvar in the autograd graph "
                           "(.detach(), .item(), float() or NumPy?): training needs its gradient")
    torch.sum(out * tensor(backprop["weights"], device=out.device)).backward()
    result = {"output": out.detach()}
    for name, t in watched.items():
        result[f"gradient w.r.t. {name}"] = t.grad if t.grad is not None else torch.zeros_like(t)
    return result


def held_out_outputs(model, latent_dim, device=None) -> dict:
    """What a trained VAE is scored on: ``model(x)`` on the 400 held-out digits, EVAL_PASSES times with
    torch seeded (forward samples ε), in eval mode, without gradients.

    Returns ``{"passes": [(x_hat, mu, logvar), ...] as float32 arrays}``; the grading process turns it
    into the score. Raises ValueError (with a message for the student) when the model does not have
    the interface the lab asks for.
    """
    import torch

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


def _tiny_vae(device):
    """A tiny VAE step 64 → 2 (μ, log σ²) → 64 on 4 blank digits (for :func:`warm_up`)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    encoder, decoder = nn.Linear(64, 4).to(device), nn.Sequential(nn.Linear(2, 64), nn.Sigmoid()).to(device)
    x = torch.zeros(4, 64, device=device)

    def loss():
        mu, logvar = encoder(x).chunk(2, dim=1)
        x_hat = decoder(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
        kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1).mean()
        return F.binary_cross_entropy(x_hat, x, reduction="sum") / len(x) + kl

    return [*encoder.parameters(), *decoder.parameters()], loss


def _run_train(fn, case, uses):
    """case.args = (latent_dim, seed): train on the training split (a float32 NumPy array, as the notebook
    passes it), report held-out outputs and seconds."""
    from labkit.data import digits_split

    latent_dim, seed = case.args
    device = grading_device()
    X_train = digits_split("train")[0].astype(np.float32)
    with training_conditions(device):
        warm_up(device, "vae", _tiny_vae)
        model, seconds = timed(fn, X_train, latent_dim, device, seed)
        outputs = held_out_outputs(model, latent_dim, device)
    return {**outputs, "seconds": seconds}


RUNNERS = {
    "reparameterize": Runner(run=partial(_run_block, ("mu", "logvar", "eps"))),
    "kl_divergence": Runner(run=partial(_run_block, ("mu", "logvar"))),
    "vae_loss": Runner(run=partial(_run_block, ("x_hat", "x", "mu", "logvar"))),
    "train_vae": Runner(run=_run_train),
}
