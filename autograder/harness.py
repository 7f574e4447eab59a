"""The call that every hidden test cell makes.

A hidden test block is one line::

    check(sigmoid, "lab01_neurons_losses.sigmoid", points=2)

``check`` draws the function's hidden cases from the seeded generator, runs the reference from
``solutions`` and the student's function on each (in that order, on deep copies of the inputs),
judges every output, prints one line per failed case, and returns the points earned: ``points``
times the fraction of cases passed. As the cell's last expression that number becomes the cell's
``execute_result``, which nbgrader reads as partial credit. Nothing is written to stderr.

That is plain ``nbgrader autograde``, where the judging happens inside the student's kernel. Under
``dlcourse grade`` the kernel gets a fresh run seed (``DLCOURSE_RUN_SEED``) and ``check`` only
*reports* the outputs on that run's cases (:func:`report`); the grading process judges them with
the same :func:`expected_output` and :func:`judge_case` (:mod:`autograder.scoring`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from autograder import reports
from autograder.cases import Case, Spec, get_spec
from autograder.guards import ModuleWatch, quiet, referenced_modules
from autograder.seeding import case_rng
from autograder.torch_grading import deterministic

_MAX_MESSAGE = 300


@dataclass
class CaseResult:
    """Outcome of one hidden case: ``message`` is ``None`` when it passed."""

    case: str
    message: str | None

    @property
    def passed(self) -> bool:
        return self.message is None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def run_cases(fn: Callable, spec: Spec, uses: dict | None = None) -> list[CaseResult]:
    """Judge ``fn`` on every hidden case of ``spec`` in this process; ``uses`` holds the student's helpers."""
    cases: list[Case] = spec.cases(case_rng(spec.qualname))
    problem = _unrunnable(fn, spec, uses)
    if problem:
        return [CaseResult(c.name, problem) for c in cases]
    results = []
    with deterministic():
        for case in cases:
            expected = expected_output(spec, case)
            got, error = execute_case(fn, spec, case, dict(uses or {}))
            if error is NOT_IMPLEMENTED:
                return [CaseResult(c.name, NOT_IMPLEMENTED) for c in cases]
            results.extend(judge_case(spec, case, expected, got, error))
    return results


NOT_IMPLEMENTED = "not implemented yet (raises NotImplementedError)"


def _unrunnable(fn: Callable, spec: Spec, uses: dict | None) -> str | None:
    """Why no case of ``spec`` can run with ``fn`` (not a function, forbidden modules named), or ``None``."""
    missing = [n for n in spec.uses if n not in (uses or {})]
    if missing:
        raise TypeError(f"check({spec.name}) needs the student's {', '.join(missing)}: pass them as keywords")
    if not callable(fn):
        return f"{spec.name} is not a function (got {type(fn).__name__})"
    static = referenced_modules(fn, spec.forbid) if spec.forbid else set()
    if static:
        return f"uses {', '.join(sorted(static))}, which this lab does not allow"
    return None


def expected_output(spec: Spec, case: Case) -> Any:
    """The reference's output on ``case`` (``None`` for specs judged against fixed thresholds)."""
    if not spec.reference_needed:
        return None
    with quiet():
        return spec.execute(spec.reference, case, spec.reference_uses())


def execute_case(fn: Callable, spec: Spec, case: Case, uses: dict) -> tuple[Any, str | None]:
    """Run the student's ``fn`` on ``case``: ``(output, None)`` or ``(None, why it failed)``.

    ``why`` is :data:`NOT_IMPLEMENTED` for a stub that still raises ``NotImplementedError``.
    """
    try:
        with quiet(), ModuleWatch(spec.forbid) as watch:
            got = spec.execute(fn, case, uses)
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as exc:  # the student's error is a failed case, not a crashed cell
        return None, f"raised {type(exc).__name__}: {exc}"
    if watch.used:
        return None, f"called {', '.join(sorted(watch.used))}, which this lab does not allow"
    return got, None


