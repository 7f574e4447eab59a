"""The one LMS grade exporter: a CSV that Moodle's grade import ("Import > CSV file") maps by itself.

Moodle's import form pre-selects its mappings from the column headers (``grade/import/direct/classes/
mapping_form.php``, which the CSV import uses): the user is identified by the first header equal to one
of its identifier names (``ID number``, ``Email address``, ...), a column headed ``<item> (Real)`` goes to
the grade item named ``<item>``, and ``<item> (Feedback)`` to that item's feedback. Any other column is
ignored. So the file written here has:

* one identifier column: ``Email address`` (the roster's emails) or ``ID number`` (the roster ids, when
  Moodle's ID numbers are the student ids); chosen by the calendar's ``lms.identifier``;
* ``First name`` and ``Last name`` for the reader (Moodle ignores them);
* per grade item ``<item> (Real)`` and ``<item> (Feedback)``;
* a row for EVERY roster student, whether or not they submitted (a student without a grade gets an
  empty cell, which Moodle leaves alone, or the value the caller gives: 0 for a lab not handed in).

A student whom the identifier cannot name (no email with ``email``) is an error, naming them: a row
Moodle cannot match would be dropped there without a word.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

IDENTIFIER_HEADERS = {"email": "Email address", "idnumber": "ID number"}


class LmsExportError(ValueError):
    """A roster the LMS could not match, or grade items that would not map."""


@dataclass(frozen=True)
class RosterStudent:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class GradeItem:
    """One Moodle grade item: ``grades`` (points, or ``None`` for none) and ``feedback`` by student id."""

    name: str
    grades: dict[str, Optional[float]] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    decimals: int = 2


def roster_students(db_url: str, course_id: str = "default_course") -> list[RosterStudent]:
    """Every student of the gradebook (nbgrader's roster), by id."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        return sorted((RosterStudent(s.id, s.first_name or "", s.last_name or "", s.email or "") for s in gb.students),
                      key=lambda s: s.id)


def identifier_for(calendar, students: list[RosterStudent]) -> str:
    """The calendar's ``lms.identifier``; without a calendar, email when every student has one, else the id."""
    if calendar is not None:
        return calendar.lms_identifier
    return "email" if students and all(s.email for s in students) else "idnumber"


def write_lms_csv(path: Path, students: list[RosterStudent], items: list[GradeItem],
                  identifier: str = "email") -> Path:
    """Write the Moodle-importable CSV at ``path``; returns it."""
    if identifier not in IDENTIFIER_HEADERS:
        raise LmsExportError(f"unknown identifier {identifier!r} (one of {', '.join(IDENTIFIER_HEADERS)})")
    names = [item.name for item in items]
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        raise LmsExportError(f"grade item names must be distinct and not empty: {names}")
    if identifier == "email":
        missing = [s.id for s in students if not s.email]
        if missing:
            raise LmsExportError(f"no email in the roster for {', '.join(missing)}: Moodle could not match them "
                                 "(add their emails to the roster, or set lms.identifier: idnumber in calendar.yaml)")
        emails: dict[str, str] = {}
        for s in students:
            if s.email.lower() in emails:
                raise LmsExportError(f"{s.id} and {emails[s.email.lower()]} share the email {s.email}")
            emails[s.email.lower()] = s.id
    header = [IDENTIFIER_HEADERS[identifier], "First name", "Last name"]
    for item in items:
        header += [f"{item.name} (Real)", f"{item.name} (Feedback)"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for s in students:
            row = [s.email if identifier == "email" else s.id, s.first_name, s.last_name]
            for item in items:
                grade = item.grades.get(s.id)
                row += ["" if grade is None else f"{grade:.{item.decimals}f}", item.feedback.get(s.id, "")]
            w.writerow(row)
    return path
