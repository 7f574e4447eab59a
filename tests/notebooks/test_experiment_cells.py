"""A lab's "# Experiment" cells and visible checks can be skipped by grading without changing a score.

Grading skips them (autograder.cohort.nbgrader_preprocessors.MarkSkippedCells): that is only fair if no
cell that still runs reads a name a skipped cell binds, and if no test or solution cell carries the
marker. Checked on every source notebook, statically (tools/experiment_cells.py follows each name an
experiment binds until a later statement binds it again).
"""
import nbformat
import pytest

from autograder.cohort.nbgrader_preprocessors import EXPERIMENT_MARKER, is_experiment, skipped_while_grading
from autograder.course import SOURCE, labs
from tools.experiment_cells import bound_names, readers_of, statements

LABS = labs()


def _code_cells(lab):
    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


@pytest.mark.parametrize("lab", LABS)
def test_marked_cells_are_demonstrations_only(lab):
    marked = [(i, c) for i, c in _code_cells(lab) if c.source.lstrip().startswith(EXPERIMENT_MARKER)]
    wrong = [i for i, c in marked if not is_experiment(c)]
    assert not wrong, f"{lab}: cells {wrong} start with {EXPERIMENT_MARKER!r} but are test or solution cells"


@pytest.mark.parametrize("lab", LABS)
def test_no_cell_that_runs_reads_a_name_a_skipped_cell_binds(lab):
    cells = _code_cells(lab)
    skipped = {i for i, c in cells if skipped_while_grading(c)}
    assert any(not is_experiment(c) for i, c in cells if i in skipped), f"{lab}: grading skips no visible check"
    problems = []
    for k, (i, cell) in enumerate(cells):
        if i not in skipped:
            continue
        later = [(j, c.source) for j, c in cells[k + 1:]]
        for j, names in readers_of(bound_names(cell.source), later).items():
            if j not in skipped:
                problems.append(f"cell {j} reads {sorted(names)} from skipped cell {i}")
    assert not problems, f"{lab}: " + "; ".join(problems)


def test_the_name_analysis_sees_a_read_and_a_rebinding():
    """The checker itself: a read after the experiment is found; a name bound again first is not."""
    experiment = "ae = train(3)\nscores = [ae(x) for x in data]"
    assert readers_of(bound_names(experiment), [(5, "print(scores)")]) == {5: {"scores"}}
    assert readers_of(bound_names(experiment), [(5, "scores = []\nprint(scores)")]) == {}
    assert readers_of(bound_names(experiment), [(5, "def f(ae):\n    return ae + 1")]) == {}  # a parameter
    assert bound_names("import numpy as np\nfor i in range(3):\n    pass\ndef g(): return 1") == {"np", "i", "g"}
    assert len(statements("%matplotlib inline\nx = 1")) == 1  # magics are not Python
    # a comprehension's loop variable is its own: lab 4's check binds `a`, a later cell loops `for a, act in ...`
    assert readers_of({"a"}, [(5, "s = {(a, i): f(a) for a, act in acts.items() for i in range(2)}")]) == {}
    assert readers_of({"a"}, [(5, "s = [x for x in a]")]) == {5: {"a"}}  # its first iterable is read outside
    assert readers_of({"a"}, [(5, "s = [a for x in b]")]) == {5: {"a"}}
