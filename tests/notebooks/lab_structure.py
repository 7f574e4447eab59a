"""Read what a source notebook grades: test cells, their harness calls, and who calls whom."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import nbformat

from autograder.course import SOURCE

CALL = re.compile(r'check\((\w+), "([\w.]+)", points=([\d.]+)((?:, \w+=\w+)*)\)')


@dataclass
class TestCell:
    grade_id: str
    points: float
    function: str
    qualname: str
    call_points: float
    uses: tuple
    source: str


def read_source(lab: str):
    return nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_test_cells(lab: str) -> list[TestCell]:
    cells = []
    for cell in read_source(lab).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            match = CALL.search(cell.source)
            if not match:
                raise AssertionError(f"{lab}: test cell {meta['grade_id']} makes no harness call check(fn, \"lab.fn\", points=P)")
            uses = tuple(u.split("=")[0].strip(", ") for u in match.group(4).split(",") if u.strip())
            cells.append(TestCell(meta["grade_id"], float(meta["points"]), match.group(1), match.group(2),
                                  float(match.group(3)), uses, cell.source))
    return cells


def solution_cells(lab: str) -> dict[str, str]:
    return {nbgrader_meta(c)["grade_id"]: c.source for c in read_source(lab).cells if nbgrader_meta(c).get("solution")}


def _names(code: str) -> set:
    code = "\n".join(ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!")))
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def dependencies(lab: str) -> dict[str, set]:
    """``{test cell id: graded functions its result can depend on}`` (transitively through solution cells)."""
    solutions = solution_cells(lab)
    direct = {name: _names(code) & set(solutions) - {name} for name, code in solutions.items()}

    def closure(names: set) -> set:
        seen, todo = set(), list(names)
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            todo.extend(direct.get(n, ()))
        return seen

    return {t.grade_id: closure({t.function, *t.uses}) for t in graded_test_cells(lab)}
