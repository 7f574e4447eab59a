"""Grading skips a lab's demonstration cells, and only those: the tag comes from the restored source."""
import nbformat
import pytest

from autograder.cohort.nbgrader_preprocessors import EXPERIMENT_MARKER, EXPERIMENT_TAG, MarkExperiments
from autograder.course import nbgrader, notebook_path
from autograder.cohort.gradebook import cell_scores
from tests.scratch import released_course

LAB = "lab01_neurons_losses"


def _cell(source, tags=(), **nbgrader_meta):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": "c", **nbgrader_meta}
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.mark.parametrize("cell, skipped", [
    (_cell(f"{EXPERIMENT_MARKER}: optimisers race\nplot()", locked=True, grade=False, solution=False), True),
    (_cell(f"{EXPERIMENT_MARKER}\nplot()", tags=["skip-execution"], locked=True), True),  # the source's tag only
    (_cell("check(f, 'lab.f', points=1)", tags=[EXPERIMENT_TAG, "skip-execution"], locked=True, grade=True,
           points=1), False),  # a test cell the student tagged to have it skipped
    (_cell(f"{EXPERIMENT_MARKER}\nmy_helper = 1", tags=[EXPERIMENT_TAG], locked=False), False),  # the student's own
    (_cell(f"{EXPERIMENT_MARKER}\ndef f(): ...", locked=False, solution=True), False),  # a solution cell
    (_cell(f"{EXPERIMENT_MARKER}\ncheck(f, 'lab.f', points=1)", locked=True, grade=True, points=1), False),
    (nbformat.v4.new_code_cell(f"{EXPERIMENT_MARKER}: K = 2 codes\nplot()"), True),  # a plain demonstration cell
    (nbformat.v4.new_code_cell("plot()  # " + EXPERIMENT_MARKER), False),  # the marker must be the first line
])
def test_only_demonstration_cells_are_tagged(cell, skipped):
    out, _ = MarkExperiments().preprocess_cell(cell, {}, 0)
    assert (EXPERIMENT_TAG in out.metadata.get("tags", [])) is skipped
    assert "skip-execution" not in out.metadata.get("tags", [])


@pytest.mark.notebook
def test_test_cells_a_student_tagged_for_skipping_still_run_under_plain_nbgrader(tmp_path):
    """A skipped test cell has no error output, which plain nbgrader would score as passed."""
    root = released_course(tmp_path / "course", [LAB])
    nb = nbformat.read(notebook_path(root, "release", LAB), as_version=4)
    for cell in nb.cells:
        cell.metadata["tags"] = [EXPERIMENT_TAG, "skip-execution"]
    dest = notebook_path(root, "submitted", LAB, "mallory")
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, dest)
    nbgrader("autograde", LAB, root=root)
    scores = cell_scores(root, LAB, "mallory")
    assert scores and all(score == 0 for score, _ in scores.values()), scores
