"""Device choice and seeding (PyTorch labs). Importing this module does not import torch."""
from __future__ import annotations

import os
import random

import numpy as np

__all__ = ["get_device", "seed_everything"]


def get_device(prefer: str | None = None):
    """``torch.device("cuda")`` when a GPU is present, else CPU. ``DLCOURSE_DEVICE`` or ``prefer`` overrides."""
    import torch

    name = prefer or os.environ.get("DLCOURSE_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and (if installed) torch; returns a NumPy generator with that seed."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
