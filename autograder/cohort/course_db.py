"""Our own tables in the course's gradebook database, beside nbgrader's (``gradebook.db``).

nbgrader's schema has no place for a student's lab session or a viva mark, and a fake lab would show
up in ``source/``, ``release/`` and every list of labs. These two tables live in the same database (so a
backup of ``gradebook.db`` holds them, and ``db_url`` may point at PostgreSQL for both), are created on
first use, and are only ever appended to: a change is a new row that says who made it, when and why,
and the row it replaces points at it.

* ``dlcourse_session_membership``: a student is in a session from a week on (a move adds a row).
* ``dlcourse_viva_mark``: one viva of one student (round, labs, date, examiner, marks, comment).
"""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Text, create_engine, inspect
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    pass


class SessionMembership(Base):
    """``student`` attends ``session`` from term week ``from_week`` on (until a later row says otherwise)."""

    __tablename__ = "dlcourse_session_membership"
    id = Column(Integer, primary_key=True, autoincrement=True)
    student = Column(String(128), nullable=False, index=True)
    session = Column(String(64), nullable=False)
    from_week = Column(Integer, nullable=False, default=1)
    recorded_at = Column(String(32), nullable=False)
    recorded_by = Column(String(128), nullable=False, default="")
    reason = Column(Text, nullable=False, default="")


class VivaMark(Base):
    """One viva of one student; ``superseded_by`` is set when a correction replaces it."""

    __tablename__ = "dlcourse_viva_mark"
    id = Column(Integer, primary_key=True, autoincrement=True)
    student = Column(String(128), nullable=False, index=True)
    round = Column(String(64), nullable=False)
    labs = Column(Text, nullable=False)            # lab ids, comma-separated
    viva_date = Column(String(10), nullable=False)
    examiner = Column(String(256), nullable=False)
    marks = Column(Text, nullable=True)            # JSON list of per-question marks (None: a total only)
    total = Column(Float, nullable=False)
    max_total = Column(Float, nullable=False)
    comment = Column(Text, nullable=False, default="")
    recorded_at = Column(String(32), nullable=False)
    recorded_by = Column(String(128), nullable=False, default="")
    reason = Column(Text, nullable=False, default="")   # why a correction was made
    superseded_by = Column(Integer, ForeignKey("dlcourse_viva_mark.id"), nullable=True)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def course_db(db_url: str):
    """A SQLAlchemy session on the course database, our tables created if missing; commits on success."""
    engine = create_engine(db_url, future=True)
    if "assignment" not in inspect(engine).get_table_names():
        from nbgrader.api import Gradebook  # nbgrader creates its schema (and alembic version) first

        Gradebook(db_url).close()
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            with session.begin():
                yield session
    finally:
        engine.dispose()
