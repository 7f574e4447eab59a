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
# ... and says so, with the limit (nbgrader's default message names no limit).
from autograder.cohort.limits import timeout_error  # noqa: E402

c.Execute.error_on_timeout = timeout_error(c.Execute.timeout)
c.Execute.kernel_name = "python3"

# A test cell that a student deleted is put back from the source and run, instead of the student
# silently losing its points without a trace (nbgrader's OverwriteCells.add_missing_cells).
c.OverwriteCells.add_missing_cells = True

# Feedback shows the student each test cell's result and failure messages, never the hidden test code
# (nbgrader keeps it by default, jupyter/nbgrader#917): ClearHiddenTests runs on the autograded copy.
# An error in a test cell keeps its last line, not the traceback that quotes the hidden lines.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from autograder.cohort.nbgrader_preprocessors import (  # noqa: E402
    SKIPPED_TAG, ApplyCalendar, HideTestTracebacks, LatenessNote, MarkSkippedCells, RestoreMissingCells)

# LatenessNote: a first cell saying when the lab was due for this student, how late it came and the penalty.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTestTracebacks, LatenessNote,
                                    CSSHTMLHeaderPreprocessor]

# Due dates and late penalties come from the course calendar (calendar.yaml at the course root): the
# lab's due date is the earliest session's deadline, each student's nbgrader extension moves it to their
# own session's (plus any extension granted with `dlcourse extend`, kept in extensions.csv). ApplyCalendar
# (among the sanitising preprocessors below) writes them before each autograde; LatePenalty turns the
# lateness into a penalty with the calendar's late_policy (an option set here, e.g.
# c.LatePenalty.percent_per_day = 5, overrides the calendar's; `dlcourse calendar` shows what applies).
from autograder.cohort.late_policy import LatePenalty  # noqa: E402

c.AssignLatePenalties.plugin_class = LatePenalty
# `dlcourse course-grades` weighs code and lab vivas with autograder.workflows.course_grades.LabGrade, whose
# options default to the calendar's lab_grade: (e.g. c.LabGrade.code_percent = 60 would override it).

# The feedback page runs no script from a submission (nbgrader's template keeps them live): a safe
# template that sanitises markdown and outputs, a Content-Security-Policy, MathJax from a local copy.
from autograder.cohort.feedback_page import configure as _safe_feedback_page  # noqa: E402

_safe_feedback_page(c)

# `dlcourse collect` (and `nbgrader zip_collect`) read student and file from each uploaded file's
# name. The default is Moodle's "Download all submissions" naming, "<Full Name>_<participant>_
# assignsubmission_file_<file>" (Moodle 4.1 and later: "..._assignsubmission_file/<file>"); `dlcourse collect --pattern classroom` or any regexp overrides it.
c.FileNameCollectorPlugin.named_regexp = r"(?P<name>[^/_]+)_(?P<participant>\d+)_assignsubmission_file_?/?(?P<file_id>.+)$"

# nbgrader 0.9.6's add_missing_cells fails (KeyError) when the cell before a deleted test cell is a
# locked, non-graded cell, as our visible-check cells are; this drop-in subclass places it correctly.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec  # noqa: E402

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreMissingCells,
                                      MarkSkippedCells, CheckCellMetadata, ApplyCalendar]

# A lab's demonstration cells (locked, first line "# Experiment ...") and its visible checks (locked
# check_<function> cells; the hidden test after each decides the points) grade nothing: autograding
# skips them (MarkSkippedCells tags them from the restored source and metadata; students run them).
c.Execute.skip_cells_with_tag = SKIPPED_TAG

# What `dlcourse collect` (and `nbgrader zip_collect`) may extract from an LMS download: every upload is
# untrusted (autograder/cohort/intake.py). Files come out 0644 and folders 0755 whatever the archive
# says, links and paths out of the folder are refused, and an upload over these limits is set aside with
# the reason while the rest of the cohort is imported.
from autograder.cohort.intake import SafeExtractorPlugin  # noqa: E402

c.ZipCollectApp.extractor_plugin = SafeExtractorPlugin
c.SafeExtractorPlugin.upload_max_mib = 64        # one student's upload (an archive) inflates to at most this
c.SafeExtractorPlugin.upload_max_entries = 1000  # files and folders in one upload
c.SafeExtractorPlugin.archive_max_mib = 4096     # the whole LMS zip
c.SafeExtractorPlugin.archive_max_entries = 20000
c.SafeExtractorPlugin.max_ratio = 200            # notebooks compress 5-10x; zip bombs 1000x and more
