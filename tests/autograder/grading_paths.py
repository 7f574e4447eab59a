"""The two grading paths, in process (no kernel), for tests that grade one function both ways.

* :func:`plain_nbgrader`: what a hidden test cell computes under plain ``nbgrader autograde``
  (``autograder.check`` -> :func:`autograder.grading.in_kernel.check_in_process` -> ``run_cases`` on the
  course's fixed cases).
* :func:`dlcourse_grade`: the kernel's half of ``dlcourse grade`` (``build_report`` on the cases file
  of one run, as the sandboxed kernel reads it), the report through JSON as a notebook output goes,
  then the grading process's :func:`autograder.grading.scoring.judge_report` on the same run seed.
"""
from __future__ import annotations

import json
from typing import Callable

from autograder.grading.cases import Spec
from autograder.grading.judging import CaseResult, run_cases
from autograder.grading.scoring import judge_report, run_cases_file
from autograder.kernel.harness import build_report
from autograder.kernel.runners import decode_cases

#: The run seed of the ``dlcourse grade`` side in these tests.
RUN_SEED = 20261201


def json_trip(payload: dict) -> dict:
    """``payload`` as it comes back from a notebook's display output (JSON)."""
    return json.loads(json.dumps(payload))


def plain_nbgrader(fn: Callable, spec: Spec, uses: dict | None = None) -> list[CaseResult]:
    return run_cases(fn, spec, uses)


def kernel_report(fn: Callable, spec: Spec, seed: int = RUN_SEED, uses: dict | None = None) -> dict:
    """The report a ``dlcourse grade`` kernel sends for ``fn`` on the run of ``seed`` (after JSON)."""
    cases = decode_cases(run_cases_file(spec.lab, seed), spec.qualname)
    return json_trip(build_report(fn, spec.qualname, cases, dict(uses or {})))


def dlcourse_grade(fn: Callable, spec: Spec, seed: int = RUN_SEED, uses: dict | None = None) -> list[CaseResult]:
    return judge_report(spec.qualname, seed, kernel_report(fn, spec, seed, uses))


def fraction(results: list[CaseResult]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 0.0


def variant(lab: str, function: str, name: str) -> Callable:
    """The catalogue's correct variant ``name`` of ``lab.function``, built as a solution cell."""
    from autograder.grading import catalogue

    return catalogue.build(catalogue.variants(lab)[function][name])
