"""Seeds of the hidden test inputs.

The seed of a graded function's random cases is derived from a course salt and the function's
qualified name ("lab01_neurons_losses.sigmoid"): the same on every regrade, different per function,
and not guessable from the release (the salt lives in ``autograder/grading/salt.py``, which students never receive and the grading sandbox leaves out).
Set ``DLCOURSE_GRADING_SALT`` to change every hidden input for a new term. ``dlcourse grade`` draws
each submission's cases from a run seed (:func:`run_seed`), new for every changed submission.
"""
from __future__ import annotations

import hashlib

import numpy as np


def case_seed(qualname: str) -> int:
    """64-bit seed for the hidden cases of ``qualname``."""
    from autograder.grading.salt import course_salt

    salt = course_salt()
    digest = hashlib.sha256(f"{salt}:{qualname}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def run_seed(lab: str, student: str, digest: str) -> int:
    """The run seed of one submission under ``dlcourse grade`` (63 bits).

    Derived from the course salt and the submission's digest (its files and the lab's source): a
    student cannot compute it (the salt never reaches a student or a grading kernel), every changed
    submission gets new cases, and a regrade of the same submission draws the same cases, so a grade
    never changes on a regrade.
    """
    from autograder.grading.salt import course_salt

    digest = hashlib.sha256(f"{course_salt()}:run:{lab}:{student}:{digest}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def case_rng(qualname: str, run_seed: int | None = None) -> np.random.Generator:
    """A fresh NumPy generator for the hidden cases of ``qualname``.

    Without ``run_seed``: the course's fixed cases (salted, the same on every regrade). With one
    (``dlcourse grade``, :func:`run_seed`): cases that the student could not know before the run, the
    same in the kernel and in the grading process that judges the outputs.
    """
    if run_seed is None:
        return np.random.default_rng(case_seed(qualname))
    # No salt here: the kernel does not get the course salt, and does not need it.
    name = int.from_bytes(hashlib.sha256(qualname.encode()).digest()[:8], "little")
    return np.random.default_rng([int(run_seed), name])
