"""The call that every hidden test cell makes: the kernel's half of grading.

A hidden test block is one line::

    check(sigmoid, "lab01_neurons_losses.sigmoid", points=2)

Under ``dlcourse grade`` (report mode, :data:`autograder.runners.CASES_ENV` set) ``check`` judges
nothing: it reads this run's cases, which the grading process drew and wrote into the working copy
as data, runs the student's function on each with the lab's :class:`~autograder.runners.Runner`, and
*reports* the outputs as the cell's display output (:func:`report`). The grading process scores the
report outside the kernel (:mod:`autograder.scoring`). This module and :mod:`autograder.runners` are
what a sandboxed kernel can read: no generator, edge case, judge or reference is among them.

Under plain ``nbgrader autograde`` (no cases file) ``check`` grades in the kernel, as before:
:func:`autograder.judging.check_in_process` draws the cases, runs the reference, judges, prints one
line per failed case and returns the points, which nbgrader reads as the cell's partial credit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from autograder import reports
from autograder.guards import ModuleWatch, quiet, referenced_modules
from autograder.runners import Case, Runner, cases_path, load_cases, runner_for
from autograder.torch_grading import deterministic

NOT_IMPLEMENTED = "not implemented yet (raises NotImplementedError)"


def unrunnable(fn: Callable, name: str, runner: Runner, uses: dict | None) -> str | None:
    """Why no case can run with ``fn`` (not a function, forbidden modules named), or ``None``."""
    missing = [n for n in runner.uses if n not in (uses or {})]
    if missing:
        raise TypeError(f"check({name}) needs the student's {', '.join(missing)}: pass them as keywords")
    if not callable(fn):
        return f"{name} is not a function (got {type(fn).__name__})"
    static = referenced_modules(fn, runner.forbid) if runner.forbid else set()
    if static:
        return f"uses {', '.join(sorted(static))}, which this lab does not allow"
    return None


def execute_case(fn: Callable, runner: Runner, case: Case, uses: dict) -> tuple[Any, str | None]:
    """Run the student's ``fn`` on ``case``: ``(output, None)`` or ``(None, why it failed)``.

    ``why`` is :data:`NOT_IMPLEMENTED` for a stub that still raises ``NotImplementedError``.
    """
    try:
        with quiet(), ModuleWatch(runner.forbid) as watch:
            got = runner.execute(fn, case, uses)
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as exc:  # the student's error is a failed case, not a crashed cell
        return None, f"raised {type(exc).__name__}: {exc}"
    if watch.used:
        return None, f"called {', '.join(sorted(watch.used))}, which this lab does not allow"
    return got, None


def build_report(fn: Callable, qualname: str, cases: list[Case], uses: dict) -> dict:
    """The report of ``fn`` on ``cases`` of ``qualname`` (layout in :mod:`autograder.reports`)."""
    runner = runner_for(qualname)
    payload = {"version": reports.VERSION, "qualname": qualname, "cases": [], "not_implemented": False}
    problem = unrunnable(fn, qualname.split(".", 1)[1], runner, uses)
    with deterministic():
        for case in cases:
            got, error = (None, problem) if problem else execute_case(fn, runner, case, dict(uses))
            if error is NOT_IMPLEMENTED:
                payload["not_implemented"] = True
                payload["cases"] = []
                break
            entry = {"case": case.name}
            entry.update({"error": error} if error is not None else {"output": reports.encode(got)})
            payload["cases"].append(entry)
    return payload


def report(fn: Callable, qualname: str, uses: dict, path: Path) -> dict:
    """Display the report of ``fn`` on this run's cases (read from ``path``) as the cell's output.

    Nothing is compared here; :mod:`autograder.scoring` judges the report outside the kernel.
    """
    from IPython.display import display

    payload = build_report(fn, qualname, load_cases(qualname, path), uses)
    name = qualname.split(".", 1)[1]
    text = f"{name}: outputs on {len(payload['cases'])} hidden cases sent to the grader"
    display({reports.MIME: payload, "text/plain": text}, raw=True)
    return payload


def check(fn: Callable, qualname: str, points: float, **uses: Any) -> float | None:
    """Grade ``fn`` on the hidden cases of ``qualname``: report its outputs, or judge them here.

    Under ``dlcourse grade`` the outputs on this run's cases are reported and ``None`` returned (the
    grading process scores them); under plain nbgrader the points earned are returned.
    """
    path = cases_path()
    if path is not None:
        report(fn, qualname, uses, path)
        return None
    from autograder.judging import check_in_process

    return check_in_process(fn, qualname, points, uses)
