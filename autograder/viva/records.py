"""What a student did, read back from a graded course root (no grading is re-run).

From ``<root>/gradebook.db`` (nbgrader's :class:`~nbgrader.api.Gradebook`): the student's graded labs,
per graded function the points of its hidden test cell (``test_<function>``), the submission's
timestamp, due date, seconds late and late penalty. From ``<root>/autograded/<student>/<lab>/<lab>.ipynb``:
what the hidden test cell printed (the harness's ``  - case '<case>': <message>`` lines, or the error
the cell raised, and the misconceptions diagnosed: ``  diagnosis [<id>]: <text>``). From ``<root>/submitted/<student>/<lab>/<lab>.ipynb``: the student's code, the
solution cell whose ``grade_id`` is the function's name.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.course import notebook_path
from autograder.cohort.gradebook import db_url
from autograder.course.submissions import grade_id, is_solution_cell
from autograder.grading.diagnosis import parse_lines

DAY_S = 86400
_SUMMARY = re.compile(r"^(?P<name>\S+): (?P<passed>\d+)/(?P<total>\d+) hidden cases passed")
_CASE = re.compile(r"^\s+- case '(?P<case>.*?)': (?P<message>.*)$")
_MORE = re.compile(r"^\s+\.\.\. and (?P<more>\d+) more failed cases")


class RecordError(LookupError):
    """A student or course that cannot be read: unknown student, no gradebook, no graded labs."""


@dataclass
class Failure:
    case: str
    message: str


@dataclass
class FunctionRecord:
    """One graded function of one submission."""

    name: str
    points: float
    max_points: float
    code: Optional[str]                       # the solution cell, None when the notebook has none
    passed: Optional[int] = None              # hidden cases passed / run, from the harness's summary line
    total: Optional[int] = None
    failures: list[Failure] = field(default_factory=list)
    more_failures: int = 0                    # failed cases the harness did not list
    errors: list[str] = field(default_factory=list)  # errors raised by the solution or test cell
    diagnoses: list[tuple[str, str]] = field(default_factory=list)  # (catalogue id, text): known mistakes matched

    @property
    def lost(self) -> float:
        """Fraction of the points lost (0 full marks, 1 nothing)."""
        return 1.0 - self.points / self.max_points if self.max_points else 0.0

    @property
    def status(self) -> str:
        if self.max_points and self.points >= self.max_points:
            return "full"
        return "partial" if self.points > 0 else "zero"


@dataclass
class LabRecord:
    lab: str
    score: float
    max_score: float
    functions: list[FunctionRecord]
    timestamp: Optional[datetime]
    duedate: Optional[datetime]
    seconds_late: float
    penalty: float
    notes: list[str] = field(default_factory=list)

    @property
    def late_days(self) -> int:
        """Started days late (24 h each): 1 s to 24 h late is one late day."""
        return math.ceil(self.seconds_late / DAY_S) if self.seconds_late > 0 else 0

    @property
    def hours_late(self) -> float:
        return self.seconds_late / 3600

    def function(self, name: str) -> FunctionRecord:
        return next(f for f in self.functions if f.name == name)

    @property
    def weak(self) -> list[FunctionRecord]:
        """Functions that lost points, most lost first (then in grading order)."""
        order = {f.name: i for i, f in enumerate(self.functions)}
        return sorted((f for f in self.functions if f.lost > 0), key=lambda f: (-f.lost, order[f.name]))


@dataclass
class StudentRecord:
    student: str
    first_name: Optional[str]
    last_name: Optional[str]
    labs: list[LabRecord]           # the last N graded labs, in course order
    graded_labs: list[str]          # all graded labs, in course order

    @property
    def display_name(self) -> str:
        full = " ".join(n for n in (self.first_name, self.last_name) if n)
        return f"{full} ({self.student})" if full else self.student


def _require_gradebook(root: Path) -> None:
    """A readable gradebook, checked read-only: nbgrader's Gradebook would create a missing one."""
    from autograder.cohort.preflight import CourseError, require_gradebook

    try:
        require_gradebook(root, None)
    except CourseError as exc:
        raise RecordError(str(exc)) from None


def lab_order_key(lab: str):
    """Course order: ``labNN_...`` by number, anything else after, by name."""
    match = re.match(r"^lab(\d+)_", lab)
    return (0, int(match.group(1)), lab) if match else (1, 0, lab)


def students(root: Path) -> list[str]:
    """Student ids in the gradebook, sorted."""
    _require_gradebook(root)
    with Gradebook(db_url(root)) as gb:
        return sorted(s.id for s in gb.students)


