"""The grading process's half of a hidden test: the reference's output, the verdict, the points.

:func:`expected_output` runs the reference on a case, :func:`judge_case` applies the spec's judge to
one output, :func:`summary` turns the results into points and the lines printed under a test cell.
:mod:`autograder.grading.scoring` uses them on a kernel's report under ``dlcourse grade``;
:mod:`autograder.grading.in_kernel` uses them inside the kernel under plain ``nbgrader autograde``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from autograder.grading.cases import Spec
from autograder.kernel.guards import quiet
from autograder.kernel.harness import NOT_IMPLEMENTED, execute_case, unrunnable
from autograder.kernel.runners import Case
from autograder.grading.seeding import case_rng
from autograder.kernel.torch_grading import deterministic

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


def expected_output(spec: Spec, case: Case) -> Any:
    """The reference's output on ``case`` (``None`` for specs judged against fixed thresholds)."""
    if not spec.reference_needed:
        return None
    with quiet():
        return spec.execute(spec.reference, case, spec.reference_uses())


def judge_case(spec: Spec, case: Case, expected: Any, got: Any, error: str | None) -> list[CaseResult]:
    """Results of one case: one, or one per named check when the judge returns several.

    A case that failed to run (``error``) fails every check its judge would have made (``case.checks``).
    """
    if error is not None:
        return [CaseResult(case.name, _short(error))] * case.checks
    try:
        with quiet():
            verdict = spec.verdict(got, expected, case)
    except Exception as exc:  # an output so malformed that the judge itself fails
        return [CaseResult(case.name, _short(f"output could not be checked ({type(exc).__name__}: {exc})"))] * case.checks
    if isinstance(verdict, list):
        return [CaseResult(f"{case.name}: {name}", _short(msg) if msg else None) for name, msg in verdict]
    return [CaseResult(case.name, _short(verdict) if verdict else None)]


def run_cases(fn: Callable, spec: Spec, uses: dict | None = None) -> list[CaseResult]:
    """Judge ``fn`` on every hidden case of ``spec`` in this process; ``uses`` holds the student's helpers."""
    cases: list[Case] = spec.cases(case_rng(spec.qualname))
    problem = unrunnable(fn, spec.name, spec.runner, uses)
    if problem:
        return [CaseResult(c.name, problem) for c in cases]
    results = []
    with deterministic():
        for case in cases:
            expected = expected_output(spec, case)
            got, error = execute_case(fn, spec.runner, case, dict(uses or {}))
            if error is NOT_IMPLEMENTED:
                return [CaseResult(c.name, NOT_IMPLEMENTED) for c in cases]
            results.extend(judge_case(spec, case, expected, got, error))
    return results


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

