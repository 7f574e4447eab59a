"""The nbgrader preprocessors the course configures in ``nbgrader_config.py``.

:class:`RestoreMissingCells`: nbgrader's ``OverwriteCells`` with a working ``add_missing_cells`` for
this course's notebooks.

nbgrader 0.9.6 puts a deleted test cell back after "the previous solution or grade cell" of the source,
but looks that cell up among the submission's grade and solution cells only; in our notebooks the
cell before each test cell is a locked visible-check cell, so the lookup fails with a ``KeyError`` and
the whole submission is not graded. This subclass inserts the restored cell after the nearest earlier
source cell (of any kind) that the submission still has. ``nbgrader_config.py`` uses it for plain
``nbgrader autograde`` as well as ``dlcourse grade``.

:class:`HideTestTracebacks`: for feedback. ``ClearHiddenTests`` removes the hidden block from a test
cell's source, but an error raised there still shows it: IPython's traceback quotes the cell's
lines. In test cells, this keeps an error's last line (``NameError: name 'f' is not defined``) and
drops the quoted code.

:class:`MarkSkippedCells`: sanitising, after the source's locked cells are restored. Two kinds of locked
cell grade nothing and define nothing a later cell uses (tests/notebooks/test_experiment_cells.py checks
both statically), so autograding skips them (nbclient's ``skip_cells_with_tag``, set to
:data:`SKIPPED_TAG` for ``nbgrader autograde`` and for ``dlcourse grade``) while students run them in
JupyterLab: a lab's demonstrations (training comparisons, plots), whose first line is
:data:`EXPERIMENT_MARKER` (:func:`is_experiment`), and the visible checks (``check_<function>``,
:func:`is_visible_check`), which tell the student what is wrong before they submit; the hidden test
cell after each decides the points, and for a trained function the check would train it once more
(a third of lab 9's grading time). The tag is set here from each cell's restored source and metadata,
never taken from the submission's tags: a student who tagged a test cell to have it skipped (a
skipped test cell has no error, which plain nbgrader would score as passed) loses the tag.

:class:`ApplyCalendar`: while sanitising a submission for autograding (plain ``nbgrader autograde`` and
``dlcourse grade`` alike), sets the lab's due date and this student's extension from the course calendar
(:mod:`autograder.cohort.duedates`), so that nbgrader's ``AssignLatePenalties`` at the end of the same
autograde computes the lateness of the student's own session.

:class:`LatenessNote`: for feedback. A first cell saying when the lab was due for this student (their
session, any extension), when it was submitted, how many hours late and the late penalty.
"""
from __future__ import annotations

import re

