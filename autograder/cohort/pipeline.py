"""nbgrader's autograde, split in two around the execution, run in the one process that writes the gradebook.

Plain ``nbgrader autograde`` does, per submission: record the student and submission, copy files,
*sanitise* (``Autograde.sanitize_preprocessors``: clear outputs, restore the source's test cells,
kernelspec and metadata), then *execute and save* (``Autograde.autograde_preprocessors``: ``Execute``,
limit output, save the auto grades, late penalties). Here the two halves run separately:

* :meth:`Pipeline.prepare` is nbgrader's first half, unchanged; it leaves the sanitised notebook in
  ``autograded/<student>/<lab>/``.
* the execution happens elsewhere (:mod:`autograder.cohort.tasks`, on a Dask worker);
* :meth:`Pipeline.save` puts the executed notebook back and runs nbgrader's second half without
  ``Execute``: the same preprocessors, so the same scores as serial ``nbgrader autograde``.

:meth:`Pipeline.record_zero` gives a submission that cannot be run (corrupt file, notebook missing
or renamed) zero on every graded cell, as nbgrader itself does for a missing notebook.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter, NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from nbgrader import utils
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import REPO

# nbgrader's gradebook code trips SQLAlchemy's autoflush warnings on every submission; they are noise.
warnings.filterwarnings("ignore", message=".*not in session.*")


def load_config(root: Path):
    """The course's ``nbgrader_config.py`` (from the repo), pointed at course root ``root``."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    config.CourseDirectory.root = str(Path(root).resolve())
    return config


class _Sanitize(Autograde):
    """nbgrader's autograde, first half only: records, file copies, sanitising preprocessors."""

    def convert_single_notebook(self, notebook_filename: str) -> None:
        self._sanitizing = True
        self._init_preprocessors()
        BaseConverter.convert_single_notebook(self, notebook_filename)


class _SaveGrades(Autograde):
    """nbgrader's autograde, second half without ``Execute``, on the executed notebook in ``autograded/``."""

    _sanitizing = False

    def init_destination(self, assignment_id: str, student_id: str) -> bool:
        return True  # the executed notebook is already where it belongs

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        pass  # done by _Sanitize

    def _init_preprocessors(self) -> None:
        self.exporter._preprocessors = []
        for pp in self.autograde_preprocessors:
            if not (isinstance(pp, type) and issubclass(pp, Execute)):
                self.exporter.register_preprocessor(pp)

    def convert_single_notebook(self, notebook_filename: str) -> None:
        self._init_preprocessors()
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            BaseConverter.convert_single_notebook(self, notebook_filename)


class Pipeline:
    """The driver's view of one course root: prepare, save and zero submissions of a lab."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.config = load_config(self.root)
        self.coursedir = CourseDirectory(config=self.config)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def submitted_dir(self, lab: str, student: str) -> Path:
        return self.root / self.coursedir.submitted_directory / student / lab

    def autograded_dir(self, lab: str, student: str) -> Path:
        return self.root / self.coursedir.autograded_directory / student / lab

    def notebook_names(self, lab: str) -> list[str]:
        """Notebook file names the gradebook knows for ``lab`` (``<lab>.ipynb`` in this course)."""
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            try:
                assignment = gb.find_assignment(lab)
            except MissingEntry:
                raise SystemExit(f"{lab} is not in the gradebook: run `dlcourse release {lab}` "
                                 "(nbgrader generate_assignment) first") from None
            return [f"{nb.name}.ipynb" for nb in assignment.notebooks]

    def _run(self, converter_cls, lab: str, student: str) -> str:
        """Run an nbgrader converter for one submission; return its log (raises on failure)."""
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        handler.setLevel(logging.WARNING)
        self.coursedir.assignment_id, self.coursedir.student_id = lab, student
        log = None
        try:
            conv = converter_cls(coursedir=self.coursedir, config=self.config)
            log = conv.log
            log.addHandler(handler)
            conv.force = True
            conv.create_student = True
            from autograder.kernel.guards import STDOUT_LOCK

            with STDOUT_LOCK, contextlib.redirect_stdout(io.StringIO()):  # a worker thread may swap it too
                conv.start()
        except NbGraderException as exc:
            raise RuntimeError(buf.getvalue().strip()[-1500:] or str(exc)) from None
        finally:
            self.coursedir.assignment_id, self.coursedir.student_id = "", "*"
            if log is not None:
                log.removeHandler(handler)
        return buf.getvalue()

    def prepare(self, lab: str, student: str) -> Path:
        """Sanitise ``submitted/<student>/<lab>`` into ``autograded/``; return that folder."""
        self._run(_Sanitize, lab, student)
        return self.autograded_dir(lab, student)

    def save(self, lab: str, student: str, executed: dict[str, str]) -> None:
        """Write the executed notebooks into ``autograded/`` and save their grades (nbgrader's second half)."""
        folder = self.autograded_dir(lab, student)
        for name, text in executed.items():
            tmp = folder / f".{name}.tmp"
            tmp.write_text(text)
            os.replace(tmp, folder / name)
        self._run(_SaveGrades, lab, student)

    def record_zero(self, lab: str, student: str, timestamp=None) -> None:
        """Zero on every graded cell of ``lab`` for ``student`` (nothing could be run)."""
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            gb.update_or_create_student(student)
            if timestamp:
                gb.update_or_create_submission(lab, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(lab, student)
            assignment = gb.find_assignment(lab)
            for notebook in assignment.notebooks:
                submission = gb.find_submission_notebook(notebook.name, lab, student)
                for grade in submission.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def score(self, lab: str, student: str) -> tuple[float, float]:
        """``(score, max_score)`` of the student's submission of ``lab`` in the gradebook."""
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            sub = gb.find_submission(lab, student)
            return float(sub.score), float(sub.max_score)
