"""Static checks of every source notebook: what is graded, for how many points, by which cases."""
import pytest

from autograder.grading.cases import specs_for_lab
from autograder.course import labs
from tests.notebooks.lab_structure import graded_test_cells, nbgrader_meta, read_source, solution_cells

LABS = labs()


def test_the_four_foundation_labs_exist():
    for lab in ["lab01_neurons_losses", "lab02_backprop", "lab03_optimizers", "lab04_regularization_init"]:
        assert lab in LABS, f"source/{lab}/{lab}.ipynb is missing"


@pytest.mark.parametrize("lab", LABS)
def test_test_cells_call_the_harness_with_their_own_points(lab):
    for t in graded_test_cells(lab):
        assert t.grade_id == f"test_{t.function}", f"{t.grade_id} checks {t.function}"
        assert t.qualname == f"{lab}.{t.function}", f"{t.grade_id} uses the cases of {t.qualname}"
        assert t.call_points == t.points, f"{t.grade_id}: check(..., points={t.call_points}) but the cell is worth {t.points}"
        assert "### BEGIN HIDDEN TESTS" in t.source and "### END HIDDEN TESTS" in t.source
        visible = t.source.split("### BEGIN HIDDEN TESTS")[0]
        assert f'require_passed("{t.function}")' in visible, f"{t.grade_id}: validation would not see failed visible checks"


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_function_has_solution_test_and_cases(lab):
    tested = {t.function for t in graded_test_cells(lab)}
    solutions = set(solution_cells(lab))
    specs = {s.name for s in specs_for_lab(lab)}
    assert tested == specs, f"test cells {sorted(tested ^ specs)} and hidden cases disagree"
    assert tested <= solutions, f"test cells without a solution cell: {sorted(tested - solutions)}"


@pytest.mark.parametrize("lab", LABS)
def test_every_check_cell_records_its_function(lab):
    import re

    for cell in read_source(lab).cells:
        cid = nbgrader_meta(cell).get("grade_id", "")
        if cid.startswith("check_"):
            assert re.findall(r'passed\("([^"]+)"\)', cell.source) == [cid[len("check_"):]], \
                f"{lab}: {cid} must end with passed(\"{cid[len('check_'):]}\")"


@pytest.mark.parametrize("lab", LABS)
def test_source_notebook_is_clean(lab):
    nb = read_source(lab)
    for cell in nb.cells:
        assert not cell.get("outputs"), f"{lab}: a cell has outputs; clear them before committing"
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, f"{lab}: solution cell {meta['grade_id']} has no markers"
    ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"{lab}: duplicate nbgrader cell ids"
