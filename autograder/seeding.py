"""Seeds of the hidden test inputs.

The seed of a graded function's random cases is derived from a course salt and the function's
qualified name ("lab01_neurons_losses.sigmoid"): the same on every regrade, different per function,
and not guessable from the release (the salt lives here, in a package students never receive).
Set ``DLCOURSE_GRADING_SALT`` to change every hidden input for a new term.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

_DEFAULT_SALT = "dl-course:hidden-cases:7f3c9a51e2"


def case_seed(qualname: str) -> int:
    """64-bit seed for the hidden cases of ``qualname``."""
    salt = os.environ.get("DLCOURSE_GRADING_SALT", _DEFAULT_SALT)
    digest = hashlib.sha256(f"{salt}:{qualname}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def case_rng(qualname: str) -> np.random.Generator:
    """A fresh NumPy generator for the hidden cases of ``qualname``."""
    return np.random.default_rng(case_seed(qualname))
