"""Extensions a TA granted (``dlcourse extend``), kept in ``extensions.csv`` beside the calendar.

One row per grant, appended, never rewritten: ``student, lab, days, until, reason, granted_by,
granted_at``. ``days`` moves the student's own session deadline by that many days; ``until`` (a local
date or date and time, in the term's zone) replaces it. The latest row for a (student, lab) is the one in
force, as nbgrader's extensions do not stack; ``days`` 0 takes an extension back. The file is read and
checked as a whole, each error naming its line.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Optional

EXTENSIONS_FILE = "extensions.csv"
COLUMNS = ("student", "lab", "days", "until", "reason", "granted_by", "granted_at")


class ExtensionError(ValueError):
    """A bad row of the extensions file or a bad ``dlcourse extend``; the message names the line."""


@dataclass(frozen=True)
class Extension:
    student: str
    lab: str
    days: Optional[float]       # added to the student's session deadline
    until: Optional[str]        # local "YYYY-MM-DD" (the end of that day) or "YYYY-MM-DD HH:MM"
    reason: str
    granted_by: str
    granted_at: str
    line: int = 0

    def due(self, session_deadline: datetime, zone) -> datetime:
        """The student's deadline under this extension (aware)."""
        if self.until:
            return parse_until(self.until, zone)
        return session_deadline + timedelta(days=self.days or 0)


def parse_until(text: str, zone) -> datetime:
    """``YYYY-MM-DD`` (the end of that day) or ``YYYY-MM-DD HH:MM`` in ``zone``."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date() + timedelta(days=1), time(0, 0), zone)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ExtensionError(f"not a date 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM': {text!r}") from None
    return when.replace(tzinfo=zone) if when.tzinfo is None else when


def extensions_path(root: Path) -> Path:
    return Path(root) / EXTENSIONS_FILE


def read_extensions(root: Path) -> dict[tuple[str, str], Extension]:
    """``{(student, lab): the extension in force}`` (empty without the file)."""
    path = extensions_path(root)
    if not path.is_file():
        return {}
    out: dict[tuple[str, str], Extension] = {}
    for ext in _rows(path.read_text(encoding="utf-8"), path):
        out[(ext.student, ext.lab)] = ext
    return out


def _rows(text: str, path: Path) -> list[Extension]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ExtensionError(f"{path}:1: the header must be {','.join(COLUMNS)} (found {reader.fieldnames})")
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if not row["student"] or not row["lab"]:
            raise ExtensionError(f"{path}:{line}: student and lab are required")
        if bool(row["days"]) == bool(row["until"]):
            raise ExtensionError(f"{path}:{line}: give days or until, one of them")
        days = None
        if row["days"]:
            try:
                days = float(row["days"])
            except ValueError:
                raise ExtensionError(f"{path}:{line}: days {row['days']!r} is not a number") from None
            if days < 0:
                raise ExtensionError(f"{path}:{line}: days {days:g} is negative")
        if row["until"]:
            try:
                parse_until(row["until"], None)
            except ExtensionError as exc:
                raise ExtensionError(f"{path}:{line}: {exc}") from None
        if not row["reason"]:
            raise ExtensionError(f"{path}:{line}: an extension needs a reason")
        rows.append(Extension(row["student"], row["lab"], days, row["until"] or None, row["reason"],
                              row["granted_by"], row["granted_at"], line))
    return rows


def append_extension(root: Path, ext: Extension) -> Path:
    """Add one grant at the end of the file (created with its header when missing)."""
    path = extensions_path(root)
    if path.is_file():
        _rows(path.read_text(encoding="utf-8"), path)  # refuse to append to a broken file
    new = not path.is_file()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if new:
        w.writerow(COLUMNS)
    w.writerow([ext.student, ext.lab, "" if ext.days is None else f"{ext.days:g}", ext.until or "", ext.reason,
                ext.granted_by, ext.granted_at])
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
    return path
