"""Hidden-case specifications, one module per lab (``autograder/cases/<lab_id>.py``).

A :class:`Spec` says, for one graded function, how to draw its hidden cases from a seeded
generator, how to run a function on a case, and how to judge the student's output against the
reference's. Lab modules call :func:`register`; the harness finds a spec by its qualified name
``"<lab_id>.<function>"`` and imports the lab module on first use.
"""
from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from autograder.compare import DEFAULT, Tolerance, compare


@dataclass
class Case:
    """One hidden input: positional and keyword arguments, and a name shown in failure messages.

    ``checks`` is how many graded checks the spec's judge makes of this case's output (1 unless the
    judge returns a list); a run that raises fails all of them.
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    checks: int = 1

    def call(self, fn: Callable) -> Any:
        """``fn(*args, **kwargs)`` on deep copies, so no run can alter another's inputs."""
        return fn(*copy.deepcopy(self.args), **copy.deepcopy(self.kwargs))


Runner = Callable[[Callable, Case, dict], Any]
Judge = Callable[[Any, Any, Case], Any]


@dataclass
class Spec:
    """How one graded function is checked.

    qualname:  ``"<lab_id>.<name>"``; ``solutions.<lab_id>.<name>`` is the reference.
    cases:     ``cases(rng) -> list[Case]``: random cases drawn from ``rng`` plus fixed edge cases.
    tolerance: bound for the default judge.
    run:       ``run(fn, case, uses) -> output``; default ``case.call(fn)``. ``uses`` maps the names in
               ``uses`` to the student's own functions (for the student) or the reference's.
    judge:     ``judge(got, expected, case) -> message | None``; default :func:`compare` with ``tolerance``.
               Random functions (dropout, initialisers) judge with statistical bounds instead.
    forbid:    module prefixes the student's code must not call (``("torch", "jax")`` in lab 2).
    uses:      other graded functions the runner needs, e.g. ``("mlp_forward",)`` for ``mlp_backward``.
    reference_needed: ``False`` for checks against fixed thresholds (trained models), where running
               the reference again would only cost time; the judge then gets ``expected=None``.
    given:     ``given() -> {file name: bytes}``: material the runner needs that only the reference
               package can build (lab 10's pretrained CNN). ``dlcourse grade`` writes it into
               :data:`GIVEN_DIR` of the working copy before the sandboxed kernel starts; the runner
               finds it with :func:`given_file` (and imports the reference under plain nbgrader).

    A judge returns ``None`` (pass), a message (fail), or a list of ``(check name, message | None)``
    pairs: several graded checks of one run (a trained model: held-out score tiers, time budget),
    each worth one case.
    """

    qualname: str
    cases: Callable[[np.random.Generator], list]
    tolerance: Tolerance = DEFAULT
    run: Optional[Runner] = None
    judge: Optional[Judge] = None
    forbid: tuple = ()
    uses: tuple = ()
    reference_needed: bool = True
    given: Optional[Callable[[], dict]] = None

    @property
    def lab(self) -> str:
        return self.qualname.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.qualname.split(".", 1)[1]

    @property
    def reference(self) -> Callable:
        return getattr(importlib.import_module(f"solutions.{self.lab}"), self.name)

    def reference_uses(self) -> dict:
        if not self.uses:
            return {}
        module = importlib.import_module(f"solutions.{self.lab}")
        return {name: getattr(module, name) for name in self.uses}

    def execute(self, fn: Callable, case: Case, uses: dict) -> Any:
        return self.run(fn, case, uses) if self.run else case.call(fn)

    def verdict(self, got: Any, expected: Any, case: Case) -> str | None:
        if self.judge:
            return self.judge(got, expected, case)
        return compare(got, expected, self.tolerance)


#: Folder of the working copy that holds the grader's given files (see ``Spec.given``).
GIVEN_DIR = ".dlcourse-given"


def given_file(name: str) -> Path | None:
    """The given file ``name`` in the kernel's working folder, or ``None`` (plain nbgrader)."""
    path = Path(GIVEN_DIR) / name
    return path if path.is_file() else None


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
        importlib.import_module(f"autograder.cases.{lab}")
    except ModuleNotFoundError as exc:
        if exc.name == f"autograder.cases.{lab}":
            raise KeyError(f"no hidden cases for lab {lab!r}") from None
        raise
    return [s for n, s in _REGISTRY.items() if n.startswith(lab + ".")]
