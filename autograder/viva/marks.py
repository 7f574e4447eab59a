"""Viva marks: ``dlcourse viva mark`` records a student's lab viva in the course's gradebook database.

A viva covers some labs (the labs of one viva round of the calendar's ``vivas.rounds``; without
rounds, the labs named are the round), on a date, by an examiner, with marks per question (in the
order of the student's review sheet, each 0 to ``vivas.marks_per_question``) or a total (0 to the
round's ``max_marks``), and a comment. It is stored in ``dlcourse_viva_mark``, our own table beside
nbgrader's (:mod:`autograder.cohort.course_db`), never as a fake lab. Nothing is overwritten: a
correction (``--amend`` with ``--reason``) adds a row that records who, when and why, and the row it
replaces points at it; :func:`history` shows them all.

Everything is checked before anything is written, for one viva or a whole CSV of them: an unknown
student, a lab that is unknown or not yet graded, labs of two rounds, a mark above its maximum, a
second viva for the same round without ``--amend``, an ``--amend`` with nothing to amend or without a
reason. The CSV that examiners fill in has the columns of :data:`CSV_COLUMNS` (``q1`` ... ``q8``
or ``total``; ``labs`` separated by spaces or ``;``).
"""
from __future__ import annotations

import csv
import getpass
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

from nbgrader.api import Gradebook

from autograder.cohort.course_db import VivaMark, course_db, now_utc
from autograder.cohort.gradebook import db_url
from autograder.course.schedule import find_calendar

MAX_QUESTIONS = 8          # the most questions a review sheet asks (autograder.viva.selection.MAX_QUESTIONS)
DEFAULT_PER_QUESTION = 2.0
DEFAULT_MAX_TOTAL = 10.0
CSV_COLUMNS = ("student", "labs", "date", "examiner", *[f"q{i}" for i in range(1, MAX_QUESTIONS + 1)], "total",
               "comment", "amend", "reason")


class MarkError(ValueError):
    """A viva that cannot be recorded; nothing was written. The message names the row of a CSV."""


@dataclass
class VivaEntry:
    """One viva as an examiner gives it (command line or a CSV row)."""

    student: str
    labs: list[str]
    date: str
    examiner: str
    marks: Optional[list[float]] = None
    total: Optional[float] = None
    comment: str = ""
    amend: bool = False
    reason: str = ""
    where: str = ""                      # "marks.csv:4: " for messages


@dataclass
class Recorded:
    """A viva as stored (the current row of its round)."""

    id: int
    student: str
    round: str
    labs: list[str]
    viva_date: str
    examiner: str
    marks: Optional[list[float]]
    total: float
    max_total: float
    comment: str
    recorded_at: str
    recorded_by: str
    reason: str
    superseded_by: Optional[int] = None

    @property
    def fraction(self) -> float:
        return self.total / self.max_total if self.max_total else 0.0


def _as_recorded(row: VivaMark) -> Recorded:
    return Recorded(row.id, row.student, row.round, row.labs.split(","), row.viva_date, row.examiner,
                    json.loads(row.marks) if row.marks else None, float(row.total), float(row.max_total),
                    row.comment, row.recorded_at, row.recorded_by, row.reason, row.superseded_by)


@dataclass
class _Checked:
    entry: VivaEntry
    round: str
    total: float
    max_total: float
    replaces: Optional[int] = None
    labs: list[str] = field(default_factory=list)


def _check(entry: VivaEntry, *, calendar, students: set[str], graded: set[str], known_labs: set[str],
           current: dict[tuple[str, str], Recorded]) -> _Checked:
    w = entry.where
    if entry.student not in students:
        raise MarkError(f"{w}unknown student {entry.student!r}: not in the roster")
    labs = list(dict.fromkeys(entry.labs))
    if not labs:
        raise MarkError(f"{w}{entry.student}: name the labs the viva covered (--labs)")
    for lab in labs:
        if lab not in known_labs:
            raise MarkError(f"{w}unknown lab {lab!r}")
    per_question, max_total, round_id = DEFAULT_PER_QUESTION, DEFAULT_MAX_TOTAL, "+".join(sorted(labs))
    if calendar is not None:
        per_question = calendar.marks_per_question
        if calendar.viva_rounds:
            rnd = calendar.round_of(labs)
            if rnd is None:
                rounds = "; ".join(f"{r.id}: {', '.join(r.labs)}" for r in calendar.viva_rounds)
                raise MarkError(f"{w}the labs {', '.join(labs)} are not all in one viva round ({rounds})")
            round_id, max_total = rnd.id, rnd.max_marks
    for lab in labs:
        if lab not in graded:
            raise MarkError(f"{w}{lab} is not graded yet: a viva is on submitted, graded labs")
    try:
        date.fromisoformat(entry.date)
    except (TypeError, ValueError):
        raise MarkError(f"{w}the viva's date {entry.date!r} is not a date YYYY-MM-DD") from None
    if not entry.examiner or not entry.examiner.strip():
        raise MarkError(f"{w}{entry.student}: the examiner is required")
    if (entry.marks is None) == (entry.total is None):
        raise MarkError(f"{w}{entry.student}: give marks per question or a total, one of them")
    if entry.marks is not None:
        if not 1 <= len(entry.marks) <= MAX_QUESTIONS:
            raise MarkError(f"{w}{entry.student}: {len(entry.marks)} marks; a sheet has 1 to {MAX_QUESTIONS} questions")
        for i, mark in enumerate(entry.marks, 1):
            if not 0 <= mark <= per_question:
                raise MarkError(f"{w}{entry.student}: Q{i} mark {mark:g} is outside 0..{per_question:g}")
        total, max_total = float(sum(entry.marks)), per_question * len(entry.marks)
    else:
        total = float(entry.total)
        if not 0 <= total <= max_total:
            raise MarkError(f"{w}{entry.student}: total {total:g} is outside 0..{max_total:g}")
    existing = current.get((entry.student, round_id))
    if existing and not entry.amend:
        raise MarkError(f"{w}{entry.student} already has a viva for {round_id} ({', '.join(existing.labs)}), "
                        f"{existing.total:g}/{existing.max_total:g} by {existing.examiner} on {existing.viva_date}: "
                        "to correct it, --amend --reason WHY")
    if entry.amend:
        if not existing:
            raise MarkError(f"{w}{entry.student} has no viva for {round_id} to amend")
        if not entry.reason.strip():
            raise MarkError(f"{w}{entry.student}: a correction needs --reason (it is kept with it)")
    return _Checked(entry, round_id, total, max_total, existing.id if existing else None, labs)


