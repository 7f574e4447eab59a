"""``dlcourse roster import students.csv``: the class list into nbgrader's gradebook.

The CSV has a header with ``id`` and optionally ``first_name``, ``last_name``, ``email`` (an LMS export
renamed to these columns). Ids must be unique and usable as folder names (``submitted/<id>/``).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.cohort.pipeline import Pipeline

COLUMNS = ("id", "first_name", "last_name", "email")
_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


class RosterError(ValueError):
    """A problem in the roster file; the message names the line."""


def read_roster(path: Path) -> list[dict]:
    """Rows of ``path`` as dicts with the keys of :data:`COLUMNS` (missing optional ones as None)."""
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
        rows, seen = [], {}
        for line, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() or None for k, v in raw.items() if k}
            sid = row.get("id")
            if not sid or not _ID.match(sid):
                raise RosterError(f"{path}:{line}: id {sid!r} is empty or not a valid folder name")
            if sid in seen:
                raise RosterError(f"{path}:{line}: id {sid!r} repeats line {seen[sid]}")
            seen[sid] = line
            rows.append({k: row.get(k) for k in COLUMNS})
    return rows


def import_roster(root: Path, path: Path) -> tuple[int, int]:
    """Create or update every student of ``path`` in the gradebook of ``root``; ``(created, updated)``."""
    rows = read_roster(path)
    pipeline = Pipeline(root)
    created = updated = 0
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
