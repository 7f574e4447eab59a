"""The course's grader (never shipped to students). Which side of the trust boundary a file is on is
its folder:

* ``kernel/``  -- the **kernel side**: all that a sandboxed grading kernel can read of the grader (how a
  graded function is called on cases given as data, how its outputs are reported, the guards and the
  Torch determinism switches). It imports nothing of the rest (an import contract in
  ``pyproject.toml``, checked by ``tests/autograder/test_import_contracts.py``).
* everything else is the **grader side**, which only the grading process sees: ``grading/`` (case
  generators, seeds and salt, the judges and tolerance policy, trained-model tiers, scoring),
  ``cohort/`` (roster, collect, parallel grading, the sandbox, reports, feedback), ``viva/`` (question
  bank, review sheets, similarity), ``course/`` (paths, release, student bundle, lab checks, demo) and
  ``cli.py`` (``dlcourse``).

Every hidden test cell calls :func:`check` (this module and ``kernel/`` are what the sandbox binds).
Under ``dlcourse grade`` it only *reports* the student's outputs on the run's cases
(:func:`autograder.kernel.harness.report`); the worker judges them outside the kernel. Under plain
``nbgrader autograde`` there is no worker, so the cases, the reference and the judge must run in the
kernel: :mod:`autograder.grading.in_kernel`. That lazy import is the one place where the kernel's
entry point reaches the grader side, by nature, and the import contract names it as its only exception.
"""
from __future__ import annotations

from typing import Any, Callable


def check(fn: Callable, qualname: str, points: float, **uses: Any) -> float | None:
    """Grade ``fn`` on the hidden cases of ``qualname`` (``"<lab_id>.<function>"``) for ``points``.

    Under ``dlcourse grade`` the outputs on this run's cases are reported and ``None`` returned (the
    grading process scores them); under plain nbgrader the points earned are printed and returned.
    ``uses`` passes the student's own helpers that a runner needs (``mlp_forward=mlp_forward``).
    """
    from autograder.kernel.harness import report
    from autograder.kernel.runners import cases_path

    path = cases_path()
    if path is not None:
        report(fn, qualname, uses, path)
        return None
    from autograder.grading.in_kernel import check_in_process  # plain nbgrader: see the module docstring

    return check_in_process(fn, qualname, points, uses)


__all__ = ["check"]
