"""Running a student's training function in the grading kernel: conditions, clock, held-out inputs.

A trained-model runner trains the student's model on the notebook's training data with a fixed seed
under :func:`training_conditions`, times it with :func:`timed` (after :func:`warm_up_cnn`, so one-off
kernel set-up is not the student's time), and reports the model's outputs on held-out inputs
(:func:`digits_held_out`). The grading process judges them (:mod:`autograder.trained_models`).
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


def warm_up_cnn(device) -> None:
    """Run a tiny CNN through two Adam steps on ``device``, once per process and device, before the
    clock starts: the one-off set-up of the convolution kernels (about 1 s on a CPU; cuDNN and cuBLAS
    handles on a GPU) is not the student's training time."""
    if str(device) in _WARMED_UP:
        return
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(32, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters())
    x = torch.zeros(4, 1, 8, 8, device=device)
    y = torch.zeros(4, dtype=torch.int64, device=device)
    for _ in range(2):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    _WARMED_UP.add(str(device))
