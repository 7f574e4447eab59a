"""The grading process's half of a hidden test: the reference's output, the verdict, the points.

Both grading paths go through the same steps here, so they see identical inputs and outputs:

1. :func:`drawn_cases`: the function's cases drawn from a seed (the course's fixed one for plain
   nbgrader, the run seed for ``dlcourse grade``) and passed through the cases file's JSON codec,
   which is how the kernel receives them under ``dlcourse grade`` (arrays as ``.npy``, no object
   shared between two places, NumPy scalars kept as such).
2. :func:`autograder.kernel.harness.build_report`: the student's outputs, each case on its own copy,
   encoded as the kernel's report; under plain nbgrader :func:`run_cases` builds it in process and
   sends it through JSON, as a notebook's display output goes.
3. :func:`judge_report_payload`: each case's output decoded on its own, the reference run on a fresh
   copy of the same case (:func:`expected_output`), the spec's judge applied (:func:`judge_case`).

:func:`summary` turns the results into points and the lines printed under a test cell.
:mod:`autograder.grading.scoring` uses them on a kernel's report under ``dlcourse grade``;
:mod:`autograder.grading.in_kernel` uses :func:`run_cases` inside the kernel under plain ``nbgrader autograde``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from autograder.grading.cases import Spec
from autograder.kernel import reports
from autograder.kernel.guards import quiet
from autograder.kernel.harness import NOT_IMPLEMENTED, build_report
from autograder.kernel.runners import Case, decode_cases, encode_cases
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


def drawn_cases(spec: Spec, seed: int | None = None) -> list[Case]:
    """The cases of ``spec`` drawn from ``seed`` (``None``: the course's fixed cases), as the kernel gets
    them: through the JSON codec of the cases file (:func:`autograder.kernel.runners.encode_cases`)."""
    cases = spec.cases(case_rng(spec.qualname, seed))
    return decode_cases(encode_cases({spec.qualname: cases}), spec.qualname)


def expected_output(spec: Spec, case: Case) -> Any:
    """The reference's output on a fresh copy of ``case`` (``None`` for specs judged against fixed thresholds)."""
    if not spec.reference_needed:
        return None
    with quiet():
        return spec.execute(spec.reference, case.fresh(), spec.reference_uses())


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


def judge_report_payload(spec: Spec, cases: list[Case], payload: dict | None,
                         missing_why: str = "", outputs: list | None = None) -> list[CaseResult]:
    """Judge a kernel's report (or its absence) of ``spec`` on ``cases``, the cases the kernel was given.

    A report that is not one (wrong layout, another function's) fails every case; a case whose output
    cannot be decoded, or is not data (a model, a function), fails alone with a message.
    ``outputs``, when given, receives ``(case, output, reference's output, passed)`` of every case, the
    output :data:`autograder.grading.diagnosis.RAISED` where the case raised or reported nothing (what
    :func:`autograder.grading.diagnosis.diagnose` reads).
    """
    from autograder.grading.diagnosis import RAISED

    def all_fail(message: str) -> list[CaseResult]:
        if outputs is not None:
            outputs.extend((c, RAISED, None, False) for c in cases)
        return [r for c in cases for r in judge_case(spec, c, None, None, message)]

    if payload is None:
        return all_fail("no outputs were reported: the cell did not run, or its output was removed" + missing_why)
    try:
        parsed = reports.parse(payload, spec.qualname)
    except reports.ReportError as exc:
        return all_fail(f"the kernel's report could not be read ({exc})")
    if parsed["not_implemented"]:
        return all_fail(NOT_IMPLEMENTED)
    reported = parsed["cases"]
    results = []
    with deterministic():
        for i, case in enumerate(cases):
            if i >= len(reported) or reported[i][0] != case.name:
                mine = judge_case(spec, case, None, None, "no output was reported for this case")
                got, expected = RAISED, None
            else:
                _, got, error = reported[i]
                if isinstance(got, reports.Unencodable):
                    error = f"returned a {got.type_name}, which cannot be graded"
                expected = expected_output(spec, case) if error is None else None
                mine = judge_case(spec, case, expected, got, error)
                if error is not None:
                    got = RAISED
            if outputs is not None:
                outputs.append((case, got, expected, all(r.passed for r in mine)))
            results.extend(mine)
    return results


def run_cases(fn: Callable, spec: Spec, uses: dict | None = None, seed: int | None = None,
              outputs: list | None = None) -> list[CaseResult]:
    """Judge ``fn`` on the hidden cases of ``spec`` in this process, the way ``dlcourse grade`` does.

    The cases are :func:`drawn_cases` from ``seed`` (default: the course's fixed cases, plain
    nbgrader's); ``fn`` runs on them through the kernel's :func:`~autograder.kernel.harness.build_report`,
    the report goes through JSON, and :func:`judge_report_payload` scores it. ``uses`` holds the
    student's helpers (``mlp_forward=...``); ``outputs`` as in :func:`judge_report_payload`.
    """
    cases = drawn_cases(spec, seed)
    payload = build_report(fn, spec.qualname, cases, dict(uses or {}), runner=spec.runner)
    return judge_report_payload(spec, cases, json.loads(json.dumps(payload)), outputs=outputs)


def score(results: list[CaseResult], points: float) -> float:
    """``points`` times the fraction of passed cases, as a plain float (nbgrader parses its repr)."""
    if not results:
        return 0.0
    return float(round(points * sum(r.passed for r in results) / len(results), 4))


def summary(spec: Spec, results: list[CaseResult], points: float, diagnoses: list | None = None) -> tuple[float, str]:
    """Points earned and the lines printed under a test cell (at most 8 failed cases named, then one
    line per misconception diagnosed, :func:`autograder.grading.diagnosis.line`)."""
    earned = score(results, points)
    passed = sum(r.passed for r in results)
    lines = [f"{spec.name}: {passed}/{len(results)} hidden cases passed, {earned:g} of {points:g} points"]
    failed = [r for r in results if not r.passed]
    lines += [f"  - case '{r.case}': {r.message}" for r in failed[:8]]
    if len(failed) > 8:
        lines.append(f"  ... and {len(failed) - 8} more failed cases")
    if diagnoses:
        from autograder.grading.diagnosis import line

        lines += [line(d) for d in diagnoses]
    return earned, "\n".join(lines)