def judge_case(spec: Spec, case: Case, expected: Any, got: Any, error: str | None) -> list[CaseResult]:
    """Results of one case: one, or one per named check when the judge returns several.

    A case that failed to run (``error``) fails every check its judge would have made.
    """
    if error is not None:
        return [CaseResult(case.name, _short(error))] * _weight(spec, case)
    try:
        with quiet():
            verdict = spec.verdict(got, expected, case)
    except Exception as exc:  # an output so malformed that the judge itself fails
        return [CaseResult(case.name, _short(f"output could not be checked ({type(exc).__name__}: {exc})"))] * _weight(spec, case)
    if isinstance(verdict, list):
        return [CaseResult(f"{case.name}: {name}", _short(msg) if msg else None) for name, msg in verdict]
    return [CaseResult(case.name, _short(verdict) if verdict else None)]


def _weight(spec: Spec, case: Case) -> int:
    """How many results a failed run of ``case`` counts for: the number of checks its judge makes."""
    return case.checks


def score(results: list[CaseResult], points: float) -> float:
    """``points`` times the fraction of passed cases, as a plain float (nbgrader parses its repr)."""
    if not results:
        return 0.0
    return float(round(points * sum(r.passed for r in results) / len(results), 4))


def summary(spec: Spec, results: list[CaseResult], points: float) -> tuple[float, str]:
    """Points earned and the lines printed under a test cell (at most 8 failed cases named)."""
    earned = score(results, points)
    passed = sum(r.passed for r in results)
    lines = [f"{spec.name}: {passed}/{len(results)} hidden cases passed, {earned:g} of {points:g} points"]
    failed = [r for r in results if not r.passed]
    lines += [f"  - case '{r.case}': {r.message}" for r in failed[:8]]
    if len(failed) > 8:
        lines.append(f"  ... and {len(failed) - 8} more failed cases")
    return earned, "\n".join(lines)


def check(fn: Callable, qualname: str, points: float, **uses: Any) -> float | None:
    """Grade ``fn`` against the reference on the hidden cases of ``qualname``; return the points earned.

    Under ``dlcourse grade`` (a run seed in ``DLCOURSE_RUN_SEED``) nothing is judged here: the
    outputs on this run's cases are reported (:func:`report`) and the grading process scores them.
    """
    spec = get_spec(qualname)
    seed = run_seed()
    if seed is not None:
        report(fn, spec, uses, seed)
        return None
    results = run_cases(fn, spec, uses)
    earned, text = summary(spec, results, points)
    print(text)
    return earned


RUN_SEED_ENV = "DLCOURSE_RUN_SEED"


def run_seed() -> int | None:
    """This execution's run seed when ``dlcourse grade`` runs the kernel, else ``None``."""
    value = os.environ.get(RUN_SEED_ENV)
    return int(value) if value else None


def build_report(fn: Callable, spec: Spec, uses: dict, seed: int) -> dict:
    """The report of ``fn`` on this run's cases of ``spec`` (layout in :mod:`autograder.reports`)."""
    cases = spec.cases(case_rng(spec.qualname, seed))
    payload = {"version": reports.VERSION, "qualname": spec.qualname, "cases": [], "not_implemented": False}
    problem = _unrunnable(fn, spec, uses)
    with deterministic():
        for case in cases:
            got, error = (None, problem) if problem else execute_case(fn, spec, case, dict(uses))
            if error is NOT_IMPLEMENTED:
                payload["not_implemented"] = True
                payload["cases"] = []
                break
            entry = {"case": case.name}
            entry.update({"error": error} if error is not None else {"output": reports.encode(got)})
            payload["cases"].append(entry)
    return payload


def report(fn: Callable, spec: Spec, uses: dict, seed: int) -> dict:
    """Display the report of ``fn`` on this run's cases as the cell's output; return it.

    Nothing is compared here; :mod:`autograder.scoring` judges the report outside the kernel.
    """
    from IPython.display import display

    payload = build_report(fn, spec, uses, seed)
    text = f"{spec.name}: outputs on {len(payload['cases'])} hidden cases sent to the grader"
    display({reports.MIME: payload, "text/plain": text}, raw=True)
    return payload
