"""Running a student's training function in the grading kernel: conditions, clock, held-out inputs.

A trained-model runner trains the student's model on the notebook's training data with a fixed seed
under :func:`training_conditions`, times it with :func:`timed` (after :func:`warm_up_cnn`, so one-off
kernel set-up is not the student's time), and reports the model's outputs on held-out inputs
(:func:`digits_held_out`). The grading process judges them (:mod:`autograder.grading.trained_models`).
A runner warms up before the clock starts (:func:`warm_up` with a tiny model of the lab's layers:
:func:`warm_up_cnn`, :func:`warm_up_gan`, …), so that every trained model is timed the same way.
"""
from __future__ import annotations

import contextlib
import random
import sys
import time
from typing import Any, Callable, Iterator

import numpy as np

from labkit.data import DIGITS_HELD_OUT, digits_permutation, load_digits


def digits_held_out(flatten: bool = True):
    """The 400 digits that the notebooks never see: ``X`` (400, 64) or (400, 8, 8), ``y`` (400,)."""
    X, y = load_digits(flatten=flatten)
    idx = digits_permutation()[:DIGITS_HELD_OUT]
    return X[idx], y[idx]


def digits_images(part: str):
    """``X`` (n, 1, 8, 8) float32 and ``y`` (n,) int64 (NumPy) of "train", "val" or "held-out"."""
    from labkit.data import digits_split

    X, y = digits_held_out(flatten=False) if part == "held-out" else digits_split(part, flatten=False)
    return X.reshape(-1, 1, 8, 8).astype(np.float32), y.astype(np.int64)


def timed(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``(fn(*args, **kwargs), wall seconds)``; waits for queued CUDA work before stopping the clock."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()
    return out, time.perf_counter() - t0


@contextlib.contextmanager
def training_conditions(device=None) -> Iterator[None]:
    """How a graded model trains: on one CPU thread, leaving the notebook's random states as they were.

    One intra-op thread because the course's models are small (more threads gain nothing) and, on a
    busy 2-core machine, oversubscribed threads made the same training 10-100x slower, which would
    make the time budget a lottery. Python's, NumPy's and torch's generators (CPU and ``device``)
    are restored afterwards, so grading does not change what later notebook cells draw.
    """
    import torch

    threads = torch.get_num_threads()
    py_state, np_state = random.getstate(), np.random.get_state()
    devices = []
    if device is not None and torch.device(device).type == "cuda":
        index = torch.device(device).index
        devices = [torch.cuda.current_device() if index is None else index]
    try:
        torch.set_num_threads(1)
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        torch.set_num_threads(threads)
        random.setstate(py_state)
        np.random.set_state(np_state)


_WARMED_UP: set = set()


def warm_up(device, key: str, build: Callable[[Any], tuple]) -> None:
    """Two Adam steps of a tiny model on ``device``, once per process, device and ``key``, before the
    clock starts: the one-off set-up of the kernels it uses (about 1 s for convolutions on a CPU;
    cuDNN and cuBLAS handles on a GPU) is not the student's training time.

    ``build(device) -> (parameters, loss)``: the tiny model's parameters and a function of no
    arguments that returns its loss (a scalar tensor) on a fixed batch.
    """
    if (key, str(device)) in _WARMED_UP:
        return
    import torch

    parameters, loss = build(device)
    optimizer = torch.optim.Adam(parameters)
    for _ in range(2):
        value = loss()
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    _WARMED_UP.add((key, str(device)))


def _tiny_cnn(device):
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(32, 10)).to(device)
    x = torch.zeros(4, 1, 8, 8, device=device)
    y = torch.zeros(4, dtype=torch.int64, device=device)
    return model.parameters(), lambda: F.cross_entropy(model(x), y)


def warm_up_cnn(device) -> None:
    """:func:`warm_up` with a tiny CNN on 8×8 digits (labs 6, 10 and 13)."""
    warm_up(device, "cnn", _tiny_cnn)


def _tiny_gan(device):
    import torch
    from torch import nn

    G = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Unflatten(1, (2, 2, 2)), nn.BatchNorm2d(2), nn.ReLU(),
                      nn.ConvTranspose2d(2, 1, 4, stride=2, padding=1), nn.Tanh()).to(device)
    D = nn.Sequential(nn.Conv2d(1, 2, 4, stride=2, padding=1), nn.BatchNorm2d(2), nn.LeakyReLU(0.2), nn.Flatten(),
                      nn.Linear(8, 1), nn.Softplus()).to(device)
    z = torch.zeros(4, 2, device=device)
    return [*G.parameters(), *D.parameters()], lambda: D(G(z)).mean()


def warm_up_gan(device) -> None:
    """:func:`warm_up` with a tiny GAN (linear, transposed and strided convolutions, batch norm; lab 9)."""
    warm_up(device, "gan", _tiny_gan)


def predicted_classes(model, X: np.ndarray, classes: int, device, hint: str = "") -> np.ndarray:
    """What a trained classifier is scored on (kernel side): the argmax of its logits on the held-out
    images ``X`` (in eval mode, no gradients), int64 of shape (n,). Raises ValueError (with a message
    for the student, ending in ``hint``) when the logits do not have the shape (n, ``classes``)."""
    import torch

    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(X, device=device))
    if tuple(logits.shape) != (len(X), classes):
        raise ValueError(f"the model maps {len(X)} images to an output of shape {tuple(logits.shape)}, "
                         f"expected logits of shape ({len(X)}, {classes}){hint}")
    return logits.argmax(dim=1).cpu().numpy()
