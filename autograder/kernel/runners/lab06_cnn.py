"""How the graded functions of lab 6 (convolution arithmetic, convolution and max-pooling by hand, a
trained CNN) are run in the grading kernel.

``conv_output_size`` is called plainly. ``conv2d_naive`` and ``maxpool2d_naive`` get the case's
NumPy arrays as float64 tensors on the grading device (:func:`autograder.kernel.torch_grading.tensor`) and
must compute their results themselves: while they run, ``F.conv2d`` / ``torch.conv2d`` (which
``nn.Conv2d`` calls) and ``F.max_pool2d`` / ``torch.max_pool2d`` (which ``nn.MaxPool2d`` calls) are
replaced by functions that raise, also where the student's notebook bound them to a name of its own
(``from torch.nn.functional import conv2d``).

``train_cnn`` is run once on the notebook's 1000 training digits with the case's seed on the grading
device, timed after a warm-up on one CPU thread (:mod:`autograder.kernel.runners.training`); the kernel
reports the predicted classes of the 400 held-out digits that no notebook sees
(:func:`train_and_predict`), and the grading process computes the accuracy from labels it loads itself.
"""
from __future__ import annotations

import contextlib

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import digits_images, predicted_classes, timed, training_conditions, warm_up_cnn
from autograder.kernel.torch_grading import grading_device, tensor


# ------------------------------------------------------------------------------ conv2d_naive
@contextlib.contextmanager
def _refusing(fn, targets: list, what: str):
    """Replace every ``(owner, attribute)`` in ``targets``, and any global of ``fn`` bound to one of
    the same objects, with a function raising ``RuntimeError(what)``; restore all of them on exit."""
    def refuse(*args, **kwargs):
        raise RuntimeError(what)

    originals = {id(getattr(owner, attr)) for owner, attr in targets}
    glb = getattr(fn, "__globals__", {})
    bound = [name for name, value in list(glb.items()) if id(value) in originals]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in targets]
    saved_globals = {name: glb[name] for name in bound}
    try:
        for owner, attr, _ in saved:
            setattr(owner, attr, refuse)
        for name in bound:
            glb[name] = refuse
        yield
    finally:
        for owner, attr, value in saved:
            setattr(owner, attr, value)
        glb.update(saved_globals)


def _conv_targets():
    import torch
    import torch.nn.functional as F

    return [(F, "conv2d"), (torch, "conv2d"), (torch, "convolution")]


def _pool_targets():
    import torch
    import torch.nn.functional as F

    return [(F, "max_pool2d"), (F, "max_pool2d_with_indices"), (torch, "max_pool2d")]


def _run_conv(fn, case, uses):
    """case.args = (x, w, b) as NumPy arrays (b may be None); kwargs stride / padding."""
    x, w, b = case.args
    args = (tensor(x), tensor(w), None if b is None else tensor(b))
    with _refusing(fn, _conv_targets(), "conv2d_naive must not call F.conv2d (or nn.Conv2d): compute it yourself"):
        return fn(*args, **dict(case.kwargs))


# --------------------------------------------------------------------------- maxpool2d_naive
def _run_pool(fn, case, uses):
    """case.args = (x, kernel) with x a NumPy array; kwargs: stride (absent: the default)."""
    x, kernel = case.args
    with _refusing(fn, _pool_targets(), "maxpool2d_naive must not call F.max_pool2d (or nn.MaxPool2d): "
                                        "compute it yourself"):
        return fn(tensor(x), kernel, **dict(case.kwargs))


# ------------------------------------------------------------------------------- train_cnn
def held_out_predictions(model, device) -> np.ndarray:
    """The predicted classes (int64, (400,)) of a trained CNN on the 400 held-out digits."""
    return predicted_classes(model, digits_images("held-out")[0], 10, device)


def train_and_predict(fn, seed: int, device=None) -> dict:
    """Train with ``fn`` on the notebook's training digits; ``{"predicted": held-out predictions,
    "seconds": training seconds}``."""
    import torch

    device = grading_device() if device is None else torch.device(device)
    X, y = digits_images("train")
    X, y = tensor(X, dtype=torch.float32, device=device), tensor(y, dtype=torch.int64, device=device)
    with training_conditions(device):
        warm_up_cnn(device)
        model, seconds = timed(fn, X, y, device, seed)
    return {"predicted": held_out_predictions(model, device), "seconds": seconds}


def _run_train(fn, case, uses):
    """case.args = (seed,)."""
    (seed,) = case.args
    return train_and_predict(fn, int(seed))


RUNNERS = {
    "conv2d_naive": Runner(run=_run_conv),
    "maxpool2d_naive": Runner(run=_run_pool),
    "train_cnn": Runner(run=_run_train),
}
