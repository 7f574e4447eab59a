"""The kernel side of the hidden tests: how a graded function is *called* on a case.

This package is all that a sandboxed grading kernel can read of the hidden tests (with
:mod:`autograder.kernel.harness` and :mod:`autograder.kernel.reports`). It holds no case generator, no fixed edge
case, no judge and no reference: those live in :mod:`autograder.grading.cases`, which only the grading
process imports. Under ``dlcourse grade`` the grading process draws the run's cases, writes them as
data into the working copy (:data:`CASES_FILE`, named by :data:`CASES_ENV`), and the kernel's
``check`` reads them back here (:func:`load_cases`), runs the student's function with the lab's
:class:`Runner`, and reports the outputs.

A lab module ``autograder/kernel/runners/<lab_id>.py`` defines ``RUNNERS = {function name: Runner}`` for the
functions that are not called plainly as ``fn(*args, **kwargs)``, and optionally ``FORBID``, the
module prefixes that none of the lab's functions may call (autodiff libraries in lab 2).
"""
from __future__ import annotations

import copy
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from autograder.kernel import reports


def unshared_copy(value: Any) -> Any:
    """A deep copy of ``value`` in which no two places hold the same object.

    ``copy.deepcopy`` keeps aliasing: ``[g] * 3`` copies to three references to one new array, so a
    function that scales its first argument in place (``g /= norm``) would change the later ones too.
    Here lists, tuples and dicts are rebuilt and every other item is deep-copied on its own, which is
    what a case decoded from JSON (the cases file of ``dlcourse grade``) looks like anyway.
    """
    if type(value) is list:
        return [unshared_copy(v) for v in value]
    if type(value) is tuple:
        return tuple(unshared_copy(v) for v in value)
    if type(value) is dict:
        return {k: unshared_copy(v) for k, v in value.items()}
    return copy.deepcopy(value)


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

    def fresh(self) -> "Case":
        """A copy whose inputs share no object with this case or with each other (:func:`unshared_copy`).

        Every run of a graded function, the student's and the reference's, gets one (the harness and the
        judge make it), so nothing one run does to its inputs reaches another run or the judge.
        """
        return Case(self.name, unshared_copy(tuple(self.args)), unshared_copy(dict(self.kwargs)), self.checks)

    def call(self, fn: Callable) -> Any:
        """``fn(*args, **kwargs)`` on unshared copies, so no run can alter another's inputs."""
        return fn(*unshared_copy(tuple(self.args)), **unshared_copy(dict(self.kwargs)))


@dataclass(frozen=True)
class Runner:
    """How one graded function is run on a case.

    run:    ``run(fn, case, uses) -> output``; ``None`` means ``case.call(fn)``. ``uses`` maps the names
            in ``uses`` to the student's own functions (for the student) or the reference's.
    forbid: module prefixes the function must not call (``("torch", "jax")`` in lab 2).
    uses:   other graded functions the runner needs, e.g. ``("mlp_forward",)`` for ``mlp_backward``.
    """

    run: Optional[Callable[[Callable, Case, dict], Any]] = None
    forbid: tuple = ()
    uses: tuple = ()

    def execute(self, fn: Callable, case: Case, uses: dict) -> Any:
        return self.run(fn, case, uses) if self.run else case.call(fn)


def runner_for(qualname: str) -> Runner:
    """The runner of ``"<lab_id>.<function>"``: the lab module's entry, or a plain call under its ``FORBID``."""
    lab, name = qualname.split(".", 1)
    try:
        module = importlib.import_module(f"autograder.kernel.runners.{lab}")
    except ModuleNotFoundError as exc:
        if exc.name != f"autograder.kernel.runners.{lab}":
            raise
        return Runner()
    runners = getattr(module, "RUNNERS", {})
    return runners[name] if name in runners else Runner(forbid=getattr(module, "FORBID", ()))


# ---------------------------------------------------------------- files the grading process gives
#: Folder of the working copy that holds what the grading process gives the kernel.
GIVEN_DIR = ".dlcourse-given"
#: The run's hidden cases, as data (written by the grading process before the kernel starts).
CASES_FILE = f"{GIVEN_DIR}/cases.json"
#: Environment variable naming the cases file; set only under ``dlcourse grade`` (report mode).
CASES_ENV = "DLCOURSE_CASES"
CASES_VERSION = 1


#: Builders of given files for in-process grading (plain nbgrader, the tests): ``build() -> {name: bytes}``.
#: The grader side adds them (:func:`autograder.grading.cases.register`); a sandboxed kernel has none.
_GIVEN_BUILDERS: list[Callable[[], dict]] = []
_BUILT: dict[str, bytes] = {}


def add_given_builder(build: Callable[[], dict]) -> None:
    """Let ``build`` make given files that the working copy lacks (called by the grader side only)."""
    _GIVEN_BUILDERS.append(build)


def given_bytes(name: str) -> bytes:
    """The given file ``name``: from :data:`GIVEN_DIR` of the working folder (``dlcourse grade`` writes
    it there), else built in this process by the grader side's builder (plain nbgrader, where the
    grading code runs in the kernel anyway). Raises ``FileNotFoundError`` when neither has it."""
    path = Path(GIVEN_DIR) / name
    if path.is_file():
        return path.read_bytes()
    while name not in _BUILT and _GIVEN_BUILDERS:
        _BUILT.update(_GIVEN_BUILDERS.pop(0)())
    if name not in _BUILT:
        raise FileNotFoundError(f"the grader's given file {name} is missing from {GIVEN_DIR}/")
    return _BUILT[name]


def encode_cases(cases_by_function: dict[str, list[Case]]) -> bytes:
    """``{qualname: [Case]}`` as the JSON bytes of :data:`CASES_FILE` (arrays as ``.npy``, no pickle)."""
    for qualname, cases in cases_by_function.items():
        odd = [type(c).__name__ for c in cases if type(c) is not Case]
        if odd:  # a subclass's extra fields would not reach the kernel
            raise TypeError(f"hidden cases of {qualname} must be plain Case objects, not {odd[0]}")
    functions = {q: [{"name": c.name, "args": reports.encode(tuple(c.args)), "kwargs": reports.encode(dict(c.kwargs)),
                      "checks": int(c.checks)} for c in cases]
                 for q, cases in cases_by_function.items()}
    for qualname, cases in functions.items():
        for case in cases:
            if "__object__" in json.dumps([case["args"], case["kwargs"]]):
                raise TypeError(f"a hidden case of {qualname} ({case['name']!r}) holds something that is not data")
    return json.dumps({"version": CASES_VERSION, "functions": functions}).encode()


def decode_cases(data: bytes, qualname: str) -> list[Case]:
    """The cases of ``qualname`` in the bytes of a cases file; ``KeyError`` when it has none."""
    payload = json.loads(data)
    if payload.get("version") != CASES_VERSION:
        raise ValueError("not a version-1 cases file")
    entries = payload["functions"][qualname]
    return [Case(e["name"], tuple(reports.decode(e["args"])), dict(reports.decode(e["kwargs"])), int(e["checks"]))
            for e in entries]


def cases_path() -> Path | None:
    """The cases file of this run when ``dlcourse grade`` runs the kernel (report mode), else ``None``."""
    value = os.environ.get(CASES_ENV)
    return Path(value) if value else None


def load_cases(qualname: str, path: Path) -> list[Case]:
    """This run's cases of ``qualname`` from the cases file at ``path``."""
    return decode_cases(Path(path).read_bytes(), qualname)
