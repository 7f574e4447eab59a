"""Due dates, extensions and late penalties in nbgrader's own gradebook, derived from the calendar.

The calendar (``calendar.yaml``), the students' sessions (:mod:`.roster`) and the granted extensions
(``extensions.csv``) are the truth; what nbgrader sees is derived from them, so that plain
``nbgrader autograde``, ``nbgrader export`` and the formgrader agree with ``dlcourse``:

* each lab's assignment ``duedate`` is the earliest session's deadline;
* each submission's ``extension`` is the student's own deadline (their session's, moved by an
  extension a TA granted) minus that due date (``None`` when it is the same);
* each submitted notebook's ``late_submission_penalty`` is recomputed by nbgrader's own
  ``AssignLatePenalties`` code with the configured plugin (:class:`.late_policy.LatePenalty`), from the
  scores already in the gradebook: no notebook runs again, and a submission that is no longer late
  loses its penalty (nbgrader's plugin alone keeps a stale one until the next autograde, #723).

:func:`apply_calendar` does all three for every lab (``dlcourse calendar --apply``, release, grade,
extend, roster import and move call it); :func:`apply_to_submission` does the first two for the one
submission being autograded (the ``ApplyCalendar`` preprocessor of ``nbgrader_config.py``, which plain
``nbgrader autograde`` runs too).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from nbgrader.api import Gradebook, MissingEntry

from autograder.cohort.pipeline import Pipeline
from autograder.cohort.roster import memberships, session_in_week
from autograder.course.extensions import Extension, ExtensionError, read_extensions
from autograder.course.schedule import Calendar, find_calendar, from_gradebook, to_gradebook


@dataclass(frozen=True)
class StudentDue:
    """One student's deadline for one lab, and where it comes from."""

    lab: str
    student: str
    session: Optional[str]                 # None: not in a session (the earliest session's deadline applies)
    session_due: datetime                  # aware
    due: datetime                          # aware: session_due, or the granted extension's
    extension: Optional[Extension] = None


def student_due(calendar: Calendar, lab: str, student: str, history: list[tuple[int, str]],
                extension: Optional[Extension]) -> StudentDue:
    session = session_in_week(history, calendar.labs[lab].week)
    base = calendar.deadline(lab, session) if session else calendar.earliest_deadline(lab)
    due = extension.due(base, calendar.zone) if extension else base
    if extension and extension.until and due <= base:
        raise ExtensionError(f"extensions.csv:{extension.line}: {student}'s extension of {lab} until "
                             f"{calendar.local(due)} is not after their deadline ({calendar.local(base)})")
    return StudentDue(lab, student, session, base, due, extension)


def _extension(assignment_due: datetime, due: StudentDue) -> Optional[timedelta]:
    delta = to_gradebook(due.due) - assignment_due
    return delta if delta > timedelta(0) else None


@dataclass
class Applied:
    """What :func:`apply_calendar` changed."""

    duedates: dict[str, datetime] = field(default_factory=dict)          # lab -> naive UTC
    extensions: list[tuple[str, str, Optional[timedelta]]] = field(default_factory=list)  # changed ones
    penalties: list[tuple[str, str, float, float]] = field(default_factory=list)        # (lab, student, old, new)
    no_session: set[str] = field(default_factory=set)


def apply_calendar(root: Path, labs: Optional[list[str]] = None) -> Optional[Applied]:
    """Derive due dates and extensions for every lab in the gradebook, then recompute the penalties.

    ``None`` when the course has no calendar (nothing is changed). Raises ``CalendarError`` or
    ``ExtensionError`` (nothing written) when the calendar or the extensions file has a problem.
    """
    root = Path(root)
    calendar = find_calendar(root)
    if calendar is None:
        return None
    pipeline = Pipeline(root)
    if pipeline.db_url.startswith("sqlite:///") and not Path(pipeline.db_url[len("sqlite:///"):]).is_file():
        return Applied()  # no gradebook yet: nothing to derive (and none is created as a side effect)
    extensions = read_extensions(root)
    history = memberships(pipeline.db_url)
    applied = Applied()
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        known = {s.id for s in gb.students}
        for (student, lab), ext in extensions.items():
            if lab not in calendar.labs:
                raise ExtensionError(f"extensions.csv:{ext.line}: {lab} is not a lab of the calendar")
            if student not in known:
                raise ExtensionError(f"extensions.csv:{ext.line}: {student} is not in the roster")
        plan = []
        for assignment in gb.assignments:
            lab = assignment.name
            if lab not in calendar.labs or (labs and lab not in labs):
                continue
            duedate = to_gradebook(calendar.earliest_deadline(lab))
            dues = []
            for sub in assignment.submissions:
                due = student_due(calendar, lab, sub.student.id, history.get(sub.student.id, []),
                                  extensions.get((sub.student.id, lab)))
                if due.session is None:
                    applied.no_session.add(sub.student.id)
                dues.append((sub, _extension(duedate, due)))
            plan.append((assignment, duedate, dues))
        for assignment, duedate, dues in plan:  # everything checked: now write
            assignment.duedate = duedate
            applied.duedates[assignment.name] = duedate
            for sub, extension in dues:
                if sub.extension != extension:
                    applied.extensions.append((assignment.name, sub.student.id, extension))
                sub.extension = extension
        gb.db.commit()
    applied.penalties = recompute_penalties(root, labs)
    return applied