def current_vivas(root: Path) -> dict[tuple[str, str], Recorded]:
    """``{(student, round): the viva in force}``."""
    with course_db(db_url(root)) as db:
        rows = db.query(VivaMark).filter(VivaMark.superseded_by.is_(None)).order_by(VivaMark.id).all()
        return {(r.student, r.round): _as_recorded(r) for r in rows}


def history(root: Path, student: Optional[str] = None) -> list[Recorded]:
    """Every viva row ever recorded (corrections and what they replaced), oldest first."""
    with course_db(db_url(root)) as db:
        query = db.query(VivaMark)
        if student:
            query = query.filter(VivaMark.student == student)
        return [_as_recorded(r) for r in query.order_by(VivaMark.id).all()]


def record_vivas(root: Path, entries: list[VivaEntry], by: Optional[str] = None) -> list[Recorded]:
    """Check every entry, then store them all in one transaction (or none); returns what was stored."""
    root = Path(root)
    if not (root / "gradebook.db").is_file():
        raise MarkError(f"no gradebook at {root / 'gradebook.db'}: grade the labs first (or pass --course)")
    calendar = find_calendar(root)
    with Gradebook(db_url(root)) as gb:
        students = {s.id for s in gb.students}
        known_labs = {a.name for a in gb.assignments} | (set(calendar.labs) if calendar else set())
        graded = {a.name for a in gb.assignments if a.submissions}
    current = current_vivas(root)
    checked, seen = [], {}
    for entry in entries:
        c = _check(entry, calendar=calendar, students=students, graded=graded, known_labs=known_labs, current=current)
        key = (entry.student, c.round)
        if key in seen:
            raise MarkError(f"{entry.where}{entry.student}: a second viva for {c.round} in the same input "
                            f"(first: {seen[key] or 'above'})")
        seen[key] = entry.where.rstrip(": ")
        checked.append(c)
    who = by or getpass.getuser()
    stored = []
    with course_db(db_url(root)) as db:
        for c in checked:
            e = c.entry
            row = VivaMark(student=e.student, round=c.round, labs=",".join(c.labs), viva_date=e.date,
                           examiner=e.examiner.strip(), marks=json.dumps(e.marks) if e.marks is not None else None,
                           total=c.total, max_total=c.max_total, comment=e.comment.strip(), recorded_at=now_utc(),
                           recorded_by=who, reason=e.reason.strip())
            db.add(row)
            db.flush()
            if c.replaces is not None:
                db.get(VivaMark, c.replaces).superseded_by = row.id
            stored.append(_as_recorded(row))
    return stored


def _number(text: str, what: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise MarkError(f"{where}{what} {text!r} is not a number") from None


def read_marks_csv(path: Path, examiner: str = "") -> list[VivaEntry]:
    """The vivas of an examiners' CSV (header :data:`CSV_COLUMNS`, ``q*``/``total``/``amend``/``reason``
    optional); ``examiner`` fills an empty examiner column. Raises :class:`MarkError` naming the row."""
    path = Path(path)
    if not path.is_file():
        raise MarkError(f"no file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in ("student", "labs", "date") if c not in header]
        if missing:
            raise MarkError(f"{path}:1: the header needs {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)})")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise MarkError(f"{path}:1: unknown column(s) {', '.join(unknown)} (columns: {', '.join(CSV_COLUMNS)})")
        entries = []
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            where = f"{path}:{line}: "
            marks = [_number(row[f"q{i}"], f"q{i}", where) for i in range(1, MAX_QUESTIONS + 1) if row.get(f"q{i}")]
            entries.append(VivaEntry(
                student=row.get("student", ""), labs=[p for p in re.split(r"[\s;,]+", row.get("labs", "")) if p],
                date=row.get("date", ""), examiner=row.get("examiner") or examiner,
                marks=marks or None, total=_number(row["total"], "total", where) if row.get("total") else None,
                comment=row.get("comment", ""), amend=row.get("amend", "").lower() in ("1", "yes", "true", "y"),
                reason=row.get("reason", ""), where=where))
    if not entries:
        raise MarkError(f"{path}: no vivas in the file")
    return entries
