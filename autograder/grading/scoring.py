"""Score test cells outside the student's kernel (the grading process's half of ``dlcourse grade``).

Before the kernel starts, :func:`run_cases_file` draws every graded function's cases for this run
from the run seed and the worker writes them into the working copy as data
(:data:`autograder.kernel.runners.CASES_FILE`): the kernel never sees a generator, only this run's inputs.
The kernel ran each hidden test cell in report mode (:func:`autograder.kernel.harness.report`): it sent the
outputs of the student's function on those cases and judged nothing. Here, in a process the
student's code never touches, every test cell of the *sanitised* notebook (its source restored from
the gradebook by nbgrader, so the student cannot edit it) is read for its ``check(...)`` calls; the
same cases come from the grader's own copy of the cases file (never the one in the working copy),
the reference computes the expected outputs, the spec's judge compares, and the cell's outputs are
replaced by the grader's own: the summary lines and an ``execute_result`` holding the points, which
nbgrader's SaveAutoGrades reads as partial credit.

Whatever the kernel printed, raised or forged in a test cell counts for nothing: a cell earns what
its reported outputs get right, and a cell without a report earns 0.
"""
from __future__ import annotations

import ast
import functools
import threading
from dataclasses import dataclass

from nbformat import NotebookNode

from autograder.kernel import reports
from autograder.grading.cases import get_spec, specs_for_lab
from autograder.grading.diagnosis import Budget, diagnose
from autograder.grading.judging import CaseResult, judge_report_payload, summary
from autograder.kernel.runners import decode_cases, encode_cases
from autograder.grading.seeding import case_rng


@functools.lru_cache(maxsize=8)
def run_cases_file(lab: str, seed: int) -> bytes:
    """The bytes of the cases file of one run of ``lab``: every graded function's cases drawn from ``seed``.

    Empty for a lab without hidden cases. Drawn once per lab and seed in this process: the worker
    writes these bytes for the kernel, and :func:`judge_report` decodes its cases from the same bytes,
    so the reference and the judge see exactly the inputs the kernel was given (after the same JSON
    round trip: a tensor becomes an array, a list stays a list).
    """
    try:
        specs = specs_for_lab(lab)
    except KeyError:
        specs = []
    return encode_cases({s.qualname: s.cases(case_rng(s.qualname, seed)) for s in specs})


@dataclass
class CheckCall:
    """One ``check(fn, "<qualname>", points=P)`` in a test cell's source."""

    qualname: str
    points: float


def check_calls(source: str) -> list[CheckCall]:
    """The ``check`` calls of a test cell's source, in order (none when the source does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, 'lineno', 0), getattr(n, 'col_offset', 0))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"):
            continue
        args = list(node.args)
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        name = args[1] if len(args) > 1 else kw.get("qualname")
        points = args[2] if len(args) > 2 else kw.get("points")
        if isinstance(name, ast.Constant) and isinstance(name.value, str) and \
                isinstance(points, ast.Constant) and isinstance(points.value, (int, float)):
            calls.append(CheckCall(name.value, float(points.value)))
    return calls


def is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _reports_in(cell: NotebookNode) -> dict:
    """Report payloads in a cell's outputs by qualname (the first of each)."""
    found: dict = {}
    for out in cell.get("outputs", []):
        payload = out.get("data", {}).get(reports.MIME) if out.get("output_type") in ("display_data", "execute_result") else None
        if isinstance(payload, dict) and isinstance(payload.get("qualname"), str):
            found.setdefault(payload["qualname"], payload)
    return found


def _kernel_error(cell: NotebookNode) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f" (the cell raised {str(out.get('ename'))[:60]}: {str(out.get('evalue'))[:120]})"
    return ""


def judge_report(qualname: str, seed: int, payload: dict | None, missing_why: str = "",
                 outputs: list | None = None) -> list[CaseResult]:
    """Judge one report (or its absence) of ``qualname`` against the reference on the run's cases
    (``outputs``: see :func:`autograder.grading.judging.judge_report_payload`)."""
    spec = get_spec(qualname)
    cases = decode_cases(run_cases_file(spec.lab, seed), qualname)
    return judge_report_payload(spec, cases, payload, missing_why, outputs=outputs)


def score_cell(cell: NotebookNode, seed: int, budget: Budget | None = None) -> float | None:
    """Score one test cell from its reports; rewrite its outputs (the summary, the misconceptions
    diagnosed within ``budget``, the points). ``None`` when it has no ``check`` call."""
    calls = check_calls(cell.source)
    if not calls:
        return None
    found = _reports_in(cell)
    why = _kernel_error(cell)
    earned, lines = 0.0, []
    for call in calls:
        outputs: list = []
        results = judge_report(call.qualname, seed, found.get(call.qualname), why, outputs)
        spec = get_spec(call.qualname)
        diagnoses = diagnose(spec, outputs, budget)
        points, text = summary(spec, results, call.points, diagnoses)
        earned += points
        lines.append(text)
    earned = float(round(earned, 4))
    cell.outputs = [
        NotebookNode(output_type="stream", name="stdout", text="\n".join(lines) + "\n"),
        NotebookNode(output_type="execute_result", execution_count=cell.get("execution_count"), metadata={},
                     data={"text/plain": repr(earned)}),
    ]
    return earned


#: One notebook is judged at a time per process: judging swallows the reference's prints by swapping
#: the process's ``sys.stdout`` (:func:`autograder.kernel.guards.quiet`) and sets Torch's process-wide
#: numerics, so two worker threads of one process must not judge side by side. (Their kernels, the
#: bulk of the work, still run in parallel.)
_JUDGING = threading.Lock()


def score_notebook(nb: NotebookNode, seed: int) -> dict[str, float]:
    """Score every test cell of an executed notebook in place; ``{grade_id: points}``."""
    with _JUDGING:
        return _score_cells(nb, seed)


def _score_cells(nb: NotebookNode, seed: int) -> dict[str, float]:
    scores = {}
    budget = Budget()  # one per submission
    for cell in nb.cells:
        if is_test_cell(cell):
            earned = score_cell(cell, seed, budget)
            if earned is not None:
                scores[cell.metadata["nbgrader"].get("grade_id", "")] = earned
    return scores
