"""Lab 13 (adversarial examples), kernel side: how the graded functions are run.

The attacks and the adversarial-training loss get a small float64 model that the runner builds
from the case's data (:func:`build_model`: ``("mlp" | "cnn", w1, b1, w2, b2)``, a tanh MLP or a tiny
CNN) on the grading device, the images as float64 and the labels as int64 tensors. ``pgd`` gets a
fresh ``torch.Generator`` on the grading device seeded from the case (the same for the submission
and the reference). ``fgsm`` and ``pgd`` must leave the model's mode and its parameters' ``.grad``
alone and return a detached tensor; ``adversarial_training_loss`` is reported with its gradients
with respect to every parameter (the loss must carry a graph).

``train_robust_cnn`` trains once on the notebook's 1000 training digits with FGSM budget
:data:`EPS` and seed :data:`GRADING_SEED`, timed after a warm-up (:func:`train_and_report`). The
kernel attacks nothing: it reports the trained model's parameters (its ``state_dict`` as arrays)
and its predicted classes of the 400 held-out digits; the grading process loads the parameters into
the notebook's ``digits_cnn()``, checks that it predicts what the kernel reported, and attacks it
with FGSM itself.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import digits_images, timed, training_conditions, warm_up_cnn
from autograder.kernel.torch_grading import grading_device, tensor

#: The grading run of ``train_robust_cnn``: the FGSM budget it trains with (and is attacked with by
#: the grader) and the seed.
EPS = 0.1
GRADING_SEED = 0


# ------------------------------------------------------------------------------------- models
def build_model(arrays, device=None):
    """A float64 model on ``device`` from a case's ``(kind, w1, b1, w2, b2)``, in eval mode, parameters'
    .grad None: "mlp" is Flatten → Linear(64, h) → Tanh → Linear(h, 10); "cnn" is Conv2d(1, 3, 3,
    padding 1) → Tanh → AvgPool2d(2) → Flatten → Linear(48, 10)."""
    import torch
    from torch import nn

    kind, w1, b1, w2, b2 = arrays
    if kind == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, w1.shape[0]), nn.Tanh(), nn.Linear(w1.shape[0], 10))
        first, last = model[1], model[3]
    elif kind == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                              nn.Linear(48, 10))
        first, last = model[0], model[4]
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    model = model.to(device=device or grading_device(), dtype=torch.float64)
    with torch.no_grad():
        for p, a in ((first.weight, w1), (first.bias, b1), (last.weight, w2), (last.bias, b2)):
            p.copy_(tensor(a, device=p.device))
    return model.eval()


def _check_untouched(model, what):
    if model.training:
        raise AssertionError(f"{what} left the model in training mode: do not call model.train()")
    for p in model.parameters():
        if p.grad is not None and bool((p.grad != 0).any()):
            raise AssertionError(f"{what} left gradients in the parameters' .grad: use torch.autograd.grad(loss, x) "
                                 "(or zero them)")


# ---------------------------------------------------------------------------- fgsm, pgd, loss
def _run_attack(name):
    """case.args = (model arrays, x, y); kwargs eps (and alpha, steps, seed of the generator for pgd)."""
    def run(fn, case, uses):
        import torch

        arrays, x, y = case.args
        model = build_model(arrays)
        kwargs = dict(case.kwargs)
        args = (model, tensor(x), tensor(y, dtype=torch.int64))
        if name == "pgd":
            seed = int(kwargs.pop("seed"))
            kwargs["generator"] = torch.Generator(device=grading_device()).manual_seed(seed)
        out = fn(*args, **kwargs)
        _check_untouched(model, name)
        if isinstance(out, torch.Tensor) and out.requires_grad:
            raise AssertionError(f"{name} should return a detached tensor (.detach())")
        return out
    return run


def _run_loss(fn, case, uses):
    """The loss and its gradients with respect to every parameter (the loss must carry a graph)."""
    import torch

    arrays, x, y = case.args
    model = build_model(arrays)
    loss = fn(model, tensor(x), tensor(y, dtype=torch.int64), **dict(case.kwargs))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    return (loss.detach(),) + tuple(g for g in grads)


# --------------------------------------------------------------------------- train_robust_cnn
def trained_model_report(model, device) -> dict:
    """What the grader needs to attack ``model`` itself: ``{"parameters": {name: array} (its
    state_dict, on the CPU), "clean": its predicted classes of the 400 held-out digits (int64)}``.

    Raises TypeError/ValueError (with a message for the student) when ``model`` is not an
    ``nn.Module`` or does not map the digits to logits of shape (400, 10).
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"train_robust_cnn should return the trained model (an nn.Module), got {type(model).__name__}")
    X, _ = digits_images("held-out")
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(X, device=device))
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(X), 10):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"the model maps {len(X)} images to an output of shape {shape}, "
                         f"expected logits of shape ({len(X)}, 10)")
    parameters = {}
    for name, value in model.state_dict().items():
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
            if value.is_floating_point() and value.dtype not in (torch.float32, torch.float64):
                value = value.float()
            parameters[str(name)] = value.numpy()
    return {"parameters": parameters, "clean": logits.argmax(dim=1).cpu().numpy().astype(np.int64)}


def train_and_report(fn, seed=GRADING_SEED, device=None) -> dict:
    """Train with ``fn`` on the notebook's training digits (FGSM budget :data:`EPS`);
    :func:`trained_model_report` plus ``"seconds"``."""
    import torch

    device = grading_device() if device is None else torch.device(device)
    X, y = digits_images("train")
    X, y = tensor(X, dtype=torch.float32, device=device), tensor(y, dtype=torch.int64, device=device)
    with training_conditions(device):
        warm_up_cnn(device)
        model, seconds = timed(fn, X, y, EPS, device, seed)
    return {**trained_model_report(model, device), "seconds": seconds}


def _run_train(fn, case, uses):
    return train_and_report(fn)


RUNNERS = {
    "fgsm": Runner(run=_run_attack("fgsm")),
    "pgd": Runner(run=_run_attack("pgd")),
    "adversarial_training_loss": Runner(run=_run_loss),
    "train_robust_cnn": Runner(run=_run_train),
}
