"""The kernel's half of a hidden test: run the student's function on the given cases, report the outputs.

A hidden test block is one line, ``check(sigmoid, "lab01_neurons_losses.sigmoid", points=2)``
(:func:`autograder.check`). Under ``dlcourse grade`` (report mode, :data:`autograder.kernel.runners.CASES_ENV`
set) it judges nothing: :func:`report` reads this run's cases, which the grading process drew and
wrote into the working copy as data, runs the student's function on each with the lab's
:class:`~autograder.kernel.runners.Runner` (:func:`execute_case`), and displays the outputs as the
cell's report (:mod:`autograder.kernel.reports`). The grading process scores the report outside the
kernel (:mod:`autograder.grading.scoring`). Plain nbgrader's in-kernel judge
(:mod:`autograder.grading.in_kernel`) builds the same report with :func:`build_report`, on the course's
fixed cases after the same JSON round trip, and judges it with the same code as the grading process.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from autograder.kernel import reports
from autograder.kernel.guards import ModuleWatch, quiet, referenced_modules
from autograder.kernel.runners import Case, Runner, cases_path, load_cases, runner_for
from autograder.kernel.torch_grading import deterministic

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


def build_report(fn: Callable, qualname: str, cases: list[Case], uses: dict, runner: Runner | None = None) -> dict:
    """The report of ``fn`` on ``cases`` of ``qualname`` (layout in :mod:`autograder.kernel.reports`).

    Both grading paths build it: the kernel under ``dlcourse grade`` (:func:`report`), and plain
    nbgrader's in-kernel judge (:func:`autograder.grading.judging.run_cases`). Every case runs on its
    own unshared copy (:meth:`Case.fresh`). ``runner`` defaults to the lab's (:func:`runner_for`).
    """
    runner = runner_for(qualname) if runner is None else runner
    payload = {"version": reports.VERSION, "qualname": qualname, "cases": [], "not_implemented": False}
    problem = unrunnable(fn, qualname.split(".", 1)[1], runner, uses)
    with deterministic():
        for case in cases:
            got, error = (None, problem) if problem else execute_case(fn, runner, case.fresh(), dict(uses))
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

    Nothing is compared here; :mod:`autograder.grading.scoring` judges the report outside the kernel.
    """
    from IPython.display import display

    payload = build_report(fn, qualname, load_cases(qualname, path), uses)
    name = qualname.split(".", 1)[1]
    text = f"{name}: outputs on {len(payload['cases'])} hidden cases sent to the grader"
    display({reports.MIME: payload, "text/plain": text}, raw=True)
    return payload

