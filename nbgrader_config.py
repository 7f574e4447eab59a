"""nbgrader configuration of the Deep Learning course (plain `nbgrader ...` commands read it from the repo root)."""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "deep-learning"
c.CourseDirectory.root = _here

# Every student notebook starts with the course header.
c.IncludeHeaderFooter.header = os.path.join(_here, "source", "header.ipynb")

# The stub students see in place of each solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell execution limit while validating and autograding (seconds). A solution cell that loops
# forever is interrupted after this long; the rest of the notebook still runs.
c.Execute.timeout = 60
c.Execute.kernel_name = "python3"

# A test cell that a student deleted is put back from the source and run, instead of the student
# silently losing its points without a trace (nbgrader's OverwriteCells.add_missing_cells).
c.OverwriteCells.add_missing_cells = True

# Feedback shows the student each test cell's result and failure messages, never the hidden test code
# (nbgrader keeps it by default, jupyter/nbgrader#917): ClearHiddenTests runs on the autograded copy.
# An error in a test cell keeps its last line, not the traceback that quotes the hidden lines.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from autograder.cohort.nbgrader_preprocessors import HideTestTracebacks, RestoreMissingCells  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTestTracebacks, CSSHTMLHeaderPreprocessor]

# The feedback page runs no script from a submission (nbgrader's template keeps them live): a safe
# template that sanitises markdown and outputs, a Content-Security-Policy, MathJax from a local copy.
from autograder.cohort.feedback_page import configure as _safe_feedback_page  # noqa: E402

_safe_feedback_page(c)

# `dlcourse collect` (and `nbgrader zip_collect`) read student and file from each uploaded file's
# name. The default is Moodle's "Download all submissions" naming, "<Full Name>_<participant>_
# assignsubmission_file_<file>"; `dlcourse collect --pattern classroom` or any regexp overrides it.
c.FileNameCollectorPlugin.named_regexp = r"(?P<name>[^/_]+)_(?P<participant>\d+)_assignsubmission_file_/?(?P<file_id>.+)$"

# nbgrader 0.9.6's add_missing_cells fails (KeyError) when the cell before a deleted test cell is a
# locked, non-graded cell, as our visible-check cells are; this drop-in subclass places it correctly.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec  # noqa: E402

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreMissingCells,
                                      CheckCellMetadata]
