"""Grading skips a lab's demonstration and visible-check cells, and only those: the tag comes from the
restored source and metadata, never from the submission."""
import nbformat
import pytest

from autograder.cohort.nbgrader_preprocessors import EXPERIMENT_MARKER, SKIPPED_TAG, MarkSkippedCells
from autograder.course import nbgrader, notebook_path
from autograder.cohort.gradebook import cell_scores
from tests.scratch import released_course

LAB = "lab01_neurons_losses"


def _cell(source, tags=(), grade_id="c", **nbgrader_meta):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, **nbgrader_meta}
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.mark.parametrize("cell, skipped", [
    (_cell(f"{EXPERIMENT_MARKER}: optimisers race\nplot()", locked=True, grade=False, solution=False), True),
    (_cell(f"{EXPERIMENT_MARKER}\nplot()", tags=["skip-execution"], locked=True), True),  # the source's tag only
    (_cell("check(f, 'lab.f', points=1)", tags=[SKIPPED_TAG, "skip-execution"], locked=True, grade=True,
           points=1), False),  # a test cell the student tagged to have it skipped
    (_cell(f"{EXPERIMENT_MARKER}\nmy_helper = 1", tags=[SKIPPED_TAG], locked=False), False),  # the student's own
    (_cell(f"{EXPERIMENT_MARKER}\ndef f(): ...", locked=False, solution=True), False),  # a solution cell
    (_cell(f"{EXPERIMENT_MARKER}\ncheck(f, 'lab.f', points=1)", locked=True, grade=True, points=1), False),
    (nbformat.v4.new_code_cell(f"{EXPERIMENT_MARKER}: K = 2 codes\nplot()"), True),  # a plain demonstration cell
    (nbformat.v4.new_code_cell("plot()  # " + EXPERIMENT_MARKER), False),  # the marker must be the first line
    # visible checks: the lab's locked check_<function> cells only
    (_cell("expect_close(sigmoid(0), 0.5)", grade_id="check_sigmoid", locked=True, grade=False, solution=False), True),
    (_cell("check(f, 'lab.f', points=1)", grade_id="check_sigmoid", locked=True, grade=True, points=1), False),
    (_cell("def sigmoid(z): ...", grade_id="check_sigmoid", locked=False, solution=True), False),
    (_cell("expect_close(sigmoid(0), 0.5)", grade_id="check_sigmoid", locked=False), False),
    (_cell("expect_close(sigmoid(0), 0.5)", grade_id="checks", locked=True), False),  # not the prefix's form
])
def test_only_demonstration_cells_are_tagged(cell, skipped):
    out, _ = MarkSkippedCells().preprocess_cell(cell, {}, 0)
    assert (SKIPPED_TAG in out.metadata.get("tags", [])) is skipped
    assert "skip-execution" not in out.metadata.get("tags", [])


def _tag_for_skipping(cell):
    cell.metadata["tags"] = [SKIPPED_TAG, "skip-execution"]


def _dress_tests_as_checks(cell):
    """A test cell relabelled as a locked, non-graded visible check of its function."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        cell.metadata["nbgrader"] = {**meta, "grade": False, "points": 0,
                                     "grade_id": "check_" + meta["grade_id"].removeprefix("test_")}


@pytest.mark.notebook
@pytest.mark.parametrize("disguise", [_tag_for_skipping, _dress_tests_as_checks], ids=["tagged", "dressed-as-checks"])
def test_test_cells_a_student_tagged_for_skipping_still_run_under_plain_nbgrader(tmp_path, disguise):
    """A skipped test cell has no error output, which plain nbgrader would score as passed: a blank
    release whose test cells carry the skip tags scores 0; one whose test cells pass for visible checks
    (locked, not graded, ``check_`` ids) earns nothing either (nbgrader refuses the submission)."""
    root = released_course(tmp_path / "course", [LAB])
    nb = nbformat.read(notebook_path(root, "release", LAB), as_version=4)
    for cell in nb.cells:
        disguise(cell)
    dest = notebook_path(root, "submitted", LAB, "mallory")
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, dest)
    try:
        nbgrader("autograde", LAB, root=root)
    except RuntimeError as refused:
        assert disguise is _dress_tests_as_checks, refused
        assert "error processing assignment" in str(refused) and "mallory" in str(refused), str(refused)[-2000:]
    scores = cell_scores(root, LAB, "mallory")
    if disguise is _tag_for_skipping:
        assert scores, "the tagged submission was not graded"
    assert all(score == 0 for score, _ in (scores or {}).values()), scores

