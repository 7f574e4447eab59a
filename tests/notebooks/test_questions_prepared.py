"""Every question a lab asks is prepared by one of its cells, and no cell gives away what it asks to predict.

For every lab: each numbered item of the "Check your understanding" cell has an entry in
``tests/notebooks/claims/<lab>.py``'s ``UNDERSTANDING`` (``{item: phrase}``), a phrase of exactly one other
cell of ``source/<lab>/<lab>.ipynb``, the cell that computes or states what the item asks; every viva
question of the lab that asks for a derivation or an experiment's result has a ``prepared_by`` phrase of
exactly one cell. Where an item asks the student to predict or compute a number the lab also measures,
the lab's ``PREDICTED`` maps it to ``(variable, answer)``: the measuring cell (the item's cell) reads the
student's ``variable``, an earlier or the same cell sets it to ``None``, and the cell prints nothing while
it is ``None`` (a ``... is None`` test guards it); ``answer`` (a hand-computed number, written in the
claims module) appears in no cell before the questions. Static: reads the source notebooks, runs no kernel.
"""
from __future__ import annotations

import ast
import importlib
import re

import nbformat
import pytest

from autograder.course import SOURCE, labs
from autograder.viva.bank import cells_with, load_bank

LABS = labs()
HEADING = "## Check your understanding"
ASKS_A_RESULT = ("derivation", "experiment")


def _cells(lab: str) -> list:
    return nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4).cells


def _understanding(cells) -> tuple[int, dict[int, str]]:
    """(index of the cell, {item number: its text}) of the lab's "Check your understanding" cell."""
    (index,) = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and HEADING in c.source]
    after = cells[index].source.split(HEADING, 1)[1]
    parts = re.split(r"^(\d+)\.\s", after, flags=re.M)
    return index, {int(n): text.strip() for n, text in zip(parts[1::2], parts[2::2])}


def _claims(lab: str):
    try:
        return importlib.import_module(f"tests.notebooks.claims.{lab}")
    except ModuleNotFoundError as exc:
        pytest.fail(f"{lab}: no tests/notebooks/claims/{lab}.py ({exc})")


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_the_item_parser_reads_numbered_items_only():
    cell = nbformat.v4.new_markdown_cell(f"Notes.\n\n{HEADING}\n\n1. **A.** First,\n   continued.\n2. Second 3. not an item\n")
    index, items = _understanding([nbformat.v4.new_markdown_cell("x"), cell])
    assert index == 1 and items == {1: "**A.** First,\n   continued.", 2: "Second 3. not an item"}


@pytest.mark.parametrize("lab", LABS)
def test_every_understanding_item_names_the_one_cell_that_prepares_it(lab):
    cells = _cells(lab)
    index, items = _understanding(cells)
    understanding = _claims(lab).UNDERSTANDING
    assert sorted(understanding) == sorted(items), \
        f"{lab}: the questions are numbered {sorted(items)}, UNDERSTANDING has {sorted(understanding)}"
    sources = [c.source for c in cells]
    problems = []
    for item, phrase in sorted(understanding.items()):
        found = cells_with(phrase, sources)
        if len(found) != 1:
            problems.append(f"item {item}: {phrase!r} is in cells {found}, not in exactly one")
        elif found[0] == index:
            problems.append(f"item {item}: {phrase!r} is in the questions' own cell")
    assert not problems, f"{lab}: " + "; ".join(problems)


@pytest.mark.parametrize("lab", LABS)
def test_every_viva_question_that_asks_a_result_is_prepared_by_one_cell(lab, bank):
    sources = [c.source for c in _cells(lab)]
    questions = [q for q in bank if q.lab == lab]
    assert questions, f"{lab}: no viva questions"
    missing = [q.id for q in questions if q.kind in ASKS_A_RESULT and q.prepared_by is None]
    assert not missing, f"{lab}: derivation/experiment questions without prepared_by: {missing}"
    wrong = [(q.id, cells_with(q.prepared_by, sources)) for q in questions if q.prepared_by is not None]
    wrong = [(qid, found) for qid, found in wrong if len(found) != 1]
    assert not wrong, f"{lab}: prepared_by not in exactly one cell (question, cells): {wrong}"


def _reads(source: str) -> set[str]:
    code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _sets_to_none(source: str, name: str) -> bool:
    code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None \
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
    return False


@pytest.mark.parametrize("lab", LABS)
def test_no_cell_prints_what_an_item_asks_to_predict(lab):
    cells = _cells(lab)
    index, _ = _understanding(cells)
    claims = _claims(lab)
    sources = [c.source for c in cells]
    problems = []
    for item, (variable, answers) in sorted(getattr(claims, "PREDICTED", {}).items()):
        (cell,) = cells_with(claims.UNDERSTANDING[item], sources)
        if cells[cell].cell_type != "code" or variable not in _reads(sources[cell]):
            problems.append(f"item {item}: cell {cell} does not read the prediction {variable!r}")
        if not any(_sets_to_none(sources[j], variable) for j in range(cell + 1) if cells[j].cell_type == "code"):
            problems.append(f"item {item}: no cell up to {cell} sets {variable} = None for the student to fill in")
        if not re.search(rf"\b{re.escape(variable)} is None\b", sources[cell]):
            problems.append(f"item {item}: cell {cell} does not test `{variable} is None` before it shows the measurement")
        for answer in answers:
            shown = [j for j in range(index) if re.search(rf"(?<![\d.,]){re.escape(answer)}(?![\d,]|\.\d)", sources[j])]
            if shown:
                problems.append(f"item {item}: the answer {answer} is written in cell(s) {shown}")
    assert not problems, f"{lab}: " + "; ".join(problems)
