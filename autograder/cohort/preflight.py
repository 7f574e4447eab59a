"""What a TA command needs of a course root, checked before it touches anything.

nbgrader's :class:`~nbgrader.api.Gradebook` creates ``gradebook.db`` when it is missing (and runs
``alembic`` to stamp it), so a command run on the wrong folder, such as the repository root after
``make demo`` (whose course is ``build/demo``), used to leave an empty gradebook behind and end in
a traceback. These checks read the gradebook read-only (SQLite) and raise :class:`CourseError`, a
one-line message that says what is missing and which command makes it, instead.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from autograder.course import REPO, labs

#: The demo's course root (``make demo``), suggested when a command finds nothing in the repository.
DEMO = REPO / "build" / "demo"


class CourseError(SystemExit):
    """A course root lacks what a command needs; the message says what and how to get it (exit status 1)."""

    def __init__(self, message: str):
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.code)


def _course_flag(root: Path) -> str:
    return "" if Path(root).resolve() == REPO else f" --course {root}"


def _hint(root: Path, command: str | None) -> str:
    """Where else to look: the demo's course when this is the repository and the demo has run."""
    if Path(root).resolve() == REPO and (DEMO / "gradebook.db").is_file():
        example = f" (`dlcourse {command} --course build/demo`)" if command else ""
        return f"; the demo's course is `--course build/demo`{example}"
    if Path(root).resolve() == REPO:
        return "; for another course root pass `--course ROOT`"
    return ""


def known_lab(lab: str) -> None:
    """Raise :class:`CourseError` unless ``lab`` is a lab of ``source/``."""
    found = labs()
    if lab not in found:
        raise CourseError(f"unknown lab {lab!r}; the labs are {', '.join(found)}")


def gradebook_file(root: Path) -> Path | None:
    """The course's SQLite gradebook file, or ``None`` when its ``db_url`` is another database."""
    from autograder.cohort.pipeline import Pipeline

    url = Pipeline(root).db_url
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def _query(path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


def require_gradebook(root: Path, command: str | None, lab: str | None = None, *, released: bool = False,
                      graded: bool = False, students: bool = False) -> None:
    """Raise :class:`CourseError` unless ``root``'s gradebook exists and holds what ``command`` needs:
    ``lab`` released (in the gradebook), graded submissions of ``lab``, students (a roster).

    ``command`` is the command line to suggest for the demo, e.g. ``"report lab01_neurons_losses"``
    (``None``: none).
    """
    root = Path(root).resolve()
    if lab is not None:
        known_lab(lab)
    path = gradebook_file(root)
    if path is None:
        return  # PostgreSQL or another server: nbgrader reports what is missing there
    where = _hint(root, command)
    nothing = "no graded submissions here" if graded or not (released or students) else "no course here"
    if not path.is_file():
        raise CourseError(f"{nothing}: {root} has no gradebook ({path.name}); nothing has been released, "
                          f"collected or graded in this course root{where}")
    tables = {name for (name,) in _query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"assignment", "student", "submitted_assignment"} <= tables:
        raise CourseError(f"{nothing}: {path} holds no gradebook tables (an earlier command stopped while "
                          f"creating it; it can be deleted){where}")
    flag = _course_flag(root)
    if lab is not None and (released or graded):
        if not _query(path, "SELECT 1 FROM assignment WHERE name = ?", lab):
            raise CourseError(f"{lab} is not in the gradebook of {root}: release it first "
                              f"(`nbgrader generate_assignment {lab}`, or `dlcourse release {lab}` in the repository){where}")
    if students and not _query(path, "SELECT 1 FROM student LIMIT 1"):
        raise CourseError(f"no students in the gradebook of {root}: import the roster first "
                          f"(`dlcourse roster import students.csv{flag}`)")
    if lab is not None and graded:
        count = _query(path, "SELECT count(*) FROM submitted_assignment s JOIN assignment a ON s.assignment_id = a.id "
                             "WHERE a.name = ?", lab)[0][0]
        if not count:
            raise CourseError(f"no graded submissions of {lab} in {root}: grade them first "
                              f"(`dlcourse grade {lab}{flag}`){where}")


def require_submissions(root: Path, lab: str, command: str) -> None:
    """Raise :class:`CourseError` unless ``root/submitted/*/<lab>/`` has a submission."""
    base = Path(root).resolve() / "submitted"
    if not any(p.is_dir() for p in base.glob(f"*/{lab}")):
        raise CourseError(f"no submissions of {lab} under {base}: collect them first "
                          f"(`dlcourse collect {lab} moodle.zip{_course_flag(root)}`){_hint(root, command)}")
