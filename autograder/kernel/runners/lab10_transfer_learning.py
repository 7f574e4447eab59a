"""Kernel side of lab 10 (transfer learning): how each graded function is run on a case.

``freeze`` and ``count_trainable`` get a small float64 model built on the grading device from the
case's data form ``(arch, dims, ..., seed)`` (:func:`build`); ``freeze`` is reported through what it
does to the model (which parameters still require gradients, whether it returned the module, which
parameters move when an optimizer takes one step). ``grad_reverse`` is run under autograd (its output
and the gradients it sends back); ``dann_domain_loss`` gets float64 tensors.

``finetune`` gets the CNN pretrained on digits 0–4: a given file that the grading process writes
(:data:`PRETRAINED_FILE`, read with :func:`~autograder.kernel.runners.given_bytes`; under plain nbgrader
built in the kernel by the grader side, the same bytes). It is trained on the first images of
each digit 5–9, timed, and the kernel reports its predicted classes on the held-out digits 5–9
(:func:`train_and_predict`); the grading process scores them.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner, given_bytes
from autograder.kernel.runners.training import (digits_held_out, predicted_classes, timed, training_conditions,
                                         warm_up_cnn)
from autograder.kernel.torch_grading import grading_device, tensor

#: The given file holding the CNN pretrained on digits 0–4 (``torch.save`` of the module).
PRETRAINED_FILE = "lab10_pretrained_cnn.pt"


# ---------------------------------------------------------------------- models for the checks
def build(arch: str, dims: tuple, seed: int):
    """A small float64 model on the grading device, seeded; ``dims`` are its sizes:

    "mlp" (d0, d1, d2, d3): Linear, Tanh, Linear, ReLU, Linear. "mlp_nobias" (d0, d1, d2): Linear without
    bias, ReLU, Linear. "cnn" (c1, c2, k) on (1, 8, 8) images: two conv blocks with 2×2 pooling, then
    Linear. "cnn_bn" (c, k): conv, BatchNorm, ReLU, pooling, Linear. "shared" (d, k): the same Linear(d, d)
    used twice, then Linear(d, k).
    """
    import torch
    from torch import nn

    dims = tuple(int(d) for d in dims)
    torch.manual_seed(int(seed))
    if arch == "mlp":
        d0, d1, d2, d3 = dims
        model = nn.Sequential(nn.Linear(d0, d1), nn.Tanh(), nn.Linear(d1, d2), nn.ReLU(), nn.Linear(d2, d3))
    elif arch == "mlp_nobias":
        d0, d1, d2 = dims
        model = nn.Sequential(nn.Linear(d0, d1, bias=False), nn.ReLU(), nn.Linear(d1, d2))
    elif arch == "cnn":
        c1, c2, k = dims
        model = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(c2 * 2 * 2, k))
    elif arch == "cnn_bn":  # BatchNorm: running statistics are buffers, not parameters
        c, k = dims
        model = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(c * 4 * 4, k))
    elif arch == "shared":  # the same layer used twice: its parameters count once
        d, k = dims
        layer = nn.Linear(d, d)
        model = nn.Sequential(layer, nn.Tanh(), layer, nn.Tanh(), nn.Linear(d, k))
    else:
        raise ValueError(arch)
    return model.to(device=grading_device(), dtype=torch.float64)


def input_shape(arch: str, dims: tuple, batch: int = 8) -> tuple:
    """The shape of a batch of inputs of :func:`build`'s model."""
    return (batch, 1, 8, 8) if arch in ("cnn", "cnn_bn") else (batch, int(dims[0]))


def _part(model, part):
    """``part``: "all", or a tuple of indices into the Sequential."""
    from torch import nn

    return model if part == "all" else nn.Sequential(*[model[i] for i in part]) if len(part) > 1 else model[part[0]]


