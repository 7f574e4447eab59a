"""Hidden-case specifications, one module per lab (``autograder/grading/cases/<lab_id>.py``): the grader's side.

A :class:`Spec` says, for one graded function, how to draw its hidden cases from a seeded generator
and how to judge the student's output against the reference's. How the function is *called* on a
case is the kernel's side, in :mod:`autograder.kernel.runners` (a grading kernel can read that package, and
never this one). Lab modules call :func:`register`; the harness finds a spec by its qualified name
``"<lab_id>.<function>"`` and imports the lab module on first use.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from autograder.grading.compare import DEFAULT, Tolerance, compare
from autograder.kernel.runners import Case, Runner, add_given_builder, runner_for

Judge = Callable[[Any, Any, Case], Any]


@dataclass
class Spec:
    """How one graded function is checked.

    qualname:  ``"<lab_id>.<name>"``; ``solutions.<lab_id>.<name>`` is the reference.
    cases:     ``cases(rng) -> list[Case]``: the cases of one run, drawn from ``rng`` (the run seed's
               generator under ``dlcourse grade``). Every input should depend on ``rng`` where the
               edge it tests allows, so that no run's inputs are known in advance.
    tolerance: bound for the default judge.
    judge:     ``judge(got, expected, case) -> message | None``; default :func:`compare` with ``tolerance``.
               Random functions (dropout, initialisers) judge with statistical bounds instead.
    reference_needed: ``False`` for checks against fixed thresholds (trained models), where running
               the reference again would only cost time; the judge then gets ``expected=None``.
    given:     ``given() -> {file name: bytes}``: material the runner needs that only the reference
               package can build (lab 10's pretrained CNN). ``dlcourse grade`` writes it into
               :data:`autograder.kernel.runners.GIVEN_DIR` of the working copy before the sandboxed kernel
               starts; the runner reads it with :func:`autograder.kernel.runners.given_bytes` (which, in
               an in-process run such as plain nbgrader's, calls ``given`` itself).

    How the function is run (``run``, ``forbid``, ``uses``) is the lab's :class:`Runner` in
    :mod:`autograder.kernel.runners` (:attr:`runner`).

    A judge returns ``None`` (pass), a message (fail), or a list of ``(check name, message | None)``
    pairs: several graded checks of one run (a trained model: held-out score tiers, time budget),
    each worth one case.
    """

    qualname: str
    cases: Callable[[np.random.Generator], list]
    tolerance: Tolerance = DEFAULT
    judge: Optional[Judge] = None
    reference_needed: bool = True
    given: Optional[Callable[[], dict]] = None

    @property
    def lab(self) -> str:
        return self.qualname.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.qualname.split(".", 1)[1]

    @property
    def runner(self) -> Runner:
        return runner_for(self.qualname)

    @property
    def run(self):
        return self.runner.run

    @property
    def forbid(self) -> tuple:
        return self.runner.forbid

    @property
    def uses(self) -> tuple:
        return self.runner.uses

    @property
    def reference(self) -> Callable:
        return getattr(importlib.import_module(f"solutions.{self.lab}"), self.name)

    def reference_uses(self) -> dict:
        if not self.uses:
            return {}
        module = importlib.import_module(f"solutions.{self.lab}")
        return {name: getattr(module, name) for name in self.uses}

    def execute(self, fn: Callable, case: Case, uses: dict) -> Any:
        return self.runner.execute(fn, case, uses)

    def verdict(self, got: Any, expected: Any, case: Case) -> str | None:
        if self.judge:
            return self.judge(got, expected, case)
        return compare(got, expected, self.tolerance)


def given_files(lab: str) -> dict[str, bytes]:
    """Every given file of ``lab``'s specs, ``{name: bytes}`` (built by the grading process); none for
    a lab without hidden cases."""
    try:
        specs = specs_for_lab(lab)
    except KeyError:
        return {}
    files: dict[str, bytes] = {}
    for spec in specs:
        if spec.given:
            files.update(spec.given())
    return files


_REGISTRY: dict[str, Spec] = {}


def register(spec: Spec) -> Spec:
    """Add ``spec`` to the registry (called at import time of a lab's case module)."""
    if spec.qualname in _REGISTRY:
        raise ValueError(f"hidden cases for {spec.qualname} are registered twice")
    _REGISTRY[spec.qualname] = spec
    if spec.given:  # in-process runs of the runners (plain nbgrader, tests) build given files on demand
        add_given_builder(spec.given)
    return spec


def get_spec(qualname: str) -> Spec:
    """The spec of ``"<lab_id>.<function>"``; raises ``KeyError`` with the known names otherwise."""
    lab = qualname.split(".", 1)[0]
    specs_for_lab(lab)
    if qualname not in _REGISTRY:
        raise KeyError(f"no hidden cases for {qualname!r}; known: {sorted(n for n in _REGISTRY if n.startswith(lab))}")
    return _REGISTRY[qualname]


def specs_for_lab(lab: str) -> list[Spec]:
    """All specs of one lab, in registration order."""
    try:
        importlib.import_module(f"autograder.grading.cases.{lab}")
    except ModuleNotFoundError as exc:
        if exc.name == f"autograder.grading.cases.{lab}":
            raise KeyError(f"no hidden cases for lab {lab!r}") from None
        raise
    return [s for n, s in _REGISTRY.items() if n.startswith(lab + ".")]
