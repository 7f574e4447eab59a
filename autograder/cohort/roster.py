"""``dlcourse roster import students.csv``: the class list into nbgrader's gradebook, with lab sessions.

The CSV has a header with ``id`` and optionally ``first_name``, ``last_name``, ``email`` (an LMS export
renamed to these columns) and ``session``. Ids must be unique and usable as folder names
(``submitted/<id>/``). When the course has a calendar (``calendar.yaml``), every row names one of its
sessions; the session is recorded in our own table of the gradebook database
(:mod:`autograder.cohort.course_db`), from week 1. ``dlcourse roster move`` moves a student to another
session from a given week on (a new row, with who, when and why); a later import must then say the
student's current session. An unknown session, a missing one or a student in two is refused, naming the
row, and nothing is written.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.cohort.course_db import SessionMembership, course_db, now_utc
from autograder.cohort.pipeline import Pipeline
from autograder.course.schedule import find_calendar

COLUMNS = ("id", "first_name", "last_name", "email", "session")
_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_SEVERAL = re.compile(r"[,;/+&|\s]")


class RosterError(ValueError):
    """A problem in the roster file; the message names the line."""


def read_roster(path: Path, sessions: list[str] | None = None) -> list[dict]:
    """Rows of ``path`` as dicts with the keys of :data:`COLUMNS` (missing optional ones as None).

    ``sessions``: the calendar's session ids; then every row must name exactly one of them.
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"no roster file at {path}")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if "id" not in header:
            raise RosterError(f"{path}: the header must have an 'id' column (found {header})")
        unknown = sorted(set(header) - set(COLUMNS))
        if unknown:
            raise RosterError(f"{path}: unknown column(s) {unknown}; allowed: {list(COLUMNS)}")
        if sessions is not None and "session" not in header:
            raise RosterError(f"{path}: the course calendar has lab sessions ({', '.join(sessions)}): the roster "
                              "needs a 'session' column")
        if sessions is None and "session" in header:
            raise RosterError(f"{path}: a 'session' column needs the course calendar (calendar.yaml) naming the sessions")
        rows, seen = [], {}
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() or None for k, v in raw.items() if k}
            sid = row.get("id")
            if not sid or not _ID.match(sid):
                raise RosterError(f"{path}:{line}: id {sid!r} is empty or not a valid folder name")
            if sid in seen:
                first_line, first_session = seen[sid]
                if sessions is not None and row.get("session") and row.get("session") != first_session:
                    raise RosterError(f"{path}:{line}: {sid} is in two sessions: {first_session} (line {first_line}) "
                                      f"and {row.get('session')}; a student attends one session")
                raise RosterError(f"{path}:{line}: id {sid!r} repeats line {first_line}")
            if sessions is not None:
                session = row.get("session")
                if not session:
                    raise RosterError(f"{path}:{line}: {sid} has no session (one of {', '.join(sessions)})")
                if session not in sessions:
                    several = [p for p in _SEVERAL.split(session) if p]
                    if len(several) > 1:
                        raise RosterError(f"{path}:{line}: {sid} is in two sessions ({session!r}); a student attends "
                                          f"one of {', '.join(sessions)}")
                    raise RosterError(f"{path}:{line}: {sid}: unknown session {session!r} (sessions: "
                                      f"{', '.join(sessions)})")
            seen[sid] = (line, row.get("session"))
            rows.append({k: row.get(k) for k in COLUMNS} | {"line": line})
    return rows


def memberships(db_url: str) -> dict[str, list[tuple[int, str]]]:
    """``{student: [(from_week, session), ...]}`` in the order they apply (later rows win on a tie)."""
    out: dict[str, list[tuple[int, str]]] = {}
    with course_db(db_url) as db:
        for m in db.query(SessionMembership).order_by(SessionMembership.from_week, SessionMembership.id):
            out.setdefault(m.student, []).append((m.from_week, m.session))
    return out


def session_in_week(history: list[tuple[int, str]], week: int) -> str | None:
    """The session of a membership ``history`` in term week ``week`` (``None``: none yet)."""
    current = None
    for from_week, session in history:
        if from_week <= week:
            current = session
    return current


def import_roster(root: Path, path: Path, by: str = "") -> tuple[int, int]:
    """Create or update every student of ``path`` in the gradebook of ``root``; ``(created, updated)``.

    With a calendar, each student's session is recorded (from week 1) the first time; a later import that
    names another session than the student's current one is refused (use :func:`move_student`).
    Everything is checked before anything is written.
    """
    root = Path(root)
    calendar = find_calendar(root)
    rows = read_roster(path, calendar.session_ids if calendar else None)
    pipeline = Pipeline(root)
    new_members = []
    if calendar:
        history = memberships(pipeline.db_url)
        for row in rows:
            past = history.get(row["id"])
            if not past:
                new_members.append(row)
            elif past[-1][1] != row["session"]:
                raise RosterError(f"{path}:{row['line']}: {row['id']} is in session {past[-1][1]} (since week "
                                  f"{past[-1][0]}), the roster says {row['session']}: to move a student from a week "
                                  f"on, `dlcourse roster move {row['id']} {row['session']} --from-week N --reason ...`")
    created = updated = 0
    if new_members:
        with course_db(pipeline.db_url) as db:
            for row in new_members:
                db.add(SessionMembership(student=row["id"], session=row["session"], from_week=1,
                                         recorded_at=now_utc(), recorded_by=by, reason=f"roster import {Path(path).name}"))
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        known = {s.id for s in gb.students}
        for row in rows:
            gb.update_or_create_student(row["id"], first_name=row["first_name"], last_name=row["last_name"],
                                        email=row["email"])
            if row["id"] in known:
                updated += 1
            else:
                created += 1
    return created, updated


def move_student(root: Path, student: str, session: str, from_week: int, reason: str, by: str = "") -> str:
    """Record that ``student`` attends ``session`` from term week ``from_week`` on; returns a summary line."""
    root = Path(root)
    calendar = find_calendar(root)
    if calendar is None:
        raise RosterError(f"no calendar.yaml at {root}: there are no sessions to move between")
    if session not in calendar.session_ids:
        raise RosterError(f"unknown session {session!r} (sessions: {', '.join(calendar.session_ids)})")
    if from_week < 1:
        raise RosterError(f"--from-week must be at least 1, got {from_week}")
    if not reason.strip():
        raise RosterError("a move needs --reason (it is kept with the move)")
    pipeline = Pipeline(root)
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        if student not in {s.id for s in gb.students}:
            raise RosterError(f"unknown student {student!r}: not in the roster of {root}")
    before = session_in_week(memberships(pipeline.db_url).get(student, []), from_week)
    with course_db(pipeline.db_url) as db:
        db.add(SessionMembership(student=student, session=session, from_week=from_week, recorded_at=now_utc(),
                                 recorded_by=by, reason=reason.strip()))
    return f"{student}: session {before or '(none)'} -> {session} from week {from_week} on"
