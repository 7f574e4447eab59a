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


# ------------------------------------------------------- the test cell's printout, diagnosis included
#: The points of a test cell in these tests (any value: both paths scale the same fraction).
CELL_POINTS = 2.0


def plain_nbgrader_printout(fn: Callable, spec: Spec, uses: dict | None = None, seed: int | None = None) -> str:
    """What a hidden test cell prints under plain ``nbgrader autograde`` (``check_in_process``, the course's
    fixed cases; ``seed``: another run's), as a fresh kernel of one submission would."""
    import contextlib
    import io

    from autograder.grading import in_kernel

    in_kernel.new_submission()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        in_kernel.check_in_process(fn, spec.qualname, CELL_POINTS, dict(uses or {}), seed=seed)
    return out.getvalue()


def graded_test_cell(*reports_by_qualname: tuple[str, dict]):
    """A ``dlcourse grade`` test cell of one ``check`` per ``(qualname, report)``, the kernel's reports as
    its display outputs (what the worker reads back from the executed notebook)."""
    from nbformat import v4

    from autograder.kernel import reports as codec

    source = "\n".join(f"check(f, {q!r}, points={CELL_POINTS})" for q, _ in reports_by_qualname)
    cell = v4.new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False,
                                                           "grade_id": "test_" + reports_by_qualname[0][0].split(".")[1],
                                                           "points": CELL_POINTS * len(reports_by_qualname)}})
    cell.outputs = [v4.new_output("display_data", data={codec.MIME: payload}) for _, payload in reports_by_qualname]
    return cell


def dlcourse_grade_printout(fn: Callable, spec: Spec, seed: int = RUN_SEED, uses: dict | None = None) -> str:
    """What the worker writes under a hidden test cell under ``dlcourse grade`` (``scoring.score_notebook``
    on a one-cell notebook carrying the kernel's report)."""
    from nbformat import v4

    from autograder.grading.scoring import score_notebook

    nb = v4.new_notebook(cells=[graded_test_cell((spec.qualname, kernel_report(fn, spec, seed, uses)))])
    score_notebook(nb, seed)
    return "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream")


def diagnosed(printout: str) -> list[str]:
    """The catalogue ids diagnosed in a test cell's printout."""
    from autograder.grading.diagnosis import parse_lines

    return [entry for entry, _ in parse_lines(printout)]