def apply_to_submission(root: Path, db_url: str, lab: str, student: str) -> Optional[StudentDue]:
    """Set ``lab``'s due date and ``student``'s extension before their submission is graded."""
    calendar = find_calendar(root)
    if calendar is None or lab not in calendar.labs:
        return None
    due = student_due(calendar, lab, student, memberships(db_url).get(student, []),
                      read_extensions(root).get((student, lab)))
    with Gradebook(db_url) as gb:
        assignment = gb.find_assignment(lab)
        assignment.duedate = to_gradebook(calendar.earliest_deadline(lab))
        try:
            gb.find_submission(lab, student).extension = _extension(assignment.duedate, due)
        except MissingEntry:
            pass
        gb.db.commit()
    return due


def recompute_penalties(root: Path, labs: Optional[list[str]] = None) -> list[tuple[str, str, float, float]]:
    """Every submitted notebook's late penalty from its gradebook scores, with nbgrader's own
    ``AssignLatePenalties`` and the configured plugin; returns the ``(lab, student, old, new)`` that changed."""
    from nbgrader.preprocessors import AssignLatePenalties

    pipeline = Pipeline(root)
    assigner = AssignLatePenalties(config=pipeline.config)
    assigner.init_plugin()
    changed = []
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        for assignment in gb.assignments:
            if labs and assignment.name not in labs:
                continue
            for sub in assignment.submissions:
                late = sub.total_seconds_late
                for notebook in sub.notebooks:
                    old = float(notebook.late_submission_penalty or 0.0)
                    penalty = None
                    if late > 0:  # as AssignLatePenalties.preprocess does, without running anything
                        penalty = assigner.plugin_inst.late_submission_penalty(sub.student.id, notebook.score, late)
                        if penalty is not None:
                            penalty = assigner._check_late_penalty(notebook, penalty)
                    notebook.late_submission_penalty = penalty
                    if abs(old - float(penalty or 0.0)) > 1e-12:
                        changed.append((assignment.name, sub.student.id, old, float(penalty or 0.0)))
        gb.db.commit()
    return changed


def lateness(root: Path, lab: str, student: str) -> Optional[dict]:
    """Due date, submission time, hours late and penalty of one submission, for pages a person reads."""
    pipeline = Pipeline(root)
    calendar = find_calendar(root)
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        return {"due": from_gradebook(sub.duedate), "submitted": from_gradebook(sub.timestamp),
                "hours_late": float(sub.total_seconds_late or 0.0) / 3600,
                "penalty": float(sub.late_submission_penalty or 0.0), "calendar": calendar}


def grant_extension(root: Path, student: str, lab: str, *, days: Optional[float] = None, until: Optional[str] = None,
                    reason: str, by: str = "") -> tuple[StudentDue, Applied]:
    """``dlcourse extend``: check, append to ``extensions.csv``, derive the gradebook again.

    Refuses (``ExtensionError``, nothing written) an unknown student or lab, neither or both of
    ``days``/``until``, a negative ``days``, an ``until`` not after the student's own deadline, no reason.
    """
    from autograder.cohort.course_db import now_utc
    from autograder.course.extensions import append_extension, parse_until
    from autograder.course.schedule import load_calendar

    root = Path(root)
    calendar = load_calendar(root)
    if (days is None) == (until is None):
        raise ExtensionError("give --days N or --until DATE, one of them")
    if lab not in calendar.labs:
        raise ExtensionError(f"unknown lab {lab!r} (labs of the calendar: {', '.join(calendar.labs)})")
    if days is not None and days < 0:
        raise ExtensionError(f"--days must not be negative, got {days:g}")
    if not reason or not reason.strip():
        raise ExtensionError("an extension needs --reason (it is kept with the grant)")
    pipeline = Pipeline(root)
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        if student not in {s.id for s in gb.students}:
            raise ExtensionError(f"unknown student {student!r}: not in the roster of {root}")
    if until is not None:
        until_due = parse_until(until, calendar.zone)
        base = student_due(calendar, lab, student, memberships(pipeline.db_url).get(student, []), None)
        if until_due <= base.session_due:
            raise ExtensionError(f"--until {until} ({calendar.local(until_due)}) is not after {student}'s deadline "
                                 f"for {lab} ({calendar.local(base.session_due)})")
    ext = Extension(student, lab, days, until, reason.strip(), by, now_utc())
    read_extensions(root)  # a broken file is refused before anything is added to it
    append_extension(root, ext)
    due = student_due(calendar, lab, student, memberships(pipeline.db_url).get(student, []), ext)
    return due, apply_calendar(root, [lab])