def _run_freeze(fn, case, uses):
    """case.args = (arch, dims, part, optimizer, seed). Returns whether ``fn`` returned its argument, the
    requires_grad flags of all parameters, and which parameters moved after one optimizer step."""
    import torch
    import torch.nn.functional as F

    arch, dims, part, opt, seed = case.args
    model = build(arch, dims, seed)
    target = _part(model, part)
    returned = fn(target)
    flags = np.array([p.requires_grad for p in model.parameters()])
    before = [p.detach().clone() for p in model.parameters()]
    rng = np.random.default_rng(int(seed))
    x = tensor(rng.normal(size=input_shape(arch, dims, 6)))
    trainable = [p for p in model.parameters() if p.requires_grad]
    if trainable:
        optimizer = (torch.optim.Adam(model.parameters(), lr=0.1) if opt == "adam"
                     else torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01))
        model.train()
        loss = F.softplus(model(x)).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    moved = np.array([not torch.equal(b, p.detach()) for b, p in zip(before, model.parameters())])
    return {"returns the module": np.array(returned is target), "requires_grad": flags, "moved": moved}


def _run_count(fn, case, uses):
    """case.args = (arch, dims, part to freeze or None, seed); requires_grad is set here, not by ``freeze``."""
    arch, dims, part, seed = case.args
    model = build(arch, dims, seed)
    if part is not None:
        for p in _part(model, part).parameters():
            p.requires_grad_(False)
    return fn(model)


# ------------------------------------------------------------------------------ grad_reverse
def _run_reverse(fn, case, uses):
    """case.args = (x, upstream gradient or None, lam, W or None). Without W: output and x.grad for
    ``out.backward(upstream)``. With W: loss = Σ tanh(grad_reverse(x, λ) Wᵀ); x.grad and W.grad."""
    import torch

    x_np, g_np, lam, w_np = case.args
    x = tensor(x_np).requires_grad_(True)
    if w_np is None:
        out = fn(x, lam)
        out.backward(tensor(g_np))
        return {"output": out.detach(), "x.grad": x.grad}
    W = tensor(w_np).requires_grad_(True)
    loss = torch.tanh(fn(x, lam) @ W.T).sum()
    loss.backward()
    return {"loss": loss.detach(), "x.grad": x.grad, "W.grad": W.grad}


# -------------------------------------------------------------------------- dann_domain_loss
def _run_dann(fn, case, uses):
    zs, zt = case.args
    return fn(tensor(zs), tensor(zt))


# ---------------------------------------------------------------------------------- finetune
def held_out_5_to_9():
    """The held-out digits 5–9: images (n, 1, 8, 8) float32, labels 0–4 (NumPy)."""
    X, y = digits_held_out(flatten=False)
    keep = y >= 5
    return X[keep].reshape(-1, 1, 8, 8).astype(np.float32), (y[keep] - 5).astype(np.int64)


def held_out_predictions(model, device) -> np.ndarray:
    """The predicted classes (int64, (n,)) of a fine-tuned CNN on the held-out digits 5–9 (as classes 0–4)."""
    return predicted_classes(model, held_out_5_to_9()[0], 5, device, " (digits 5–9 as classes 0–4)")


def pretrained(device):
    """The CNN pretrained on digits 0–4 (seed 0, trained on the CPU), from the grader's given file."""
    import io

    import torch

    data = io.BytesIO(given_bytes(PRETRAINED_FILE))
    return torch.load(data, map_location=device, weights_only=False).to(device).eval()


def train_and_predict(fn, seed, per_class, device=None) -> dict:
    """Fine-tune with ``fn`` on the first ``per_class`` training images of each digit 5–9;
    ``{"predicted": held-out predictions, "seconds": training seconds}``."""
    import torch

    from labkit.data import few_per_digit

    device = grading_device() if device is None else torch.device(device)
    with training_conditions(device):
        model_0_to_4 = pretrained(device)
        X, y = few_per_digit(range(5, 10), int(per_class))
        X, y = tensor(X, dtype=torch.float32, device=device), tensor(y, dtype=torch.int64, device=device)
        warm_up_cnn(device)
        model, seconds = timed(fn, model_0_to_4, X, y, device, int(seed))
    return {"predicted": held_out_predictions(model, device), "seconds": seconds}


def _run_finetune(fn, case, uses):
    """case.args = (seed, labelled images per digit)."""
    seed, per_class = case.args
    return train_and_predict(fn, seed, per_class)


RUNNERS = {
    "freeze": Runner(run=_run_freeze),
    "count_trainable": Runner(run=_run_count),
    "grad_reverse": Runner(run=_run_reverse),
    "dann_domain_loss": Runner(run=_run_dann),
    "finetune": Runner(run=_run_finetune),
}