import nbformat
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from autograder.cohort.duedates import apply_to_submission, lateness
from autograder.cohort.late_policy import LatePenalty, describe

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: The tag of a cell that autograding skips (nbclient's ``skip_cells_with_tag``).
SKIPPED_TAG = "skipped-while-grading"
#: The first line of a lab's demonstration cell (locked in the source, so nbgrader restores it).
EXPERIMENT_MARKER = "# Experiment"
#: The ``grade_id`` prefix of a lab's visible-check cells (``check_sigmoid``).
VISIBLE_CHECK_PREFIX = "check_"
#: Tags that would make nbclient skip a cell under some configuration: never kept from a submission.
SKIP_TAGS = (SKIPPED_TAG, "skip-execution")


def is_experiment(cell) -> bool:
    """A code cell whose first line starts with :data:`EXPERIMENT_MARKER` and that is either locked and
    non-graded (its source is the lab's, restored by nbgrader) or a plain cell without nbgrader metadata
    (the lab's demonstrations that students may edit and rerun). Never a test cell or a solution cell.

    Skipping a plain cell gives a student nothing deleting it would not: a plain cell defines no graded
    function and scores nothing, and test cells, which decide the score, are never skipped."""
    if cell.get("cell_type") != "code" or not cell.get("source", "").lstrip().startswith(EXPERIMENT_MARKER):
        return False
    meta = cell.get("metadata", {}).get("nbgrader")
    return not meta or _locked_and_ungraded(meta)


def _locked_and_ungraded(meta: dict) -> bool:
    """nbgrader metadata of a locked cell that is neither a test nor a solution (nbgrader restores its source)."""
    return bool(meta.get("locked")) and not meta.get("grade") and not meta.get("solution")


def is_visible_check(cell) -> bool:
    """A locked, non-graded, non-solution code cell whose ``grade_id`` starts with
    :data:`VISIBLE_CHECK_PREFIX`: its source is the lab's (nbgrader restores locked cells), never a
    student's, and it scores nothing."""
    meta = cell.get("metadata", {}).get("nbgrader") or {}
    return (cell.get("cell_type") == "code" and str(meta.get("grade_id", "")).startswith(VISIBLE_CHECK_PREFIX)
            and _locked_and_ungraded(meta))


def skipped_while_grading(cell) -> bool:
    """What autograding skips: :func:`is_experiment` or :func:`is_visible_check`."""
    return is_experiment(cell) or is_visible_check(cell)


class RestoreMissingCells(OverwriteCells):
    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = list(source_nb.source_cells)
        source_ids = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for position, cell_id in enumerate(source_ids):
            if cell_id not in grade_cells:
                continue
            present = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)
                       if c.metadata.get("nbgrader", {}).get("grade_id")}
            if cell_id in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", cell_id)
            restored = self.missing_cell_transform(source_cells[position], grade_cells[cell_id].max_score,
                                                   is_solution=cell_id in solution_ids)
            insert_at = 0
            for previous in reversed(source_ids[:position]):
                if previous in present:
                    insert_at = present[previous] + 1
                    break
            nb.cells.insert(insert_at, nbformat.from_dict(restored))
        return nb, resources


class HideTestTracebacks(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    last = _ANSI.sub("", out["traceback"][-1]) if out.get("traceback") else f"{out.get('ename')}: {out.get('evalue')}"
                    out["traceback"] = [last + "  (traceback of the test code hidden)"]
        return cell, resources


class MarkSkippedCells(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, cell_index):
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t not in SKIP_TAGS]
        if skipped_while_grading(cell):
            tags.append(SKIPPED_TAG)
        if tags or "tags" in cell.get("metadata", {}):
            cell.metadata["tags"] = tags
        return cell, resources


class ApplyCalendar(NbGraderPreprocessor):
    """Due date and extension of the submission being autograded, from the course calendar."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        apply_to_submission(CourseDirectory(config=self.config).root, info["db_url"], info["assignment"],
                            info["student"])
        return nb, resources


class LatenessNote(NbGraderPreprocessor):
    """A first markdown cell in the feedback: due date, submission time, hours late, penalty."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        root = CourseDirectory(config=self.config).root
        facts = lateness(root, info["assignment"], info["student"])
        if facts is None or (facts["due"] is None and facts["calendar"] is None):
            return nb, resources  # a course without due dates: nothing to say
        calendar = facts["calendar"]
        show = calendar.local if calendar else (lambda when: f"{when:%Y-%m-%d %H:%M} UTC" if when else "(none)")
        due = show(facts["due"]) if facts["due"] else "no due date"
        lines = [f"**Due:** {due} · **submitted:** {show(facts['submitted']) if facts['submitted'] else '(no time)'}"]
        if facts["hours_late"] > 0:
            policy = LatePenalty(config=self.config).policy()
            lines.append(f"**{facts['hours_late']:.1f} hours late**: late penalty {facts['penalty']:.2f} points "
                         f"({describe(policy)}).")
        else:
            lines.append("On time: no late penalty.")
        nb.cells.insert(0, nbformat.v4.new_markdown_cell("  \n".join(lines), metadata={"dlcourse": "lateness"}))
        return nb, resources
