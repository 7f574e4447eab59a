"""The call that every hidden test cell makes.

A hidden test block is one line::

    check(sigmoid, "lab01_neurons_losses.sigmoid", points=2)

``check`` draws the function's hidden cases from the seeded generator, runs the reference from
``solutions`` and the student's function on each (in that order, on deep copies of the inputs),
judges every output, prints one line per failed case, and returns the points earned: ``points``
times the fraction of cases passed. As the cell's last expression that number becomes the cell's
``execute_result``, which nbgrader reads as partial credit. Nothing is written to stderr.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

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
    """Judge ``fn`` on every hidden case of ``spec``; ``uses`` holds the student's helper functions."""
    cases: list[Case] = spec.cases(case_rng(spec.qualname))
    uses = dict(uses or {})
    missing = [n for n in spec.uses if n not in uses]
    if missing:
        raise TypeError(f"check({spec.name}) needs the student's {', '.join(missing)}: pass them as keywords")
    if not callable(fn):
        return [CaseResult(c.name, f"{spec.name} is not a function (got {type(fn).__name__})") for c in cases]
    static = referenced_modules(fn, spec.forbid) if spec.forbid else set()
    if static:
        why = f"uses {', '.join(sorted(static))}, which this lab does not allow"
        return [CaseResult(c.name, why) for c in cases]
    results = []
    with deterministic():
        for case in cases:
            try:
                results.extend(_run_case(fn, spec, case, uses))
            except NotImplementedError:
                return [CaseResult(c.name, "not implemented yet (raises NotImplementedError)") for c in cases]
    return results


def _run_case(fn: Callable, spec: Spec, case: Case, uses: dict) -> list[CaseResult]:
    """Results of one case: one, or one per named check when the judge returns several."""
    expected = None
    if spec.reference_needed:
        with quiet():
            expected = spec.execute(spec.reference, case, spec.reference_uses())
    try:
        with quiet(), ModuleWatch(spec.forbid) as watch:
            got = spec.execute(fn, case, uses)
    except NotImplementedError:
        raise
    except Exception as exc:  # the student's error is a failed case, not a crashed cell
        return [CaseResult(case.name, _short(f"raised {type(exc).__name__}: {exc}"))] * _weight(spec, case)
    if watch.used:
        why = f"called {', '.join(sorted(watch.used))}, which this lab does not allow"
        return [CaseResult(case.name, why)] * _weight(spec, case)
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


def check(fn: Callable, qualname: str, points: float, **uses: Any) -> float:
    """Grade ``fn`` against the reference on the hidden cases of ``qualname``; return the points earned."""
    spec = get_spec(qualname)
    results = run_cases(fn, spec, uses)
    earned = score(results, points)
    passed = sum(r.passed for r in results)
    print(f"{spec.name}: {passed}/{len(results)} hidden cases passed, {earned:g} of {points:g} points")
    failed = [r for r in results if not r.passed]
    for r in failed[:8]:
        print(f"  - case '{r.case}': {r.message}")
    if len(failed) > 8:
        print(f"  ... and {len(failed) - 8} more failed cases")
    return earned
