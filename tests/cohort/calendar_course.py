"""A scratch course with the repository's calendar whose gradebook is filled through nbgrader's own API
(no notebook runs): the tests of due dates, late penalties, viva marks and the lab grade share it.

The calendar (``calendar.yaml``): week 1 starts Monday 6 January 2025 (IST, UTC+05:30); lab 1 is held
in week 1, lab 2 in week 2; a deadline is the end of the 3rd day after the student's own lab day; the
late policy takes 10 % of the score per started day, at most 50 %, everything after 7 days.
"""
from __future__ import annotations

import csv
import shutil
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.cohort.gradebook import db_url
from autograder.cohort.roster import import_roster
from autograder.course import REPO, scratch_course

LAB1, LAB2 = "lab01_neurons_losses", "lab02_backprop"
POINTS = {LAB1: 20.0, LAB2: 10.0}                 # two grade cells of half the points each
# Saturday 11 January 2025, 10:00 IST: after Tuesday's lab-1 deadline (Friday 24:00), before Thursday's (Sunday 24:00).
SATURDAY_10_IST = datetime(2025, 1, 11, 4, 30)    # naive UTC, as nbgrader stores it


def make_course(root: Path, sessions: dict[str, str]) -> Path:
    """A course at ``root`` with labs 1 and 2 in its gradebook and ``sessions`` ({student: session}) on its roster."""
    root = scratch_course(root)
    shutil.copy(REPO / "calendar.yaml", root / "calendar.yaml")
    with Gradebook(db_url(root)) as gb:
        for lab, points in POINTS.items():
            gb.update_or_create_assignment(lab)
            gb.add_notebook(lab, lab)
            for cell in ("test_a", "test_b"):
                gb.add_grade_cell(cell, lab, lab, max_score=points / 2, cell_type="code")
    roster = root / "students.csv"
    with open(roster, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "first_name", "last_name", "email", "session"])
        for sid, session in sessions.items():
            w.writerow([sid, sid.capitalize(), "Student", f"{sid}@uni.example", session])
    import_roster(root, roster, by="test")
    return root


def copy_course(template: Path, dest: Path) -> Path:
    """A copy of a course made by :func:`make_course` (a new gradebook costs seconds: nbgrader asks the
    ``alembic`` command for its version; a copy costs milliseconds)."""
    shutil.copytree(template, dest, symlinks=True)
    return dest


def submit(root: Path, lab: str, student: str, when_utc: datetime, score: float) -> None:
    """A graded submission of ``lab`` by ``student`` at ``when_utc`` scoring ``score`` (split over the two cells)."""
    with Gradebook(db_url(root)) as gb:
        sub = gb.update_or_create_submission(lab, student, timestamp=when_utc.replace(tzinfo=timezone.utc))
        notebook = sub.notebooks[0]
        for grade in notebook.grades:
            grade.auto_score = min(score, grade.max_score)
            score -= grade.auto_score
        gb.db.commit()


def lateness(root: Path, lab: str, student: str) -> tuple[float, float, object]:
    """``(seconds late, penalty, extension)`` of a submission, as nbgrader's gradebook has them."""
    with Gradebook(db_url(root)) as gb:
        sub = gb.find_submission(lab, student)
        return float(sub.total_seconds_late), float(sub.late_submission_penalty or 0.0), sub.extension
