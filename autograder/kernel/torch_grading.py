"""PyTorch while grading: which device, and the numerics settings that make grading repeatable.

* :func:`grading_device` is CUDA when a GPU is visible (``DLCOURSE_DEVICE`` overrides), else the CPU.
* :func:`deterministic` turns TF32 off (matmul and cuDNN) and deterministic algorithms on for the
  duration of a block, then restores the previous settings. cuBLAS needs
  ``CUBLAS_WORKSPACE_CONFIG`` before its first use, so importing this module sets it.
* :func:`tensor` moves a NumPy case input to the grading device (float64 by default).

Importing this module does not import torch; each function does, when called.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Iterator

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def to_numpy(value):
    """A torch tensor (any device, with or without grad) as a NumPy array; anything else unchanged."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


def grading_device():
    import torch

    name = os.environ.get("DLCOURSE_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def tensor(array, dtype=None, device=None):
    """``array`` (NumPy) as a torch tensor on ``device`` (default: the grading device), float64 by default."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    return torch.as_tensor(array, dtype=dtype, device=device or grading_device())


_LOCK = threading.Lock()
_DEPTH = [0, None]  # blocks open in this process, and the settings to restore when the last one closes


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """TF32 off, deterministic algorithms on (warn-only); a no-op when torch was never imported.

    The settings are process-wide: nested or concurrent blocks (worker threads judging side by side)
    share them, and the settings from before the first block come back when the last one ends.
    """
    if "torch" not in sys.modules:
        yield
        return
    import torch

    with _LOCK:
        if _DEPTH[0] == 0:
            _DEPTH[1] = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
                         torch.backends.cudnn.benchmark, torch.are_deterministic_algorithms_enabled(),
                         torch.is_deterministic_algorithms_warn_only_enabled())
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cudnn.benchmark = False
            torch.use_deterministic_algorithms(True, warn_only=True)
        _DEPTH[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                saved = _DEPTH[1]
                torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark = saved[:3]
                torch.use_deterministic_algorithms(saved[3], warn_only=saved[4])


def grading_defaults() -> None:
    """For a whole grading kernel on a GPU: TF32 off, cuDNN autotuning off, deterministic algorithms on.

    ``dlcourse grade`` runs this at kernel start when the task holds a GPU (it imports torch, which a
    CPU-only NumPy lab does not need to pay for).
    """
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
