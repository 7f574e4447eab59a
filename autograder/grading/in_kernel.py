"""Plain ``nbgrader autograde``: the hidden test judged inside the student's kernel.

Plain nbgrader runs the test cells in the student's own kernel and reads the points from the cell's
value; there is no worker outside the kernel to judge, so the course's salted cases are drawn, the
reference is run and the outputs are judged here, in the kernel, by the same steps as
``dlcourse grade`` (:func:`autograder.grading.judging.run_cases`: the cases through the cases file's
JSON codec, the kernel's report through JSON, each case on its own copies, the same judges), so the
two paths see identical inputs and outputs and differ only in which seed drew the cases. This is why plain nbgrader is not
tamper-proof (docs/tamper-proof-grading.md), and why this module is the one place where the
kernel's entry point :func:`autograder.check` reaches the grader side: the import contract in
``pyproject.toml`` names ``autograder -> autograder.grading.in_kernel`` as its only exception.
"""
from __future__ import annotations

from typing import Callable

from autograder.grading.cases import get_spec
from autograder.grading.diagnosis import Budget, diagnose
from autograder.grading.judging import run_cases, summary

#: The diagnosis time of this kernel's submission: plain nbgrader runs one kernel per notebook, so the
#: cap is per submission here as on ``dlcourse grade``'s worker.
_BUDGET: Budget | None = None


def new_submission() -> None:
    """Start the diagnosis budget afresh (a new kernel does; in-process tests grade many submissions)."""
    global _BUDGET
    _BUDGET = None


def check_in_process(fn: Callable, qualname: str, points: float, uses: dict, seed: int | None = None) -> float:
    """Judge ``fn`` on the course's fixed seeded cases of ``qualname`` here (``seed``: another run's, for
    tests); diagnose a failing function (:mod:`autograder.grading.diagnosis`); print and return the points."""
    global _BUDGET
    spec = get_spec(qualname)
    outputs: list = []
    results = run_cases(fn, spec, uses, seed=seed, outputs=outputs)
    if _BUDGET is None:
        _BUDGET = Budget()
    diagnoses = diagnose(spec, outputs, _BUDGET)
    earned, text = summary(spec, results, points, diagnoses)
    print(text)
    return earned
