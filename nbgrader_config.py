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

# `dlcourse collect` (and `nbgrader zip_collect`) read student and file from each uploaded file's
# name. The default is Moodle's "Download all submissions" naming, "<Full Name>_<participant>_
# assignsubmission_file_<file>"; `dlcourse collect --pattern classroom` or any regexp overrides it.
c.FileNameCollectorPlugin.named_regexp = r"(?P<name>[^/_]+)_(?P<participant>\d+)_assignsubmission_file_/?(?P<file_id>.+)$"

# nbgrader 0.9.6's add_missing_cells fails (KeyError) when the cell before a deleted test cell is a
# locked, non-graded cell, as our visible-check cells are; this drop-in subclass places it correctly.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec  # noqa: E402

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreMissingCells,
                                      CheckCellMetadata]

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