def graded_labs(root: Path, student: str) -> list[str]:
    """The labs ``student`` has a graded submission of, in course order."""
    _require_gradebook(root)
    with Gradebook(db_url(root)) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            known = sorted(s.id for s in gb.students)
            shown = ", ".join(known[:12]) + (f" and {len(known) - 12} more" if len(known) > 12 else "")
            raise RecordError(f"unknown student {student!r} in {Path(root) / 'gradebook.db'}; "
                              f"students: {shown or '(none)'}") from None
        labs = [s.assignment.name for s in gb.student_submissions(student)
                if any(nb.name == s.assignment.name for nb in s.notebooks)]
    return sorted(labs, key=lab_order_key)


def parse_test_output(text: str) -> tuple[Optional[int], Optional[int], list[Failure], int]:
    """The harness's printout -> (passed, total, failures, failed cases not listed)."""
    passed = total = None
    failures, more = [], 0
    for line in text.splitlines():
        if (m := _SUMMARY.match(line)) and passed is None:
            passed, total = int(m["passed"]), int(m["total"])
        elif m := _CASE.match(line):
            failures.append(Failure(m["case"], m["message"].strip()))
        elif m := _MORE.match(line):
            more = int(m["more"])
    return passed, total, failures, more


def _cell_errors(cell) -> list[str]:
    out = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            value = " ".join(str(output.get("evalue", "")).split())
            out.append(f"{output.get('ename', 'Error')}: {value[:300]}" if value else output.get("ename", "Error"))
    return out


def _stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _read(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:
        return None


def graded_function_names(lab: str, grade_cells: list[str]) -> list[str]:
    """The lab's graded functions in grading order: from ``autograder.grading.cases``, else from the grade
    cells ``test_<name>`` of the gradebook."""
    try:
        from autograder.grading.cases import specs_for_lab

        return [spec.name for spec in specs_for_lab(lab)]
    except KeyError:
        return [c.removeprefix("test_") for c in grade_cells if c.startswith("test_")]


def read_lab(root: Path, student: str, lab: str) -> LabRecord:
    """One graded submission of ``student``: scores per function, failures, code, lateness."""
    root = Path(root)
    _require_gradebook(root)
    with Gradebook(db_url(root)) as gb:
        try:
            submission = gb.find_submission(lab, student)
            notebook = gb.find_submission_notebook(lab, lab, student)
        except MissingEntry:
            raise RecordError(f"{student} has no graded submission of {lab}") from None
        grades = {g.name: (float(g.score or 0.0), float(g.max_score or 0.0)) for g in notebook.grades}
        timestamp, duedate = submission.timestamp, submission.duedate
        seconds_late = float(submission.total_seconds_late or 0.0)
        penalty = float(submission.late_submission_penalty or 0.0)
        score, max_score = float(submission.score or 0.0), float(submission.max_score or 0.0)
    notes = []
    graded = _read(notebook_path(root, "autograded", lab, student))
    submitted = _read(notebook_path(root, "submitted", lab, student))
    if graded is None:
        notes.append("the autograded notebook is missing or unreadable: no failure messages")
    if submitted is None:
        notes.append("the submitted notebook is missing or unreadable: code taken from the autograded copy")
    code_cells = {}
    for nb in (graded, submitted):  # the submitted notebook wins for code; the autograded one has the outputs
        if nb is not None:
            code_cells.update({grade_id(c): c.source for c in nb.cells if is_solution_cell(c) and grade_id(c)})
    test_cells = {grade_id(c): c for c in (graded.cells if graded is not None else []) if grade_id(c)}
    functions = []
    for name in graded_function_names(lab, list(grades)):
        points, max_points = grades.get(f"test_{name}", (0.0, 0.0))
        record = FunctionRecord(name, points, max_points, code_cells.get(name))
        test = test_cells.get(f"test_{name}")
        if test is not None:
            text = _stream_text(test)
            record.passed, record.total, record.failures, record.more_failures = parse_test_output(text)
            record.diagnoses = parse_lines(text)
            record.errors = _cell_errors(test)
        solution = test_cells.get(name)
        if solution is not None:
            record.errors = [f"solution cell: {e}" for e in _cell_errors(solution)] + record.errors
        functions.append(record)
    return LabRecord(lab, score, max_score, functions, timestamp, duedate, seconds_late, penalty, notes)


def read_student(root: Path, student: str, last: Optional[int] = None) -> StudentRecord:
    """``student``'s last ``last`` graded labs (all when ``None``), in course order.

    Raises :class:`RecordError` for a course without a gradebook, an unknown student, or a student
    without graded labs.
    """
    if last is not None and last < 1:
        raise ValueError(f"--last must be at least 1, got {last}")
    labs = graded_labs(root, student)
    if not labs:
        raise RecordError(f"{student} has no graded labs in {Path(root) / 'gradebook.db'}")
    chosen = labs[-last:] if last else labs
    with Gradebook(db_url(root)) as gb:
        s = gb.find_student(student)
        first, last_name = s.first_name, s.last_name
    return StudentRecord(student, first, last_name, [read_lab(root, student, lab) for lab in chosen], labs)
