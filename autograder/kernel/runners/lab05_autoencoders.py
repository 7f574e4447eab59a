"""How the graded functions of lab 5 (autoencoders in PyTorch) are run in the grading kernel.

The cases arrive as data (NumPy arrays, numbers, dicts of arrays). ``linear``, ``encode`` and
``decode`` get every array as a float64 tensor on the grading device (:func:`_as_tensors`), so the
student's code sees what the notebook's does, only in double precision. ``reconstruction_loss`` is
also differentiated by autograd when the case asks for it (``grad=True``), and a kind it must refuse
is reported as whether it raised ValueError. ``add_noise`` gets a fresh ``torch.Generator`` on the
grading device, seeded with the case's seed, for every run (student and reference alike); the runner
also reports whether ``x`` was left unchanged and the generator's next draw (it must have advanced by
exactly one draw of ``x``'s size).

``train_autoencoder`` trains on the notebook's 1000 training digits (float32, grading device, the
case's latent size and seed) under :func:`~autograder.kernel.runners.training.training_conditions`, timed,
after a warm-up (:func:`_tiny_autoencoder`: the one-off set-up of the kernels it uses is not the
student's time, as in every trained lab), and reports the model's reconstructions of the 400
held-out digits (:func:`held_out_reconstructions`); the grading process computes the error from them.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import digits_held_out, timed, training_conditions, warm_up
from autograder.kernel.torch_grading import grading_device, tensor


def _as_tensors(value):
    """NumPy arrays (also inside tuples, lists and dicts) as float64 tensors on the grading device."""
    if isinstance(value, np.ndarray):
        return tensor(value)
    if isinstance(value, dict):
        return {k: _as_tensors(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_as_tensors(v) for v in value)
    return value


def _run_tensors(fn, case, uses):
    return fn(*_as_tensors(case.args), **_as_tensors(case.kwargs))


# ---------------------------------------------------------------------------- reconstruction_loss
RAISED = "raised ValueError"


def _run_loss(fn, case, uses):
    """The loss; with case.kwargs["grad"], also ∂loss/∂x_hat by autograd; a ValueError is recorded."""
    import torch

    kwargs = dict(case.kwargs)
    want_grad = kwargs.pop("grad", False)
    x_hat, x = _as_tensors(case.args)
    if kwargs.get("kind", "mse") in ("mse", "bce"):
        if not want_grad:
            return fn(x_hat, x, **kwargs)
        x_hat.requires_grad_(True)
        loss = fn(x_hat, x, **kwargs)
        if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
            raise TypeError("the loss is not a tensor connected to x_hat (keep it a torch tensor, no .item())")
        (grad,) = torch.autograd.grad(loss, x_hat)
        return {"loss": loss.detach(), "gradient with respect to x_hat": grad}
    try:
        fn(x_hat, x, **kwargs)
    except ValueError:
        return {RAISED: np.bool_(True)}
    return {RAISED: np.bool_(False)}


# -------------------------------------------------------------------------------------- add_noise
UNCHANGED = "input x left unchanged"
NEXT = "next draw of the generator (it must be advanced by exactly one torch.randn of x's shape)"


def _run_noise(fn, case, uses):
    """case.args = (x, std, seed): a fresh generator on the grading device, seeded with ``seed``, for every run."""
    import torch

    x_np, std, seed = case.args
    device = grading_device()
    x = tensor(x_np)
    before = x.clone()
    generator = torch.Generator(device=device).manual_seed(int(seed))
    out = fn(x, std, generator)
    following = torch.randn(4, generator=generator, dtype=torch.float64, device=device)
    return {"noisy x": out, UNCHANGED: np.bool_(bool(torch.equal(x, before))), NEXT: following}


# ------------------------------------------------------------------------------ train_autoencoder
def _tiny_autoencoder(device):
    """A tiny dense autoencoder 64 → 4 → 64 on 4 blank digits (for :func:`warm_up`)."""
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(64, 4), nn.ReLU(), nn.Linear(4, 64), nn.Sigmoid()).to(device)
    x = torch.zeros(4, 64, device=device)
    return model.parameters(), lambda: ((model(x) - x) ** 2).sum() / len(x)


def _run_train(fn, case, uses):
    """case.args = (latent_dim, seed): train on the notebook's split (float32, grading device), time
    it, report the held-out reconstructions."""
    import torch

    from labkit.data import digits_split

    latent_dim, seed = (int(v) for v in case.args)
    device = grading_device()
    X_train = tensor(digits_split("train")[0], dtype=torch.float32, device=device)

    with training_conditions(device):
        warm_up(device, "dense autoencoder", _tiny_autoencoder)
        model, seconds = timed(fn, X_train, latent_dim, device, seed)
        return {"seconds": seconds, **held_out_reconstructions(model, device, latent_dim)}


def held_out_reconstructions(model, device, latent_dim: int) -> dict:
    """What a trained autoencoder is scored on (kernel side): its reconstructions of the held-out digits.

    The structural checks run here, on the model: ``{"problem": why}`` when it fails one (not an
    ``nn.Module``, no ``encode``/``decode``, a latent code or reconstruction of the wrong shape, or
    ``model(x)`` is not ``decode(encode(x))``); else ``{"problem": None, "z_shape": shape of
    encode(x), "x_hat": model(x) as float32 (400, 64)}``. The grading process scores it
    (``reconstruction_error`` in the lab's case module).
    """
    import torch

    X = tensor(digits_held_out()[0], dtype=torch.float32, device=device)
    n, d = X.shape

    def problem(why):
        return {"problem": why}

    if not isinstance(model, torch.nn.Module):
        return problem(f"train_autoencoder should return an nn.Module, got {type(model).__name__}")
    for method in ("encode", "decode"):
        if not callable(getattr(model, method, None)):
            return problem(f"the model has no method {method}(...)")
    model.eval()
    with torch.no_grad():
        z = model.encode(X)
        if tuple(z.shape) != (n, latent_dim):
            return problem(f"model.encode of {n} images gives shape {tuple(z.shape)}, "
                           f"expected ({n}, {latent_dim}) (latent_dim)")
        x_hat = model(X)
        if tuple(x_hat.shape) != (n, d):
            return problem(f"model(x) of {n} images gives shape {tuple(x_hat.shape)}, expected ({n}, {d})")
        if not torch.allclose(model.decode(z).float(), x_hat.float(), rtol=1e-4, atol=1e-5):
            return problem("model(x) is not model.decode(model.encode(x))")
    return {"problem": None, "z_shape": tuple(int(s) for s in z.shape), "x_hat": x_hat.float().cpu().numpy()}


RUNNERS = {
    "linear": Runner(run=_run_tensors),
    "encode": Runner(run=_run_tensors),
    "decode": Runner(run=_run_tensors),
    "reconstruction_loss": Runner(run=_run_loss),
    "add_noise": Runner(run=_run_noise),
    "train_autoencoder": Runner(run=_run_train),
}
